/// `max(x, 0)` elementwise.
public func relu(_ x: FloatTensor) -> FloatTensor {
    var y = x
    reluInPlace(&y)
    return y
}

/// PReLU with one slope for the whole tensor: `x < 0 ? slope·x : x`.
public func prelu(_ x: FloatTensor, slope: Float) -> FloatTensor {
    var y = x
    preluInPlace(&y, slope: slope)
    return y
}

/// Elementwise sum of two same-shaped tensors.
public func add(_ a: FloatTensor, _ b: FloatTensor) throws -> FloatTensor {
    var y = a
    try addInPlace(&y, b)
    return y
}

// In-place forms for the float network run, whose maps are large (an SRResNet's last maps hold
// 2^24 values) and owned by the run: no copy, and the element loops spread over the cores.

/// `relu` on `x` itself.
func reluInPlace(_ x: inout FloatTensor) {
    updateInParallel(&x.scalars) { v, _ in v < 0 ? 0 : v }
}

/// `prelu` on `x` itself.
func preluInPlace(_ x: inout FloatTensor, slope: Float) {
    updateInParallel(&x.scalars) { v, _ in v < 0 ? v * slope : v }
}

/// `x += b`, elementwise.
func addInPlace(_ x: inout FloatTensor, _ b: FloatTensor) throws {
    guard x.shape == b.shape else {
        throw SparseCNNError.shapeMismatch("add: \(x.shape) and \(b.shape) differ")
    }
    b.scalars.withUnsafeBufferPointer { b in
        let b = b.baseAddress!
        updateInParallel(&x.scalars) { v, i in v + b[i] }
    }
}

/// `values[i] = f(values[i], i)` for every i, in chunks spread over the cores when large.
func updateInParallel(_ values: inout [Float], _ f: (Float, Int) -> Float) {
    values.withUnsafeMutableBufferPointer { y in
        let base = y.baseAddress!
        ConvKernel.parallelChunks(y.count, work: y.count / 4) { range in
            for i in range { base[i] = f(base[i], i) }
        }
    }
}

/// Largest |value| of `values` (0 when empty), over the cores when large. Max is exact in any
/// order, so the split does not change the result.
func maxMagnitude(_ values: [Float]) -> Float {
    values.withUnsafeBufferPointer { v in
        let chunks = max(1, min(64, v.count / 65_536))
        var partial = [Float](repeating: 0, count: chunks)
        partial.withUnsafeMutableBufferPointer { partial in
            let p = partial.baseAddress!
            ConvKernel.parallelChunks(chunks, work: v.count / 4) { range in
                for c in range {
                    var m: Float = 0
                    for i in (v.count * c / chunks)..<(v.count * (c + 1) / chunks) { m = max(m, abs(v[i])) }
                    p[c] = m
                }
            }
        }
        return partial.max() ?? 0
    }
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
    let rowSize = outShape.width * c
    let out = [T](unsafeUninitializedCapacity: outShape.count) { out, count in
        let o = out.baseAddress!
        x.scalars.withUnsafeBufferPointer { src in
            let s = src.baseAddress!
            // Output rows over the cores; each element is read from its source exactly once.
            ConvKernel.parallelChunks(outShape.height, work: outShape.count / 4) { rows in
                for oy in rows {
                    let y = oy / factor, dy = oy % factor
                    var d = o + oy * rowSize
                    for ox in 0..<outShape.width {
                        let x0 = ox / factor, dx = ox % factor
                        let base = (y * x.width + x0) * x.channels + dy * factor + dx
                        for ch in 0..<c { (d + ch).initialize(to: s[base + ch * r2]) }
                        d += c
                    }
                }
            }
        }
        count = outShape.count
    }
    return try Tensor(shape: outShape, scalars: out)
}

/// Nearest-neighbour upsampling by `factor`: output pixel (y, x) is input pixel (y ÷ r, x ÷ r), every
/// channel (PyTorch `interpolate(mode="nearest")` at an integer scale). It moves values only, so an
/// int8 map keeps its scale.
public func upsampleNearest<T: Sendable>(_ x: Tensor<T>, factor: Int) throws -> Tensor<T> {
    guard factor > 0 else { throw SparseCNNError.invalidArgument("upsample: factor \(factor) must be positive") }
    let c = x.channels, outShape = TensorShape(height: x.height * factor, width: x.width * factor, channels: c)
    var out = [T](); out.reserveCapacity(outShape.count)
    x.scalars.withUnsafeBufferPointer { s in
        for oy in 0..<outShape.height {
            let row = (oy / factor) * x.width
            for ox in 0..<outShape.width { out.append(contentsOf: s[((row + ox / factor) * c)..<((row + ox / factor + 1) * c)]) }
        }
    }
    return try Tensor(shape: outShape, scalars: out)
}
