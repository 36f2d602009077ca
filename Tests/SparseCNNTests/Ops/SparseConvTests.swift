import Testing
@testable import SparseCNN

@Suite struct SparseConvTests {
    func randomLayer(k: Int, stride: Int, cin: Int, cout: Int, activation: Activation, _ rng: inout SplitMix64) throws -> QuantizedConv {
        try QuantizedConv(filter: randomQFilter(cout, k, cin, &rng),
                          bias: (0..<cout).map { _ in Int32.random(in: -5000...5000, using: &rng) },
                          geometry: ConvGeometry(kernel: k, stride: stride),
                          requantization: Requantization(multiplier: Int32.random(in: 1...300, using: &rng), shift: 16),
                          activation: activation)
    }

    func randomTileMask(mapH: Int, mapW: Int, tile: Int, density: Double, _ rng: inout SplitMix64) throws -> TileMask {
        let th = (mapH + tile - 1) / tile, tw = (mapW + tile - 1) / tile
        return try TileMask(mapHeight: mapH, mapWidth: mapW, tileHeight: tile, tileWidth: tile,
                            bits: (0..<(th * tw)).map { _ in Double.random(in: 0..<1, using: &rng) < density })
    }

    /// The dense layer written out from the naive reference sums and `requantizedOutput`.
    func naiveLayer(_ layer: QuantizedConv, _ x: QTensor, residual: QTensor?) -> [Int8] {
        let acc = naiveAccumulators(x, layer.filter, stride: layer.geometry.stride)
        let cout = layer.filter.outChannels
        return acc.indices.map { i in
            requantizedOutput(accumulator: acc[i], bias: layer.bias[i % cout], requantization: layer.requantization,
                              residual: residual?.scalars[i], activation: layer.activation)
        }
    }

    @Test func denseLayerMatchesNaive() throws {
        var rng = SplitMix64(seed: 11)
        for (k, stride) in [(1, 1), (3, 1), (3, 2), (5, 1), (7, 2)] {
            let layer = try randomLayer(k: k, stride: stride, cin: 6, cout: 5, activation: .prelu(slope: 64), &rng)
            let x = randomQTensor(11, 9, 6, &rng)
            let out = layer.outputShape(for: x.shape)
            let residual = randomQTensor(out.height, out.width, out.channels, &rng)
            #expect(try layer(x, residual: nil).scalars == naiveLayer(layer, x, residual: nil))
            #expect(try layer(x, residual: residual).scalars == naiveLayer(layer, x, residual: residual))
        }
    }

    @Test func allOnesMaskEqualsDense() throws {
        var rng = SplitMix64(seed: 12)
        for stride in [1, 2] {
            let layer = try randomLayer(k: 3, stride: stride, cin: 5, cout: 7, activation: .relu, &rng)
            let x = randomQTensor(19, 23, 5, &rng)
            let out = layer.outputShape(for: x.shape)
            let mask = TileMask(mapHeight: out.height, mapWidth: out.width, tileHeight: 4, tileWidth: 4, repeating: true)
            let residual = randomQTensor(out.height, out.width, out.channels, &rng)
            #expect(try layer.sparse(x, tileMask: mask, residual: nil) == layer(x, residual: nil))
            #expect(try layer.sparse(x, tileMask: mask, residual: residual) == layer(x, residual: residual))
        }
    }

    @Test func allZeroMaskEqualsDefault() throws {
        var rng = SplitMix64(seed: 13)
        let layer = try randomLayer(k: 3, stride: 1, cin: 4, cout: 3, activation: .none, &rng)
        let x = randomQTensor(10, 10, 4, &rng)
        let mask = TileMask(mapHeight: 10, mapWidth: 10, tileHeight: 4, tileWidth: 4, repeating: false)
        let residual = randomQTensor(10, 10, 3, &rng)
        #expect(try layer.sparse(x, tileMask: mask, residual: nil).scalars == Array(repeating: 0, count: 300))
        #expect(try layer.sparse(x, tileMask: mask, residual: residual) == residual)
    }

