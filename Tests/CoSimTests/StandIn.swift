import Foundation
import RTLGen
import CoSim
import AcceleratorSpec

/// A stand-in accelerator (`standin_accel`, a name of its own: the harness and the testbench take
/// the top's name from the design source) with the real top-level ports (docs/microarchitecture.md §15),
/// used to prove the harness and the CoSim plumbing before the accelerator exists.
///
/// After CTRL.start it copies `PASS[15:0]` words from `BASE_INPUT` to `BASE_OUTPUT`, one word at a
/// time: read in cycle r, the response arrives in r+L, the write goes out in r+L+1, the next read in
/// r+L+2. Each word is a "tile" of the fake trace: load_start at r, load_ready = compute_start =
/// store_start at r+L+1, store_end at r+L+2. `done` reads 1 from cycle N·(L+2) on; the CYCLES,
/// STATUS and BEATS CSRs behave as §8 says (offsets from the standard `RegisterMap`; the BUSY and
/// STALL_* registers read 0). With `hang`, `done` never rises.
enum StandIn {
    static func module(wordBytes B: Int, hang: Bool = false) throws -> Module {
        let map = RegisterMap.standard
        func off(_ name: String) -> Int { map[name]!.offset }
        let m = ModuleBuilder(top, documentation: "Stand-in: copies PASS words from BASE_INPUT to BASE_OUTPUT.")
        _ = m.clock(); _ = m.reset()
        let csrWe = m.input("csr_we"), csrAddr = m.input("csr_addr", width: 6), csrWdata = m.input("csr_wdata", width: 32)
        let csrRdata = m.output("csr_rdata", width: 32)
        let reqValid = m.output("mem_req_valid"), reqWrite = m.output("mem_req_write")
        let reqAddr = m.output("mem_req_addr", width: 32)
        let reqWdata = m.output("mem_req_wdata", width: 8 * B), reqWstrb = m.output("mem_req_wstrb", width: B)
        let reqReady = m.input("mem_req_ready")
        let rspValid = m.input("mem_rsp_valid"), rspRdata = m.input("mem_rsp_rdata", width: 8 * B)
        let rspReady = m.output("mem_rsp_ready")
        let busy = m.output("busy"), done = m.output("done")
        let evLS = m.output("ev_load_start"), evLR = m.output("ev_load_ready"), evCS = m.output("ev_compute_start")
        let evSS = m.output("ev_store_start"), evSE = m.output("ev_store_end")

        let baseIn = m.reg("base_in", width: 32, reset: 0), baseOut = m.reg("base_out", width: 32, reset: 0)
        let count = m.reg("count", width: 16, reset: 0)
        let running = m.reg("running", reset: 0), doneR = m.reg("done_r", reset: 0)
        let phase = m.reg("phase", width: 2, reset: 0)  // 0 read, 1 wait, 2 write
        let idx = m.reg("idx", width: 16, reset: 0)
        let data = m.reg("data", width: 8 * B, reset: 0)
        let cyc = m.reg("cyc", width: 32, reset: 0)
        let beatsRd = m.reg("beats_rd", width: 32, reset: 0), beatsWr = m.reg("beats_wr", width: 32, reset: 0)
        let storeEnd = m.reg("store_end", reset: 0)

        let start = m.wire("start", csrWe && csrAddr == off("CTRL") && csrWdata[map["CTRL"]!.field("start")!.lsb])
        let isRead = m.wire("is_read", running && phase == 0)
        let isWrite = m.wire("is_write", running && phase == 2)
        m.clocked("control") { p in
            p.assign(storeEnd, isWrite)
            p.when(csrWe && csrAddr == off("PASS")) { p.assign(count, csrWdata[map["PASS"]!.field("pc")!.bits]) }
            p.when(csrWe && csrAddr == off("BASE_INPUT")) { p.assign(baseIn, csrWdata) }
            p.when(csrWe && csrAddr == off("BASE_OUTPUT")) { p.assign(baseOut, csrWdata) }
            p.when(start) {
                p.assign(running, Expr.constant(1, width: 1)); p.assign(doneR, Expr.constant(0, width: 1))
                p.assign(idx, Expr.constant(0, width: 16)); p.assign(phase, Expr.constant(0, width: 2))
                p.assign(cyc, Expr.constant(0, width: 32))
                p.assign(beatsRd, Expr.constant(0, width: 32)); p.assign(beatsWr, Expr.constant(0, width: 32))
            }.elseWhen(running) {
                p.assign(cyc, cyc + 1)
                p.when(phase == 0) {
                    p.when(reqReady) { p.assign(phase, Expr.constant(1, width: 2)); p.assign(beatsRd, beatsRd + 1) }
                }.elseWhen(phase == 1) {
                    p.when(rspValid) { p.assign(data, rspRdata); p.assign(phase, Expr.constant(2, width: 2)) }
                }.elseWhen(reqReady) {
                    p.assign(beatsWr, beatsWr + 1)
                    p.assign(idx, idx + 1)
                    p.assign(phase, Expr.constant(0, width: 2))
                    p.when(idx + 1 == count) {
                        p.assign(running, Expr.constant(0, width: 1))
                        if !hang { p.assign(doneR, Expr.constant(1, width: 1)) }
                    }
                }
            }
        }
        m.assign(reqValid, isRead || isWrite)
        m.assign(reqWrite, isWrite)
        m.assign(reqAddr, mux(isWrite, baseOut + idx.zext(32), baseIn + idx.zext(32)))
        m.assign(reqWdata, data)
        m.assign(reqWstrb, mux(isWrite, replicate(Expr.constant(1, width: 1), count: B), Expr.zeros(width: B)))
        m.assign(rspReady, Expr.constant(1, width: 1))
        m.assign(busy, running)
        m.assign(done, doneR)
        m.assign(evLS, isRead)
        m.assign(evLR, isWrite); m.assign(evCS, isWrite); m.assign(evSS, isWrite)
        m.assign(evSE, storeEnd)
        m.combinational("csr_read") { p in
            p.assign(csrRdata, Expr.constant(0, width: 32))
            p.switchOn(csrAddr) { s in
                s.is(off("STATUS")) { p.assign(csrRdata, cat(Expr.zeros(width: 30), doneR, running)) }
                s.is(off("CYCLES_LO")) { p.assign(csrRdata, cyc) }
                s.is(off("BEATS_RD")) { p.assign(csrRdata, beatsRd) }
                s.is(off("BEATS_WR")) { p.assign(csrRdata, beatsWr) }
            }
        }
        return try m.build()
    }

