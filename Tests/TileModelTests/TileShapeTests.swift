import Testing
@testable import TileModel
import SparseCNN

/// Tile shapes (docs/microarchitecture.md §3.1): a layer of a smaller shape runs tile groups, up
/// to (tileH·tileW)/(h·w) of its tiles side by side on the PE array.
@Suite struct TileShapeTests {
    /// Every shape of two configs with several shapes, on random layers and masks: stepped (real
    /// banked buffers, group slots, per-PE edge masking) equals fast, and both equal the dense
    /// reference conv on the active tiles.
    @Test func everyShapeComputesTheReferenceConv() throws {
        let configs = [
            try HardwareConfig(tileH: 4, tileW: 4, lanesK: 2, lanesC: 4, inputBufferBytes: 2 * 16 * 8 * 256,
                               weightBufferBytes: 2 * 8 * 64, outputBufferBytes: 2 * 16 * 8 * 2,
                               memBytesPerCycle: 8, memLatency: 3, tileShapes: 3),
            try HardwareConfig(tileH: 2, tileW: 4, lanesK: 3, lanesC: 2, inputBufferBytes: 2 * 8 * 4 * 256,
                               weightBufferBytes: 3 * 4 * 128, outputBufferBytes: 2 * 8 * 4 * 2,
                               memBytesPerCycle: 4, memLatency: 1, tileShapes: 2),
        ]
        var rng = SplitMix64(seed: 31)
        var sharing = 0  // layers in which some tile reads shared halo columns (§6.2, halo reuse)
        for n in 0..<48 {
            let config = configs[n % 2]
            let shape = config.shapes[(n / 2) % config.shapes.count]
            let K = [1, 3, 5][n % 3], S = 1 + (n / 3) % 2
            let job = try randomJob(&rng, K: K, S: S, H: Int.random(in: 3...13, using: &rng), W: Int.random(in: 3...13, using: &rng),
                                    cin: Int.random(in: 1...12, using: &rng), cout: Int.random(in: 1...9, using: &rng),
                                    residual: Bool.random(using: &rng), config: config,
                                    mask: [.full, .random, .single][n % 3], shape: shape)
            let plan = try LayerPlan(job: job, config: config)
            #expect(plan.shape == shape && plan.slots == (config.tileH / shape.height) * (config.tileW / shape.width))
            let fast = try TileModel(config: config).simulate(job, mode: .fast)
            let stepped = try TileModel(config: config).simulate(job, mode: .stepped)
            #expect(fast.stats == stepped.stats, "\(job.name) at \(shape)")
            #expect(fast.trace == stepped.trace, "\(job.name) at \(shape)")
            #expect(stepped.output == referenceOutput(job), "\(job.name) at \(shape)")
            #expect(fast.output == referenceOutput(job), "\(job.name) at \(shape)")
            let groups = plan.groups(of: job.tileMask.activeTiles)
            if groups.contains(where: { plan.sharesLeft($0).contains(true) }) { sharing += 1 }
        }
        #expect(sharing >= 5, "only \(sharing) layers exercise halo reuse")
    }

