/// Output size of a pooling window sweep (PyTorch's floor mode): `(size + 2·padding − kernel) / stride + 1`.
private func poolOutputSize(_ size: Int, kernel: Int, stride: Int, padding: Int, operation: String) throws -> Int {
    guard kernel > 0, stride > 0, padding >= 0 else {
        throw SparseCNNError.invalidArgument("\(operation): kernel \(kernel), stride \(stride) and padding \(padding) must be positive (padding may be 0)")
    }
    // As in PyTorch: every window must overlap the map, so no output is made of padding alone.
    guard padding <= kernel / 2 else {
        throw SparseCNNError.invalidArgument("\(operation): padding \(padding) exceeds half the kernel \(kernel)")
    }
    guard size + 2 * padding >= kernel else {
        throw SparseCNNError.invalidArgument("\(operation): a \(kernel)-wide window does not fit a map of \(size) padded by \(padding)")
    }
    return (size + 2 * padding - kernel) / stride + 1
}

/// Sweeps a pooling window and calls `body(outIndex, inPixelRanges)` with the window's rows
/// and columns clipped to the map (padding is never visited).
private func forEachWindow(_ shape: TensorShape, kernel: Int, stride: Int, padding: Int, operation: String,
                           _ body: (Int, Range<Int>, Range<Int>) -> Void) throws -> TensorShape {
    let oh = try poolOutputSize(shape.height, kernel: kernel, stride: stride, padding: padding, operation: operation)
    let ow = try poolOutputSize(shape.width, kernel: kernel, stride: stride, padding: padding, operation: operation)
    for oy in 0..<oh {
        let y0 = oy * stride - padding
        let rows = max(0, y0)..<min(shape.height, y0 + kernel)
        for ox in 0..<ow {
            let x0 = ox * stride - padding
            body(oy * ow + ox, rows, max(0, x0)..<min(shape.width, x0 + kernel))
        }
    }
    return TensorShape(height: oh, width: ow, channels: shape.channels)
}

/// Max pooling with explicit zero-free padding (padded positions never win), NHWC.
///
/// Output is `(H + 2·padding − kernel) / stride + 1` high (floor, as PyTorch's `MaxPool2d`), likewise
/// wide; `padding` must be at most `kernel / 2` so every window holds at least one real pixel.
public func maxPool2d<T: Comparable & Sendable>(_ input: Tensor<T>, kernel: Int, stride: Int, padding: Int) throws -> Tensor<T> {
    let c = input.channels
    var out: [T] = []
    let shape = try forEachWindow(input.shape, kernel: kernel, stride: stride, padding: padding, operation: "maxPool2d") { o, rows, cols in
        // Seed with the window's first real pixel so padding can never be the maximum.
        let first = (rows.lowerBound * input.width + cols.lowerBound) * c
        var best = Array(input.scalars[first..<first + c])
        for y in rows {
            for x in cols {
                let p = (y * input.width + x) * c
                for ch in 0..<c where input.scalars[p + ch] > best[ch] { best[ch] = input.scalars[p + ch] }
            }
        }
        out.append(contentsOf: best)
    }
    return try Tensor(shape: shape, scalars: out)
}

/// Average pooling over the window positions inside the map (padding not counted), float.
///
/// Same output size rule as `maxPool2d` (PyTorch `AvgPool2d` with `count_include_pad=False`).
public func avgPool2d(_ input: FloatTensor, kernel: Int, stride: Int, padding: Int) throws -> FloatTensor {
    let c = input.channels
    var out: [Float] = []
    let shape = try forEachWindow(input.shape, kernel: kernel, stride: stride, padding: padding, operation: "avgPool2d") { _, rows, cols in
        var sum = [Float](repeating: 0, count: c)
        for y in rows {
            for x in cols {
                let p = (y * input.width + x) * c
                for ch in 0..<c { sum[ch] += input.scalars[p + ch] }
            }
        }
        let n = Float(rows.count * cols.count)
        out.append(contentsOf: sum.map { $0 / n })
    }
    return try FloatTensor(shape: shape, scalars: out)
}

/// Mean of every channel over the whole map.
public func globalAveragePool(_ input: FloatTensor) -> [Float] {
    let c = input.channels
    var sum = [Float](repeating: 0, count: c)
    for p in 0..<input.shape.pixels {
        for ch in 0..<c { sum[ch] += input.scalars[p * c + ch] }
    }
    let n = Float(input.shape.pixels)
    return sum.map { $0 / n }
}
