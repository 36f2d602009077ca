import Foundation

/// A layer only the host runs (SparseCNN, never the accelerator): the ops of imported models
/// (docs/onnx.md) that the accelerator's conv datapath has no form for. In float they are
/// computed as written; in int8 on the dequantized inputs, the result quantized at the layer's
/// own calibrated scale (as `avgpool`), so they never share a scale with their inputs.
public enum HostOp: Hashable, Sendable {
    /// Depthwise conv: channel c of the output is channel c of the input convolved with its own
    /// K×K filter, "same" padding `(K − 1)/2`, stride 1 or 2 (weights `[C][K][K]` and a bias in
    /// `NetworkParameters.hosts`).
    case depthwiseConv(kernel: Int, stride: Int)
    /// Any other 2-D conv (grouped; even, non-square or dilated kernels; other pads and strides),
    /// ONNX's `Conv` as written (weights `[Cout][Cin/groups][Kh][Kw]` and a bias in
    /// `NetworkParameters.hosts`).
    case conv(HostConv)
    /// Transposed conv whose kernel equals its stride `factor` (the windows do not overlap):
    /// output `(y·f + i, x·f + j, o) = b[o] + Σ_c in(y, x, c) · w[c][o][i][j]` (weights
    /// `[Cin][Cout][f][f]`, ONNX's and PyTorch's order, and a bias in `NetworkParameters.hosts`).
    case transposedConv(outChannels: Int, factor: Int)
    /// `scale · x + shift`, elementwise.
    case affine(scale: Float, shift: Float)
    /// `min(max(x, lower), upper)`, elementwise (ReLU6 is `clamp(0, 6)`).
    case clamp(lower: Float, upper: Float)
    /// `max(x, 0)` of a feature vector (a map's ReLU is the network's `relu` layer).
    case relu
    /// `x · clamp(x + 3, 0, 6) / 6`.
    case hardSwish
    /// `clamp(α·x + β, 0, 1)`.
    case hardSigmoid(alpha: Float, beta: Float)
    /// `1 / (1 + e^−x)`.
    case sigmoid
    /// The elementwise product with layer `by`: a map of the same shape, or a vector with one
    /// value per channel (squeeze-and-excitation's channel scale).
    case multiply(by: String)
    /// The elementwise difference `x − by` (a map of the same shape, or a vector per channel).
    case subtract(by: String)
    /// The elementwise quotient `x / by` (a map of the same shape, or a vector per channel).
    case divide(by: String)
    /// Bilinear upsampling by an integer factor, PyTorch's `interpolate(mode="bilinear",
    /// align_corners=False)` and ONNX's `Resize` linear with half_pixel: output x reads input
    /// `(x + ½)/r − ½`, clamped to the map, between its two neighbours.
    case upsampleBilinear(factor: Int)
    /// The channels of this layer's input, then those of each layer in `with`, in order (maps of
    /// one size).
    case concat(with: [String])

    /// The op's name in reports.
    public var kind: String {
        switch self {
        case .depthwiseConv: return "depthwise"
        case .conv: return "conv"
        case .transposedConv: return "convtranspose"
        case .affine: return "affine"
        case .clamp: return "clamp"
        case .relu: return "relu"
        case .hardSwish: return "hardswish"
        case .hardSigmoid: return "hardsigmoid"
        case .sigmoid: return "sigmoid"
        case .multiply: return "mul"
        case .subtract: return "sub"
        case .divide: return "div"
        case .upsampleBilinear: return "upsample-bilinear"
        case .concat: return "concat"
        }
    }

    /// Layers read besides the input (`from`).
    public var extraInputs: [String] {
        switch self {
        case .multiply(let b), .subtract(let b), .divide(let b): return [b]
        case .concat(let w): return w
        default: return []
        }
    }

    /// True for ops that take weights (`NetworkParameters.hosts`).
    public var hasWeights: Bool {
        switch self {
        case .depthwiseConv, .conv, .transposedConv: return true
        default: return false
        }
    }