    /// Random masks over maps that are not multiples of the tile, both strides, with and without
    /// residual: active tiles equal the naive dense layer, inactive ones the default, bit for bit.
    @Test(arguments: [(3, 1), (3, 2), (1, 1), (1, 2), (5, 1), (7, 2)])
    func randomMasksMatchDenseOnActiveTiles(kernel: Int, stride: Int) throws {
        var rng = SplitMix64(seed: UInt64(kernel * 10 + stride))
        for trial in 0..<4 {
            let h = Int.random(in: 5...27, using: &rng), w = Int.random(in: 5...27, using: &rng)
            let cin = Int.random(in: 1...9, using: &rng), cout = Int.random(in: 1...9, using: &rng)
            let tile = [2, 3, 4, 5, 8][Int.random(in: 0..<5, using: &rng)]
            let layer = try randomLayer(k: kernel, stride: stride, cin: cin, cout: cout, activation: trial % 2 == 0 ? .relu : .none, &rng)
            let x = randomQTensor(h, w, cin, &rng)
            let out = layer.outputShape(for: x.shape)
            let mask = try randomTileMask(mapH: out.height, mapW: out.width, tile: tile, density: 0.4, &rng)
            let residual: QTensor? = trial >= 2 ? randomQTensor(out.height, out.width, cout, &rng) : nil
            let dense = naiveLayer(layer, x, residual: residual)
            let sparse = try layer.sparse(x, tileMask: mask, residual: residual)
            #expect(sparse.shape == out)
            var mismatches = 0
            for y in 0..<out.height {
                for xx in 0..<out.width {
                    let active = mask[y / tile, xx / tile]
                    for o in 0..<cout {
                        let i = (y * out.width + xx) * cout + o
                        let expected = active ? dense[i] : (residual?.scalars[i] ?? 0)
                        if sparse.scalars[i] != expected { mismatches += 1 }
                    }
                }
            }
            #expect(mismatches == 0, "k\(kernel) s\(stride) \(h)x\(w) tile \(tile) residual \(residual != nil)")
        }
    }

