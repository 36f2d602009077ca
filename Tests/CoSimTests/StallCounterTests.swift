import Foundation
import Testing
import CoSim
import RTLGen
import TileModel
import AcceleratorSpec

/// A layer with several kinds of stall on the plumbing config (2x2 tiles, B 8, L 3).
func stallyJob() throws -> LayerJob {
    try SyntheticLayer(kernel: 3, stride: 1, inChannels: 8, outChannels: 4, height: 6, width: 6, residual: true)
        .job(config: StandIn.config, density: 0.7, seed: 5)
}

/// A harness result that agrees with the model's run in everything the comparison looks at: built
/// from the model's trace, beats, output tensor (laid out as the DRAM output region) and statistics.
func agreeingHarnessResult(plan: LayerPlan, model: LayerSimulation) -> HarnessResult {
    let s = model.stats, B = plan.wordBytes
    var out = [UInt8](repeating: 0, count: plan.outH * plan.outW * plan.outWords * B)
    for p in 0..<(plan.outH * plan.outW) {
        for c in 0..<plan.cout { out[p * plan.outWords * B + c] = UInt8(bitPattern: model.output!.scalars[p * plan.cout + c]) }
    }
    let counters = RTLCounters(cycles: s.cycles, busy: s.computeBusyCycles, stalls: s.stallCycles,
                               beatsRead: s.dramBytesRead / B, beatsWritten: s.dramBytesWritten / B)
    return HarnessResult(status: .done, cycles: s.cycles, counters: counters, beatsRead: s.dramBytesRead / B,
                         beatsWritten: s.dramBytesWritten / B, trace: model.trace, outputBytes: out)
}

@Suite("Busy and stall counters in the comparison")
struct StallCounterComparisonTests {
    let job: LayerJob
    let plan: LayerPlan
    let model: LayerSimulation

    init() throws {
        job = try stallyJob()
        plan = try LayerPlan(job: job, config: StandIn.config)
        model = try TileModel(config: StandIn.config).simulate(job, mode: .stepped, outputs: true, dense: false)
    }

    @Test func agreeingCountersMatch() throws {
        let c = LayerComparison(name: "l", plan: plan, model: model, rtl: agreeingHarnessResult(plan: plan, model: model), golden: nil)
        #expect(c.matches, "\(c.diagnosis)")
        #expect(c.stallCountersMatch && c.busyMatches && c.stallMismatches.isEmpty)
        // The layer really stalls, for more than one cause.
        #expect(StallCause.allCases.filter { model.stats.stallCycles[$0] > 0 }.count >= 3)
    }

    /// One stall counter off by one, for every cause in turn: a mismatch naming the cause and both
    /// values; everything else still matches; the regression counts the case as failed (timing).
    @Test(arguments: StallCause.allCases)
    func oneStallCounterDifferenceIsAMismatch(_ cause: StallCause) throws {
        var rtl = agreeingHarnessResult(plan: plan, model: model)
        let m = model.stats.stallCycles[cause]
        rtl.counters.stalls[cause] = m + 1
        let c = LayerComparison(name: "l", plan: plan, model: model, rtl: rtl, golden: nil)
        #expect(!c.matches && !c.stallCountersMatch)
        #expect(c.stallMismatches == [StallMismatch(cause: cause, model: m, rtl: m + 1)])
        #expect(c.cyclesMatch && c.counterMatches && c.beatsMatch && c.traceMatch && c.outputsMatch && c.busyMatches)
        #expect(c.diagnosis.contains("stall cycles '\(cause.rawValue)' (STALL_\(cause.rawValue.uppercased())): model \(m), RTL \(m + 1)"),
                "\(c.diagnosis)")
        let regCase = Regression(suite: .smoke).cases()[0]
        let o = Regression.outcome(regCase, comparison: c, seconds: 0)
        #expect(o.status == .fail && o.timingMatches == false && o.stallCountersMatch == false && o.outputsMatch == true)
    }

    @Test func busyCounterDifferenceIsAMismatch() throws {
        var rtl = agreeingHarnessResult(plan: plan, model: model)
        rtl.counters.busy -= 1
        let c = LayerComparison(name: "l", plan: plan, model: model, rtl: rtl, golden: nil)
        #expect(!c.matches && !c.busyMatches && c.stallMismatches.isEmpty)
        #expect(c.diagnosis.contains("compute-busy cycles (BUSY): model \(model.stats.computeBusyCycles), RTL \(model.stats.computeBusyCycles - 1)"))
    }

    /// A stall moved from one cause to another keeps the total equal: still a mismatch, on both causes.
    @Test func reattributedStallIsAMismatch() throws {
        var rtl = agreeingHarnessResult(plan: plan, model: model)
        let st = model.stats.stallCycles
        let from = try #require(StallCause.allCases.first { st[$0] > 0 })
        rtl.counters.stalls[from] -= 1
        rtl.counters.stalls[.drain] += from == .drain ? 0 : 1
        let c = LayerComparison(name: "l", plan: plan, model: model, rtl: rtl, golden: nil)
        if from != .drain {
            #expect(!c.matches && rtl.counters.stalls.total == st.total)
            #expect(c.stallMismatches.map(\.cause) == StallCause.allCases.filter { $0 == from || $0 == .drain })
        }
    }

    @Test func theRTLsBeatsRegistersMustAgreeWithTheHarness() throws {
        var rtl = agreeingHarnessResult(plan: plan, model: model)
        rtl.counters.beatsWritten += 1
        let c = LayerComparison(name: "l", plan: plan, model: model, rtl: rtl, golden: nil)
        #expect(!c.matches && !c.counterMatches && c.beatsMatch)
        #expect(c.diagnosis.contains("BEATS_RD/BEATS_WR registers"))
    }

    @Test func harnessCountersParseByCause() throws {
        var values = ["rtl_cycles": "100", "rtl_busy": "40", "rtl_beats_read": "7", "rtl_beats_written": "3"]
        for (i, c) in StallCause.allCases.enumerated() { values["rtl_stall_\(c.rawValue)"] = "\(i + 1)" }
        let r = try RTLCounters(values: values)
        #expect(r.cycles == 100 && r.busy == 40 && r.beatsRead == 7 && r.beatsWritten == 3)
        #expect(r.stalls.setup == 1 && r.stalls.weights == 2 && r.stalls.load == 3 && r.stalls.store == 4 && r.stalls.dram == 5
                && r.stalls.requant == 6 && r.stalls.drain == 7)
        var missing = values
        missing["rtl_stall_dram"] = nil
        #expect(throws: CoSimError.self) { try RTLCounters(values: missing) }
        var unknown = values
        unknown["rtl_stall_coffee"] = "1"
        #expect(throws: CoSimError.self) { try RTLCounters(values: unknown) }
    }
}

