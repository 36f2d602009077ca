import Foundation

/// One non-negative importance value per pixel, row-major (see docs/masks.md). Larger means
/// "compute here first". A network uses one map per image, resampled to each layer's output size.
public struct ImportanceMap: Equatable, Sendable {
    public let height: Int
    public let width: Int
    public var values: [Float]

    public init(height: Int, width: Int, values: [Float]) throws {
        guard height > 0, width > 0 else { throw SparseCNNError.invalidArgument("importance map \(height)x\(width) has a zero dimension") }
        guard values.count == height * width else {
            throw SparseCNNError.shapeMismatch("importance map \(height)x\(width) needs \(height * width) values, got \(values.count)")
        }
        guard values.allSatisfy({ $0.isFinite }) else { throw SparseCNNError.invalidArgument("importance map has NaN or infinite values") }
        self.height = height
        self.width = width
        self.values = values
    }

    public subscript(y: Int, x: Int) -> Float { values[y * width + x] }

    /// Area-average resampling to `newHeight × newWidth`: output pixel (i, j) is the mean of the
    /// input over the rectangle it covers, `[i·H/h, (i+1)·H/h) × [j·W/w, (j+1)·W/w)`, with
    /// partly covered input pixels weighted by the covered fraction. Downsampling averages;
    /// upsampling by an integer factor repeats each value (a factor-r block of ties).
    public func resampled(height newHeight: Int, width newWidth: Int) -> ImportanceMap {
        if newHeight == height && newWidth == width { return self }
        let wy = Self.areaWeights(from: height, to: newHeight), wx = Self.areaWeights(from: width, to: newWidth)
        // Rows first: tmp is newHeight × width.
        var tmp = [Float](repeating: 0, count: newHeight * width)
        for i in 0..<newHeight {
            for (src, w) in wy[i] {
                let srcRow = src * width, dstRow = i * width
                for x in 0..<width { tmp[dstRow + x] += w * values[srcRow + x] }
            }
        }
        var out = [Float](repeating: 0, count: newHeight * newWidth)
        for i in 0..<newHeight {
            for j in 0..<newWidth {
                var s: Float = 0
                for (src, w) in wx[j] { s += w * tmp[i * width + src] }
                out[i * newWidth + j] = s
            }
        }
        return try! ImportanceMap(height: newHeight, width: newWidth, values: out)
    }

    /// For each output index along an axis, the (input index, weight) pairs of its box; weights sum to 1.
    static func areaWeights(from n: Int, to m: Int) -> [[(Int, Float)]] {
        (0..<m).map { i in
            // Box [i·n/m, (i+1)·n/m) in input units, in exact rationals with denominator m.
            let lo = i * n, hi = (i + 1) * n // scaled by m
            var pairs: [(Int, Float)] = []
            var src = lo / m
            while src * m < hi {
                let a = max(lo, src * m), b = min(hi, (src + 1) * m)
                if b > a { pairs.append((src, Float(b - a) / Float(n))) }
                src += 1
            }
            return pairs
        }
    }
}

/// Where a network's importance map comes from. Three implementations: `GradientEnergyPredictor`
/// (computed from the input image), `PriorMaskPredictor` (given, SBNet's a-priori masks) and
/// `DetailPredictor` (learned with the network: where it adds detail).
public protocol ImportancePredictor: Sendable {
    /// The map for one input tensor (NHWC float, any channels), at any resolution.
    func importance(for input: FloatTensor) throws -> ImportanceMap
    /// What reports call it: `gradient-energy`, `prior-mask` or `detail`.
    var name: String { get }
}

/// The predictor of a network's masks, one rule for every command: the prior mask when one is
/// given; else the network's detail predictor, from the weights directory or bundled with its
/// trained weights (`detail.N.*.npy`, `DetailPredictor`); else the input's gradient energy.
public func importancePredictor(for network: Network, priorMaskPath: String?, weightsDirectory: String?) throws -> any ImportancePredictor {
    if let priorMaskPath { return try PriorMaskPredictor(npyPath: priorMaskPath) }
    if let dir = weightsDirectory {
        return FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("detail.0.weight.npy"))
            ? try DetailPredictor(directory: dir) : GradientEnergyPredictor()
    }
    return DetailPredictor.bundled(for: network) ?? GradientEnergyPredictor()
}

