import Testing
import TileModel

/// Tap packing (docs/microarchitecture.md §3.2): a layer with few input channels runs a 1×K kernel
/// over K·Cin channels, its input words holding each output row's K taps.
@Suite struct TapPackingTests {
    /// The rule and the engines' view, worked by hand for the default config (lanesC 8, B 32).
    @Test func planFollowsTheRule() throws {
        func plan(K: Int, S: Int, H: Int = 16, W: Int = 16, cin: Int, config: HardwareConfig = .default) throws -> LayerPlan {
            var rng = SplitMix64(seed: 1)
            return try LayerPlan(job: randomJob(&rng, K: K, S: S, H: H, W: W, cin: cin, cout: 4, residual: false,
                                                config: config, mask: .full), config: config)
        }
        // ResNet-18's conv1: 7·⌈21/8⌉ = 21 steps instead of 49·⌈3/8⌉ = 49; one word per output row
        // and input column: the rows run 1 tap at stride 1 over Ho = (20 + 6 − 7) ÷ 2 + 1 = 10 rows.
        let c1 = try plan(K: 7, S: 2, H: 20, W: 22, cin: 3)
        #expect(c1.tapsPacked && c1.kernelHeight == 1 && c1.strideY == 1 && c1.padY == 0 && c1.mapHeight == 10)
        #expect(c1.kernelWidth == 7 && c1.strideX == 2 && c1.padX == 3 && c1.mapWidth == 22)
        #expect(c1.mapChannels == 21 && c1.inWords == 1 && c1.chunks == 3 && c1.steps == 21)
        // halo of an 8x8 tile: 8 rows, (8−1)·2+7 = 21 columns, in ((21−1)÷2÷8 + 1)·2 = 4 column slots
        #expect(c1.haloH == 8 && c1.haloW == 21 && c1.rowSlots == 1 && c1.colSlots == 4)
        #expect(c1.weightWordCount(c1.passes[0]) == 4 * 7)
        // SRResNet's head: 9·⌈27/8⌉ = 36 steps instead of 81.
        #expect(try plan(K: 9, S: 1, cin: 3).steps == 36)
        // Cin 1, K 3: 3 steps instead of 9.
        #expect(try plan(K: 3, S: 1, cin: 1).steps == 3)
        // Not packed: enough channels; a 1x1 kernel; more words per column (⌈36/32⌉ = 2 > 1·⌈4/32⌉).
        #expect(try !plan(K: 3, S: 1, cin: 8).tapsPacked)
        #expect(try !plan(K: 1, S: 2, cin: 3).tapsPacked)
        let wide = try plan(K: 9, S: 1, cin: 4)
        #expect(!wide.tapsPacked && wide.steps == 81 && wide.kernelWidth == 9 && wide.mapWidth == 16)
        // No fewer steps: K 3, Cin 6 on lanesC 8 (3·⌈18/8⌉ = 9 = 9·⌈6/8⌉).
        #expect(try !plan(K: 3, S: 2, cin: 6).tapsPacked)
    }

    /// Packed layers compute what the dense reference convolution computes, in both model modes,
    /// with identical timing, for every mask kind, on three configs.
    @Test(arguments: MaskKind.allCases)
    func packedLayersMatchReference(mask: MaskKind) throws {
        var rng = SplitMix64(seed: 99)
        // (each packs on each config: oddConfig's 8-byte words hold the 14 bytes of a 7x7 row of 2
        // channels in two, no more than its two unpacked words per output column at stride 2)
        let shapes: [(K: Int, S: Int, H: Int, W: Int, cin: Int, res: Bool)] = [
            (7, 2, 13, 11, 2, false), (3, 1, 9, 7, 1, true), (5, 2, 9, 10, 2, true), (3, 2, 7, 9, 1, false), (5, 1, 6, 7, 1, false),
        ]
        for config in [HardwareConfig.default, .small, try oddConfig()] {
            let model = TileModel(config: config)
            for s in shapes {
                let job = try randomJob(&rng, K: s.K, S: s.S, H: s.H, W: s.W, cin: s.cin, cout: 5, residual: s.res,
                                        config: config, mask: mask)
                #expect(try LayerPlan(job: job, config: config).tapsPacked, "\(job.name) should pack on \(config.hash)")
                let expected = referenceOutput(job)
                let fast = try model.simulate(job, mode: .fast), stepped = try model.simulate(job, mode: .stepped)
                #expect(stepped.output == expected, "stepped output differs: \(job.name) \(mask)")
                #expect(fast.output == expected, "fast output differs: \(job.name) \(mask)")
                #expect(stepped.stats == fast.stats && stepped.trace == fast.trace, "\(job.name) \(mask)")
            }
        }
    }

    /// Packing changes the work, not the layer: MAC counts and the bound are those of the K×K layer.
    @Test func statsCountTheLayersOwnWork() throws {
        var rng = SplitMix64(seed: 5)
        let job = try randomJob(&rng, K: 7, S: 2, H: 16, W: 16, cin: 3, cout: 8, residual: false, config: .default, mask: .full)
        let s = try TileModel(config: .default).simulate(job, mode: .fast).stats
        #expect(s.denseMACs == 8 * 8 * 8 * 7 * 7 * 3)
        // every input pixel is in some halo: 16·16·3 input bytes, the weights and bias once, the outputs once
        #expect(s.boundBytes == 16 * 16 * 3 + 8 * 7 * 7 * 3 + 8 * 8 * 8)
        // one tile, one kgroup of 21 steps (Kc = 21 ≥ tileH): far fewer than the 49 of the unpacked layer
        #expect(s.computeBusyCycles == 21)
    }
}
