import Testing
import TileModel

@Suite struct ModelOutputTests {
    /// Shapes covering K 1/3, stride 1/2, channels not multiples of the lanes, maps not multiples of the tile.
    static let shapes: [(K: Int, S: Int, H: Int, W: Int, cin: Int, cout: Int, res: Bool)] = [
        (3, 1, 7, 5, 5, 7, false), (3, 2, 9, 8, 6, 5, true), (1, 1, 5, 7, 11, 4, true),
        (1, 2, 8, 7, 3, 8, false), (3, 1, 6, 6, 20, 10, true), (5, 1, 7, 6, 3, 4, false), (3, 2, 11, 5, 9, 13, true),
    ]

    @Test(arguments: MaskKind.allCases)
    func bothModesMatchReference(mask: MaskKind) throws {
        var rng = SplitMix64(seed: 42)
        for config in [try oddConfig(), HardwareConfig.small] {
            let model = TileModel(config: config)
            for (n, s) in Self.shapes.enumerated() {
                let act: Activation = [.none, .relu, .prelu(slope: 40)][n % 3]
                let job = try randomJob(&rng, K: s.K, S: s.S, H: s.H, W: s.W, cin: s.cin, cout: s.cout, residual: s.res,
                                        config: config, mask: mask, activation: act)
                let expected = referenceOutput(job)
                let fast = try model.simulate(job, mode: .fast)
                let stepped = try model.simulate(job, mode: .stepped)
                #expect(fast.output == expected, "fast output differs: \(job.name) mask \(mask)")
                #expect(stepped.output == expected, "stepped output differs: \(job.name) mask \(mask)")
                #expect(stepped.stats == fast.stats, "stats differ: \(job.name) mask \(mask)")
                #expect(stepped.trace == fast.trace, "trace differs: \(job.name) mask \(mask)")
                let st = fast.stats
                #expect(st.cycles == st.computeBusyCycles + st.stallCycles.total)
            }
        }
    }

    @Test func multiPassWeightsAndOutputs() throws {
        var rng = SplitMix64(seed: 7)
        // Weight banks of 54 words hold 2 kgroups of 3x3x20 (27 words each), but 17 channels need 6
        // kgroups: several passes, so each gets half a bank (1 kgroup, §4) → passes of 3 channels.
        let config = try oddConfig(weightBytes: 3 * 8 * 54, outputBytes: 2 * 6 * 8 * 2)
        let model = TileModel(config: config)
        for mask in MaskKind.allCases {
            let job = try randomJob(&rng, K: 3, S: 1, H: 7, W: 5, cin: 20, cout: 17, residual: true, config: config, mask: mask)
            let plan = try LayerPlan(job: job, config: config)
            #expect(plan.passes.count == 6)
            #expect(plan.passes.map(\.channels) == [3, 3, 3, 3, 3, 2])
            let fast = try model.simulate(job, mode: .fast)
            let stepped = try model.simulate(job, mode: .stepped)
            #expect(fast.output == referenceOutput(job))
            #expect(stepped.output == referenceOutput(job))
            #expect(stepped.stats == fast.stats)
            #expect(stepped.trace == fast.trace)
        }
    }

    @Test func randomLayersSteppedEqualsFast() throws {
        var rng = SplitMix64(seed: 2024)
        let configs = [try oddConfig(), try oddConfig(weightBytes: 3 * 8 * 27, outputBytes: 2 * 6 * 8 * 2), HardwareConfig.small]
        for n in 0..<24 {
            let config = configs[n % configs.count]
            let K = [1, 3][Int.random(in: 0...1, using: &rng)], S = Int.random(in: 1...2, using: &rng)
            let job = try randomJob(&rng, K: K, S: S, H: Int.random(in: 1...12, using: &rng), W: Int.random(in: 1...12, using: &rng),
                                    cin: Int.random(in: 1...9, using: &rng), cout: Int.random(in: 1...9, using: &rng),
                                    residual: Bool.random(using: &rng), config: config, mask: .random, pixelMask: true)
            let model = TileModel(config: config)
            let fast = try model.simulate(job, mode: .fast)
            let stepped = try model.simulate(job, mode: .stepped)
            #expect(fast.output == referenceOutput(job), "\(job.name)")
            #expect(stepped.output == fast.output, "\(job.name)")
            #expect(stepped.stats == fast.stats, "\(job.name)")
            #expect(stepped.trace == fast.trace, "\(job.name)")
            #expect(fast.stats.usefulMACs <= fast.stats.issuedMACs)
            #expect(try model.cycles(job) == fast.stats.cycles)
        }
    }
}

