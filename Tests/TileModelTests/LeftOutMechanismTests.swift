import Testing
import TileModel

/// Mechanisms a config leaves out (docs/microarchitecture.md §2): the mapper never chooses them,
/// and the layers that would take them compute what the dense reference convolution computes.
@Suite struct LeftOutMechanismTests {
    /// Layers that take tap packing, grouped lanes, a halo ring and resident halos on their
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
        let cases: [(LayerJob, HardwareConfig, (LayerPlan) -> Bool)] = [
            (packs, .default, \.tapsPacked), (groups, .default, \.lanesGrouped),
            (rings, .small, { $0.haloRing && $0.sharedColumns + $0.sharedRows > 0 }), (stays, resident, \.haloResident),
        ]
        for (job, full, takes) in cases {
            var lean = full
            lean.leftOut = Set(Mechanism.allCases)
            #expect(takes(try LayerPlan(job: job, config: full)), "\(job.name) takes its mechanism with every one")
            let plan = try LayerPlan(job: job, config: lean)
            #expect(!plan.tapsPacked && !plan.outputPairs && !plan.lanesGrouped && !plan.haloRing && plan.sharedColumns == 0
                    && plan.sharedRows == 0 && !plan.haloResident, "\(job.name)")
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
}
