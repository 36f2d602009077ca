import Testing
import TileModel

/// Output pairs (docs/microarchitecture.md §3.3): a layer with few output channels computes output
/// columns 2x′ and 2x′+1 side by side in the output lanes, asked for by a tile mask twice as wide as
/// one of the config's shapes.
@Suite struct OutputPairsTests {
    /// The rule and the engines' view, worked by hand for the default config (lanesK 8, lanesC 8, B 32).
    @Test func planFollowsTheRule() throws {
        func plan(K: Int, S: Int = 1, W: Int = 32, cin: Int = 16, cout: Int, tile: TileShape,
                  config: HardwareConfig = .default) throws -> LayerPlan {
            var rng = SplitMix64(seed: 1)
            return try LayerPlan(job: randomJob(&rng, K: K, S: S, H: 16, W: W, cin: cin, cout: cout, residual: false,
                                                config: config, mask: .full, shape: tile), config: config)
        }
        // SRResNet's tail in 8×16 tiles: 6 engine channels, a 9×10 kernel at column stride 2.
        let tail = try plan(K: 9, cin: 64, cout: 3, tile: TileShape(height: 8, width: 16))
        #expect(tail.outputPairs && tail.shape == TileShape(height: 8, width: 8))
        #expect(tail.cout == 6 && tail.outW == 16 && tail.layerCout == 3 && tail.layerOutW == 32)
        #expect(tail.kernelWidth == 10 && tail.strideX == 2 && tail.padX == 4 && tail.mapWidth == 32)
        // 9·10 taps × 2 words × 3 subgroups of 2 channels (grouped lanes, §3.4; 8 chunks of 8 channels
        // without); halo (8−1)·2 + 10 = 24 columns; 2 × 4 tiles
        #expect(tail.steps == 9 * 10 * 2 * 3 && tail.haloW == 24 && tail.tilesWide == 2 && tail.tilesHigh == 2)
        #expect(tail.weightWordCount(tail.passes[0]) == 6 * 9 * 10 * 2)
        // The same layer in 8×8 tiles is unpaired.
        #expect(try !plan(K: 9, cin: 64, cout: 3, tile: TileShape(height: 8, width: 8)).outputPairs)
        // Cout 4 at K 3: ⌈8/8⌉·4 = 4 < 2·1·3 = 6 pairs; Cout 5: ⌈10/8⌉·4 = 8 ≥ 6 does not.
        #expect(try plan(K: 3, cout: 4, tile: TileShape(height: 4, width: 8)).outputPairs)
        let cfg = HardwareConfig.default
        #expect(!LayerPlan.pairsOutputs(kernel: 3, stride: 1, inChannels: 16, outChannels: 5, outWidth: 32, config: cfg))
        // Not at stride 2, odd widths, 1×1 kernels (2 < 2 steps), packed taps, or K + 1 beyond the K field.
        #expect(!LayerPlan.pairsOutputs(kernel: 3, stride: 2, inChannels: 16, outChannels: 3, outWidth: 32, config: cfg))
        #expect(!LayerPlan.pairsOutputs(kernel: 3, stride: 1, inChannels: 16, outChannels: 3, outWidth: 31, config: cfg))
        #expect(!LayerPlan.pairsOutputs(kernel: 1, stride: 1, inChannels: 16, outChannels: 3, outWidth: 32, config: cfg))
        #expect(!LayerPlan.pairsOutputs(kernel: 3, stride: 1, inChannels: 3, outChannels: 3, outWidth: 32, config: cfg))
        #expect(!LayerPlan.pairsOutputs(kernel: 15, stride: 1, inChannels: 16, outChannels: 3, outWidth: 32, config: cfg))
        // A mask of pair tiles for a layer that does not take pairs is an error that says so.
        #expect(throws: AcceleratorSpecError.self) { try plan(K: 3, cout: 16, tile: TileShape(height: 8, width: 16)) }
        // The mapper's candidates: the shapes, then the pair shapes.
        #expect(LayerPlan.maskTiles(kernel: 9, stride: 1, inChannels: 64, outChannels: 3, outWidth: 256, config: cfg)
                    == cfg.shapes + cfg.shapes.map { TileShape(height: $0.height, width: 2 * $0.width) })
        #expect(LayerPlan.maskTiles(kernel: 3, stride: 1, inChannels: 64, outChannels: 64, outWidth: 256, config: cfg) == cfg.shapes)
    }

    /// Paired layers compute what the dense reference convolution computes, in both model modes,
    /// with identical timing, for every mask kind, at every pair shape of two configs.
    @Test(arguments: MaskKind.allCases)
    func pairedLayersMatchReference(mask: MaskKind) throws {
        var rng = SplitMix64(seed: 41)
        let shapes: [(K: Int, H: Int, W: Int, cin: Int, cout: Int, res: Bool)] = [
            (9, 10, 20, 16, 3, false), (3, 9, 14, 8, 4, true), (5, 7, 10, 12, 1, false), (3, 5, 6, 32, 2, true),
        ]
        let small = try HardwareConfig(tileH: 4, tileW: 4, lanesK: 4, lanesC: 4, inputBufferBytes: 2 * 16 * 8 * 64,
                                       weightBufferBytes: 4 * 8 * 256, outputBufferBytes: 2 * 16 * 8 * 8,
                                       memBytesPerCycle: 8, memLatency: 3, tileShapes: 2)
        for config in [HardwareConfig.default, small] {
            let model = TileModel(config: config)
            for s in shapes {
                for shape in config.shapes {
                    let tile = TileShape(height: shape.height, width: 2 * shape.width)
                    guard LayerPlan.pairsOutputs(kernel: s.K, stride: 1, inChannels: s.cin, outChannels: s.cout, outWidth: s.W,
                                                 config: config) else { continue }
                    let job = try randomJob(&rng, K: s.K, S: 1, H: s.H, W: s.W, cin: s.cin, cout: s.cout, residual: s.res,
                                            config: config, mask: mask, shape: tile)
                    #expect(try LayerPlan(job: job, config: config).outputPairs, "\(job.name) \(tile)")
                    let expected = referenceOutput(job)
                    let fast = try model.simulate(job, mode: .fast), stepped = try model.simulate(job, mode: .stepped)
                    #expect(stepped.output == expected, "stepped output differs: \(job.name) \(tile) \(mask)")
                    #expect(fast.output == expected, "fast output differs: \(job.name) \(tile) \(mask)")
                    #expect(stepped.stats == fast.stats && stepped.trace == fast.trace, "\(job.name) \(tile) \(mask)")
                }
            }
        }
    }

    /// Pairs change the work, not the layer: MAC counts and the bound are those of the layer in its own
    /// map, and a full mask halves the compute of the 3-channel layer's kgroups (10 columns for 2 pixels
    /// instead of 9 for 1).
    @Test func statsCountTheLayersOwnWork() throws {
        var rng = SplitMix64(seed: 5)
        let job = try randomJob(&rng, K: 9, S: 1, H: 8, W: 16, cin: 8, cout: 3, residual: false, config: .default,
                                mask: .full, shape: TileShape(height: 8, width: 16))
        let s = try TileModel(config: .default).simulate(job, mode: .fast).stats
        #expect(s.outputPairs && s.tileShape == "8x8")
        #expect(s.denseMACs == 8 * 16 * 3 * 9 * 9 * 8 && s.issuedMACs == s.denseMACs && s.usefulMACs == s.denseMACs)
        // every input pixel is read: 8·16·8 input bytes, the weights (3·81·8) and bias once, the outputs once
        #expect(s.boundBytes == 8 * 16 * 8 + 3 * 81 * 8 + 8 * 16 * 3)
        // one tile, one kgroup of 9·10·1 steps
        #expect(s.computeBusyCycles == 90)
        let unpaired = try randomJob(&rng, K: 9, S: 1, H: 8, W: 16, cin: 8, cout: 3, residual: false, config: .default, mask: .full)
        #expect(try TileModel(config: .default).simulate(unpaired, mode: .fast).stats.computeBusyCycles == 2 * 81)
    }
}