/// The memory port under other profiles than the fixed one (docs/microarchitecture.md §7.1).
@Suite struct MemoryPortTests {
    /// Random latencies and backpressure: both modes agree and the outputs stay right.
    @Test(arguments: ["random:1-9:0.2", "random:5-40:0.1", "random:20-120:0.4"])
    func randomProfilesSteppedEqualsFast(profile text: String) throws {
        let profile = try MemoryProfile(parsing: text)
        var rng = SplitMix64(seed: 31)
        let configs = [try oddConfig(), try oddConfig(weightBytes: 3 * 8 * 27, outputBytes: 2 * 6 * 8 * 2), HardwareConfig.small]
        for n in 0..<12 {
            let config = configs[n % configs.count]
            let job = try randomJob(&rng, K: [1, 3][n % 2], S: 1 + n % 3 / 2, H: Int.random(in: 1...12, using: &rng),
                                    W: Int.random(in: 1...12, using: &rng), cin: Int.random(in: 1...20, using: &rng),
                                    cout: Int.random(in: 1...12, using: &rng), residual: Bool.random(using: &rng),
                                    config: config, mask: .random)
            let model = TileModel(config: config, memory: profile, seed: UInt64(n))
            let fast = try model.simulate(job, mode: .fast)
            let stepped = try model.simulate(job, mode: .stepped)
            #expect(fast.output == referenceOutput(job), "\(job.name)")
            #expect(stepped.output == fast.output, "\(job.name)")
            #expect(stepped.stats == fast.stats, "\(job.name)")
            #expect(stepped.trace == fast.trace, "\(job.name)")
            #expect(fast.stats.cycles == fast.stats.computeBusyCycles + fast.stats.stallCycles.total)
        }
    }

    /// `random:L-L:0` is the fixed profile taken request by request: it must equal the model's jumps.
    @Test func fixedLatencyThroughThePerRequestPathEqualsFixed() throws {
        var rng = SplitMix64(seed: 8)
        for config in [try oddConfig(), HardwareConfig.small] {
            let perRequest = TileModel(config: config, memory: .random(minLatency: config.memLatency, maxLatency: config.memLatency,
                                                                       stallProbability: 0))
            for n in 0..<8 {
                let job = try randomJob(&rng, K: 3, S: 1 + n % 2, H: 9, W: 7, cin: 11, cout: 6, residual: n % 3 == 0,
                                        config: config, mask: .random)
                let a = try TileModel(config: config).simulate(job), b = try perRequest.simulate(job)
                #expect(a.stats == b.stats && a.trace == b.trace && a.output == b.output, "\(job.name)")
            }
        }
    }

    /// A changed seed or profile changes the cycles; the same seed repeats them.
    @Test func theSeedDrawsTheTiming() throws {
        var rng = SplitMix64(seed: 5)
        let config = HardwareConfig.small
        let job = try randomJob(&rng, K: 3, S: 1, H: 16, W: 16, cin: 16, cout: 8, residual: true, config: config, mask: .full)
        let p = try MemoryProfile(parsing: "random:5-40:0.1")
        let c1 = try TileModel(config: config, memory: p, seed: 1).cycles(job)
        #expect(try TileModel(config: config, memory: p, seed: 1).cycles(job) == c1)
        #expect(try TileModel(config: config, memory: p, seed: 2).cycles(job) != c1)
        #expect(try TileModel(config: config).cycles(job) != c1)
    }

    /// The worked example of docs/microarchitecture.md §11 with one read in flight at most
    /// (`maxOutstandingReads` 1, fixed L = 2): each read waits for the previous one's data, so reads
    /// go out every L + 1 = 3 cycles. Times worked by hand in §11.1.
    @Test func workedExampleWithOneReadInFlight() throws {
        let (fast, t) = try runWorkedExample(maxOutstandingReads: 1)
        #expect(t == [[118, 157, 157, 193, 218, 222], [157, 196, 196, 232, 237, 241], [198, 219, 232, 268, 273, 277]])
        #expect(fast.stats.cycles == 277)
        #expect(fast.stats.computeBusyCycles == 108)
        var stalls = StallCycles()
        stalls.setup = 3; stalls.weights = 114; stalls.load = 43; stalls.drain = 9
        #expect(fast.stats.stallCycles == stalls)
    }
}

