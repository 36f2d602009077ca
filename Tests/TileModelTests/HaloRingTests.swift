import Testing
@testable import TileModel
import SparseCNN

/// Both rings of the input buffer (docs/microarchitecture.md §6.2): on random layers, and the ring
/// of three tiles. The hand-worked passes are in `ColumnRingTests` and `RowRingTests`.
@Suite struct HaloRingTests {
    /// Random layers at the full-tile shape of a config of one shape: 4×4 tiles, where every layer
    /// whose kernel is wider than its column stride takes the column ring, and 2×4 tiles, where a
    /// tile below its neighbour loads fewer rows than one beside it loads columns, so most layers take
    /// the row ring. The stepped model, whose ring holds real bytes, equals the reference conv, the
    /// fast model's figures equal the stepped ones, and the loads never exceed those without the ring.
    @Test(arguments: [TileShape(height: 4, width: 4), TileShape(height: 2, width: 4)])
    func theRingsComputeTheReferenceConv(tile: TileShape) throws {
        let bank = 2 * tile.height * tile.width * 8
        let config = try HardwareConfig(tileH: tile.height, tileW: tile.width, lanesK: 2, lanesC: 4, inputBufferBytes: bank * 64,
                                        weightBufferBytes: 2 * 8 * 256, outputBufferBytes: bank * 2,
                                        memBytesPerCycle: 8, memLatency: 3, tileShapes: 1)
        let square = tile.height == tile.width
        var rng = SplitMix64(seed: square ? 77 : 78)
        var shared = 0
        for n in 0..<24 {
            let K = [3, 5, 7][n % 3], S = 1 + (n / 3) % 2
            let job = try randomJob(&rng, K: K, S: S, H: Int.random(in: 5...17, using: &rng), W: Int.random(in: 5...23, using: &rng),
                                    cin: Int.random(in: 1...12, using: &rng), cout: Int.random(in: 1...5, using: &rng),
                                    residual: Bool.random(using: &rng), config: config, mask: [.full, .random][n % 2],
                                    shape: tile)
            let plan = try LayerPlan(job: job, config: config)
            let groups = plan.groups(of: plan.scanOrder(job.tileMask))
            let placement = plan.haloPlacement(groups)
            // (the square tiles share columns, the 2×4 ones rows)
            if (square ? plan.columnRing : plan.rowRing) && placement.shares.contains(where: { $0.contains(true) }) { shared += 1 }
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
        #expect(shared >= 8, "only \(shared) layers share in the ring")
    }

    /// A ring of three tiles (no residual, three regions within 2·DI) lets the load of tile 2 start
    /// while tile 0 computes (eligibility ρ_{i−3}); with a residual the ring holds two, and the load
    /// of tile 2 waits for tile 0's compute to end. Compute-heavy tiles (Cin 64, Cout 64: 8 kgroups
    /// of 72 steps, 576 cycles) against a 200-word halo make the difference visible.
    @Test func aRingOfThreeLoadsWhileTheTileTwoBeforeComputes() throws {
        for residual in [false, true] {
            var rng = SplitMix64(seed: 31)
            let job = try randomJob(&rng, K: 3, S: 1, H: 16, W: 32, cin: 64, cout: 64, residual: residual, config: .defaultWithoutLineBuffer, mask: .full)
            let plan = try LayerPlan(job: job, config: .defaultWithoutLineBuffer)
            #expect(plan.columnRing && plan.ringTiles == (residual ? 2 : 3))
            let run = try TileModel(config: .defaultWithoutLineBuffer).simulate(job, mode: .stepped)
            #expect(run.output == referenceOutput(job))
            let t = run.trace
            if residual { #expect(t[2].loadStart >= t[0].computeEnd, "\(t[2]) \(t[0])") }
            else { #expect(t[2].loadStart < t[0].computeEnd, "\(t[2]) \(t[0])") }
        }
    }
}
