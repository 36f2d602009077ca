import Testing
import TileModel

/// Grouped lanes (docs/microarchitecture.md §3.4): a layer of one kgroup of few output channels over
/// wide input words runs each step on a whole input word, each lane group summing its chunks into one
/// output channel of the step's subgroup.
@Suite struct GroupedLanesTests {
    func plan(K: Int = 3, W: Int = 16, cin: Int, cout: Int, tile: TileShape? = nil,
              config: HardwareConfig = .default) throws -> LayerPlan {
        var rng = SplitMix64(seed: 3)
        return try LayerPlan(job: randomJob(&rng, K: K, S: 1, H: 8, W: W, cin: cin, cout: cout, residual: false,
                                            config: config, mask: .full, shape: tile), config: config)
    }

    /// The rule and the step counts, worked by hand for the default config: B 32, lanesC 8, so a
    /// lane group is GL = 4 lanes (a word's 4 chunks) and lanesK 8 makes R = 2 groups.
    @Test func planFollowsTheRule() throws {
        #expect(LayerPlan.laneGroups(.default)! == (lanes: 4, groups: 2))
        // Cin 64, Cout 3: CW 2 words, NJ ⌈3/2⌉ = 2 subgroups, 2·2 = 4 steps a tap instead of NC = 8.
        let a = try plan(cin: 64, cout: 3)
        #expect(a.lanesGrouped && a.subSteps == 2 && a.steps == 9 * 4)
        // Cin 32, Cout 6: 1 word, 3 subgroups: 3 < 4 chunks.
        let b = try plan(cin: 32, cout: 6)
        #expect(b.lanesGrouped && b.steps == 9 * 3)
        // Cin 40, Cout 3: 2 words (the second one a quarter full), 2 subgroups: 4 < 5 chunks.
        #expect(try plan(cin: 40, cout: 3).steps == 9 * 4)
        // Cin 64, Cout 8: 2 words · 4 subgroups = 8 = NC: no gain, ungrouped.
        let c = try plan(cin: 64, cout: 8)
        #expect(!c.lanesGrouped && c.subSteps == 1 && c.steps == 9 * 8)
        // More than one kgroup (Cout 9), packed taps (Cin 3), Cin 8 (one chunk a tap): ungrouped.
        #expect(try !plan(cin: 64, cout: 9).lanesGrouped)
        #expect(try !plan(cin: 3, cout: 2).lanesGrouped)
        #expect(try !plan(cin: 8, cout: 1).lanesGrouped)
        // SRResNet's tail in pairs: 6 engine channels over 64, 9·10 taps · 2 words · 3 subgroups.
        let tail = try plan(K: 9, W: 32, cin: 64, cout: 3, tile: TileShape(height: 8, width: 16))
        #expect(tail.outputPairs && tail.lanesGrouped && tail.steps == 9 * 10 * 6)
        // Grouping changes which layers take pairs: K 3, Cin 64, Cout 4 unpaired takes 2 words · 2
        // subgroups = 4 steps a tap, 2·3·4 = 24 for two pixels; paired (8 channels, ungrouped: 8 chunks)
        // 4·8 = 32. Without grouping pairs would win, 4·8 < 2·3·8.
        let cfg = HardwareConfig.default
        #expect(!LayerPlan.pairsOutputs(kernel: 3, stride: 1, inChannels: 64, outChannels: 4, outWidth: 16, config: cfg))
        #expect(LayerPlan.pairsOutputs(kernel: 9, stride: 1, inChannels: 64, outChannels: 3, outWidth: 16, config: cfg))
        // A config whose word is one chunk (B = lanesC) has no lane groups; one of 8 lanes of 4 bytes
        // over 16-byte words has 4-lane groups, 2 of them; lanesK 6 over 4-chunk words cannot group.
        var wide = HardwareConfig.default
        wide.lanesC = 32
        #expect(LayerPlan.laneGroups(wide) == nil)
        #expect(try !plan(cin: 64, cout: 3, config: wide).lanesGrouped)
        var six = HardwareConfig.default
        six.lanesK = 6
        #expect(LayerPlan.laneGroups(six) == nil)
    }

