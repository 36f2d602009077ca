import Testing
@testable import SparseCNN

/// SRResNet with the upsampled input as the tail's residual (`srresnet-BxC-skip`, Builders.swift).
@Suite struct SRSkipTests {
    static func input(_ h: Int, _ w: Int) -> FloatTensor {
        var g = SplitMix64(seed: 11)
        return try! FloatTensor(shape: TensorShape(height: h, width: w, channels: 3), scalars: (0..<(h * w * 3)).map { _ in Float(g.nextUnit()) })
    }

    /// Nearest upsampling worked by hand: a 1×2 map of two channels at ×2.
    @Test func upsampleNearestRepeatsEachPixel() throws {
        let x = try QTensor(shape: TensorShape(height: 1, width: 2, channels: 2), scalars: [1, 2, 3, 4])
        let y = try upsampleNearest(x, factor: 2)
        #expect(y.shape == TensorShape(height: 2, width: 4, channels: 2))
        #expect(y.scalars == [1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4])
    }

    /// The variant's graph: `skip` upsamples the input ×4 and is the tail's residual; names parse;
    /// the JSON schema round-trips the op.
    @Test func graphAndNames() throws {
        let n = try Network.named("srresnet-2x8-skip")
        #expect(n.name == "srresnet-2x8-skip")
        let skip = try #require(n.layers.first { $0.name == "skip" })
        #expect(skip.op == .upsample(factor: 4) && skip.from == Network.inputName)
        #expect(n.layers.last?.name == "tail" && n.layers.last?.residual == "skip")
        #expect(try Network.named("srresnet-2x8").layers.contains { $0.name == "skip" } == false)
        let back = try Network(json: n.jsonData())
        #expect(back.layers == n.layers)
        #expect(throws: SparseCNNError.self) { try Network.named("srresnet-2x8-skp") }
    }

    /// A tail that skips every tile outputs its residual, i.e. the ×4 nearest upsampling of the
    /// int8 input (the skip path shares the input's scale, docs/quantization.md); a dense tail differs.
    @Test func skippedTailTilesShowTheUpsampledInput() throws {
        let net = Network.srresnet(blocks: 2, channels: 8, skip: .nearest)
        let plan = try net.plan(height: 8, width: 8)
        let x = Self.input(8, 8)
        let q = try QuantizedNetwork(plan: plan, parameters: NetworkParameters.heInit(net, seed: 3), calibrationInput: x)
        #expect(q.scales["tail"] == q.scales[Network.inputName])
        let none = TileMask(mapHeight: 32, mapWidth: 32, tileHeight: 8, tileWidth: 8, repeating: false)
        let skipped = try q.run(x, tileMasks: ["tail": none])
        let tail = try #require(skipped.records.last)
        // the int8 input codes, upsampled here by hand
        let s = q.scales[Network.inputName]!
        var want = [Int8](repeating: 0, count: 32 * 32 * 3)
        for y in 0..<32 { for xx in 0..<32 { for c in 0..<3 {
            let v = (x.scalars[((y / 4) * 8 + xx / 4) * 3 + c] / s).rounded()
            want[(y * 32 + xx) * 3 + c] = Int8(max(-128, min(127, v)))
        } } }
        #expect(tail.residual?.scalars == want)
        #expect(tail.output.scalars == want)
        #expect(try q.run(x).records.last!.output.scalars != want)
    }

    /// The bilinear variant (`srresnet-BxC-skip-bilinear`): its skip is the host's half-pixel bilinear
    /// upsampling; a tail that skips every tile outputs that skip path, quantized at the tail's scale,
    /// which tail and skip share (the residual is added in the accelerator's requantization).
    @Test func bilinearSkipIsAHostOpSharingTheTailsScale() throws {
        let n = try Network.named("srresnet-2x8-skip-bilinear")
        let skip = try #require(n.layers.first { $0.name == "skip" })
        #expect(skip.op == .host(.upsampleBilinear(factor: 4)) && skip.from == Network.inputName)
        #expect(n.layers.last?.residual == "skip")
        let plan = try n.plan(height: 8, width: 8)
        let x = Self.input(8, 8)
        let q = try QuantizedNetwork(plan: plan, parameters: NetworkParameters.heInit(n, seed: 3), calibrationInput: x)
        #expect(q.scales["tail"] == q.scales["skip"])
        let none = TileMask(mapHeight: 32, mapWidth: 32, tileHeight: 8, tileWidth: 8, repeating: false)
        let tail = try #require(try q.run(x, tileMasks: ["tail": none]).records.last)
        #expect(tail.output.scalars == tail.residual?.scalars)
        // the bilinear skip differs from nearest: pixel (1, 1) of the ×4 map lies between input pixels
        let nearest = try Network.named("srresnet-2x8-skip")
        let qn = try QuantizedNetwork(plan: try nearest.plan(height: 8, width: 8), parameters: NetworkParameters.heInit(nearest, seed: 3), calibrationInput: x)
        #expect(try qn.run(x, tileMasks: ["tail": none]).records.last!.output.scalars != tail.output.scalars)
    }
}
