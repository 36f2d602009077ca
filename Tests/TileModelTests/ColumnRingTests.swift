import Testing
@testable import TileModel
import SparseCNN

/// The column ring (docs/microarchitecture.md §6.2): at the full-tile shape the input buffer is a
/// ring of 2·nb column blocks, and a tile that continues the previous tile's row loads only the
/// halo columns it does not share with it.
@Suite struct ColumnRingTests {
    /// Worked by hand on the default config: a 16×32 map of 8×8 tiles, 3×3 kernel (pad 1), Cin 8
    /// (CW = 1). A halo is 10 × 10 (CS = 2: nb = 2), nsh = 2; no residual and three regions of
    /// RS·CS·CW = 4 words within 2·DI = 256: a ring of three tiles, 6 blocks. Active tiles in raster
    /// order (0, 0), (0, 1), (0, 3), (1, 1), (1, 2):
    /// (0, 0) the pass's first: block 0, rows 0…8 × cols 0…8 = 81 words;
    /// (0, 1) continues its row: block 1, cols 9…16 (7 and 8 are shared) = 72;
    /// (0, 3) does not (tx 2 is not active): block 1 + 2 = 3, cols 23…31 = 81;
    /// (1, 1) starts a row: block 3 + 2 = 5, rows 7…15 × cols 7…16 = 90;
    /// (1, 2) continues: block 6 = 0 (mod 6), cols 17…24 = 72. 396 words, where the halves would load 432.
    @Test func aTileThatContinuesItsRowLoadsOnlyItsOwnColumns() throws {
        let config = HardwareConfig.default
        var rng = SplitMix64(seed: 12)
        let base = try randomJob(&rng, K: 3, S: 1, H: 16, W: 32, cin: 8, cout: 8, residual: false, config: config, mask: .empty,
                                 shape: TileShape(height: 8, width: 8))
        var bits = [Bool](repeating: false, count: 8)
        for (ty, tx) in [(0, 0), (0, 1), (0, 3), (1, 1), (1, 2)] { bits[ty * 4 + tx] = true }
        let job = base.with(tileMask: try TileMask(mapHeight: 16, mapWidth: 32, tileHeight: 8, tileWidth: 8, bits: bits))
        let plan = try LayerPlan(job: job, config: config)
        #expect(plan.columnRing && plan.sharedColumns == 2 && plan.tileBlocks == 2 && plan.ringTiles == 3 && plan.ringBlocks == 6)
        let groups = plan.groups(of: job.tileMask.activeTiles)
        let placement = plan.haloPlacement(groups)
        #expect(placement.shares.map { $0[0] } == [false, true, false, false, true])
        #expect(placement.block == [0, 1, 3, 5, 0])
        let pass = plan.passes[0]
        let words = zip(groups, placement.shares).map { plan.haloWords(ty: $0.0[0].ty, tx: $0.0[0].tx, pass: pass, shares: $0.1[0]) }
        #expect(words == [81, 72, 81, 90, 72])
        let run = try TileModel(config: config).simulate(job, mode: .stepped)
        #expect(run.output == referenceOutput(job))
        #expect(try TileModel(config: config).simulate(job, mode: .fast).stats == run.stats)
        #expect(run.stats.dramBytesRead - run.stats.weightBytesRead == (396 + plan.maskWords) * config.memBytesPerCycle)  // halos, the mask
    }

    /// A ring of three tiles (no residual, three regions within 2·DI) lets the load of tile 2 start
    /// while tile 0 computes (eligibility ρ_{i−3}); with a residual the ring holds two, and the load
    /// of tile 2 waits for tile 0's compute to end. Compute-heavy tiles (Cin 64, Cout 64: 8 kgroups
    /// of 72 steps, 576 cycles) against a 200-word halo make the difference visible.
    @Test func aRingOfThreeLoadsWhileTheTileTwoBeforeComputes() throws {
        for residual in [false, true] {
            var rng = SplitMix64(seed: 31)
            let job = try randomJob(&rng, K: 3, S: 1, H: 16, W: 32, cin: 64, cout: 64, residual: residual, config: .default, mask: .full)
            let plan = try LayerPlan(job: job, config: .default)
            #expect(plan.columnRing && plan.ringTiles == (residual ? 2 : 3))
            let run = try TileModel(config: .default).simulate(job, mode: .stepped)
            #expect(run.output == referenceOutput(job))
            let t = run.trace
            if residual { #expect(t[2].loadStart >= t[0].computeEnd, "\(t[2]) \(t[0])") }
            else { #expect(t[2].loadStart < t[0].computeEnd, "\(t[2]) \(t[0])") }
        }
    }

    /// Random layers at the full-tile shape of a config of one shape (every layer there takes the
    /// ring when its kernel is wider than its column stride): the stepped model, whose ring holds
    /// real bytes, equals the reference conv, and the loads never exceed those without the ring.
    @Test func theRingComputesTheReferenceConv() throws {
        let config = try HardwareConfig(tileH: 4, tileW: 4, lanesK: 2, lanesC: 4, inputBufferBytes: 2 * 16 * 8 * 64,
                                        weightBufferBytes: 2 * 8 * 256, outputBufferBytes: 2 * 16 * 8 * 2,
                                        memBytesPerCycle: 8, memLatency: 3, tileShapes: 1)
        var rng = SplitMix64(seed: 77)
        var shared = 0
        for n in 0..<24 {
            let K = [3, 5, 7][n % 3], S = 1 + (n / 3) % 2
            let job = try randomJob(&rng, K: K, S: S, H: Int.random(in: 5...17, using: &rng), W: Int.random(in: 5...23, using: &rng),
                                    cin: Int.random(in: 1...12, using: &rng), cout: Int.random(in: 1...5, using: &rng),
                                    residual: Bool.random(using: &rng), config: config, mask: [.full, .random][n % 2],
                                    shape: TileShape(height: 4, width: 4))
            let plan = try LayerPlan(job: job, config: config)
            let groups = plan.groups(of: job.tileMask.activeTiles)
            let placement = plan.haloPlacement(groups)
            if placement.shares.contains(where: { $0.contains(true) }) { shared += 1 }
            let stepped = try TileModel(config: config).simulate(job, mode: .stepped)
            let fast = try TileModel(config: config).simulate(job, mode: .fast)
            #expect(stepped.output == referenceOutput(job), "\(job.name)")
            #expect(fast.stats == stepped.stats, "\(job.name)")
            for p in plan.passes {
                let ring = zip(groups, placement.shares).reduce(0) { $0 + plan.haloWords(ty: $1.0[0].ty, tx: $1.0[0].tx, pass: p, shares: $1.1[0]) }
                let whole = groups.reduce(0) { $0 + plan.haloWords(ty: $1[0].ty, tx: $1[0].tx, pass: p) }
                #expect(ring <= whole)
            }
        }
        #expect(shared >= 8, "only \(shared) layers share columns in the ring")
    }
}