    /// A channel-window run computes its window in passes of the layer's kgroups: ungrouped.
    @Test func aChannelWindowRunsUngrouped() throws {
        var rng = SplitMix64(seed: 9)
        var job = try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: 64, cout: 3, residual: false, config: .default, mask: .full)
        #expect(try LayerPlan(job: job, config: .default).lanesGrouped)
        job.channels = 1..<3
        job.baseOutput = try QTensor(shape: job.outShape, scalars: Array(repeating: 0, count: job.outShape.count))
        #expect(try !LayerPlan(job: job, config: .default).lanesGrouped)
    }

    /// Grouped layers compute what the dense reference convolution computes, in both model modes,
    /// with identical timing, for every mask kind and tile shape, on configs of R = 2 (default,
    /// 4-lane groups), R = 2 of 2-lane groups and R = 1.
    @Test(arguments: MaskKind.allCases)
    func groupedLayersMatchReference(mask: MaskKind) throws {
        var rng = SplitMix64(seed: 77)
        let shapes: [(K: Int, H: Int, W: Int, cin: Int, cout: Int, res: Bool)] = [
            (3, 9, 10, 64, 3, false), (1, 6, 7, 40, 2, true), (5, 7, 12, 32, 6, true), (3, 11, 5, 96, 5, false), (3, 6, 8, 17, 1, true),
        ]
        let twoLane = try HardwareConfig(tileH: 4, tileW: 4, lanesK: 4, lanesC: 4, inputBufferBytes: 2 * 16 * 8 * 64,
                                         weightBufferBytes: 4 * 8 * 256, outputBufferBytes: 2 * 16 * 8 * 8,
                                         memBytesPerCycle: 8, memLatency: 3, tileShapes: 2)
        let oneGroup = try HardwareConfig(tileH: 4, tileW: 4, lanesK: 4, lanesC: 4, inputBufferBytes: 2 * 16 * 16 * 64,
                                          weightBufferBytes: 4 * 16 * 256, outputBufferBytes: 2 * 16 * 16 * 8,
                                          memBytesPerCycle: 16, memLatency: 5)
        #expect(LayerPlan.laneGroups(twoLane)! == (lanes: 2, groups: 2) && LayerPlan.laneGroups(oneGroup)! == (lanes: 4, groups: 1))
        var grouped = 0
        for config in [HardwareConfig.default, twoLane, oneGroup] {
            let model = TileModel(config: config)
            for s in shapes {
                for tile in LayerPlan.maskTiles(kernel: s.K, stride: 1, inChannels: s.cin, outChannels: s.cout, outWidth: s.W, config: config) {
                    let job = try randomJob(&rng, K: s.K, S: 1, H: s.H, W: s.W, cin: s.cin, cout: s.cout, residual: s.res,
                                            config: config, mask: mask, shape: tile)
                    if try LayerPlan(job: job, config: config).lanesGrouped { grouped += 1 }
                    let expected = referenceOutput(job)
                    let fast = try model.simulate(job, mode: .fast), stepped = try model.simulate(job, mode: .stepped)
                    #expect(stepped.output == expected, "stepped output differs: \(job.name) \(tile) \(mask)")
                    #expect(fast.output == expected, "fast output differs: \(job.name) \(tile) \(mask)")
                    #expect(stepped.stats == fast.stats && stepped.trace == fast.trace, "\(job.name) \(tile) \(mask)")
                }
            }
        }
        #expect(grouped >= 25)  // most of them group (27): the test is about grouped layers
    }

    /// Grouping changes the steps, not the work: the MAC counts are the layer's, and one full 8×8 tile of
    /// K 3, Cin 64, Cout 3 computes in 9 taps · 2 words · 2 subgroups = 36 cycles instead of 72.
    @Test func oneTileTakesTheGroupedSteps() throws {
        var rng = SplitMix64(seed: 12)
        let job = try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: 64, cout: 3, residual: false, config: .default, mask: .full)
        let s = try TileModel(config: .default).simulate(job, mode: .fast).stats
        #expect(s.lanesGrouped && s.computeBusyCycles == 36)
        #expect(s.denseMACs == 8 * 8 * 3 * 9 * 64 && s.issuedMACs == s.denseMACs)
        let eight = try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: 64, cout: 8, residual: false, config: .default, mask: .full)
        let e = try TileModel(config: .default).simulate(eight, mode: .fast).stats
        #expect(!e.lanesGrouped && e.computeBusyCycles == 72)
    }
}
