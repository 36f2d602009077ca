import Testing
import TileModel

/// Mechanisms a config leaves out (docs/microarchitecture.md §2): the mapper never chooses them,
/// and the layers that would take them compute what the dense reference convolution computes.
@Suite struct LeftOutMechanismTests {
    /// Layers that take tap packing, grouped lanes, a halo ring, resident halos and the weight prefetch on their
    /// configs with every mechanism take none of them with all left out, and run to the reference
    /// output in both model modes with identical timing.
    @Test func theMapperNeverChoosesALeftOutMechanism() throws {
        let resident = try HardwareConfig(tileH: 2, tileW: 2, lanesK: 2, lanesC: 4, inputBufferBytes: 2 * 4 * 8 * 16,
                                          weightBufferBytes: 2 * 8 * 18, outputBufferBytes: 2 * 4 * 8 * 2,
                                          memBytesPerCycle: 8, memLatency: 2)
        var rng = SplitMix64(seed: 21)
        let packs = try randomJob(&rng, K: 7, S: 2, H: 20, W: 22, cin: 3, cout: 4, residual: false, config: .default, mask: .random)
        let groups = try randomJob(&rng, K: 3, S: 1, H: 16, W: 16, cin: 64, cout: 3, residual: false, config: .default, mask: .random)
        let rings = try randomJob(&rng, K: 3, S: 1, H: 16, W: 16, cin: 8, cout: 8, residual: true, config: .small, mask: .full)
        var bits = [Bool](repeating: false, count: 64)
        bits[0] = true; bits[3 * 8 + 5] = true
        let stays = try randomJob(&rng, K: 3, S: 1, H: 16, W: 16, cin: 8, cout: 8, residual: false, config: resident, mask: .full)
            .with(tileMask: try TileMask(mapHeight: 16, mapWidth: 16, tileHeight: 2, tileWidth: 2, bits: bits))
        // (the UP5K preset's 2 KiB weight buffer with every mechanism: several passes)
        var small = try #require(HardwareConfig.preset(named: "ice40-up5k"))
        small.leftOut = []
        let passes = try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: 16, cout: 32, residual: false, config: small, mask: .random)
        let cases: [(LayerJob, HardwareConfig, (LayerPlan) -> Bool)] = [
            (packs, .default, \.tapsPacked), (groups, .default, \.lanesGrouped),
            (rings, .small, { $0.haloRing && $0.sharedColumns + $0.sharedRows > 0 }), (stays, resident, \.haloResident),
            (passes, small, { $0.prefetch && $0.passes.count > 1 }),
        ]
        for (job, full, takes) in cases {
            var lean = full
            lean.leftOut = Set(Mechanism.allCases)
            #expect(takes(try LayerPlan(job: job, config: full)), "\(job.name) takes its mechanism with every one")
            let plan = try LayerPlan(job: job, config: lean)
            #expect(!plan.tapsPacked && !plan.outputPairs && !plan.lanesGrouped && !plan.haloRing && plan.sharedColumns == 0
                    && plan.sharedRows == 0 && !plan.haloResident && !plan.prefetch, "\(job.name)")
            let fast = try TileModel(config: lean).simulate(job, mode: .fast)
            let stepped = try TileModel(config: lean).simulate(job, mode: .stepped)
            #expect(fast.output == referenceOutput(job) && stepped.output == fast.output)
            #expect(fast.stats == stepped.stats && fast.trace == stepped.trace)
        }
    }

    /// Without output pairs a layer's mask tiles are the config's shapes only (SRResNet's tail
    /// would take pairs on the default config), and without the weight handoff a network's layers
    /// each run on their own.
    @Test func noPairTilesAndNoHandoff() throws {
        var lean = HardwareConfig.default
        lean.leftOut = [.outputPairs, .weightHandoff]
        func tiles(_ c: HardwareConfig) -> [TileShape] {
            LayerPlan.maskTiles(kernel: 9, stride: 1, inChannels: 64, outChannels: 3, outWidth: 64, config: c)
        }
        #expect(tiles(.default).count > HardwareConfig.default.shapes.count)
        #expect(tiles(lean) == lean.shapes)
        var rng = SplitMix64(seed: 22)
        let jobs = try (0..<3).map { _ in
            try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: 8, cout: 8, residual: false, config: .default, mask: .full)
        }
        let chained = WeightHandoff.chain(try jobs.map { try LayerPlan(job: $0, config: .default) })
        #expect(chained.contains { $0.next != nil })
        let lone = WeightHandoff.chain(try jobs.map { try LayerPlan(job: $0, config: lean) })
        #expect(lone == [WeightHandoff](repeating: WeightHandoff(), count: 3))
    }
    /// Without accumulator shadows (§7.4) the next kgroup waits for the requant engine's reads: the
    /// slot is T + tileH·s − 1 cycles (hand-worked for a 1×1 layer of 5 input channels at one
    /// channel a lane, T = 5, on the UP5K preset's 2×2 tile and 4 requant slices: 12 against
    /// max(5, 8) = 8), the slot's tail counts as `requant` stall, and the output is the reference's.
    @Test func withoutShadowsTheKgroupWaitsForTheRequantEngine() throws {
        let up5k = try #require(HardwareConfig.preset(named: "ice40-up5k"))
        var shadows = up5k
        shadows.leftOut.remove(.accumulatorShadows)
        var rng = SplitMix64(seed: 23)
        let job = try randomJob(&rng, K: 1, S: 1, H: 7, W: 9, cin: 5, cout: 3, residual: false, config: up5k, mask: .full)
        for (config, slot) in [(up5k, 12), (shadows, 8)] {
            let plan = try LayerPlan(job: job, config: config)
            #expect(plan.steps == 5 && plan.kgroupCycles == slot)
            let r = try TileModel(config: config).simulate(job, mode: .fast)
            #expect(r.output == referenceOutput(job))
            let kgroups = plan.passes.reduce(0) { $0 + plan.kgroups($1) }
            #expect(r.stats.stallCycles[.requant] == 4 * 5 * kgroups * (slot - 5))
        }
    }
}
