import Testing
@testable import AcceleratorSpec
@testable import TileModel
import SparseCNN

/// The line buffer (docs/microarchitecture.md §6.5): a band of the input map on chip from which
/// each group's halos are copied into the input buffer.
@Suite struct LineBufferTests {
    /// 4×4 tiles of one shape, lanes 4×4, B 16 (a pixel of 4 channels is one word), line banks of
    /// `lineWords` words.
    static func config(lineWords: Int, shapes: Int = 1) throws -> HardwareConfig {
        try HardwareConfig(tileH: 4, tileW: 4, lanesK: 4, lanesC: 4, inputBufferBytes: 2 * 16 * 16 * 32,
                           weightBufferBytes: 4 * 16 * 64, outputBufferBytes: 2 * 16 * 16 * 2,
                           memBytesPerCycle: 16, memLatency: 5, tileShapes: shapes, lineBufferBytes: 16 * 16 * lineWords)
    }

    /// A 16×8 map, 3×3 kernel, pad 1, in 4×4 tiles of which (0, 0) and (3, 1) are active, worked by
    /// hand. The padded map has columns 0…8 (engine column = map column + 1), so column block 0
    /// holds map columns 0…2, block 1 columns 3…6, block 2 column 7: three column slots.
    /// Tile (0, 0) reads rows 0…4, columns 0…4 (blocks 0, 1); tile (3, 1) rows 11…15, columns 3…7
    /// (blocks 1, 2). The two groups (one tile each) span rows 0…15: with 12-word banks the ring
    /// holds 12 / (1·3·1) = 4 row blocks, 16 rows, enough; with 9-word banks 12 rows, too few.
    @Test func aBandWorkedByHand() throws {
        let config = try Self.config(lineWords: 12)
        var bits = [Bool](repeating: false, count: 4 * 2)
        bits[0 * 2 + 0] = true; bits[3 * 2 + 1] = true
        let job = try LayerJob(name: "hand", kernel: 3, stride: 1, inHeight: 16, inWidth: 8, inChannels: 4, outChannels: 4,
                               weights: (0..<144).map { Int8(truncatingIfNeeded: $0 * 7 - 60) }, bias: [10, -20, 30, -40],
                               input: (0..<(16 * 8 * 4)).map { Int8(truncatingIfNeeded: $0 * 13 + 5) }, residual: nil,
                               multiplier: 20000, shift: 18, activation: .relu, tileH: 4, tileW: 4, tileMaskBits: bits)
        let plan = try LayerPlan(job: job, config: config)
        #expect(plan.lineBuffer && plan.lineColumnSlots == 3 && plan.lineBlocks == 4 && plan.lineRowCapacity == 16)
        #expect(plan.sharedColumns == 0 && !plan.haloRing)
        let groups = plan.groups(of: plan.scanOrder(job.tileMask))
        let band = plan.lineBand(groups)
        let expected: [(row: Int, block: Int, cols: Range<Int>)] =
            (0...4).flatMap { r in [(r, 0, 0..<3), (r, 1, 3..<7)] }
            + (11...15).flatMap { r in [(r, 1, 3..<7), (r, 2, 7..<8)] }
        #expect(band.segments.map { [$0.row, $0.columnBlock, $0.cols.lowerBound, $0.cols.upperBound] }
                == expected.map { [$0.row, $0.block, $0.cols.lowerBound, $0.cols.upperBound] })
        // (7 words a row for tile (0, 0), 5 for tile (3, 1))
        #expect(band.words == 5 * 7 + 5 * 5)
        #expect(band.segments.map(\.firstWord).prefix(4) == [0, 3, 7, 10])
        // Each tile's load brings its own ten segments: 35 and 25 words.
        #expect(band.firstSegment == [[0], [10]])
        #expect(band.tileWords(group: 0, tile: 0) == 35 && band.tileWords(group: 1, tile: 0) == 25)
        // Map (5, 6): padded (6, 7), bank (2, 3); row block 1 of the ring, column slot 1: word (1·3 + 1)·1.
        #expect(plan.lineAddress(iy: 5, ix: 6, word: 0) == (2, 3, 4))
        // A 6×6 halo takes 2×2 slots of each 4×4 bank, one word each: its copy takes 4 cycles.
        #expect(plan.lineCopyCycles == 4)
        // The loads go through the band only: 60 words of input instead of 2 × 25.
        let stepped = try TileModel(config: config).simulate(job, mode: .stepped)
        let fast = try TileModel(config: config).simulate(job, mode: .fast)
        #expect(stepped.output == referenceOutput(job))
        #expect(fast.stats == stepped.stats)
        let noLine = try TileModel(config: try Self.config(lineWords: 0)).simulate(job, mode: .fast)
        #expect(stepped.stats.dramBytesRead - noLine.stats.dramBytesRead == (60 - 50) * 16)
        // With three row blocks (12 rows) the two groups' 16 rows do not fit: no line buffer.
        #expect(try !LayerPlan(job: job, config: try Self.config(lineWords: 9)).lineBuffer)
    }

    /// Random layers at every shape of a three-shape config (and their pair shapes), with and
    /// without a residual, full and random masks: the stepped model, whose line buffer and copies
    /// hold real bytes, equals the reference conv, and the fast model's figures equal the stepped
    /// ones, under the fixed and a random memory profile.
    @Test(arguments: [MemoryProfile.fixed, .random(minLatency: 2, maxLatency: 9, stallProbability: 0.2)])
    func randomLayersComputeTheReferenceConv(profile: MemoryProfile) throws {
        let config = try Self.config(lineWords: 96, shapes: 3)
        var rng = SplitMix64(seed: 1205)
        var lined = 0
        for n in 0..<30 {
            let K = [1, 3, 5, 7][n % 4], S = 1 + (n / 4) % 2
            let H = Int.random(in: 5...19, using: &rng), W = Int.random(in: 5...21, using: &rng)
            let cin = Int.random(in: 1...9, using: &rng), cout = Int.random(in: 1...6, using: &rng)
            let shapes = LayerPlan.maskTiles(kernel: K, stride: S, inChannels: cin, outChannels: cout, outWidth: (W + S - 1) / S, config: config)
            let job = try randomJob(&rng, K: K, S: S, H: H, W: W, cin: cin, cout: cout, residual: Bool.random(using: &rng),
                                    config: config, mask: [.full, .random, .random][n % 3], shape: shapes[n % shapes.count])
            let plan = try LayerPlan(job: job, config: config)
            if plan.lineBuffer { lined += 1 }
            let stepped = try TileModel(config: config, memory: profile).simulate(job, mode: .stepped)
            let fast = try TileModel(config: config, memory: profile).simulate(job, mode: .fast)
            #expect(stepped.output == referenceOutput(job), "\(job.name) at \(shapes[n % shapes.count])")
            #expect(fast.stats == stepped.stats, "\(job.name)")
        }
        #expect(lined >= 20, "only \(lined) of 30 layers took the line buffer")
    }

    /// A config with a line buffer has it in its JSON (and so in its hash); one without keeps the
    /// hash it had.
    @Test func theConfigCarriesTheLineBuffer() throws {
        let with = try HardwareConfig.small.overriding(lineBufferBytes: 64 << 10)
        #expect(with.lineBankDepth == 256)  // 65 536 B / (16 banks · 16 B)
        #expect(try HardwareConfig.fromJSON(with.canonicalJSON()) == with)
        #expect(with.contentHash != HardwareConfig.small.contentHash)
        #expect(!String(decoding: HardwareConfig.small.canonicalJSON(), as: UTF8.self).contains("lineBuffer"))
        #expect(String(decoding: HardwareConfig.default.canonicalJSON(), as: UTF8.self).contains(#""lineBufferBytes":524288"#))
        #expect(throws: AcceleratorSpecError.self) { try HardwareConfig.default.overriding(lineBufferBytes: 100) }
    }
}
