import AcceleratorSpec
import Foundation
import RTLGen

/// A minimal Verilator harness for the accelerator's top (independent of sim/; Verilated with
/// `--prefix Vaccel`, whatever the top module is called): DRAM modelled exactly
/// per the fixed profile of §7.1 (request channel always ready, read data returned exactly L cycles later, posted writes with
/// byte strobes), CSRs written through the §15 port, event pulses recorded with their cycle.
/// Register offsets come from the generated C header (`AcceleratorGenerator.registerHeader`),
/// whose file name the build passes as `ST_REGS_HEADER`.
enum AcceleratorHarness {
    static let driver = #"""
#include "Vaccel.h"
#include "verilated.h"
#define ST_STR2(x) #x
#define ST_STR(x) ST_STR2(x)
#include ST_STR(ST_REGS_HEADER)
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <vector>
#include <deque>
#include <cstring>
#include <chrono>

static void setWide(uint32_t* dst, const uint8_t* src, int bytes) {
  for (int i = 0; i < (bytes + 3) / 4; i++) { uint32_t w = 0; for (int b = 0; b < 4 && 4*i+b < bytes; b++) w |= uint32_t(src[4*i+b]) << (8*b); dst[i] = w; }
}
template<typename T> static void setData(T& port, const uint8_t* src, int bytes) {
  if constexpr (sizeof(T) <= 8) { uint64_t v = 0; for (int b = 0; b < bytes; b++) v |= uint64_t(src[b]) << (8*b); port = (T)v; }
  else setWide((uint32_t*)port.data(), src, bytes);
}
template<typename T> static void getData(const T& port, uint8_t* dst, int bytes) {
  if constexpr (sizeof(T) <= 8) { uint64_t v = (uint64_t)port; for (int b = 0; b < bytes; b++) dst[b] = (v >> (8*b)) & 0xff; }
  else { const uint32_t* w = (const uint32_t*)port.data(); for (int b = 0; b < bytes; b++) dst[b] = (w[b/4] >> (8*(b%4))) & 0xff; }
}
template<typename T> static uint64_t getU(const T& port) {
  if constexpr (sizeof(T) <= 8) return (uint64_t)port; else return ((const uint32_t*)port.data())[0] | (uint64_t(((const uint32_t*)port.data())[1]) << 32);
}

int main(int argc, char** argv) {
  if (argc < 3) { fprintf(stderr, "usage: harness DIR maxcycles\n"); return 2; }
  std::string dir = argv[1]; long maxCycles = atol(argv[2]);
  FILE* f = fopen((dir + "/run.txt").c_str(), "r");
  int L, B; long nwords; int ncsr;
  if (fscanf(f, "%d %d %ld %d", &L, &B, &nwords, &ncsr) != 4) return 3;
  std::vector<std::pair<unsigned, unsigned>> csrs(ncsr);
  for (auto& c : csrs) if (fscanf(f, "%u %u", &c.first, &c.second) != 2) return 3;
  fclose(f);
  std::vector<uint8_t> mem(nwords * B);
  f = fopen((dir + "/image.bin").c_str(), "rb"); if (fread(mem.data(), 1, mem.size(), f) != mem.size()) return 4; fclose(f);
  Verilated::commandArgs(argc, argv);
  Vaccel* top = new Vaccel;
  auto tick = [&]() { top->clk = 0; top->eval(); top->clk = 1; top->eval(); top->clk = 0; top->eval(); };
  top->rst = 1; top->csr_we = 0; top->mem_rsp_valid = 0; top->mem_req_ready = 1; tick(); tick(); top->rst = 0;
  for (auto& c : csrs) { top->csr_we = 1; top->csr_addr = c.first; top->csr_wdata = c.second; tick(); }
  top->csr_we = 1; top->csr_addr = SPARSETILE_CTRL_OFFSET; top->csr_wdata = SPARSETILE_FIELD(CTRL, START, 1); tick();   // cycle -1: start
  top->csr_we = 0;
  std::deque<std::pair<long, long>> pending;  // (cycle due, address)
  FILE* ev = fopen((dir + "/events.txt").c_str(), "w");
  long t = 0, cycles = -1, bad = 0;
  std::vector<uint8_t> buf(B);
  auto t0 = std::chrono::steady_clock::now();
  for (; t < maxCycles; t++) {
    if (!pending.empty() && pending.front().first == t) {
      long a = pending.front().second; pending.pop_front();
      top->mem_rsp_valid = 1;
      if (a >= 0 && a < nwords) setData(top->mem_rsp_rdata, &mem[a * B], B); else { memset(buf.data(), 0, B); setData(top->mem_rsp_rdata, buf.data(), B); bad++; }
    } else { top->mem_rsp_valid = 0; }
    top->eval();
    if (top->ev_load_start) fprintf(ev, "load_start %ld\n", t);
    if (top->ev_load_ready) fprintf(ev, "load_ready %ld\n", t);
    if (top->ev_compute_start) fprintf(ev, "compute_start %ld\n", t);
    if (top->ev_store_start) fprintf(ev, "store_start %ld\n", t);
    if (top->ev_store_end) fprintf(ev, "store_end %ld\n", t);
    if (top->done && !top->busy) { cycles = t; break; }
    if (top->mem_req_valid) {
      long a = (long)top->mem_req_addr;
      if (top->mem_req_write) {
        getData(top->mem_req_wdata, buf.data(), B);
        uint8_t strbBytes[32] = {0};
        getData(top->mem_req_wstrb, strbBytes, (B + 7) / 8);
        uint64_t strb[4] = {0,0,0,0};
        for (int i = 0; i < (B + 7) / 8; i++) strb[i / 8] |= uint64_t(strbBytes[i]) << (8 * (i % 8));
        if (a >= 0 && a < nwords) { for (int b = 0; b < B; b++) if ((strb[b/64] >> (b%64)) & 1) mem[a * B + b] = buf[b]; } else bad++;
      } else pending.push_back({t + L, a});
    }
    top->clk = 1; top->eval(); top->clk = 0;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fclose(ev);
  FILE* o = fopen((dir + "/result.txt").c_str(), "w");
  fprintf(o, "cycles %ld\nbad %ld\nseconds %.6f\n", cycles, bad, secs);
  top->csr_we = 0;
#define ST_READ(name, offset, access) { top->csr_addr = offset; top->eval(); fprintf(o, "csr %s %u\n", #name, (unsigned)top->csr_rdata); }
  SPARSETILE_REGISTERS(ST_READ)
#undef ST_READ
  fclose(o);
  f = fopen((dir + "/out.bin").c_str(), "wb"); fwrite(mem.data(), 1, mem.size(), f); fclose(f);
  delete top;
  return cycles < 0 ? 1 : 0;
}
"""#

    /// Verilates the design for `config` once (cached by config hash and design text) and returns the executable.
    /// Cached under the package's .build (per checkout; not $TMPDIR, which other sessions' tests may clean);
    /// built in a scratch directory unique to this process and renamed into place, so two processes
    /// testing the same checkout at once never build into (or delete) each other's directory.
    static func build(config: HardwareConfig, registers: RegisterMap = .standard) throws -> URL {
        let pkg = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let gen = try AcceleratorGenerator(config: config, registers: registers)
        let files = try gen.files()
        let header = gen.registerHeader()
        let rtlHash = StableHash.fnv1a64(files.map(\.contents).joined() + header.fileName + header.contents)
        let root = pkg.appendingPathComponent(".build/accel-verilator")
        let dir = root.appendingPathComponent("\(config.contentHash)-\(StableHash.fnv1a64(driver + rtlHash))")
        let exe = dir.appendingPathComponent("obj/Vaccel")
        let fm = FileManager.default
        if fm.isExecutableFile(atPath: exe.path) { return exe }
        let work = root.appendingPathComponent(".tmp-\(config.contentHash)-\(getpid())-\(UUID().uuidString)")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        var paths: [String] = []
        for f in files {
            let p = work.appendingPathComponent(f.fileName); try f.contents.write(to: p, atomically: true, encoding: .utf8); paths.append(f.fileName)
        }
        try header.contents.write(to: work.appendingPathComponent(header.fileName), atomically: true, encoding: .utf8)
        try driver.write(to: work.appendingPathComponent("harness.cpp"), atomically: true, encoding: .utf8)
        // The C++ compiles in obj/: the header is one directory up.
        try HDLTools.run(HDLTools.verilator!, ["--cc", "--exe", "--build", "-j", "2", "-O1", "--x-assign", "fast", "--x-initial", "fast",
                                               "-Wno-fatal", "-Wno-lint", "-Wno-style", "--top-module", gen.top, "--prefix", "Vaccel",
                                               "-Mdir", "obj", "-CFLAGS", "-O1 -std=c++17", "-CFLAGS", "-I..",
                                               "-CFLAGS", "-DST_REGS_HEADER=\(header.fileName)", "harness.cpp"] + paths, in: work)
        // The executable is self-contained; whoever renames first wins, the other build is discarded.
        if !fm.isExecutableFile(atPath: exe.path) { try? fm.moveItem(at: work, to: dir) }
        guard fm.isExecutableFile(atPath: exe.path) else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: exe.path]) }
        return exe
    }

    struct Result {
        var cycles: Int
        /// Every register read back after the run, by name (`RegisterMap`).
        var csr: [String: UInt32]
        var events: [(String, Int)]
        var memory: [UInt8]
        var seconds: Double
    }

    /// Runs one layer: `image` is the DRAM image, `csrs` the (address, value) writes before start.
    static func run(exe: URL, L: Int, B: Int, image: [UInt8], csrs: [(Int, UInt32)], maxCycles: Int) throws -> Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sparsetile-accel-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var txt = "\(L) \(B) \(image.count / B) \(csrs.count)\n"
        for (a, v) in csrs { txt += "\(a) \(v)\n" }
        try txt.write(to: dir.appendingPathComponent("run.txt"), atomically: true, encoding: .utf8)
        try Data(image).write(to: dir.appendingPathComponent("image.bin"))
        _ = try? HDLTools.run(exe.path, [dir.path, "\(maxCycles)"])
        let res = try String(contentsOf: dir.appendingPathComponent("result.txt"), encoding: .utf8)
        var cycles = -1, secs = 0.0
        var csr: [String: UInt32] = [:]
        for line in res.split(separator: "\n") {
            let p = line.split(separator: " ")
            if p[0] == "cycles" { cycles = Int(p[1])! }
            else if p[0] == "seconds" { secs = Double(p[1])! }
            else if p[0] == "csr" { csr[String(p[1])] = UInt32(p[2])! }
        }
        let evs = try String(contentsOf: dir.appendingPathComponent("events.txt"), encoding: .utf8)
            .split(separator: "\n").map { l -> (String, Int) in let p = l.split(separator: " "); return (String(p[0]), Int(p[1])!) }
        let mem = [UInt8](try Data(contentsOf: dir.appendingPathComponent("out.bin")))
        return Result(cycles: cycles, csr: csr, events: evs, memory: mem, seconds: secs)
    }

    /// The CSR writes of §8 for a job laid out as `image` (packed through `registers`).
    static func csrs(job: LayerJob, plan: LayerPlan, regions r: MemoryRegions,
                     registers: RegisterMap = .standard) throws -> [(Int, UInt32)] {
        try registers.layerProgram(job: job, plan: plan, regions: r).map { ($0.offset, $0.value) }
    }
}