    /// The output's channels (nil: a feature vector) for the input's channels `input` and the
    /// extra inputs' `extras` (nil: a vector); throws the reason for a mismatch.
    func outputChannels(input: Int?, extras: [Int?]) throws -> Int? {
        func bad(_ why: String) -> SparseCNNError { .invalidArgument("\(kind): \(why)") }
        switch self {
        case .depthwiseConv(let k, let s):
            guard input != nil else { throw bad("needs a feature map") }
            _ = try ConvGeometry(kernel: k, stride: s)
            return input
        case .conv(let g):
            guard let c = input else { throw bad("needs a feature map") }
            guard g.groups > 0, c % g.groups == 0, g.outChannels > 0, g.outChannels % g.groups == 0 else {
                throw bad("\(c) input and \(g.outChannels) output channels do not split into \(g.groups) groups")
            }
            return g.outChannels
        case .transposedConv(let o, let f):
            guard input != nil else { throw bad("needs a feature map") }
            guard o > 0, (1...64).contains(f) else { throw bad("needs positive output channels and a factor in 1...64") }
            return o
        case .affine, .clamp, .relu, .hardSwish, .hardSigmoid, .sigmoid: return input
        case .upsampleBilinear(let f):
            guard input != nil else { throw bad("needs a feature map") }
            guard (2...ImageSize.maxSide).contains(f) else { throw bad("factor \(f) must be in 2...\(ImageSize.maxSide)") }
            return input
        case .multiply, .subtract, .divide:
            guard let c = input else { throw bad("needs a feature map") }
            guard extras[0] == c || extras[0] == nil else { throw bad("channel mismatch: \(c) × \(extras[0]!)") }
            return c
        case .concat:
            guard let c = input, extras.allSatisfy({ $0 != nil }) else { throw bad("concatenates feature maps only") }
            return c + extras.reduce(0) { $0 + $1! }
        }
    }

    /// The output shape for these input shapes (after `outputChannels` has validated the channels).
    func outputShape(_ x: LayerValueShape, extras: [LayerValueShape]) throws -> LayerValueShape {
        switch (self, x) {
        case (.depthwiseConv(let k, let s), .map(let m)):
            return .map(try ConvGeometry(kernel: k, stride: s).outputShape(input: m, outChannels: m.channels))
        case (.conv(let g), .map(let m)):
            let oh = g.outputSize(m.height, axis: 0), ow = g.outputSize(m.width, axis: 1)
            guard oh > 0, ow > 0 else { throw SparseCNNError.shapeMismatch("conv: a \(m.height)x\(m.width) map is smaller than the \(g.kernelHeight)x\(g.kernelWidth) kernel") }
            return .map(TensorShape(height: oh, width: ow, channels: g.outChannels))
        case (.transposedConv(let o, let f), .map(let m)):
            return .map(TensorShape(height: m.height * f, width: m.width * f, channels: o))
        case (.upsampleBilinear(let f), .map(let m)):
            return .map(TensorShape(height: m.height * f, width: m.width * f, channels: m.channels))
        case (.multiply, .map(let m)), (.subtract, .map(let m)), (.divide, .map(let m)):
            switch extras[0] {
            case .map(let e) where e == m: return x
            case .vector(let n) where n == m.channels: return x
            default: throw SparseCNNError.shapeMismatch("\(kind): \(x) with \(extras[0])")
            }
        case (.concat, .map(let m)):
            var c = m.channels
            for e in extras {
                guard case .map(let t) = e, t.height == m.height, t.width == m.width else {
                    throw SparseCNNError.shapeMismatch("concat: \(x) with \(e)")
                }
                c += t.channels
            }
            return .map(TensorShape(height: m.height, width: m.width, channels: c))
        default: return x
        }
    }

