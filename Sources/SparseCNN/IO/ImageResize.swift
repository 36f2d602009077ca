extension Image {
    /// Area-averaging resize (a box filter): each output pixel is the mean of the input area
    /// it covers, partly covered input pixels weighted by the fraction covered, rounded to
    /// nearest (halves up).
    ///
    /// Exactly, in integers: along an axis of n input and m output pixels, measure in units
    /// of 1/m input pixel, so output pixel o spans [o·n, (o+1)·n) and input pixel i spans
    /// [i·m, (i+1)·m); their overlap is the weight w(o, i), and Σᵢ w(o, i) = n. Then
    ///
    ///     out(Y, X) = round( Σ_y Σ_x wᵧ(Y, y) · wₓ(X, x) · in(y, x) / (H · W) )
    ///
    /// with H, W the input size. Same size is the identity; upscaling repeats pixels and blends
    /// at the seams.
    public func resized(height newHeight: Int, width newWidth: Int) throws -> Image {
        guard newHeight > 0, newWidth > 0 else {
            throw SparseCNNError.invalidArgument("cannot resize to \(newWidth)x\(newHeight): a dimension is not positive")
        }
        if newHeight == height && newWidth == width { return self }
        let rowWeights = boxWeights(from: height, to: newHeight)
        let colWeights = boxWeights(from: width, to: newWidth)
        let ch = channels
        // Horizontal pass keeps exact integer sums (scaled by `width`); one rounding at the end.
        var rows = [Int](repeating: 0, count: height * newWidth * ch)
        for y in 0..<height {
            for (X, taps) in colWeights.enumerated() {
                for c in 0..<ch {
                    var sum = 0
                    for (x, w) in taps { sum += w * Int(pixels[(y * width + x) * ch + c]) }
                    rows[(y * newWidth + X) * ch + c] = sum
                }
            }
        }
        let denominator = height * width
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * ch)
        for (Y, taps) in rowWeights.enumerated() {
            for X in 0..<newWidth {
                for c in 0..<ch {
                    var sum = 0
                    for (y, w) in taps { sum += w * rows[(y * newWidth + X) * ch + c] }
                    out[(Y * newWidth + X) * ch + c] = UInt8((2 * sum + denominator) / (2 * denominator))
                }
            }
        }
        return try Image(width: newWidth, height: newHeight, channels: ch, pixels: out)
    }
}

/// For each of `m` outputs along an axis of `n` inputs: the inputs it overlaps and the overlap
/// in units of 1/m input pixel (see `Image.resized`). Each output's weights sum to `n`.
func boxWeights(from n: Int, to m: Int) -> [[(index: Int, weight: Int)]] {
    (0..<m).map { o in
        let lo = o * n, hi = (o + 1) * n
        return (lo / m...(hi - 1) / m).compactMap { i in
            let w = min(hi, (i + 1) * m) - max(lo, i * m)
            return w > 0 ? (i, w) : nil
        }
    }
}
