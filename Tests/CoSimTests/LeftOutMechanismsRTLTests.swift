import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec

/// Mechanisms a config leaves out (docs/microarchitecture.md §2, `HardwareConfig.leftOut`), in the
/// RTL of the iCE40 UP5K preset, which leaves out every one.
@Suite("Left-out mechanisms in the RTL")
struct LeftOutMechanismsRTLTests {
    let lean = HardwareConfig.preset(named: "ice40-up5k")!

    /// A 3×3 layer at the preset's one tile shape would run in a column ring (halo reuse, §6.2) on
    /// the same config with every mechanism; the lean config's plan shares nothing, and the RTL,
    /// whose ring logic is held off, co-simulates it exactly; the two configs' models give the same
    /// outputs.
    @Test func aLayerThatWouldShareHalosRunsWithoutAndMatches() throws {
        #expect(lean.leftOut == Set(Mechanism.allCases))
        var full = lean
        full.leftOut = []
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 4, outChannels: 2, height: 8, width: 8, residual: false)
            .job(config: lean, density: 1, seed: 11)
        let withReuse = try LayerPlan(job: job, config: full), without = try LayerPlan(job: job, config: lean)
        #expect(withReuse.haloRing && withReuse.sharedColumns + withReuse.sharedRows > 0)
        #expect(!without.haloRing && without.sharedColumns == 0 && without.sharedRows == 0)
        let r = try CoSimulator(config: lean, cache: StandIn.cache).run(job)
        #expect(r.comparison.matches, "\(r.comparison.diagnosis)")
        let a = try TileModel(config: full).simulate(job, mode: .fast), b = try TileModel(config: lean).simulate(job, mode: .fast)
        #expect(a.output != nil && a.output == b.output)
    }

    /// A left-out mechanism's register field set asks for logic the RTL does not have: STATUS.error,
    /// nothing read.
    @Test(arguments: [("LAYER0", "packed"), ("LAYER0", "pairs"), ("LAYER0", "grouped"), ("PASS", "resident"),
                      ("PASS", "preloaded"), ("PASS", "next")])
    func aLeftOutFieldSetIsAnError(register: String, field: String) throws {
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 4, outChannels: 2, height: 4, width: 4, residual: false)
            .job(config: lean, density: 1, seed: 12)
        let good = try HarnessJob(job: job, config: lean, watchdog: 20_000)
        #expect(try !good.sets(register, field))
        let build = try CoSimulator(config: lean, cache: StandIn.cache).build()
        #expect(try !build.run(good).statusError)
        let h = try build.run(good.with(register, field, true))
        #expect(h.statusError && h.beatsRead == 0, "\(h.values)")
    }
    /// Without accumulator shadows the requant engine reads the accumulators and each kgroup slot
    /// waits for it (T + tileH·s − 1 cycles, §7.4): the RTL keeps that timing and those sums
    /// exactly. Without stall counters the RTL's STALL_<CAUSE> registers read 0 while the model,
    /// which still gives the breakdown, counts requant stalls; without beat counters BEATS_RD and
    /// BEATS_WR read 0 while the harness counts the beats on the DRAM port, as many as the model's.
    @Test func noShadowsAndNoStallCountersMatch() throws {
        let job = try SyntheticLayer(kernel: 1, stride: 1, inChannels: 5, outChannels: 4, height: 6, width: 6, residual: true)
            .job(config: lean, density: 1, seed: 13)
        let plan = try LayerPlan(job: job, config: lean)
        #expect(plan.kgroupCycles == plan.steps + lean.tileH * lean.requantSlices - 1)
        let r = try CoSimulator(config: lean, cache: StandIn.cache).run(job)
        #expect(r.comparison.matches, "\(r.comparison.diagnosis)")
        #expect(r.model.stats.stallCycles.requant > 0)
        #expect(StallCause.allCases.allSatisfy { r.rtl.counters.stalls[$0] == 0 })
        #expect(r.rtl.beatsRead > 0 && r.rtl.beatsWritten > 0)
        #expect(r.rtl.beatsRead * lean.memBytesPerCycle == r.model.stats.dramBytesRead)
        #expect(r.rtl.counters.beatsRead == 0 && r.rtl.counters.beatsWritten == 0)
    }
}