    /// One group of four 4x4 tiles on the 8x8 array, worked by hand: it computes in the time of
    /// one tile, and its load streams the four tiles' requests without a gap (§7.3: each later tile
    /// is taken in the cycle of the previous tile's last request).
    @Test func aGroupOfFourTilesLoadsInOneTransfer() throws {
        let config = HardwareConfig.defaultWithoutLineBuffer
        var shapes = config; shapes.tileShapes = 2
        var rng = SplitMix64(seed: 5)
        // 8x8 map, 3x3 kernel, Cin 8 (CW = 1): every 4x4 tile's halo is 5x5 inside the map.
        let job = try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: 8, cout: 8, residual: false, config: shapes, mask: .full,
                                shape: TileShape(height: 4, width: 4))
        let plan = try LayerPlan(job: job, config: shapes)
        #expect(plan.slots == 4 && plan.passes.count == 1)
        let run = try TileModel(config: shapes).simulate(job, mode: .stepped)
        #expect(run.output == referenceOutput(job))
        #expect(run.trace.count == 1)
        let e = run.trace[0]
        // grant g = loadStart − 1 takes tile 0; 25 + 15 + 25 + 15 requests in a row (tiles (0, 1) and
        // (1, 1) share their first KW − S = 2 halo columns with the tile to their left, §6.2: they load
        // columns 5…7 of their 3…7); the last datum L cycles later.
        let groupLoad = e.loadEnd - e.loadStart
        #expect(groupLoad == 80 + config.memLatency)
        // one group: K²·NC = 9 steps, padded to the tile's 8 requant rows: max(9, 8) = 9 cycles.
        #expect(e.computeEnd - e.computeStart == 9)
        #expect(run.stats.computeBusyCycles == 9)
        // The same layer at the full 8x8 tile: one tile of a 10x10 halo clipped to 8x8 = 64 words.
        let full = try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: 8, cout: 8, residual: false, config: config, mask: .full)
        let f = try TileModel(config: config).simulate(full, mode: .fast).trace[0]
        let fullLoad = f.loadEnd - f.loadStart
        #expect(fullLoad == 64 + config.memLatency)
        #expect(f.computeEnd - f.computeStart == 9)
    }

    /// A K×K layer over a 16x16 map of 8 channels (CW = 1) on the default config's 2x2 tiles, with
    /// exactly the tiles `active` (ty, tx) of its 8x8 tile mask.
    func twoByTwoTilesJob(seed: UInt64, kernel: Int, active: [(Int, Int)]) throws -> LayerJob {
        var rng = SplitMix64(seed: seed)
        let job = try randomJob(&rng, K: kernel, S: 1, H: 16, W: 16, cin: 8, cout: 8, residual: false, config: .defaultWithoutLineBuffer, mask: .empty,
                                shape: TileShape(height: 2, width: 2))
        var bits = [Bool](repeating: false, count: 64)
        for (ty, tx) in active { bits[ty * 8 + tx] = true }
        return job.with(tileMask: try TileMask(mapHeight: 16, mapWidth: 16, tileHeight: 2, tileWidth: 2, bits: bits))
    }

    /// The partial group (§3.1), worked by hand: 18 active tiles of 2×2 in groups of 16. A 3×3 tile
    /// loads a 4×4 halo (16 words) and stores 4: the first group takes the remainder, tiles (0, 0) and
    /// (0, 1), and its load is all that precedes the first compute — (0, 0) rows 0…2 × columns 0…2 =
    /// 9 words, (0, 1) shares two columns and loads columns 3…4: 6, back to back (no take cycle:
    /// both have two or more requests). A 1×1 tile loads 4 words and stores 4: the last group is partial.
    @Test func thePartialGroupIsWhereItCostsLeast() throws {
        let config = HardwareConfig.defaultWithoutLineBuffer
        let active = (0..<18).map { ($0 / 8, $0 % 8) }
        let job = try twoByTwoTilesJob(seed: 4, kernel: 3, active: active)
        let plan = try LayerPlan(job: job, config: config)
        #expect(plan.remainderFirst && plan.groupSize == 16)
        let groups = plan.groups(of: job.tileMask.activeTiles)
        #expect(groups.map(\.count) == [2, 16] && groups[0].map { [$0.ty, $0.tx] } == [[0, 0], [0, 1]])
        let run = try TileModel(config: config).simulate(job, mode: .stepped)
        #expect(run.output == referenceOutput(job))
        #expect(run.trace.count == 2 && run.trace[0].loadEnd - run.trace[0].loadStart == 15 + config.memLatency)
        #expect(run.trace[0].computeStart == run.trace[0].loadEnd)
        #expect(try TileModel(config: config).simulate(job, mode: .fast).stats == run.stats)

        let pointwise = try twoByTwoTilesJob(seed: 5, kernel: 1, active: active)
        let pp = try LayerPlan(job: pointwise, config: config)
        #expect(!pp.remainderFirst && pp.groups(of: pointwise.tileMask.activeTiles).map(\.count) == [16, 2])
        #expect(try TileModel(config: config).simulate(pointwise, mode: .stepped).output == referenceOutput(pointwise))
    }

    /// Halo reuse (§6.2), worked by hand: 16x16 map, 3x3 kernel, Cin 8 (CW = 1), 2x2 tiles (4 slots
    /// a row, one word per tile and bank: one group of all five tiles). Tile (0, 1) loads rows 0…2 ×
    /// columns 1…4 = 12 words; (0, 2) and (0, 3), each the right-hand neighbour of the tile in the slot
    /// before, skip their first 2 columns: 3 × 2 = 6 words each; (0, 5) is not adjacent: 12; (1, 0)
    /// starts a slot row: rows 1…4 × columns 0…2 = 12. 48 words instead of 60, and the reference conv.
    @Test func haloReuseLoadsSharedColumnsOnce() throws {
        let job = try twoByTwoTilesJob(seed: 8, kernel: 3, active: [(0, 1), (0, 2), (0, 3), (0, 5), (1, 0)])
        try expectOneGroup(job, sharedColumns: 2, shares: [false, true, true, false, false], loadWords: 48)
    }

    /// `job` runs as one group of its tiles with halo reuse: its share flags, the reference conv,
    /// its load `loadWords` requests back to back (no take cycles: every tile has two or more,
    /// §7.3) and the last datum L cycles later, stepped = fast.
    func expectOneGroup(_ job: LayerJob, sharedColumns: Int, shares: [Bool], loadWords: Int) throws {
        let config = HardwareConfig.defaultWithoutLineBuffer
        let plan = try LayerPlan(job: job, config: config)
        let group = plan.groups(of: job.tileMask.activeTiles)
        #expect(group.count == 1 && plan.sharedColumns == sharedColumns)
        #expect(plan.sharesLeft(group[0]) == shares)
        let run = try TileModel(config: config).simulate(job, mode: .stepped)
        #expect(run.output == referenceOutput(job))
        #expect(run.trace[0].loadEnd - run.trace[0].loadStart == loadWords + config.memLatency)
        #expect(try TileModel(config: config).simulate(job, mode: .fast).stats == run.stats)
    }

    /// Halo reuse when the shared columns are more than a tile's own (nsh = KW − SX > w·SX, §6.2),
    /// worked by hand: 16x16 map, 5x5 kernel, pad 2, Cin 8 (CW = 1), 2x2 tiles, one slot row of
    /// four tiles (0, 0…3). nsh = 4 > 2: a tile shares only when the tile to its left does not.
    /// (0, 0): rows 0…3 × cols 0…3 = 16 words; (0, 1) shares, cols 4…5: 8; (0, 2) does not (its left
    /// one shares), cols 2…7: 24; (0, 3) shares, cols 8…9: 8. 56 words instead of 88.
    @Test func haloReuseAlternatesWhenTheKernelIsWiderThanTheTile() throws {
        let job = try twoByTwoTilesJob(seed: 9, kernel: 5, active: (0..<4).map { (0, $0) })
        try expectOneGroup(job, sharedColumns: 4, shares: [false, true, false, true], loadWords: 56)
    }

    /// A group holds as many tiles as the input buffer has room for when that is fewer than the
    /// slots (§3.1), worked by hand: 2x2 tiles of a stride-2 3x3 layer over 64 channels (CW = 2) need
    /// 2·2 row/column slots × 2 words = 8 words per bank each; 32 words per bank hold 4 of the 16
    /// slots. Six active tiles of the 4x4 then run in groups of 4 and 2, and compute the reference conv.
    @Test func groupsShrinkToWhatTheInputBufferHolds() throws {
        var config = HardwareConfig.defaultWithoutLineBuffer
        config.inputBufferBytes = 2 * 8 * 8 * 32 * 32
        var rng = SplitMix64(seed: 8)
        let base = try randomJob(&rng, K: 3, S: 2, H: 16, W: 16, cin: 64, cout: 8, residual: true, config: config, mask: .full,
                                 shape: TileShape(height: 2, width: 2))
        var bits = base.tileMask.bits
        for i in bits.indices { bits[i] = i % 3 == 0 }  // tiles 0, 3, …, 15: six of the 16
        let job = base.with(tileMask: try TileMask(mapHeight: 8, mapWidth: 8, tileHeight: 2, tileWidth: 2, bits: bits))
        let plan = try LayerPlan(job: job, config: config)
        #expect(plan.slots == 16 && plan.regionWords == 8 && plan.groupSize == 4 && plan.inputBankWords == 32)
        let stepped = try TileModel(config: config).simulate(job, mode: .stepped)
        let fast = try TileModel(config: config).simulate(job, mode: .fast)
        #expect(stepped.trace.count == 2, "\(stepped.trace.count) groups")
        #expect(stepped.stats == fast.stats && stepped.trace == fast.trace)
        #expect(stepped.output == referenceOutput(job) && fast.output == referenceOutput(job))
        // With room for every slot, one group of six.
        var roomy = config; roomy.inputBufferBytes = HardwareConfig.defaultWithoutLineBuffer.inputBufferBytes
        let one = try TileModel(config: roomy).simulate(job, mode: .stepped)
        #expect(try LayerPlan(job: job, config: roomy).groupSize == 16 && one.trace.count == 1 && one.output == stepped.output)
    }

    /// The mapper picks, per layer, the shape of the fewest cycles: on a map of scattered pixels
    /// smaller tiles issue fewer MACs and win; with every pixel active the full tile does.
    @Test func theMapperPicksTheFewestCycles() throws {
        var config = HardwareConfig.defaultWithoutLineBuffer; config.tileShapes = 3
        let model = TileModel(config: config)
        var bits = [Bool](repeating: false, count: 32 * 32)
        for (y, x) in [(1, 1), (9, 20), (17, 5), (30, 30), (24, 12)] { bits[y * 32 + x] = true }
        let sparse = TimingLayer(name: "sparse", kernel: 3, stride: 1, inHeight: 32, inWidth: 32, inChannels: 64, outChannels: 64,
                                 residual: false, pixelMask: try PixelMask(height: 32, width: 32, bits: bits))
        let dense = TimingLayer(name: "dense", kernel: 3, stride: 1, inHeight: 32, inWidth: 32, inChannels: 64, outChannels: 64,
                                residual: false, pixelMask: nil)
        var cycles: [TileShape: Int] = [:]
        for s in config.shapes { cycles[s] = try model.cycles(sparse.job(config: config, shape: s)) }
        let best = try model.bestShape(for: sparse)
        #expect(cycles[best] == cycles.values.min())
        #expect(best != TileShape(height: 8, width: 8))
        #expect(try model.bestShape(for: dense) == TileShape(height: 8, width: 8))
    }

    /// The dense baseline of a layer on small tiles is the all-ones mask at the shape best for it,
    /// not at the layer's own shape (which would flatter the speed-up).
    @Test func denseBaselineIsTheBestShape() throws {
        let config = HardwareConfig.defaultWithoutLineBuffer
        var rng = SplitMix64(seed: 8)
        let job = try randomJob(&rng, K: 3, S: 1, H: 32, W: 32, cin: 16, cout: 16, residual: false, config: config,
                                mask: .random, shape: TileShape(height: 2, width: 2))
        let model = TileModel(config: config)
        let stats = try model.simulate(job, mode: .fast, outputs: false).stats
        let m = job.tileMask
        let dense = try config.shapes.map { s in
            try model.cycles(job.with(tileMask: TileMask(mapHeight: m.mapHeight, mapWidth: m.mapWidth,
                                                         tileHeight: s.height, tileWidth: s.width, repeating: true)))
        }
        #expect(stats.denseCycles == dense.min())
        #expect(dense[2] > dense.min()!)  // all-ones on 2x2 tiles costs more than on the best shape
    }

    /// Regional selection: at every shape the layer's tile mask is the round(D · tiles) best tiles
    /// (a tile density, not a pooled pixel mask), its job's pixel mask lies inside them, and a
    /// mask read from a directory fixes the shape (an unsupported one is an error).
    @Test func regionalAndFixedSelections() throws {
        var config = HardwareConfig.defaultWithoutLineBuffer; config.tileShapes = 3
        let model = TileModel(config: config)
        var g = SplitMix64(seed: 4)
        let map = try ImportanceMap(height: 32, width: 32, values: (0..<1024).map { _ in Float(g.nextUnit()) })
        let pixels = RankedImportance(map).mask(density: 0.3)
        let layer = TimingLayer(name: "regional", kernel: 3, stride: 1, inHeight: 32, inWidth: 32, inChannels: 64, outChannels: 64,
                                residual: false, pixelMask: pixels, selection: .regional(RegionalTiles(map: map, halo: 1), density: 0.25))
        for s in config.shapes {
            let t = try layer.tileMask(shape: s)
            #expect(t.activeCount == Int((0.25 * Double(t.bits.count)).rounded()), "\(s)")
            let job = try layer.job(config: config, shape: s)
            let p = try #require(job.pixelMask)
            for y in 0..<32 { for x in 0..<32 where p[y, x] { #expect(t[y / s.height, x / s.width]) } }
        }
        let chosen = try layer.tileMask(shape: TileShape(height: 4, width: 4))
        var fixed = layer; fixed.selection = .fixed(chosen)
        #expect(try model.bestShape(for: fixed) == TileShape(height: 4, width: 4))
        #expect(throws: (any Error).self) { try fixed.tileMask(shape: TileShape(height: 8, width: 8)) }
        var one = HardwareConfig.defaultWithoutLineBuffer; one.tileShapes = 1
        #expect(throws: (any Error).self) { try TileModel(config: one).bestShape(for: fixed) }
    }
}
