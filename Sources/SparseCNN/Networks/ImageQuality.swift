import Foundation

/// Reconstruction quality of an output image against its ground truth (`sparsetile quality`,
/// docs/masks.md "Quality against the ground truth").
public enum ImageQuality {
    /// PSNR in dB over every RGB sample: `10 · log10(255² / MSE)`; nil when identical.
    public static func psnr(_ a: Image, _ b: Image) throws -> Double? {
        try sameSize(a, b)
        var se = 0.0
        let x = a.rgb, y = b.rgb
        for i in x.indices { let d = Double(x[i]) - Double(y[i]); se += d * d }
        guard se > 0 else { return nil }
        return 10 * log10(255.0 * 255.0 / (se / Double(x.count)))
    }

    /// SSIM (Wang et al. 2004) on luma (BT.601: 0.299 R + 0.587 G + 0.114 B): an 11×11 Gaussian
    /// window of σ 1.5, K1 = 0.01, K2 = 0.03, L = 255, averaged over every window that fits
    /// inside the image (no padding). Images smaller than the window use one window over all.
    public static func ssim(_ a: Image, _ b: Image) throws -> Double {
        try sameSize(a, b)
        let h = a.height, w = a.width
        let x = a.luma, y = b.luma
        let size = min(11, h, w), sigma = 1.5
        let r = size / 2
        var g = (0..<size).map { i -> Double in let d = Double(i - r); return exp(-d * d / (2 * sigma * sigma)) }
        let gs = g.reduce(0, +); g = g.map { $0 / gs }
        let c1: Double = (0.01 * 255) * (0.01 * 255), c2: Double = (0.03 * 255) * (0.03 * 255)
        var total = 0.0, windows = 0
        for y0 in 0...(h - size) {
            for x0 in 0...(w - size) {
                var mx = 0.0, my = 0.0, xx = 0.0, yy = 0.0, xy = 0.0
                for i in 0..<size {
                    for j in 0..<size {
                        let wt = g[i] * g[j], p = (y0 + i) * w + x0 + j
                        let u = x[p], v = y[p]
                        mx += wt * u; my += wt * v; xx += wt * u * u; yy += wt * v * v; xy += wt * u * v
                    }
                }
                let vx = xx - mx * mx, vy = yy - my * my, cxy = xy - mx * my
                total += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
                windows += 1
            }
        }
        return total / Double(windows)
    }

    static func sameSize(_ a: Image, _ b: Image) throws {
        guard a.height == b.height, a.width == b.width else {
            throw SparseCNNError.shapeMismatch("image quality of a \(a.height)x\(a.width) image against a \(b.height)x\(b.width) one")
        }
    }
}

extension Image {
    /// RGB samples (gray repeated), row-major.
    var rgb: [UInt8] {
        channels == 3 ? pixels : pixels.flatMap { [$0, $0, $0] }
    }

    /// BT.601 luma per pixel, 0...255.
    var luma: [Double] {
        (0..<(width * height)).map { p -> Double in
            guard channels == 3 else { return Double(pixels[p]) }
            let r: Double = 0.299 * Double(pixels[3 * p]), g: Double = 0.587 * Double(pixels[3 * p + 1])
            let b: Double = 0.114 * Double(pixels[3 * p + 2])
            return r + g + b
        }
    }

    /// Bicubic resize (Keys' kernel, a = −0.5; pixel centres aligned, source samples clamped at the
    /// border; results rounded and clamped to 0...255): the classic baseline for super-resolution.
    public func bicubicResized(height newHeight: Int, width newWidth: Int) throws -> Image {
        guard newHeight > 0, newWidth > 0 else {
            throw SparseCNNError.invalidArgument("cannot resize to \(newWidth)x\(newHeight): a dimension is not positive")
        }
        func kernel(_ t: Double) -> Double {
            let a = -0.5, x = abs(t)
            if x <= 1 { return (a + 2) * x * x * x - (a + 3) * x * x + 1 }
            if x < 2 { return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a }
            return 0
        }
        /// For each output coordinate: the 4 source indices (clamped) and their weights.
        func taps(_ n: Int, _ m: Int) -> [(idx: [Int], w: [Double])] {
            (0..<m).map { o in
                let src = (Double(o) + 0.5) * Double(n) / Double(m) - 0.5
                let base = Int(floor(src))
                let idx = (-1...2).map { min(n - 1, max(0, base + $0)) }
                let w = (-1...2).map { kernel(src - Double(base + $0)) }
                return (idx, w)
            }
        }
        let rows = taps(height, newHeight), cols = taps(width, newWidth)
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * channels)
        for oy in 0..<newHeight {
            for ox in 0..<newWidth {
                for c in 0..<channels {
                    var v = 0.0
                    for (i, sy) in rows[oy].idx.enumerated() {
                        var row = 0.0
                        for (j, sx) in cols[ox].idx.enumerated() { row += cols[ox].w[j] * Double(pixels[(sy * width + sx) * channels + c]) }
                        v += rows[oy].w[i] * row
                    }
                    out[(oy * newWidth + ox) * channels + c] = UInt8(min(255, max(0, v.rounded())))
                }
            }
        }
        return try Image(width: newWidth, height: newHeight, channels: channels, pixels: out)
    }

    /// An image from a float map of values in 0...1 (1 or 3 channels), rounded and clamped.
    public init(unitTensor t: FloatTensor) throws {
        guard t.channels == 1 || t.channels == 3 else {
            throw SparseCNNError.shapeMismatch("an image needs 1 or 3 channels, the map has \(t.channels)")
        }
        try self.init(width: t.width, height: t.height, channels: t.channels,
                      pixels: t.scalars.map { UInt8(min(255, max(0, ($0 * 255).rounded()))) })
    }
}