/// Local gradient energy of the input: Sobel magnitude of the luma (the mean of the channels),
/// borders replicated, then box-smoothed over a `(2r+1)²` window (clipped at the borders, mean
/// over the pixels inside). Cheap (a few dozen operations a pixel), and large where the image
/// has edges and texture — where convolutions change the output most. The smoothing turns
/// thin edges into regions, so masks are compact and cost few tiles.
public struct GradientEnergyPredictor: ImportancePredictor {
    public var name: String { "gradient-energy" }
    /// Box radius r; nil = `max(2, min(H, W) / 32)` (7 at 224×224, 4 at 128×128).
    public var smoothingRadius: Int?

    public init(smoothingRadius: Int? = nil) { self.smoothingRadius = smoothingRadius.map { max(0, $0) } }

    /// The radius used for an `height × width` input.
    public func radius(height: Int, width: Int) -> Int { smoothingRadius ?? max(2, min(height, width) / 32) }

    public func importance(for input: FloatTensor) throws -> ImportanceMap {
        let h = input.height, w = input.width, c = input.channels
        var luma = [Float](repeating: 0, count: h * w)
        for i in 0..<(h * w) {
            var s: Float = 0
            for k in 0..<c { s += input.scalars[i * c + k] }
            luma[i] = s / Float(c)
        }
        @inline(__always) func at(_ y: Int, _ x: Int) -> Float { luma[min(max(y, 0), h - 1) * w + min(max(x, 0), w - 1)] }
        var mag = [Float](repeating: 0, count: h * w)
        for y in 0..<h {
            for x in 0..<w {
                let gx = (at(y - 1, x + 1) + 2 * at(y, x + 1) + at(y + 1, x + 1)) - (at(y - 1, x - 1) + 2 * at(y, x - 1) + at(y + 1, x - 1))
                let gy = (at(y + 1, x - 1) + 2 * at(y + 1, x) + at(y + 1, x + 1)) - (at(y - 1, x - 1) + 2 * at(y - 1, x) + at(y - 1, x + 1))
                mag[y * w + x] = (gx * gx + gy * gy).squareRoot()
            }
        }
        return try ImportanceMap(height: h, width: w, values: Self.boxSmooth(mag, height: h, width: w, radius: radius(height: h, width: w)))
    }

    /// Mean over the `(2r+1)²` window clipped to the map, separable.
    static func boxSmooth(_ v: [Float], height h: Int, width w: Int, radius r: Int) -> [Float] {
        guard r > 0 else { return v }
        var tmp = [Float](repeating: 0, count: h * w), out = tmp
        for y in 0..<h {
            for x in 0..<w {
                let a = max(0, x - r), b = min(w - 1, x + r)
                var s: Float = 0
                for xx in a...b { s += v[y * w + xx] }
                tmp[y * w + x] = s / Float(b - a + 1)
            }
        }
        for y in 0..<h {
            let a = max(0, y - r), b = min(h - 1, y + r)
            for x in 0..<w {
                var s: Float = 0
                for yy in a...b { s += tmp[yy * w + x] }
                out[y * w + x] = s / Float(b - a + 1)
            }
        }
        return out
    }
}

/// A map given in advance (SBNet's a-priori masks, e.g. LiDAR occupancy): a 2-D .npy of any
/// supported dtype (bool and uint8 0/1 masks, or float scores), used whatever the image.
public struct PriorMaskPredictor: ImportancePredictor {
    public var name: String { "prior-mask" }
    public var map: ImportanceMap

    public init(map: ImportanceMap) { self.map = map }

    /// Reads an H × W .npy (bool, uint8, int8, int32 or float32); negative values are an error.
    public init(npyPath path: String) throws {
        let a = try NPYArray.read(path: path)
        guard a.shape.count == 2 else {
            throw SparseCNNError.malformedFile(path: path, reason: "an importance mask must be 2-D (H x W), got shape \(a.shape)")
        }
        let v = a.floatValues()
        guard v.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw SparseCNNError.malformedFile(path: path, reason: "importance values must be finite and non-negative")
        }
        self.map = try ImportanceMap(height: a.shape[0], width: a.shape[1], values: v)
    }

    /// The map, which must have the input's aspect ratio: it is resampled to every layer's
    /// resolution, and another ratio would stretch it over the wrong pixels.
    public func importance(for input: FloatTensor) throws -> ImportanceMap {
        guard map.height * input.width == map.width * input.height else {
            throw SparseCNNError.shapeMismatch("the prior mask is \(map.height)x\(map.width) but the network input is \(input.height)x\(input.width): it must have the input's aspect ratio (e.g. \(input.height)x\(input.width), or a whole fraction of it)")
        }
        return map
    }
}
