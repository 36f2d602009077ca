import Testing
@testable import SparseCNN

@Suite struct Conv2DTests {
    /// 3x3 input 1...9, 3x3 all-ones kernel, one channel: every output is the sum of the
    /// in-image 3x3 neighbourhood. Corners see 4 pixels, edges 6, the centre all 9.
    @Test func handWorkedAllOnes3x3() throws {
        let x = try QTensor(shape: TensorShape(height: 3, width: 3, channels: 1), scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        let f = try Filter<Int8>(outChannels: 1, kernel: 3, inChannels: 1, scalars: Array(repeating: 1, count: 9))
        let acc = try conv2dAccumulators(x, f, geometry: ConvGeometry(kernel: 3, stride: 1))
        // (1+2+4+5)=12, (1+2+3+4+5+6)=21, (2+3+5+6)=16, (1+2+4+5+7+8)=27, 45, (2+3+5+6+8+9)=33,
        // (4+5+7+8)=24, (4+5+6+7+8+9)=39, (5+6+8+9)=28.
        #expect(acc.shape == TensorShape(height: 3, width: 3, channels: 1))
        #expect(acc.scalars == [12, 21, 16, 27, 45, 33, 24, 39, 28])

        // Stride 2 keeps output pixels (0,0), (0,2), (2,0), (2,2): the four corners.
        let acc2 = try conv2dAccumulators(x, f, geometry: ConvGeometry(kernel: 3, stride: 2))
        #expect(acc2.shape == TensorShape(height: 2, width: 2, channels: 1))
        #expect(acc2.scalars == [12, 16, 24, 28])
    }

    /// Two input channels and two output channels worked by hand on a 1x2 map.
    @Test func handWorkedChannels() throws {
        // Pixels: (1, 10), (2, 20). 1x1 kernel: out0 = c0 − c1, out1 = 3·c0.
        let x = try QTensor(shape: TensorShape(height: 1, width: 2, channels: 2), scalars: [1, 10, 2, 20])
        let f = try Filter<Int8>(outChannels: 2, kernel: 1, inChannels: 2, scalars: [1, -1, 3, 0])
        let acc = try conv2dAccumulators(x, f, geometry: ConvGeometry(kernel: 1, stride: 1))
        #expect(acc.scalars == [-9, 3, -18, 6])
    }

    /// Extreme values: 5x5 kernel of −128 against an input of −128, 7 channels; interior sums are
    /// 25·7·16384 = 2 867 200, corner sums 9·7·16384.
    @Test func extremeValuesDoNotOverflow() throws {
        let x = try QTensor(shape: TensorShape(height: 5, width: 5, channels: 7), scalars: Array(repeating: -128, count: 175))
        let f = try Filter<Int8>(outChannels: 1, kernel: 5, inChannels: 7, scalars: Array(repeating: -128, count: 175))
        let acc = try conv2dAccumulators(x, f, geometry: ConvGeometry(kernel: 5, stride: 1))
        #expect(acc[2, 2, 0] == 2_867_200)
        #expect(acc[0, 0, 0] == 9 * 7 * 16384)
    }

    @Test(arguments: [1, 3, 5, 7])
    func matchesNaiveOnRandomShapes(kernel: Int) throws {
        var rng = SplitMix64(seed: UInt64(kernel) &* 977)
        for trial in 0..<6 {
            let stride = trial % 2 + 1
            let h = Int.random(in: 1...13, using: &rng), w = Int.random(in: 1...13, using: &rng)
            let cin = Int.random(in: 1...11, using: &rng), cout = Int.random(in: 1...9, using: &rng)
            let x = randomQTensor(h, w, cin, &rng)
            let f = randomQFilter(cout, kernel, cin, &rng)
            let acc = try conv2dAccumulators(x, f, geometry: ConvGeometry(kernel: kernel, stride: stride))
            #expect(acc.shape == TensorShape(height: (h + stride - 1) / stride, width: (w + stride - 1) / stride, channels: cout))
            #expect(acc.scalars == naiveAccumulators(x, f, stride: stride), "k\(kernel) s\(stride) \(h)x\(w) \(cin)->\(cout)")
        }
    }

    /// Large enough to take the multi-threaded path (> 2^20 MACs) with odd sizes.
    @Test func matchesNaiveOnLargeLayer() throws {
        var rng = SplitMix64(seed: 42)
        let x = randomQTensor(37, 29, 19, &rng)
        let f = randomQFilter(23, 3, 19, &rng)
        for stride in [1, 2] {
            let acc = try conv2dAccumulators(x, f, geometry: ConvGeometry(kernel: 3, stride: stride))
            #expect(acc.scalars == naiveAccumulators(x, f, stride: stride))
        }
    }

    /// Integer-valued floats small enough that every partial sum is exact: the float conv must
    /// agree with the int conv exactly, bias included.
    @Test func floatMatchesIntOnIntegerValues() throws {
        var rng = SplitMix64(seed: 7)
        for (k, stride) in [(1, 1), (3, 1), (3, 2), (5, 2), (7, 1)] {
            let x = randomQTensor(9, 11, 5, &rng)
            let f = randomQFilter(6, k, 5, &rng)
            let bias: [Float] = (0..<6).map { Float($0 * 100 - 250) }
            let geometry = try ConvGeometry(kernel: k, stride: stride)
            let fx = try FloatTensor(shape: x.shape, scalars: x.scalars.map(Float.init))
            let ff = try Filter<Float>(outChannels: 6, kernel: k, inChannels: 5, scalars: f.scalars.map(Float.init))
            let y = try conv2d(fx, ff, bias: bias, geometry: geometry)
            let acc = try conv2dAccumulators(x, f, geometry: geometry)
            #expect(y.shape == acc.shape)
            #expect(y.scalars == acc.scalars.enumerated().map { Float($0.element) + bias[$0.offset % 6] })
            let noBias = try conv2d(fx, ff, bias: nil, geometry: geometry)
            #expect(noBias.scalars == acc.scalars.map(Float.init))
        }
    }

    /// Arbitrary (non-integer) floats: the documented summation order makes the fast conv
    /// bit-identical to the textbook loop. Cout 37 exercises the 16-, 4- and 1-channel paths; the
    /// channels past the last block of 4 run four interior pixels at a time (9x9 to 3 channels: an
    /// RGB output layer).
    @Test func floatMatchesNaiveBitForBit() throws {
        var rng = SplitMix64(seed: 8)
        for (k, stride, cout) in [(1, 1, 37), (3, 1, 37), (3, 2, 5), (5, 1, 16), (7, 2, 3), (9, 1, 3), (1, 2, 2)] {
            let x = try FloatTensor(shape: TensorShape(height: 9, width: 12, channels: 6),
                                    scalars: (0..<(9 * 12 * 6)).map { _ in Float.random(in: -1...1, using: &rng) })
            let f = try Filter<Float>(outChannels: cout, kernel: k, inChannels: 6,
                                      scalars: (0..<(cout * k * k * 6)).map { _ in Float.random(in: -1...1, using: &rng) })
            let bias = (0..<cout).map { _ in Float.random(in: -1...1, using: &rng) }
            let g = try ConvGeometry(kernel: k, stride: stride)
            #expect(try conv2d(x, f, bias: bias, geometry: g).scalars == naiveFloatConv(x, f, bias: bias, stride: stride))
            #expect(try conv2d(x, f, bias: nil, geometry: g).scalars == naiveFloatConv(x, f, bias: nil, stride: stride))
        }
    }

    @Test func rejectsMismatchedOperands() throws {
        let x = QTensor(shape: TensorShape(height: 4, width: 4, channels: 3), repeating: 1)
        let f = try Filter<Int8>(outChannels: 2, kernel: 3, inChannels: 4, scalars: Array(repeating: 1, count: 72))
        #expect(throws: SparseCNNError.self) { try conv2dAccumulators(x, f, geometry: ConvGeometry(kernel: 3, stride: 1)) }
        let g = try Filter<Int8>(outChannels: 2, kernel: 3, inChannels: 3, scalars: Array(repeating: 1, count: 54))
        #expect(throws: SparseCNNError.self) { try conv2dAccumulators(x, g, geometry: ConvGeometry(kernel: 1, stride: 1)) }
        let fx = FloatTensor(shape: x.shape, repeating: 1)
        let ff = try Filter<Float>(outChannels: 2, kernel: 3, inChannels: 3, scalars: Array(repeating: 1, count: 54))
        #expect(throws: SparseCNNError.self) { try conv2d(fx, ff, bias: [1, 2, 3], geometry: ConvGeometry(kernel: 3, stride: 1)) }
    }
}