    /// Runs the op in float. `weights` holds a depthwise or transposed conv's parameters.
    func run(_ x: FloatValue, extras: [FloatValue], weights: HostWeights?) throws -> FloatValue {
        func elementwise(_ f: (Float) -> Float) -> FloatValue {
            switch x {
            case .map(var t): t.scalars = t.scalars.map(f); return .map(t)
            case .vector(let v): return .vector(v.map(f))
            }
        }
        switch self {
        case .affine(let a, let b): return elementwise { a * $0 + b }
        case .clamp(let lo, let hi): return elementwise { Swift.min(Swift.max($0, lo), hi) }
        case .relu: return elementwise { Swift.max($0, 0) }
        case .hardSwish: return elementwise { $0 * Swift.min(Swift.max($0 + 3, 0), 6) / 6 }
        case .hardSigmoid(let a, let b): return elementwise { Swift.min(Swift.max(a * $0 + b, 0), 1) }
        case .sigmoid: return elementwise { 1 / (1 + Foundation.exp(-$0)) }
        default: break
        }
        guard case .map(let t) = x else { throw SparseCNNError.invalidArgument("\(kind) needs a feature map") }
        switch self {
        case .depthwiseConv(let k, let s):
            guard let w = weights else { throw SparseCNNError.invalidArgument("depthwise conv without weights") }
            return .map(try depthwiseConv2d(t, weights: w, geometry: try ConvGeometry(kernel: k, stride: s)))
        case .conv(let g):
            guard let w = weights else { throw SparseCNNError.invalidArgument("conv without weights") }
            return .map(try groupedConv2d(t, weights: w, geometry: g))
        case .transposedConv(let o, let f):
            guard let w = weights else { throw SparseCNNError.invalidArgument("transposed conv without weights") }
            return .map(try transposedConv2d(t, weights: w, outChannels: o, factor: f))
        case .multiply, .subtract, .divide:
            let f: (Float, Float) -> Float
            switch self {
            case .multiply: f = { $0 * $1 }
            case .subtract: f = { $0 - $1 }
            default: f = { $0 / $1 }
            }
            var y = t
            switch extras[0] {
            case .map(let m): for i in y.scalars.indices { y.scalars[i] = f(y.scalars[i], m.scalars[i]) }
            case .vector(let v): for i in y.scalars.indices { y.scalars[i] = f(y.scalars[i], v[i % t.channels]) }
            }
            return .map(y)
        case .upsampleBilinear(let r):
            return .map(try bilinearUpsampled(t, factor: r))
        case .concat:
            let maps = [t] + extras.compactMap { if case .map(let m) = $0 { return m } else { return nil } }
            let c = maps.reduce(0) { $0 + $1.channels }
            var out = [Float]()
            out.reserveCapacity(t.shape.pixels * c)
            for p in 0..<t.shape.pixels {
                for m in maps { out += m.scalars[(p * m.channels)..<((p + 1) * m.channels)] }
            }
            return .map(try FloatTensor(shape: TensorShape(height: t.height, width: t.width, channels: c), scalars: out))
        default: fatalError("elementwise ops returned above")
        }
    }
}

/// Weights of a host conv (`HostOp.depthwiseConv`, `HostOp.transposedConv`), in the layout the op
/// names, and one bias per output channel.
public struct HostWeights: Equatable, Sendable {
    public var weights: [Float]
    public var bias: [Float]

    public init(weights: [Float], bias: [Float]) {
        self.weights = weights
        self.bias = bias
    }
}

/// The geometry of a host conv (`HostOp.conv`), as ONNX gives it: `strides`, `dilations` are
/// [height, width]; `pads` [top, left, bottom, right].
public struct HostConv: Hashable, Sendable {
    public var outChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strides: [Int]
    public var dilations: [Int]
    public var pads: [Int]
    public var groups: Int

    public init(outChannels: Int, kernelHeight: Int, kernelWidth: Int, strides: [Int], dilations: [Int], pads: [Int], groups: Int) {
        self.outChannels = outChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.groups = groups
    }

    /// Output size along `axis` (0 height, 1 width): `⌊(n + pads − d·(k − 1) − 1) / s⌋ + 1`.
    func outputSize(_ n: Int, axis: Int) -> Int {
        let k = axis == 0 ? kernelHeight : kernelWidth
        let span = n + pads[axis] + pads[axis + 2] - dilations[axis] * (k - 1) - 1
        return span < 0 ? 0 : span / strides[axis] + 1
    }
}

/// ONNX's Conv in general; `weights.weights` is `[Cout][Cin/groups][Kh][Kw]`.
func groupedConv2d(_ x: FloatTensor, weights w: HostWeights, geometry g: HostConv) throws -> FloatTensor {
    let c = x.channels, co = g.outChannels, cg = c / g.groups, og = co / g.groups
    let (kh, kw) = (g.kernelHeight, g.kernelWidth)
    guard w.weights.count == co * cg * kh * kw, w.bias.count == co else {
        throw SparseCNNError.shapeMismatch("conv: \(c)→\(co) in \(g.groups) groups needs \(co * cg * kh * kw) weights and \(co) biases, got \(w.weights.count) and \(w.bias.count)")
    }
    let out = TensorShape(height: g.outputSize(x.height, axis: 0), width: g.outputSize(x.width, axis: 1), channels: co)
    var y = [Float](repeating: 0, count: out.count)
    for oy in 0..<out.height { for ox in 0..<out.width { for o in 0..<co {
        let first = (o / og) * cg
        var acc = w.bias[o]
        for ky in 0..<kh {
            let iy = oy * g.strides[0] - g.pads[0] + ky * g.dilations[0]
            guard iy >= 0, iy < x.height else { continue }
            for kx in 0..<kw {
                let ix = ox * g.strides[1] - g.pads[1] + kx * g.dilations[1]
                guard ix >= 0, ix < x.width else { continue }
                let base = (iy * x.width + ix) * c + first
                for j in 0..<cg { acc += x.scalars[base + j] * w.weights[((o * cg + j) * kh + ky) * kw + kx] }
            }
        }
        y[(oy * out.width + ox) * co + o] = acc
    } } }
    return try FloatTensor(shape: out, scalars: y)
}