@Suite struct ModelTimingTests {
    @Test func emptyMaskCostsOnlySetup() throws {
        var rng = SplitMix64(seed: 3)
        for config in [HardwareConfig.small, .default] {
            let job = try randomJob(&rng, K: 3, S: 1, H: 40, W: 24, cin: 16, cout: 8, residual: true, config: config, mask: .empty)
            let r = try TileModel(config: config).simulate(job)
            let plan = try LayerPlan(job: job, config: config)
            #expect(r.stats.cycles == plan.maskWords + config.memLatency)
            #expect(r.stats.stallCycles.setup == r.stats.cycles)
            #expect(r.stats.dramBytesWritten == 0)
            #expect(r.trace.isEmpty)
            #expect(r.output == job.residual)
        }
    }

    /// Weight prefetch (§7.2), worked by hand: 8 output channels of 9 weight words each (K 3, CW 1) on
    /// lanesK 2 with 18-word weight banks do not fit one pass (4 kgroups × 9 words), so each pass gets
    /// half a bank, one kgroup: 4 passes of 2 channels, each 1 bias word + 18 weight words. The first
    /// WEIGHTS phase is a whole burst, n + L = 19 + 2 cycles; the others were prefetched during the
    /// previous pass's tiles (its 64 tiles leave more than 19 idle port cycles) and last their minimum
    /// of 3 cycles: 21 + 3 · 3 = 30.
    @Test func prefetchHidesTheWeightsOfLaterPasses() throws {
        let config = try HardwareConfig(tileH: 2, tileW: 2, lanesK: 2, lanesC: 4, inputBufferBytes: 2 * 4 * 8 * 16,
                                        weightBufferBytes: 2 * 8 * 18, outputBufferBytes: 2 * 4 * 8 * 2,
                                        memBytesPerCycle: 8, memLatency: 2)
        var rng = SplitMix64(seed: 12)
        let job = try randomJob(&rng, K: 3, S: 1, H: 16, W: 16, cin: 8, cout: 8, residual: false, config: config, mask: .full)
        let plan = try LayerPlan(job: job, config: config)
        #expect(plan.passes.count == 4 && plan.passChannels == 2)
        #expect(plan.passes.map { plan.biasWordRange($0).count + plan.weightWordCount($0) } == [19, 19, 19, 19])
        let fast = try TileModel(config: config).simulate(job, mode: .fast)
        let stepped = try TileModel(config: config).simulate(job, mode: .stepped)
        #expect(fast.stats == stepped.stats && fast.trace == stepped.trace)
        #expect(fast.output == referenceOutput(job))
        #expect(fast.stats.stallCycles.weights == 21 + 3 * 3)
        // Every weight word is read once; the halos once per pass: 8 tile rows of 2 hold 4 halo rows
        // each but the first and last (3), 30 in all; with the column ring (§6.2) a row's first tile
        // loads its 3 in-map columns and each later one only its own (2, the last 1): the 16 columns
        // of the map once per tile row, 480 words.
        #expect(plan.columnRing)
        #expect(fast.stats.dramBytesRead == (plan.maskWords + 4 * 19 + 4 * 30 * 16) * 8)
        #expect(plan.prefetch)
    }

