import Testing
@testable import SparseCNN

@Suite struct PoolingElementwiseTests {
    /// 4x4 map, one channel, values 1...16 row-major.
    func ramp() throws -> FloatTensor {
        try FloatTensor(shape: TensorShape(height: 4, width: 4, channels: 1), scalars: (1...16).map(Float.init))
    }

    @Test func maxPoolHandCases() throws {
        // 2x2 stride 2: maxima of each quadrant.
        let a = try maxPool2d(try ramp(), kernel: 2, stride: 2, padding: 0)
        #expect(a.shape == TensorShape(height: 2, width: 2, channels: 1))
        #expect(a.scalars == [6, 8, 14, 16])
        // 3x3 stride 2 padding 1 (ResNet's stem pool): windows rows {-1,0,1}, {1,2,3}.
        let b = try maxPool2d(try ramp(), kernel: 3, stride: 2, padding: 1)
        #expect(b.scalars == [6, 8, 14, 16])
        // All-negative input: padding must never win (a zero pad would give 0).
        let neg = try QTensor(shape: TensorShape(height: 2, width: 2, channels: 2), scalars: [-5, -1, -7, -2, -3, -9, -4, -8])
        let c = try maxPool2d(neg, kernel: 3, stride: 2, padding: 1)
        #expect(c.shape == TensorShape(height: 1, width: 1, channels: 2))
        #expect(c.scalars == [-3, -1])
        // 5x5 map, 3x3 stride 2 no padding: floor((5−3)/2)+1 = 2.
        let d = try maxPool2d(try FloatTensor(shape: TensorShape(height: 5, width: 5, channels: 1), scalars: (0..<25).map(Float.init)),
                              kernel: 3, stride: 2, padding: 0)
        #expect(d.scalars == [12, 14, 22, 24])
    }

    @Test func avgPoolExcludesPadding() throws {
        let a = try avgPool2d(try ramp(), kernel: 2, stride: 2, padding: 0)
        #expect(a.scalars == [3.5, 5.5, 11.5, 13.5])
        // 3x3 stride 2 pad 1: window (0,0) covers rows 0-1, cols 0-1 → (1+2+5+6)/4 = 3.5;
        // window (0,1) rows 0-1, cols 1-3 → (2+3+4+6+7+8)/6 = 5.
        let b = try avgPool2d(try ramp(), kernel: 3, stride: 2, padding: 1)
        #expect(b.scalars == [3.5, 5, 9.5, 11])
    }

    @Test func globalAverage() throws {
        let x = try FloatTensor(shape: TensorShape(height: 2, width: 1, channels: 2), scalars: [1, 10, 3, 30])
        #expect(globalAveragePool(x) == [2, 20])
    }

    @Test func poolingRejectsBadArguments() throws {
        #expect(throws: SparseCNNError.self) { try maxPool2d(try ramp(), kernel: 2, stride: 2, padding: 2) }
        #expect(throws: SparseCNNError.self) { try avgPool2d(try ramp(), kernel: 5, stride: 1, padding: 0) }
        #expect(throws: SparseCNNError.self) { try avgPool2d(try ramp(), kernel: 2, stride: 0, padding: 0) }
    }

    @Test func reluPreluAdd() throws {
        let x = try FloatTensor(shape: TensorShape(height: 1, width: 2, channels: 2), scalars: [-2, 0, 3, -0.5])
        #expect(relu(x).scalars == [0, 0, 3, 0])
        #expect(prelu(x, slope: 0.25).scalars == [-0.5, 0, 3, -0.125])
        #expect(try add(x, x).scalars == [-4, 0, 6, -1])
        let y = FloatTensor(shape: TensorShape(height: 2, width: 1, channels: 2), repeating: 1)
        #expect(throws: SparseCNNError.self) { try add(x, y) }
    }

    @Test func fullyConnectedHandCase() throws {
        // W = [[1, 2, 3], [−1, 0, 1]], x = [1, 1, 2], b = [10, 20] → [1+2+6+10, −1+2+20].
        #expect(try fullyConnected([1, 1, 2], weights: [1, 2, 3, -1, 0, 1], bias: [10, 20], outFeatures: 2) == [19, 21])
        #expect(throws: SparseCNNError.self) { try fullyConnected([1, 1], weights: [1, 2, 3], bias: [0], outFeatures: 1) }
        #expect(throws: SparseCNNError.self) { try fullyConnected([1], weights: [1, 2], bias: [0], outFeatures: 2) }
    }

    /// PyTorch: a 1x4x1x1 tensor [a, b, c, d] through PixelShuffle(2) is [[a, b], [c, d]].
    @Test func pixelShuffleHandCase() throws {
        let x = try QTensor(shape: TensorShape(height: 1, width: 1, channels: 4), scalars: [1, 2, 3, 4])
        let y = try pixelShuffle(x, factor: 2)
        #expect(y.shape == TensorShape(height: 2, width: 2, channels: 1))
        #expect(y.scalars == [1, 2, 3, 4])
        // Two output channels, 1x2 map: input pixel (0,x) channels c·4 + dy·2 + dx.
        // Pixel 0: [a0 a1 a2 a3 | b0 b1 b2 b3] = 0...7, pixel 1: 10...17.
        let z = try Tensor<Int>(shape: TensorShape(height: 1, width: 2, channels: 8), scalars: Array(0...7) + Array(10...17))
        let s = try pixelShuffle(z, factor: 2)
        #expect(s.shape == TensorShape(height: 2, width: 4, channels: 2))
        // Row 0: (0,0): [0, 4], (0,1): [1, 5], (0,2): [10, 14], (0,3): [11, 15];
        // row 1: (1,0): [2, 6], (1,1): [3, 7], (1,2): [12, 16], (1,3): [13, 17].
        #expect(s.scalars == [0, 4, 1, 5, 10, 14, 11, 15, 2, 6, 3, 7, 12, 16, 13, 17])
        #expect(throws: SparseCNNError.self) { try pixelShuffle(z, factor: 3) }
    }
}