/// Bilinear upsampling by `r`, half-pixel centres (`HostOp.upsampleBilinear`).
func bilinearUpsampled(_ x: FloatTensor, factor r: Int) throws -> FloatTensor {
    let c = x.channels
    let out = TensorShape(height: x.height * r, width: x.width * r, channels: c)
    // each output row or column: its two source indices and the weight of the second
    func taps(_ n: Int) -> [(Int, Int, Float)] {
        (0..<(n * r)).map { o in
            let src = Swift.max(0, (Float(o) + 0.5) / Float(r) - 0.5)
            let i0 = Swift.min(Int(src), n - 1)
            return (i0, Swift.min(i0 + 1, n - 1), src - Float(i0))
        }
    }
    let ys = taps(x.height), xs = taps(x.width)
    var y = [Float](repeating: 0, count: out.count)
    for (oy, (y0, y1, fy)) in ys.enumerated() { for (ox, (x0, x1, fx)) in xs.enumerated() { for ch in 0..<c {
        func at(_ yy: Int, _ xx: Int) -> Float { x.scalars[(yy * x.width + xx) * c + ch] }
        let top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx, bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx
        y[(oy * out.width + ox) * c + ch] = top * (1 - fy) + bottom * fy
    } } }
    return try FloatTensor(shape: out, scalars: y)
}

/// Depthwise "same"-padded conv; `weights.weights` is `[C][K][K]`.
func depthwiseConv2d(_ x: FloatTensor, weights w: HostWeights, geometry g: ConvGeometry) throws -> FloatTensor {
    let c = x.channels, k = g.kernel, p = g.padding
    guard w.weights.count == c * k * k, w.bias.count == c else {
        throw SparseCNNError.shapeMismatch("depthwise conv: \(c) channels need \(c * k * k) weights and \(c) biases, got \(w.weights.count) and \(w.bias.count)")
    }
    let out = g.outputShape(input: x.shape, outChannels: c)
    var y = [Float](repeating: 0, count: out.count)
    for oy in 0..<out.height { for ox in 0..<out.width { for ch in 0..<c {
        var acc = w.bias[ch]
        for ky in 0..<k {
            let iy = oy * g.stride - p + ky
            guard iy >= 0, iy < x.height else { continue }
            for kx in 0..<k {
                let ix = ox * g.stride - p + kx
                guard ix >= 0, ix < x.width else { continue }
                acc += x.scalars[(iy * x.width + ix) * c + ch] * w.weights[(ch * k + ky) * k + kx]
            }
        }
        y[(oy * out.width + ox) * c + ch] = acc
    } } }
    return try FloatTensor(shape: out, scalars: y)
}

/// Transposed conv with kernel = stride = `f`; `weights.weights` is `[Cin][Cout][f][f]`.
func transposedConv2d(_ x: FloatTensor, weights w: HostWeights, outChannels o: Int, factor f: Int) throws -> FloatTensor {
    let ci = x.channels
    guard w.weights.count == ci * o * f * f, w.bias.count == o else {
        throw SparseCNNError.shapeMismatch("transposed conv: \(ci)→\(o) ×\(f) needs \(ci * o * f * f) weights and \(o) biases, got \(w.weights.count) and \(w.bias.count)")
    }
    let out = TensorShape(height: x.height * f, width: x.width * f, channels: o)
    var y = [Float](repeating: 0, count: out.count)
    for iy in 0..<x.height { for ix in 0..<x.width { for i in 0..<f { for j in 0..<f { for oc in 0..<o {
        var acc = w.bias[oc]
        for c in 0..<ci { acc += x.scalars[(iy * x.width + ix) * ci + c] * w.weights[((c * o + oc) * f + i) * f + j] }
        y[((iy * f + i) * out.width + ix * f + j) * o + oc] = acc
    } } } } }
    return try FloatTensor(shape: out, scalars: y)
}
