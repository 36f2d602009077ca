// SparseTile co-simulation harness for the Verilator model of the accelerator's top (`<prefix>accel`;
// Verilated with `--prefix Vaccel`, so the model class is `Vaccel` whatever the top is called).
//
// Drives exactly the top-level ports of docs/microarchitecture.md §15:
//   * models the DRAM behind the memory port of §7.1 under a memory profile: the request channel's
//     ready (always 1 under `fixed`; under `random` low in a cycle when a seeded draw says so), a read
//     accepted in cycle t returns in order at max(t + latency, previous return + 1) with the latency
//     L (fixed) or drawn per read (random), presented on mem_rsp_valid/mem_rsp_rdata for that one
//     cycle; writes are applied in their accept cycle with the byte strobe; every accepted request
//     is one beat. The draws are those of AcceleratorSpec/MemoryProfile.swift (`MemoryTiming`);
//   * checks the port's protocol: a request presented and not accepted is presented again, unchanged,
//     in the next cycle (valid never waits for ready and never withdraws), and mem_rsp_ready is high
//     whenever a response is presented;
//   * programs the CSRs of §8 (one write per cycle), writes CTRL.start in cycle -1, then clocks
//     the design from cycle 0 until `done` reads 1 (that cycle is the layer's cycle count,
//     counted here, independently of the RTL's CYCLES CSR, which is read back and reported too);
//   * a watchdog turns a hang into "hang at cycle N" with the event counters (exit code 3);
//   * rebuilds the per-tile trace of §10 from the ev_* pulses and the list of (pass, tile)
//     records given in the job file (events of one kind come in tile order, passes in order).
//
// Usage:
//   sim --job JOB.txt --mem IMAGE.bin --out-mem OUT.bin --result RESULT.txt --trace TRACE.csv
//       [--trace-fst WAVE.fst] [--max-cycles N]
//
// JOB.txt: whitespace-separated "key value..." lines ('#' starts a comment):
//   word_bytes B | latency L | watchdog CYCLES | mem_words N | output_base W | output_words N
//   mem_profile fixed | mem_profile random MIN MAX STALL_PER_65536 | mem_seed S
//   csr ADDR VALUE            (repeatable, written in order before the start pulse)
//   warmup_csr ADDR VALUE     (repeatable) a warm-up run before the layer: these CSRs, a start pulse, clocked
//                             under the fixed profile until done, its writes applied; it loads a preloaded
//                             layer's first pass (docs/microarchitecture.md §7.2, weight handoff): a run
//                             without tiles, or the previous layer itself; the layer's cycles start after it
//   tile PASS INDEX TY TX COMPUTE_CYCLES   (repeatable; in pass then raster order; COMPUTE_CYCLES = G*Kc)
// IMAGE.bin: the memory image, mem_words * B bytes (little-endian words, §5); or IMAGE.hex, one word
//            per line, most significant byte first ($readmemh layout, as the testbench's image.hex).
// OUT.bin:   the output region after the run (output_words * B bytes).
// RESULT.txt: "key value" lines (status, cycles, rtl_cycles, rtl_busy, rtl_stall_<cause> for every
//            stall counter of the header, rtl_beats_*, beats_read, beats_written, events_*, extra_*).
// TRACE.csv: the §10 CSV (header + one row per record; -1 where an event never came).
//
// Exit codes: 0 done, 2 usage or I/O error, 3 hang (watchdog), 4 DRAM protocol error.
//
// Register offsets and fields come from the C header generated beside the Verilog from the register
// map (AcceleratorGenerator.registerHeader, docs/accelerator-rtl.md); the build passes its file name
// as -DST_REGS_HEADER=<name> and its directory with -I. Nothing here knows an offset.

