import Testing
@testable import TileModel
import SparseCNN

/// The row ring (docs/microarchitecture.md §6.2): at the full-tile shape, when a tile below its
/// neighbour loads fewer halo words than one beside it, the tiles run in column-major order, the
/// input buffer is a ring of 2·nb row blocks, and a tile that continues the previous tile's column
/// loads only the halo rows it does not share with it.
@Suite struct RowRingTests {
    /// Worked by hand on the default config: K 3 over a 24×32 map of 8 channels (CW = 1), Cout 3, in
    /// output pairs (§3.3): the engines run 8×8 tiles of a 3 × 4 kernel at column stride 2, so a halo
    /// is 10 rows × 18 columns (RS = 2: nb = 2; a ring of three tiles, 6 blocks: no residual, and
    /// three regions of 2·4·1 words fit 2·DI = 256). A tile below its neighbour loads
    /// 8·1·18 = 144 words, one beside it 10·8·2 = 160: the row ring, nsh = KH − SY = 2 rows. The
    /// engine map is 3 × 2 tiles; active (0, 0), (1, 0), (2, 0), (1, 1), (2, 1), in column-major
    /// order (mask bits 0, 1, 2, 4, 5):
    /// (0, 0) the pass's first: block 0, rows 0…8 × cols 0…16 = 153 words;
    /// (1, 0) continues its column: block 1, rows 9…16 (7 and 8 are shared) = 136;
    /// (2, 0) continues: block 2, rows 17…23 = 119;
    /// (1, 1) starts a column: block 2 + 2 = 4, rows 7…16 × cols 15…31 = 170;
    /// (2, 1) continues: block 5, rows 17…23 = 119. 697 words, where the halves would load 799.
    @Test func aTileThatContinuesItsColumnLoadsOnlyItsOwnRows() throws {
        let config = HardwareConfig.defaultWithoutLineBuffer
        var rng = SplitMix64(seed: 21)
        let base = try randomJob(&rng, K: 3, S: 1, H: 24, W: 32, cin: 8, cout: 3, residual: false, config: config, mask: .empty,
                                 shape: TileShape(height: 8, width: 16))
        var bits = [Bool](repeating: false, count: 6)
        for (ty, tx) in [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1)] { bits[ty * 2 + tx] = true }
        let job = base.with(tileMask: try TileMask(mapHeight: 24, mapWidth: 32, tileHeight: 8, tileWidth: 16, bits: bits))
        let plan = try LayerPlan(job: job, config: config)
        #expect(plan.outputPairs && plan.haloH == 10 && plan.haloW == 18)
        #expect(plan.rowRing && !plan.columnRing && plan.sharedRows == 2 && plan.sharedColumns == 0)
        #expect(plan.tileBlocks == 2 && plan.ringTiles == 3 && plan.ringBlocks == 6)
        let order = plan.scanOrder(job.tileMask)
        #expect(order.map { [$0.ty, $0.tx] } == [[0, 0], [1, 0], [2, 0], [1, 1], [2, 1]])
        // column-major, each tile column 4 bits (3 tile rows, the pitch a power of two, §6.1)
        #expect(order.map { plan.maskIndex(ty: $0.ty, tx: $0.tx) } == [0, 1, 2, 5, 6])
        let groups = plan.groups(of: order)
        let placement = plan.haloPlacement(groups)
        #expect(placement.shares.map { $0[0] } == [false, true, true, false, true])
        #expect(placement.block == [0, 1, 2, 4, 5])
        let pass = plan.passes[0]
        let words = zip(groups, placement.shares).map { plan.haloWords(ty: $0.0[0].ty, tx: $0.0[0].tx, pass: pass, shares: $0.1[0]) }
        #expect(words == [153, 136, 119, 170, 119])
        let run = try TileModel(config: config).simulate(job, mode: .stepped)
        #expect(run.output == referenceOutput(job))
        #expect(try TileModel(config: config).simulate(job, mode: .fast).stats == run.stats)
        #expect(run.stats.dramBytesRead - run.stats.weightBytesRead == (697 + plan.maskWords) * config.memBytesPerCycle)  // halos, the mask
        #expect(run.trace.map { [$0.ty, $0.tx] } == order.map { [$0.ty, $0.tx] })
    }

    /// The same layer unpaired (8×8 mask tiles: a 10 × 10 halo, 80 words either way) keeps the column
    /// ring, raster order.
    @Test func aTieKeepsTheColumnRing() throws {
        var rng = SplitMix64(seed: 22)
        let job = try randomJob(&rng, K: 3, S: 1, H: 24, W: 32, cin: 8, cout: 3, residual: false, config: .defaultWithoutLineBuffer, mask: .full)
        let plan = try LayerPlan(job: job, config: .defaultWithoutLineBuffer)
        #expect(plan.columnRing && !plan.rowRing && plan.maskIndex(ty: 1, tx: 0) == 4)
    }
}