    /// The stand-in's top module.
    static let top = "standin_accel"

    static func source(hang: Bool = false) -> DesignSource {
        DesignSource(name: hang ? "standin-hang" : "standin") { config, _ in
            GeneratedDesign(files: try VerilogEmitter(options: .init(configHash: config.contentHash))
                                .emitDesign(module(wordBytes: config.memBytesPerCycle, hang: hang)),
                            top: top)
        }
    }

    /// One cache for all tests (builds of one key are serialised), kept between runs, per checkout
    /// (the package's .build/, so two checkouts testing at once never share a build directory).
    static let cache = BuildCache(root: RepositoryPaths.root.appendingPathComponent(".build/cosim-tests-verilator"),
                                  optimization: .quick)

    /// The configuration the plumbing tests use: tile 2x2, lanes 2x4, B 8, L 3.
    static let config = Regression.config(tile: (2, 2), lanesK: 2, lanesC: 4, bytes: 8, latency: 3)
}

extension HarnessJob {
    /// Whether the job's register writes set one-bit field `field` of `register`.
    func sets(_ register: String, _ field: String) throws -> Bool {
        let (offset, bits) = try Self.field(register, field)
        return csrs.contains { $0.0 == offset && $0.1 >> UInt32(bits.lowerBound) & 1 != 0 }
    }
    /// The job with one-bit field `field` of `register` set or cleared in its register writes (the
    /// rest of the programme unchanged): what the same layer does under the other setting.
    func with(_ register: String, _ field: String, _ on: Bool) throws -> HarnessJob {
        try with(register, field, value: on ? 1 : 0)
    }
    /// The job with field `field` of `register` written `value` instead (its other fields unchanged).
    func with(_ register: String, _ field: String, value: Int) throws -> HarnessJob {
        let (offset, bits) = try Self.field(register, field)
        let mask = UInt32(truncatingIfNeeded: ((1 << bits.count) - 1) << bits.lowerBound)
        var job = self
        job.csrs = csrs.map { $0.0 == offset ? ($0.0, $0.1 & ~mask | UInt32(value << bits.lowerBound) & mask) : $0 }
        return job
    }
    /// The job with register `register` (one without fields, e.g. STEPS) written `value` instead.
    func writing(_ register: String, _ value: Int) throws -> HarnessJob {
        let w = try RegisterMap.standard.write(register, value: value)
        var job = self
        job.csrs = csrs.map { $0.0 == w.offset ? ($0.0, w.value) : $0 }
        return job
    }
    /// Register `register`'s offset and field `field`'s bits in the standard map.
    private static func field(_ register: String, _ field: String) throws -> (offset: Int, bits: ClosedRange<Int>) {
        let map = RegisterMap.standard
        guard let r = map[register] else { throw AcceleratorSpecError.invalidConfig("no register \(register)") }
        return (r.offset, try map.field(register, field).bits)
    }
}