#include "Vaccel.h"
#include "verilated.h"
#ifndef ST_REGS_HEADER
#error "build with -DST_REGS_HEADER=<the generated register header's file name> (see Sources/CoSim/BuildCache.swift)"
#endif
#define ST_STRINGIFY2(x) #x
#define ST_STRINGIFY(x) ST_STRINGIFY2(x)
#include ST_STRINGIFY(ST_REGS_HEADER)
#if VM_TRACE
#include "verilated_fst_c.h"
#endif

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// ---- access to Verilator port types of any width --------------------------------------------
template <typename T> void setBytes(T& dst, const uint8_t* p, int n) {
    uint64_t v = 0;
    for (int j = 0; j < n && j < 8; ++j) v |= uint64_t(p[j]) << (8 * j);
    dst = static_cast<T>(v);
}
template <std::size_t N> void setBytes(VlWide<N>& dst, const uint8_t* p, int n) {
    for (std::size_t i = 0; i < N; ++i) {
        uint32_t w = 0;
        for (int b = 0; b < 4; ++b) {
            int idx = int(i) * 4 + b;
            if (idx < n) w |= uint32_t(p[idx]) << (8 * b);
        }
        dst[i] = w;
    }
}
template <typename T> uint8_t getByte(const T& v, int j) { return uint8_t(uint64_t(v) >> (8 * j)); }
template <std::size_t N> uint8_t getByte(const VlWide<N>& v, int j) { return uint8_t(v[j / 4] >> (8 * (j % 4))); }
template <typename T> bool getBit(const T& v, int j) { return (uint64_t(v) >> j) & 1; }
template <std::size_t N> bool getBit(const VlWide<N>& v, int j) { return (v[j / 32] >> (j % 32)) & 1; }

struct TileRecord {
    long pass = 0, index = 0, ty = 0, tx = 0, computeLen = 0;
    long loadStart = -1, loadEnd = -1, computeStart = -1, storeStart = -1, storeEnd = -1;
};

struct Job {
    int B = 0;
    long L = 0;
    long watchdog = 1000000;
    long memWords = 0, outBase = 0, outWords = 0;
    std::vector<std::pair<unsigned, uint32_t>> csrs, warmupCsrs;
    std::vector<TileRecord> tiles;
    bool randomMemory = false;
    long latMin = 0, latMax = 0, stallThreshold = 0;
    uint64_t memSeed = 1;
};

// ---- the memory profile's draws (AcceleratorSpec/MemoryProfile.swift, MemoryTiming) ----------
// Draw i of stream k is output i (from 0) of SplitMix64 seeded with seed ^ k.
constexpr uint64_t kReadyStream = 0x5245515245414459ull;    // "REQREADY"
constexpr uint64_t kLatencyStream = 0x4C4154454E435900ull;  // "LATENCY\0"
uint64_t draw(uint64_t seed, uint64_t stream, uint64_t i) {
    uint64_t z = (seed ^ stream) + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
bool requestReady(const Job& j, long t) {
    if (!j.randomMemory || j.stallThreshold == 0) return true;
    return long(draw(j.memSeed, kReadyStream, uint64_t(t)) >> 48) >= j.stallThreshold;
}
long readLatency(const Job& j, long n) {
    if (!j.randomMemory) return j.L;
    return j.latMin + long(draw(j.memSeed, kLatencyStream, uint64_t(n)) % uint64_t(j.latMax - j.latMin + 1));
}

[[noreturn]] void die(int code, const std::string& msg) {
    std::fprintf(stderr, "harness: %s\n", msg.c_str());
    std::exit(code);
}

Job readJob(const std::string& path) {
    std::ifstream in(path);
    if (!in) die(2, "cannot open job file " + path);
    Job j;
    std::string line;
    int lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        auto hash = line.find('#');
        if (hash != std::string::npos) line.resize(hash);
        std::istringstream ss(line);
        std::string key;
        if (!(ss >> key)) continue;
        auto num = [&](long& v) {
            std::string tok;
            if (!(ss >> tok)) die(2, path + ":" + std::to_string(lineNo) + ": missing value for " + key);
            v = std::strtol(tok.c_str(), nullptr, 0);
        };
        long a = 0, b = 0;
        if (key == "word_bytes") { num(a); j.B = int(a); }
        else if (key == "latency") num(j.L);
        else if (key == "watchdog") num(j.watchdog);
        else if (key == "mem_words") num(j.memWords);
        else if (key == "output_base") num(j.outBase);
        else if (key == "output_words") num(j.outWords);
        else if (key == "mem_profile") {
            std::string kind;
            if (!(ss >> kind)) die(2, path + ":" + std::to_string(lineNo) + ": missing value for mem_profile");
            if (kind == "fixed") j.randomMemory = false;
            else if (kind == "random") { j.randomMemory = true; num(j.latMin); num(j.latMax); num(j.stallThreshold); }
            else die(2, path + ":" + std::to_string(lineNo) + ": unknown memory profile '" + kind + "'");
        } else if (key == "mem_seed") {
            std::string tok;
            if (!(ss >> tok)) die(2, path + ":" + std::to_string(lineNo) + ": missing value for mem_seed");
            j.memSeed = std::strtoull(tok.c_str(), nullptr, 0);
        }
        else if (key == "csr") { num(a); num(b); j.csrs.push_back({unsigned(a), uint32_t(uint64_t(b))}); }
        else if (key == "warmup_csr") { num(a); num(b); j.warmupCsrs.push_back({unsigned(a), uint32_t(uint64_t(b))}); }
        else if (key == "tile") {
            TileRecord r;
            num(r.pass); num(r.index); num(r.ty); num(r.tx); num(r.computeLen);
            j.tiles.push_back(r);
        } else die(2, path + ":" + std::to_string(lineNo) + ": unknown key '" + key + "'");
    }
    if (j.B < 4 || (j.B & (j.B - 1))) die(2, "job: word_bytes must be a power of two >= 4");
    if (j.L < 1) die(2, "job: latency must be >= 1");
    if (j.randomMemory && (j.latMin < 1 || j.latMax < j.latMin)) die(2, "job: mem_profile random needs 1 <= MIN <= MAX");
    if (j.randomMemory && (j.stallThreshold < 0 || j.stallThreshold >= 65536)) die(2, "job: stall threshold must be in 0...65535");
    if (j.memWords <= 0) die(2, "job: mem_words must be positive");
    if (j.outBase < 0 || j.outBase + j.outWords > j.memWords) die(2, "job: output region outside the image");
    return j;
}

}  // namespace