/// The standard map with PASS and BEATS_WR at free offsets and STALL_SETUP / STALL_DRAIN swapped.
func movedRegisterMap() throws -> RegisterMap {
    let std = RegisterMap.standard
    let setup = try std.offset("STALL_SETUP"), drain = try std.offset("STALL_DRAIN")
    return try RegisterMap(std.registers.map { r in
        var r = r
        switch r.name {
        case "PASS": r.offset = 0x1D
        case "BEATS_WR": r.offset = 0x1E
        case "STALL_SETUP": r.offset = drain
        case "STALL_DRAIN": r.offset = setup
        default: break
        }
        return r
    })
}

/// Every consumer follows the register map: the RTL decodes and reads the moved registers at their
/// new offsets, the C header compiled into the harness reads them there, the Swift programming writes
/// them there; the co-simulation of a real layer then agrees in everything, stall counters included.
@Suite("A moved register map, end to end", .enabled(if: haveVerilator && AcceleratorRTL.isAvailable), .serialized)
struct MovedRegisterMapTests {
    @Test func everyConsumerFollowsTheMap() throws {
        let moved = try movedRegisterMap()
        let cfg = StandIn.config
        let job = try stallyJob()
        let plan = try LayerPlan(job: job, config: cfg)
        // Swift programming: PASS at 0x1D, nothing at 0x07.
        let writes = try CSR.program(job: job, plan: plan, regions: MemoryImage(job: job, plan: plan).regions, registers: moved)
        #expect(writes.contains { $0.0 == 0x1D && $0.1 == UInt32(plan.passChannels) } && !writes.contains { $0.0 == 0x07 })
        // The C header.
        let header = try AcceleratorGenerator(config: cfg, registers: moved).registerHeader().contents
        func define(_ name: String) -> String? {
            header.split(separator: "\n").first { $0.hasPrefix("#define SPARSETILE_\(name) ") }
                .map { $0.split(separator: " ").last.map(String.init) ?? "" }
        }
        #expect(define("PASS_OFFSET") == "0x1Du" && define("BEATS_WR_OFFSET") == "0x1Eu" && define("STALL_SETUP_OFFSET") == "0x1Au")
        #expect(header.contains("    X(setup, 0x1Au)") && header.contains("    X(drain, 0x14u)"))

        // The RTL under Verilator, programmed and read back through the moved map.
        let source = DesignSource.accelerator(maxMapSize: 32, registers: moved, name: "accel-map32-moved-regs")
        let sim = CoSimulator(config: cfg, source: source, cache: StandIn.cache)
        let r = try sim.run(job)
        let c = r.comparison
        #expect(c.matches, "\(c.diagnosis)")
        let st = r.model.stats.stallCycles
        #expect(st.setup != st.drain)  // so a swapped read-back would be caught
        #expect(c.rtlCounters.stalls == st && c.rtlCounters.busy == r.model.stats.computeBusyCycles)
        #expect(c.rtlCounters.beatsWritten == r.model.stats.dramBytesWritten / cfg.memBytesPerCycle)

        // The same RTL programmed through the standard map never gets its PASS register (0x07 is not
        // decoded any more): pc = 0, so the start only raises STATUS.error (and done) and runs nothing.
        let build = try sim.build()
        let stale = try HarnessJob(job: job, config: cfg, watchdog: 2_000, registers: .standard)
        let h = try build.run(stale)
        #expect(h.statusError && h.beatsRead == 0, "\(h.values)")
    }
}