    /// Large enough that the stacked conv, the gather, the scatter and the dense output stage
    /// all run multi-threaded (each has its own threshold).
    @Test func largeRandomMaskWithResidual() throws {
        var rng = SplitMix64(seed: 99)
        let (h, w, c) = (101, 94, 24)
        let layer = try randomLayer(k: 3, stride: 1, cin: c, cout: c, activation: .relu, &rng)
        let x = randomQTensor(h, w, c, &rng)
        let mask = try randomTileMask(mapH: h, mapW: w, tile: 8, density: 0.6, &rng)
        let residual = randomQTensor(h, w, c, &rng)
        let dense = try layer(x, residual: residual)
        let sparse = try layer.sparse(x, tileMask: mask, residual: residual)
        var mismatches = 0
        for y in 0..<h {
            for xx in 0..<w {
                let src = mask[y / 8, xx / 8] ? dense : residual
                for o in 0..<c where sparse[y, xx, o] != src[y, xx, o] { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        // And the dense layer itself against the textbook reference, on this large shape.
        #expect(dense.scalars == naiveLayer(layer, x, residual: residual))
    }

    @Test func floatSparseMatchesDenseOnActiveTiles() throws {
        var rng = SplitMix64(seed: 5)
        for stride in [1, 2] {
            let x = randomQTensor(13, 17, 3, &rng), f = randomQFilter(4, 3, 3, &rng)
            // Arbitrary fractions: equality relies on the fixed summation order, not on exact sums.
            let fx = try FloatTensor(shape: x.shape, scalars: x.scalars.map { Float($0) / 127.3 })
            let ff = try Filter<Float>(outChannels: 4, kernel: 3, inChannels: 3, scalars: f.scalars.map { Float($0) / 61.7 })
            let g = try ConvGeometry(kernel: 3, stride: stride)
            let bias: [Float] = [0.5, -1, 2, 0]
            let dense = try conv2d(fx, ff, bias: bias, geometry: g)
            let mask = try randomTileMask(mapH: dense.height, mapW: dense.width, tile: 3, density: 0.5, &rng)
            let base = FloatTensor(shape: dense.shape, repeating: 7)
            let sparse = try sparseConv2d(fx, ff, bias: bias, geometry: g, tileMask: mask, base: base)
            for y in 0..<dense.height {
                for xx in 0..<dense.width {
                    for o in 0..<4 {
                        #expect(sparse[y, xx, o] == (mask[y / 3, xx / 3] ? dense[y, xx, o] : 7))
                    }
                }
            }
        }
    }

    /// SMSR-style channel masks against the naive layer: an output element is the dense layer's
    /// where its tile is in the tile mask or its channel in the channel mask, else the default.
    @Test(arguments: [(3, 1), (3, 2), (1, 1)])
    func channelMaskMatchesTheNaiveLayerWhereSelected(kernel: Int, stride: Int) throws {
        var rng = SplitMix64(seed: UInt64(kernel * 10 + stride))
        let layer = try randomLayer(k: kernel, stride: stride, cin: 5, cout: 7, activation: .relu, &rng)
        let x = randomQTensor(13, 11, 5, &rng)
        let out = layer.outputShape(for: x.shape)
        let residual = randomQTensor(out.height, out.width, 7, &rng)
        let tiles = try randomTileMask(mapH: out.height, mapW: out.width, tile: 4, density: 0.4, &rng)
        let channels = try ChannelMask(bits: [true, false, false, true, true, false, false])
        for r in [nil, residual] {
            let dense = naiveLayer(layer, x, residual: r)
            let y = try layer.sparse(x, tileMask: tiles, residual: r, channelMask: channels)
            for py in 0..<out.height {
                for px in 0..<out.width {
                    for c in 0..<7 {
                        let i = (py * out.width + px) * 7 + c
                        let computed = tiles[py / 4, px / 4] || channels.bits[c]
                        #expect(y.scalars[i] == (computed ? dense[i] : (r?.scalars[i] ?? 0)), "(\(py), \(px), \(c))")
                    }
                }
            }
        }
        // No channel selected is the plain sparse layer; a mask of the wrong size is an error.
        #expect(try layer.sparse(x, tileMask: tiles, residual: nil, channelMask: ChannelMask(bits: Array(repeating: false, count: 7)))
                == layer.sparse(x, tileMask: tiles, residual: nil))
        #expect(throws: SparseCNNError.self) { try layer.sparse(x, tileMask: tiles, residual: nil, channelMask: ChannelMask(bits: [true])) }
    }

    @Test func rejectsWrongShapes() throws {
        var rng = SplitMix64(seed: 3)
        let layer = try randomLayer(k: 3, stride: 2, cin: 4, cout: 3, activation: .none, &rng)
        let x = randomQTensor(10, 10, 4, &rng)
        // The mask is over the 5x5 output map, not the 10x10 input map.
        let inputSized = TileMask(mapHeight: 10, mapWidth: 10, tileHeight: 2, tileWidth: 2, repeating: true)
        #expect(throws: SparseCNNError.self) { try layer.sparse(x, tileMask: inputSized, residual: nil) }
        let ok = TileMask(mapHeight: 5, mapWidth: 5, tileHeight: 2, tileWidth: 2, repeating: true)
        #expect(throws: SparseCNNError.self) { try layer.sparse(x, tileMask: ok, residual: randomQTensor(5, 5, 4, &rng)) }
        #expect(throws: SparseCNNError.self) { try layer(x, residual: randomQTensor(10, 10, 3, &rng)) }
        #expect(throws: SparseCNNError.self) { try layer.sparse(randomQTensor(10, 10, 5, &rng), tileMask: ok, residual: nil) }
    }
}