int main(int argc, char** argv) {
    std::string jobPath, memPath, outPath, resultPath, tracePath, fstPath;
    long maxCycles = -1;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) die(2, "missing value after " + a);
            return argv[++i];
        };
        if (a == "--job") jobPath = next();
        else if (a == "--mem") memPath = next();
        else if (a == "--out-mem") outPath = next();
        else if (a == "--result") resultPath = next();
        else if (a == "--trace") tracePath = next();
        else if (a == "--trace-fst") fstPath = next();
        else if (a == "--max-cycles") maxCycles = std::strtol(next().c_str(), nullptr, 0);
        else if (a.rfind("+verilator", 0) == 0) continue;
        else die(2, "unknown argument " + a);
    }
    if (jobPath.empty() || memPath.empty()) die(2, "usage: sim --job JOB --mem IMAGE [--out-mem F] [--result F] [--trace F] [--trace-fst F]");
    Job job = readJob(jobPath);
    if (maxCycles > 0) job.watchdog = maxCycles;
    const int B = job.B;

    std::vector<uint8_t> mem(size_t(job.memWords) * B, 0);
    if (memPath.size() > 4 && memPath.compare(memPath.size() - 4, 4, ".hex") == 0) {
        // $readmemh layout (as written by the testbench): one word per line, most significant byte first.
        std::ifstream in(memPath);
        if (!in) die(2, "cannot open memory image " + memPath);
        std::string tok;
        long w = 0;
        while (in >> tok) {
            if (tok.rfind("//", 0) == 0) { std::getline(in, tok); continue; }
            if (w >= job.memWords) die(2, "memory image " + memPath + " has more than mem_words words");
            if (long(tok.size()) > 2 * B) die(2, "memory image " + memPath + ": word '" + tok + "' wider than B bytes");
            tok = std::string(size_t(2 * B) - tok.size(), '0') + tok;
            for (int j = 0; j < B; ++j) {
                const std::string byte = tok.substr(size_t(2 * (B - 1 - j)), 2);
                mem[size_t(w) * B + size_t(j)] = uint8_t(std::strtoul(byte.c_str(), nullptr, 16));
            }
            ++w;
        }
    } else {
        std::ifstream in(memPath, std::ios::binary);
        if (!in) die(2, "cannot open memory image " + memPath);
        in.read(reinterpret_cast<char*>(mem.data()), std::streamsize(mem.size()));
        if (in.gcount() != std::streamsize(mem.size()))
            die(2, "memory image " + memPath + " has " + std::to_string(in.gcount()) + " bytes, job says " +
                       std::to_string(mem.size()));
    }

    auto* ctx = new VerilatedContext;
    // The +verilator+… arguments (X seeds: +verilator+rand+reset+2 +verilator+seed+N) reach the
    // context before the model exists: its constructor draws the initial values of every variable.
    ctx->commandArgs(argc, argv);
    auto* top = new Vaccel{ctx};
    if (int(sizeof(top->mem_rsp_rdata)) * 8 < 8 * B)
        die(2, "the RTL's DRAM word is narrower than word_bytes " + std::to_string(B) + " (wrong build for this config)");

