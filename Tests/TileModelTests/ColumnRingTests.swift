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
        let config = HardwareConfig.defaultWithoutLineBuffer
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
}