    /// With at most two active tiles a layer of several passes keeps the halos in the input buffer:
    /// passes after the first load only residual words, or nothing (a load of no requests is ready
    /// the cycle after its grant).
    @Test func residentHalosLoadOnce() throws {
        let config = try HardwareConfig(tileH: 2, tileW: 2, lanesK: 2, lanesC: 4, inputBufferBytes: 2 * 4 * 8 * 16,
                                        weightBufferBytes: 2 * 8 * 18, outputBufferBytes: 2 * 4 * 8 * 2,
                                        memBytesPerCycle: 8, memLatency: 2)
        for residual in [false, true] {
            var rng = SplitMix64(seed: residual ? 13 : 14)
            let dense = try randomJob(&rng, K: 3, S: 1, H: 16, W: 16, cin: 8, cout: 8, residual: residual, config: config, mask: .full)
            func masked(_ tiles: [(Int, Int)]) throws -> LayerJob {
                var bits = [Bool](repeating: false, count: 64)
                for (ty, tx) in tiles { bits[ty * 8 + tx] = true }
                return dense.with(tileMask: try TileMask(mapHeight: 16, mapWidth: 16, tileHeight: 2, tileWidth: 2, bits: bits))
            }
            // Tile (0, 0)'s halo lies 3x3 inside the map, tile (3, 5)'s 4x4: 9 and 16 words (CW = 1).
            // A group needs 2x2 slots of 1 word = 4 words per bank, a quarter of the buffer is
            // ⌊16/2⌋ = 8: three or four groups stay in the quarters, five are reloaded every pass.
            let two = try masked([(0, 0), (3, 5)]), three = try masked([(0, 0), (3, 5), (6, 2)])
            let five = try masked([(0, 0), (2, 3), (3, 5), (6, 2), (7, 7)])
            let plan2 = try LayerPlan(job: two, config: config), plan3 = try LayerPlan(job: three, config: config)
            let plan5 = try LayerPlan(job: five, config: config)
            #expect(plan2.passes.count == 4 && plan2.haloResidency == .halves && plan3.haloResidency == .quarters)
            #expect(plan5.haloResidency == .none && plan3.inputBankWords == 4 && config.inputBankDepth == 16)
            let weightWords = 4 * 19, maskWords = plan2.maskWords
            // residual words of a tile per pass: 4 pixels x 1 word
            let res = residual ? 4 : 0
            for (job, haloWords) in [(two, 9 + 16), (three, 9 + 16 + 16), (five, 4 * (9 + 16 + 16 + 16 + 9))] {
                let fast = try TileModel(config: config).simulate(job, mode: .fast)
                let stepped = try TileModel(config: config).simulate(job, mode: .stepped)
                #expect(fast.stats == stepped.stats && fast.trace == stepped.trace)
                #expect(fast.output == referenceOutput(job))
                let tiles = job.tileMask.activeCount
                #expect(fast.stats.dramBytesRead == (maskWords + weightWords + haloWords + 4 * tiles * res) * 8)
            }
            for job in [two, three] {
                for e in try TileModel(config: config).simulate(job, mode: .fast).trace where e.pass > 0 {
                    // residual words only (4 requests, the last datum L = 2 cycles after), or nothing
                    #expect(e.loadEnd - e.loadStart == (residual ? 1 + 3 + 2 : 1), "pass \(e.pass) tile \(e.index)")
                }
            }
        }
    }

    @Test func removingATileNeverIncreasesCycles() throws {
        var rng = SplitMix64(seed: 99)
        let configs = [try oddConfig(), HardwareConfig.small, try oddConfig(weightBytes: 3 * 8 * 27, outputBytes: 2 * 6 * 8 * 2)]
        for n in 0..<240 {
            let config = configs[n % configs.count]
            let K = [1, 3][n % 2], S = 1 + (n / 2) % 2
            var job = try randomJob(&rng, K: K, S: S, H: Int.random(in: 4...20, using: &rng), W: Int.random(in: 4...20, using: &rng),
                                    cin: Int.random(in: 1...24, using: &rng), cout: Int.random(in: 1...12, using: &rng),
                                    residual: Bool.random(using: &rng), config: config, mask: .random)
            let model = TileModel(config: config)
            var before = try model.cycles(job)
            var mask = job.tileMask
            while let i = mask.bits.indices.filter({ mask.bits[$0] }).randomElement(using: &rng) {
                mask.bits[i] = false
                job = job.with(tileMask: mask)
                let after = try model.cycles(job)
                #expect(after <= before, "removing tile \(i) of \(job.name) raised cycles \(before) → \(after)")
                before = after
            }
        }
    }