#if VM_TRACE
    VerilatedFstC* fst = nullptr;
    if (!fstPath.empty()) {
        ctx->traceEverOn(true);
        fst = new VerilatedFstC;
        top->trace(fst, 99);
        fst->open(fstPath.c_str());
    }
#else
    if (!fstPath.empty()) die(2, "--trace-fst needs a build with --trace-fst (sparsetile builds one when asked for a waveform)");
#endif
    uint64_t simTime = 0;
    auto dump = [&]() {
#if VM_TRACE
        if (fst) fst->dump(simTime);
#endif
        simTime += 5;
    };
    // One rising edge: the cycle's inputs are already applied and evaluated.
    auto tick = [&]() {
        top->clk = 1; top->eval(); dump();
        top->clk = 0; top->eval(); dump();
    };

    // Reset, idle inputs.
    top->clk = 0; top->rst = 1; top->csr_we = 0; top->csr_addr = 0; top->csr_wdata = 0;
    top->mem_rsp_valid = 0;
    top->mem_req_ready = 0;
    {
        std::vector<uint8_t> zero(size_t(B), 0);
        setBytes(top->mem_rsp_rdata, zero.data(), B);
    }
    top->eval(); dump();
    for (int i = 0; i < 4; ++i) tick();
    top->rst = 0; top->eval();
    tick();

    // The warm-up run (a preloaded layer, §7.2): reads answered L cycles later in order, writes applied.
    // A request outside the image there is the run's protocol error, a hang there the run's hang.
    // CSR programming: one write per cycle, then CTRL.start (the run's cycle -1).
    auto program = [&](const std::vector<std::pair<unsigned, uint32_t>>& csrs) {
        for (auto& [addr, value] : csrs) {
            top->csr_we = 1; top->csr_addr = addr; top->csr_wdata = value; top->eval(); tick();
        }
        top->csr_we = 1; top->csr_addr = SPARSETILE_CTRL_OFFSET; top->csr_wdata = SPARSETILE_FIELD(CTRL, START, 1);
        top->eval(); tick();
        top->csr_we = 0; top->csr_addr = 0; top->csr_wdata = 0;
    };
    std::string protocolError;
    bool warmupHang = false;
    if (!job.warmupCsrs.empty()) {
        program(job.warmupCsrs);
        std::deque<std::pair<long, std::vector<uint8_t>>> pending;
        std::vector<uint8_t> none(size_t(B), 0);
        long w = 0;
        for (; w <= job.watchdog; ++w) {
            const bool rspNow = !pending.empty() && pending.front().first == w;
            top->mem_rsp_valid = rspNow ? 1 : 0;
            setBytes(top->mem_rsp_rdata, rspNow ? pending.front().second.data() : none.data(), B);
            top->mem_req_ready = 1;
            top->eval();
            if (rspNow) pending.pop_front();
            if (top->mem_req_valid) {
                const uint64_t addr = uint64_t(top->mem_req_addr);
                if (addr >= uint64_t(job.memWords)) {
                    protocolError = "warm-up run (before the layer), its cycle " + std::to_string(w) + ": request to word " +
                                    std::to_string(addr) + " outside the image (" + std::to_string(job.memWords) + " words)";
                    break;
                }
                uint8_t* p = mem.data() + addr * uint64_t(B);
                if (top->mem_req_write) {
                    for (int j = 0; j < B; ++j)
                        if (getBit(top->mem_req_wstrb, j)) p[j] = getByte(top->mem_req_wdata, j);
                } else {
                    const long at = std::max(w + job.L, pending.empty() ? 0 : pending.back().first + 1);
                    pending.emplace_back(at, std::vector<uint8_t>(p, p + B));
                }
            }
            if (top->done) break;
            tick();
        }
        warmupHang = w > job.watchdog;
        top->mem_rsp_valid = 0; top->mem_req_ready = 0; top->eval();
        tick();
    }

    program(job.csrs);

    // Read responses in flight, in order: (arrival cycle, data read when the request was accepted).
    std::deque<std::pair<long, std::vector<uint8_t>>> responses;
    long readsAccepted = 0, lastArrival = -1;
    // The request presented and not accepted in the previous cycle (it must come again unchanged).
    bool held = false;
    bool heldWrite = false;
    uint64_t heldAddr = 0;
    std::vector<uint8_t> heldData(size_t(B), 0), heldStrb(size_t(B), 0);
    std::vector<uint8_t> zero(size_t(B), 0);
    long beatsRead = 0, beatsWritten = 0, lastRequest = -1;
    long evCount[5] = {0, 0, 0, 0, 0}, evExtra[5] = {0, 0, 0, 0, 0};
    const char* evNames[5] = {"load_start", "load_ready", "compute_start", "store_start", "store_end"};
    const long nTiles = long(job.tiles.size());

    auto t0 = std::chrono::steady_clock::now();
    long t = 0, cycles = -1;
    for (; t <= job.watchdog && protocolError.empty() && !warmupHang; ++t) {
        const bool rspNow = !responses.empty() && responses.front().first == t;
        top->mem_rsp_valid = rspNow ? 1 : 0;
        setBytes(top->mem_rsp_rdata, rspNow ? responses.front().second.data() : zero.data(), B);
        const bool ready = requestReady(job, t);
        top->mem_req_ready = ready ? 1 : 0;
        top->eval();
        if (rspNow) {
            if (!top->mem_rsp_ready) {
                protocolError = "cycle " + std::to_string(t) + ": read response presented while mem_rsp_ready is low";
                break;
            }
            responses.pop_front();
        }

        // Events of cycle t.
        const bool ev[5] = {bool(top->ev_load_start), bool(top->ev_load_ready), bool(top->ev_compute_start),
                            bool(top->ev_store_start), bool(top->ev_store_end)};
        for (int k = 0; k < 5; ++k) {
            if (!ev[k]) continue;
            long i = evCount[k]++;
            if (i >= nTiles) { ++evExtra[k]; continue; }
            TileRecord& r = job.tiles[size_t(i)];
            switch (k) {
                case 0: r.loadStart = t; break;
                case 1: r.loadEnd = t; break;
                case 2: r.computeStart = t; break;
                case 3: r.storeStart = t; break;
                case 4: r.storeEnd = t; break;
            }
        }
        // The request of cycle t.
        if (held) {
            bool same = top->mem_req_valid && bool(top->mem_req_write) == heldWrite && uint64_t(top->mem_req_addr) == heldAddr;
            for (int j = 0; same && heldWrite && j < B; ++j)
                same = getByte(top->mem_req_wdata, j) == heldData[size_t(j)] && getBit(top->mem_req_wstrb, j) == bool(heldStrb[size_t(j)]);
            if (!same) {
                protocolError = "cycle " + std::to_string(t) + ": the " + (heldWrite ? "write" : "read") + " request to word " +
                                std::to_string(heldAddr) + " was not accepted in cycle " + std::to_string(t - 1) +
                                " (mem_req_ready low) and is not presented again unchanged";
                break;
            }
        }
        held = top->mem_req_valid && !ready;
        if (held) {
            heldWrite = top->mem_req_write;
            heldAddr = uint64_t(top->mem_req_addr);
            for (int j = 0; j < B; ++j) {
                heldData[size_t(j)] = getByte(top->mem_req_wdata, j);
                heldStrb[size_t(j)] = getBit(top->mem_req_wstrb, j);
            }
        }
        if (top->mem_req_valid && ready) {
            lastRequest = t;
            const uint64_t addr = uint64_t(top->mem_req_addr);
            if (addr >= uint64_t(job.memWords)) {
                protocolError = "cycle " + std::to_string(t) + ": " + (top->mem_req_write ? "write" : "read") +
                                " request to word " + std::to_string(addr) + " outside the image (" +
                                std::to_string(job.memWords) + " words)";
                break;
            }
            uint8_t* w = mem.data() + addr * uint64_t(B);
            if (top->mem_req_write) {
                ++beatsWritten;
                for (int j = 0; j < B; ++j)
                    if (getBit(top->mem_req_wstrb, j)) w[j] = getByte(top->mem_req_wdata, j);
            } else {
                ++beatsRead;
                lastArrival = std::max(t + readLatency(job, readsAccepted++), lastArrival + 1);
                responses.emplace_back(lastArrival, std::vector<uint8_t>(w, w + B));
            }
        }
        if (top->done) { cycles = t; break; }
        tick();
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    auto csr = [&](unsigned addr) -> uint32_t {
        top->csr_we = 0; top->csr_addr = addr; top->eval();
        return uint32_t(top->csr_rdata);
    };
    const uint32_t status = csr(SPARSETILE_STATUS_OFFSET);
    const uint64_t rtlCycles = uint64_t(csr(SPARSETILE_CYCLES_LO_OFFSET)) | (uint64_t(csr(SPARSETILE_CYCLES_HI_OFFSET)) << 32);
    const uint64_t rtlBusy = uint64_t(csr(SPARSETILE_BUSY_LO_OFFSET)) | (uint64_t(csr(SPARSETILE_BUSY_HI_OFFSET)) << 32);
    // Every stall counter of the map, in its order: (cause, value).
    std::vector<std::pair<const char*, uint32_t>> stalls;
#define ST_READ_STALL(cause, offset) stalls.push_back({#cause, csr(offset)});
    SPARSETILE_STALL_COUNTERS(ST_READ_STALL)
#undef ST_READ_STALL
    const uint32_t rtlBeatsRd = csr(SPARSETILE_BEATS_RD_OFFSET), rtlBeatsWr = csr(SPARSETILE_BEATS_WR_OFFSET);

    const bool hang = cycles < 0 && protocolError.empty();
    if (hang) t = job.watchdog;  // the last cycle simulated
    std::string evSummary;
    for (int k = 0; k < 5; ++k) {
        evSummary += std::string(k ? ", " : "") + evNames[k] + " " + std::to_string(evCount[k]) + "/" + std::to_string(nTiles);
    }
    if (!resultPath.empty()) {
        std::ofstream r(resultPath);
        r << "status " << (!protocolError.empty() ? "protocol" : hang ? "hang" : "done") << "\n";
        r << "cycles " << (hang || !protocolError.empty() ? t : cycles) << "\n";
        r << "rtl_cycles " << rtlCycles << "\n";
        r << "rtl_busy " << rtlBusy << "\n";
        for (auto& [cause, value] : stalls) r << "rtl_stall_" << cause << " " << value << "\n";
        r << "rtl_beats_read " << rtlBeatsRd << "\n";
        r << "rtl_beats_written " << rtlBeatsWr << "\n";
        r << "status_error " << SPARSETILE_GET(STATUS, ERROR, status) << "\n";
        r << "beats_read " << beatsRead << "\n";
        r << "beats_written " << beatsWritten << "\n";
        r << "last_request " << lastRequest << "\n";
        for (int k = 0; k < 5; ++k) r << "events_" << evNames[k] << " " << evCount[k] << "\n";
        for (int k = 0; k < 5; ++k) r << "extra_" << evNames[k] << " " << evExtra[k] << "\n";
        r << "wall_seconds " << wall << "\n";
        if (!protocolError.empty()) r << "error " << protocolError << "\n";
    }
    if (!tracePath.empty()) {
        std::ofstream tr(tracePath);
        tr << "pass,index,ty,tx,loadStart,loadEnd,computeStart,computeEnd,storeStart,storeEnd\n";
        for (auto& x : job.tiles) {
            long ce = x.computeStart < 0 ? -1 : x.computeStart + x.computeLen;
            tr << x.pass << ',' << x.index << ',' << x.ty << ',' << x.tx << ',' << x.loadStart << ',' << x.loadEnd << ','
               << x.computeStart << ',' << ce << ',' << x.storeStart << ',' << x.storeEnd << "\n";
        }
    }
    if (!outPath.empty()) {
        std::ofstream o(outPath, std::ios::binary);
        o.write(reinterpret_cast<const char*>(mem.data() + size_t(job.outBase) * B), std::streamsize(job.outWords * B));
        if (!o) die(2, "cannot write " + outPath);
    }
#if VM_TRACE
    if (fst) { fst->close(); delete fst; }
#endif
    top->final();
    delete top;
    delete ctx;
    if (!protocolError.empty()) {
        std::fprintf(stderr, "protocol error at %s (events: %s)\n", protocolError.c_str(), evSummary.c_str());
        return 4;
    }
    if (hang) {
        std::fprintf(stderr, "hang at cycle %ld: done never rose (watchdog %ld); events %s; read beats %ld, write beats %ld, last request in cycle %ld\n",
                     t, job.watchdog, evSummary.c_str(), beatsRead, beatsWritten, lastRequest);
        return 3;
    }
    return 0;
}
