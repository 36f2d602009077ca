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
    /// The channels of this layer's input, then those of each layer in `with`, in order (maps of
    /// one size).
    case concat(with: [String])

    /// The op's name in reports.
    public var kind: String {
        switch self {
        case .depthwiseConv: return "depthwise"
        case .transposedConv: return "convtranspose"
        case .affine: return "affine"
        case .clamp: return "clamp"
        case .relu: return "relu"
        case .hardSwish: return "hardswish"
        case .hardSigmoid: return "hardsigmoid"
        case .sigmoid: return "sigmoid"
        case .multiply: return "mul"
        case .concat: return "concat"
        }
    }

    /// Layers read besides the input (`from`).
    public var extraInputs: [String] {
        switch self {
        case .multiply(let b): return [b]
        case .concat(let w): return w
        default: return []
        }
    }

    /// True for ops that take weights (`NetworkParameters.hosts`).
    public var hasWeights: Bool {
        switch self {
        case .depthwiseConv, .transposedConv: return true
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
        case .transposedConv(let o, let f):
            guard input != nil else { throw bad("needs a feature map") }
            guard o > 0, (1...64).contains(f) else { throw bad("needs positive output channels and a factor in 1...64") }
            return o
        case .affine, .clamp, .relu, .hardSwish, .hardSigmoid, .sigmoid: return input
        case .multiply:
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
        case (.transposedConv(let o, let f), .map(let m)):
            return .map(TensorShape(height: m.height * f, width: m.width * f, channels: o))
        case (.multiply, .map(let m)):
            switch extras[0] {
            case .map(let e) where e == m: return x
            case .vector(let n) where n == m.channels: return x
            default: throw SparseCNNError.shapeMismatch("mul: \(x) × \(extras[0])")
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
        case .transposedConv(let o, let f):
            guard let w = weights else { throw SparseCNNError.invalidArgument("transposed conv without weights") }
            return .map(try transposedConv2d(t, weights: w, outChannels: o, factor: f))
        case .multiply:
            var y = t
            switch extras[0] {
            case .map(let m): for i in y.scalars.indices { y.scalars[i] *= m.scalars[i] }
            case .vector(let v): for i in y.scalars.indices { y.scalars[i] *= v[i % t.channels] }
            }
            return .map(y)
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
