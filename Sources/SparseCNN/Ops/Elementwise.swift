/// `max(x, 0)` elementwise.
public func relu(_ x: FloatTensor) -> FloatTensor {
    var y = x
    for i in y.scalars.indices where y.scalars[i] < 0 { y.scalars[i] = 0 }
    return y
}

/// PReLU with one slope for the whole tensor: `x < 0 ? slope·x : x`.
public func prelu(_ x: FloatTensor, slope: Float) -> FloatTensor {
    var y = x
    for i in y.scalars.indices where y.scalars[i] < 0 { y.scalars[i] *= slope }
    return y
}

/// Elementwise sum of two same-shaped tensors.
public func add(_ a: FloatTensor, _ b: FloatTensor) throws -> FloatTensor {
    guard a.shape == b.shape else {
        throw SparseCNNError.shapeMismatch("add: \(a.shape) and \(b.shape) differ")
    }
    var y = a
    for i in y.scalars.indices { y.scalars[i] += b.scalars[i] }
    return y
}

/// `out = W · x + b` with W in [out][in] order.
public func fullyConnected(_ x: [Float], weights: [Float], bias: [Float], outFeatures: Int) throws -> [Float] {
    guard outFeatures > 0, !x.isEmpty else {
        throw SparseCNNError.invalidArgument("fullyConnected: \(x.count) inputs and \(outFeatures) outputs must both be positive")
    }
    guard weights.count == outFeatures * x.count else {
        throw SparseCNNError.shapeMismatch("fullyConnected: weights have \(weights.count) values, \(outFeatures)x\(x.count) needs \(outFeatures * x.count)")
    }
    guard bias.count == outFeatures else {
        throw SparseCNNError.shapeMismatch("fullyConnected: bias has \(bias.count) values for \(outFeatures) outputs")
    }
    let n = x.count
    return (0..<outFeatures).map { o in
        var s: Float = 0
        for i in 0..<n { s += weights[o * n + i] * x[i] }
        return s + bias[o]
    }
}

/// Depth-to-space by `factor` (PyTorch `PixelShuffle`): C·r² channels → C channels, r× larger map.
/// Channel `c·r² + dy·r + dx` of input pixel (y, x) lands at output (y·r+dy, x·r+dx, c).
public func pixelShuffle<T: Sendable>(_ x: Tensor<T>, factor: Int) throws -> Tensor<T> {
    guard factor > 0 else {
        throw SparseCNNError.invalidArgument("pixelShuffle: factor \(factor) must be positive")
    }
    let r2 = factor * factor
    guard x.channels % r2 == 0 else {
        throw SparseCNNError.shapeMismatch("pixelShuffle: \(x.channels) channels are not a multiple of \(factor)² = \(r2)")
    }
    let c = x.channels / r2
    let outShape = TensorShape(height: x.height * factor, width: x.width * factor, channels: c)
    var out: [T] = []
    out.reserveCapacity(outShape.count)
    // Built in output order, so each output element is read from its source exactly once.
    for oy in 0..<outShape.height {
        let y = oy / factor, dy = oy % factor
        for ox in 0..<outShape.width {
            let x0 = ox / factor, dx = ox % factor
            let base = (y * x.width + x0) * x.channels + dy * factor + dx
            for ch in 0..<c { out.append(x.scalars[base + ch * r2]) }
        }
    }
    return try Tensor(shape: outShape, scalars: out)
}
