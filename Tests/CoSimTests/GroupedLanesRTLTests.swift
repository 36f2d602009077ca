import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec

/// Grouped lanes in the RTL (docs/microarchitecture.md §3.4, register field LAYER0.grouped), on the
/// plumbing config: lanesK 2, lanesC 4, B 8, so a lane group is both lanes (a word's two chunks), R = 1.
@Suite("Grouped lanes in the RTL")
struct GroupedLanesRTLTests {
    let cfg = StandIn.config

    /// A grouped layer co-simulates exactly; the same registers with LAYER0.grouped cleared (and
    /// STEPS, which the host computes, at the ungrouped 9 taps · 4 chunks) run the layer ungrouped
    /// (the weights and inputs are laid out the same way): the same output bytes, in twice the
    /// compute steps.
    @Test func theGroupedBitSelectsTheStepsNotTheResult() throws {
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 16, outChannels: 1, height: 4, width: 4, residual: false)
            .job(config: cfg, density: 1, seed: 3)
        let plan = try LayerPlan(job: job, config: cfg)
        // by hand: a tap takes CW 2 words · NJ 1 subgroup = 2 steps grouped, NC 4 chunks ungrouped
        #expect(plan.lanesGrouped && plan.steps == 9 * 2)
        let sim = CoSimulator(config: cfg, cache: StandIn.cache)
        let r = try sim.run(job)
        #expect(r.comparison.matches, "\(r.comparison.diagnosis)")
        // the 4×4 map is 4 tiles of 2×2, one kgroup each: 4 · 18 busy cycles
        #expect(r.comparison.rtlCounters.busy == 4 * 18)

        let build = try sim.build()
        let grouped = try HarnessJob(job: job, config: cfg, watchdog: 20_000)
        #expect(try grouped.sets("LAYER0", "grouped"))
        let a = try build.run(grouped), b = try build.run(try grouped.with("LAYER0", "grouped", false).writing("STEPS", 9 * 4))
        #expect(!a.statusError && !b.statusError)
        #expect(a.counters.busy == 4 * 18 && b.counters.busy == 4 * 36)
        #expect(a.outputBytes == b.outputBytes && a.outputBytes == r.rtl.outputBytes)
    }

    /// LAYER0.grouped with more output channels than lanes (two kgroups) is refused: STATUS.error,
    /// nothing read.
    @Test func groupedWithTwoKgroupsIsAnError() throws {
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 16, outChannels: 3, height: 4, width: 4, residual: false)
            .job(config: cfg, density: 1, seed: 4)
        #expect(try !LayerPlan(job: job, config: cfg).lanesGrouped)
        let bad = try HarnessJob(job: job, config: cfg, watchdog: 2_000).with("LAYER0", "grouped", true)
        let h = try CoSimulator(config: cfg, cache: StandIn.cache).build().run(bad)
        #expect(h.statusError && h.beatsRead == 0, "\(h.values)")
    }
}