    /// A registered take (§7.3) presents a tile's first request two cycles after its take rather
    /// than one. A layer of one active tile on the UP5K preset (which registers it) against the same
    /// config with halo reuse (which does not, and with one tile shares nothing): the load, and
    /// everything after it, one cycle later, and the pass's end one more (the preset registers it
    /// too, §14); the same words moved and the reference output.
    @Test func aRegisteredTakeDelaysTheLoadByOneCycle() throws {
        let registered = try #require(HardwareConfig.preset(named: "ice40-up5k"))
        var plain = registered
        plain.leftOut.remove(.haloReuse)
        #expect(registered.registeredTake && !plain.registeredTake)
        var rng = SplitMix64(seed: 23)
        for residual in [false, true] {
            var bits = [Bool](repeating: false, count: 16)
            bits[5] = true
            let job = try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: 8, cout: 8, residual: residual, config: registered, mask: .full)
                .with(tileMask: try TileMask(mapHeight: 8, mapWidth: 8, tileHeight: 2, tileWidth: 2, bits: bits))
            let a = try TileModel(config: registered).simulate(job, mode: .stepped)
            let b = try TileModel(config: plain).simulate(job, mode: .stepped)
            #expect(a.output == referenceOutput(job) && b.output == a.output)
            #expect(a.trace.count == 1 && b.trace.count == 1)
            let times = { (e: TileEvent) in [e.loadStart, e.loadEnd, e.computeStart, e.computeEnd, e.storeStart, e.storeEnd] }
            #expect(times(a.trace[0]) == times(b.trace[0]).map { $0 + 1 }, "residual \(residual)")
            #expect(a.stats.cycles == b.stats.cycles + 2)
            #expect(a.stats.dramBytesRead == b.stats.dramBytesRead && a.stats.dramBytesWritten == b.stats.dramBytesWritten)
        }
    }

    /// A registered pass end (§14) advances the layer sequencer a cycle after the pass's last store
    /// request. The UP5K preset (which registers it) against the same config with the weight
    /// handoff built (which does not, and with no next layer hands nothing on): every event of pass
    /// p is p cycles later, the layer one cycle per pass longer; the same words and output.
    @Test func aRegisteredPassEndDelaysEachPassByOneCycle() throws {
        let registered = try #require(HardwareConfig.preset(named: "ice40-up5k"))
        var plain = registered
        plain.leftOut.remove(.weightHandoff)
        #expect(registered.registeredPassEnd && !plain.registeredPassEnd && plain.registeredTake)
        var rng = SplitMix64(seed: 29)
        var bits = [Bool](repeating: false, count: 16)
        bits[2] = true; bits[9] = true; bits[15] = true
        let job = try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: 16, cout: 64, residual: true, config: registered, mask: .full)
            .with(tileMask: try TileMask(mapHeight: 8, mapWidth: 8, tileHeight: 2, tileWidth: 2, bits: bits))
        let a = try TileModel(config: registered).simulate(job, mode: .stepped)
        let b = try TileModel(config: plain).simulate(job, mode: .stepped)
        #expect(a.output == referenceOutput(job) && b.output == a.output)
        let passes = Set(b.trace.map(\.pass)).count
        #expect(passes >= 2 && a.trace.count == b.trace.count)
        let times = { (e: TileEvent) in [e.loadStart, e.loadEnd, e.computeStart, e.computeEnd, e.storeStart, e.storeEnd] }
        for (x, y) in zip(a.trace, b.trace) {
            #expect(x.pass == y.pass && times(x) == times(y).map { $0 + y.pass }, "pass \(y.pass) tile \(y.index)")
        }
        #expect(a.stats.cycles == b.stats.cycles + passes)
        #expect(a.stats.dramBytesRead == b.stats.dramBytesRead && a.stats.dramBytesWritten == b.stats.dramBytesWritten)
    }

    /// The worked example of docs/microarchitecture.md, computed by hand there.
    @Test func workedExample() throws {
        let (fast, t) = try runWorkedExample(maxOutstandingReads: nil)
        #expect(t == [[44, 59, 59, 95, 108, 112], [58, 73, 95, 131, 136, 140], [100, 109, 131, 167, 172, 176]])
        #expect(fast.stats.cycles == 176)
        #expect(fast.stats.computeBusyCycles == 108)
        var stalls = StallCycles()
        stalls.setup = 3; stalls.weights = 40; stalls.load = 16; stalls.drain = 9
        #expect(fast.stats.stallCycles == stalls)
        #expect(fast.stats.dramBytesRead == (1 + 38 + 13 + 13 + 7) * 8)
        #expect(fast.stats.dramBytesWritten == 3 * 4 * 8)
    }
}

/// The layer of docs/microarchitecture.md §11 (3x3, stride 1, 4x4x8 input, 4 output channels, residual,
/// tiles 2x2, mask 1 0 / 1 1) on its 2x2 config, run in both modes (checked equal, outputs checked
/// against the reference conv); returns the fast run and its trace times per tile.
func runWorkedExample(maxOutstandingReads: Int?) throws -> (LayerSimulation, [[Int]]) {
    let config = try HardwareConfig(tileH: 2, tileW: 2, lanesK: 2, lanesC: 4, inputBufferBytes: 2 * 4 * 8 * 4,
                                    weightBufferBytes: 2 * 8 * 18, outputBufferBytes: 2 * 4 * 8,
                                    memBytesPerCycle: 8, memLatency: 2, maxOutstandingReads: maxOutstandingReads)
    var rng = SplitMix64(seed: 1)
    var job = try randomJob(&rng, K: 3, S: 1, H: 4, W: 4, cin: 8, cout: 4, residual: true, config: config, mask: .full)
    job.tileMask.bits = [true, false, true, true]
    let fast = try TileModel(config: config).simulate(job, mode: .fast)
    let stepped = try TileModel(config: config).simulate(job, mode: .stepped)
    #expect(stepped.stats == fast.stats)
    #expect(stepped.trace == fast.trace)
    #expect(fast.output == referenceOutput(job))
    return (fast, fast.trace.map { [$0.loadStart, $0.loadEnd, $0.computeStart, $0.computeEnd, $0.storeStart, $0.storeEnd] })
}
