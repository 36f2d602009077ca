import Testing
import TileModel
import SparseCNN

/// Channel windows (docs/microarchitecture.md §4, register CHANNELS): a run computes the output
/// channels [first, end) over its tile mask and leaves every other output value as it found it.
@Suite struct ChannelWindowTests {
    /// On random layers, masks and windows (passes of every size, residual or not): the stepped and
    /// fast models give the reference conv in the window's channels of the active tiles and the base
    /// output everywhere else, with the same timing.
    @Test func aWindowComputesItsChannelsAndKeepsTheRest() throws {
        var rng = SplitMix64(seed: 23)
        var smallWeights = HardwareConfig.default
        smallWeights.weightBufferBytes = 8 * 32 * 64  // a few kgroups a pass: windows of several passes
        for n in 0..<16 {
            let config = [HardwareConfig.default, smallWeights, .small][n % 3]
            let cout = Int.random(in: 2...40, using: &rng)
            var job = try randomJob(&rng, K: [1, 3, 5][n % 3], S: 1 + n % 2, H: Int.random(in: 5...17, using: &rng),
                                    W: Int.random(in: 5...17, using: &rng), cin: Int.random(in: 4...24, using: &rng), cout: cout,
                                    residual: n % 2 == 0, config: config, mask: [.random, .full, .single][n % 3])
            let first = Int.random(in: 0..<cout, using: &rng), end = Int.random(in: (first + 1)...cout, using: &rng)
            job.channels = first..<end
            let base = try QTensor(shape: job.outShape, scalars: (0..<job.outShape.count).map { _ in Int8.random(in: -128...127, using: &rng) })
            job.baseOutput = base
            let plan = try LayerPlan(job: job, config: config)
            #expect(plan.passes.first!.firstChannel == first && plan.passes.last!.endChannel == end)
            // expected: the whole layer's reference where the window computes, the base elsewhere
            let full = referenceOutput(job)
            var want = base.scalars
            for (ty, tx) in job.tileMask.activeTiles {
                let r = job.tileMask.pixelRange(ty: ty, tx: tx)
                for y in r.rows { for x in r.cols { for c in first..<end {
                    let i = (y * job.outShape.width + x) * cout + c
                    want[i] = full.scalars[i]
                } } }
            }
            let model = TileModel(config: config)
            let fast = try model.simulate(job, mode: .fast), stepped = try model.simulate(job, mode: .stepped)
            #expect(stepped.output?.scalars == want, "stepped: \(job.name) \(first)..<\(end) on \(config.hash)")
            #expect(fast.output?.scalars == want, "fast: \(job.name) \(first)..<\(end)")
            #expect(stepped.stats == fast.stats && stepped.trace == fast.trace)
            // the window's MACs only
            #expect(fast.stats.denseMACs == job.outShape.height * job.outShape.width * (end - first) * job.kernel * job.kernel * job.inChannels)
        }
        // A window outside the layer's channels is an error.
        var bad = try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: 8, cout: 4, residual: false, config: .default, mask: .full)
        bad.channels = 2..<5
        #expect(throws: AcceleratorSpecError.self) { try LayerPlan(job: bad, config: .default) }
    }

    /// A network layer with an SMSR channel mask runs as its dense run and one window run per run of
    /// consecutive selected channels (`LayerJob.runs`): each run's model output is its golden, and
    /// the last golden is SparseCNN's own channel-masked output (computed by its separate path).
    @Test func aChannelMaskedLayerRunsAsDenseAndWindowRuns() throws {
        let net = Network.srresnet(blocks: 1, channels: 8)
        let plan = try net.plan(height: 16, width: 16)
        var g = SplitMix64(seed: 4)
        let x = try FloatTensor(shape: TensorShape(height: 16, width: 16, channels: 3), scalars: (0..<768).map { _ in Float(g.nextUnit()) })
        let q = try QuantizedNetwork(plan: plan, parameters: NetworkParameters.heInit(net, seed: 9), calibrationInput: x)
        let config = HardwareConfig.default
        var masks: [String: TileMask] = [:]
        for l in plan.convLayers {
            let m = TileMask(mapHeight: l.outputShape.height, mapWidth: l.outputShape.width, tileHeight: 8, tileWidth: 8, repeating: false)
            masks[l.name] = try TileMask(mapHeight: m.mapHeight, mapWidth: m.mapWidth, tileHeight: 8, tileWidth: 8,
                                         bits: m.bits.indices.map { $0 % 2 == 0 })
        }
        // channels 1, 2 and 5 of 8: two window runs
        let cm = try ChannelMask(bits: (0..<8).map { [1, 2, 5].contains($0) })
        let run = try q.run(x, tileMasks: masks, channelMasks: ["body.0.conv1": cm], record: true)
        let rec = try #require(run.records.first { $0.name == "body.0.conv1" })
        let runs = try LayerJob.runs(record: rec, tileMask: masks[rec.name]!, config: config)
        #expect(runs.map { $0.job.channelWindow } == [0..<8, 1..<3, 5..<6])
        #expect(runs.last?.golden == rec.output)
        let model = TileModel(config: config)
        for r in runs {
            for mode in [SimulationMode.fast, .stepped] {
                #expect(try model.simulate(r.job, mode: mode).output == r.golden, "\(r.job.name) \(mode)")
            }
        }
        // the window runs skip the unselected channel groups: 3 of the 8 channels' MACs over the other tiles
        let windowStats = try runs.dropFirst().map { try model.simulate($0.job, mode: .fast).stats }
        #expect(windowStats.reduce(0) { $0 + $1.issuedMACs } == 2 * 64 * 3 * 9 * 8)
        // they add to the layer's cycles; its dense baseline is the dense run's alone
        let denseRun = try model.simulate(runs[0].job, mode: .fast).stats
        #expect(windowStats.allSatisfy { $0.denseCycles == 0 } && denseRun.denseCycles > 0)
    }

    /// The window selection worked by hand: the best 2 consecutive of [1, 5, 4, 0, 6] are channels 1–2 (9).
    @Test func windowSelectionPicksTheBestConsecutiveChannels() throws {
        let imp: [Double] = [1, 5, 4, 0, 6]
        #expect(try ChannelMask(importance: imp, count: 2, selection: .window).selected == [1, 2])
        #expect(try ChannelMask(importance: imp, count: 2, selection: .top).selected == [1, 4])
        #expect(try ChannelMask(importance: imp, count: 5, selection: .window).selected == [0, 1, 2, 3, 4])
    }
}
