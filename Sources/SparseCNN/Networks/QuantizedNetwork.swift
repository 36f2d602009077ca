import Foundation

/// Everything one int8 conv layer saw and produced in a run: the golden data the accelerator
/// model and the RTL are checked against (feed `input`, `residual`, `conv`, `tileMask`; expect
/// `output`).
public struct ConvLayerRecord: Sendable {
    public var name: String
    public var inputShape: TensorShape
    public var outputShape: TensorShape
    public var kernel: Int
    public var stride: Int
    /// The int8 input tensor (NHWC) the layer read.
    public var input: QTensor
    /// The residual tensor added before the activation, when the layer has one.
    public var residual: QTensor?
    /// Name of the layer the residual came from.
    public var residualName: String?
    /// The int8 output tensor.
    public var output: QTensor
    /// Filter, bias, geometry, requantization and activation exactly as run.
    public var conv: QuantizedConv
    /// The tile mask used; nil when the layer ran dense.
    public var tileMask: TileMask?
    /// The channel mask used in the tiles the tile mask leaves sparse (nil: none computed there).
    public var channelMask: ChannelMask? = nil
    /// Real value of one step of the input / output int8 code.
    public var inputScale: Float
    public var outputScale: Float

    /// All output pixels × Cout × K² × Cin.
    public var denseMACs: Int { outputShape.count * kernel * kernel * inputShape.channels }
    /// MACs of the layer as run (the dense count when it ran dense).
    public var sparseMACs: Int { info.sparseMACs(tileMask: tileMask ?? TileMask(mapHeight: outputShape.height, mapWidth: outputShape.width, tileHeight: outputShape.height, tileWidth: outputShape.width, repeating: true)) }

    public var info: ConvLayerInfo {
        ConvLayerInfo(name: name, inputShape: inputShape, outputShape: outputShape, kernel: kernel, stride: stride,
                      activation: { switch conv.activation { case .none: return .none; case .relu: return .relu; case .prelu: return .prelu } }(),
                      residual: residualName)
    }
}

/// A network's int8 output: a feature map at `scale`, or (after `gap`/`fc`) float features.
public enum QuantizedValue: Sendable {
    case map(QTensor, scale: Float)
    case vector([Float])

    /// Dequantized map (nil for a vector).
    public var floatMap: FloatTensor? {
        guard case .map(let q, let s) = self else { return nil }
        return try! FloatTensor(shape: q.shape, scalars: q.scalars.map { Float($0) * s })
    }
}

/// The result of one int8 run.
public struct QuantizedRunResult: Sendable {
    public var output: QuantizedValue
    /// One record per conv layer in execution order (empty when recording was off).
    public var records: [ConvLayerRecord]
}

/// A network quantized to int8 by calibration on one input (see docs/quantization.md).
///
/// Scales are symmetric and per tensor: an activation's scale is `maxAbs / 127` of the float
/// value it stands for, a conv's weight scale `maxAbs(W) / 127`, a bias is int32 at
/// `s_in · s_w`, and the requantization is `Requantization(scale: s_in · s_w / s_out)`.
/// Values that the int8 datapath combines without rescaling share one scale: a conv's output
/// and its residual, both inputs of an `add`, and the input and output of max-pool, pixel
/// shuffle, ReLU and PReLU. Each such group takes the largest `maxAbs` of its members.
/// `avgpool` re-quantizes at its own scale; `gap` and `fc` run in float on the dequantized map,
/// and so do host layers (`HostOp`), whose map outputs are quantized at their own scales.
public struct QuantizedNetwork: Sendable {
    public var plan: NetworkPlan
    /// Scale of every map-valued layer output, by name (and `input`).
    public var scales: [String: Float]
    public var convs: [String: QuantizedConv]
    /// Standalone PReLU layers' slopes as `slope / 256`.
    public var preluSlopes: [String: Int16]
    public var fcs: [String: FCParameters]
    /// Weights of host convs (they run in float on the dequantized input).
    public var hosts: [String: HostWeights]

    /// Calibrates on `calibrationInput` (one image): runs the float network, takes each
    /// activation's max |value|, then quantizes weights and biases.
    public init(plan: NetworkPlan, parameters: NetworkParameters, calibrationInput: FloatTensor) throws {
        let stats = try plan.runFloat(calibrationInput, parameters: parameters)
        try self.init(plan: plan, parameters: parameters, maxAbs: stats.maxAbs)
    }

    /// Quantizes with given per-layer max |activation| statistics (by layer name and `input`).
    public init(plan: NetworkPlan, parameters: NetworkParameters, maxAbs: [String: Float]) throws {
        self.plan = plan
        // Union-find over value names that must share a scale.
        var parent: [String: String] = [:]
        func find(_ a: String) -> String {
            var x = a
            while let p = parent[x], p != x { x = p }
            parent[a] = x
            return x
        }
        func union(_ a: String, _ b: String) { let ra = find(a), rb = find(b); if ra != rb { parent[ra] = rb } }
        var mapNames = [Network.inputName]
        for step in plan.steps {
            let n = step.layer.name
            guard step.output.mapShape != nil else { continue }
            mapNames.append(n)
            switch step.layer.op {
            case .conv: if let r = step.layer.residual { union(n, r) }
            case .maxPool, .pixelShuffle, .upsample, .relu, .prelu: union(n, step.source)
            case .add: union(n, step.source); union(n, step.layer.residual!)
            default: break
            }
        }
        var groupMax: [String: Float] = [:]
        for n in mapNames { groupMax[find(n), default: 0] = max(groupMax[find(n), default: 0], maxAbs[n] ?? 0) }
        var scales: [String: Float] = [:]
        for n in mapNames {
            let m = groupMax[find(n)]!
            scales[n] = m > 0 && m.isFinite ? m / 127 : 1.0 / 127
        }
        self.scales = scales

        var convs: [String: QuantizedConv] = [:]
        var prelus: [String: Int16] = [:]
        var fcs: [String: FCParameters] = [:]
        var hosts: [String: HostWeights] = [:]
        for step in plan.steps {
            let n = step.layer.name
            switch step.layer.op {
            case .conv(_, let k, let s, _, let act):
                guard let p = parameters.convs[n] else { throw SparseCNNError.invalidArgument("no weights for conv layer '\(n)'") }
                let wMax = p.filter.scalars.reduce(Float(0)) { max($0, abs($1)) }
                let sw = wMax > 0 ? wMax / 127 : 1
                let q = p.filter.scalars.map { Int8(clamping: Int(($0 / sw).rounded())) }
                let sIn = Double(scales[step.source]!), sOut = Double(scales[n]!)
                let biasScale = sIn * Double(sw)
                let bias = p.bias.map { Int32(clamping: Int64((Double($0) / biasScale).rounded().clamped(-2e9, 2e9))) }
                let activation: Activation
                switch act {
                case .none: activation = .none
                case .relu: activation = .relu
                case .prelu: activation = .prelu(slope: Self.quantizeSlope(p.preluSlope ?? 0.25))
                }
                convs[n] = try QuantizedConv(
                    filter: try Filter(outChannels: p.filter.outChannels, kernel: k, inChannels: p.filter.inChannels, scalars: q),
                    bias: bias, geometry: try ConvGeometry(kernel: k, stride: s),
                    requantization: try Requantization(scale: sIn * Double(sw) / sOut), activation: activation)
            case .prelu: prelus[n] = Self.quantizeSlope(parameters.prelus[n] ?? 0.25)
            case .fullyConnected:
                guard let p = parameters.fcs[n] else { throw SparseCNNError.invalidArgument("no weights for fc layer '\(n)'") }
                fcs[n] = p
            case .host(let h) where h.hasWeights:
                guard let p = parameters.hosts[n] else { throw SparseCNNError.invalidArgument("no weights for host layer '\(n)'") }
                hosts[n] = p
            default: break
            }
        }
        self.convs = convs
        self.preluSlopes = prelus
        self.fcs = fcs
        self.hosts = hosts
    }

    static func quantizeSlope(_ s: Float) -> Int16 { Int16(clamping: Int((s * 256).rounded())) }

    /// Quantizes a float tensor at `scale`: `clamp(round(x / scale), −128, 127)`.
    public static func quantize(_ x: FloatTensor, scale: Float) -> QTensor {
        try! QTensor(shape: x.shape, scalars: x.scalars.map { Int8(clamping: Int(($0 / scale).rounded())) })
    }

    /// Runs the int8 network. Conv layers named in `tileMasks` run SBNet-style sparse
    /// (`QuantizedConv.sparse`), with their channel mask from `channelMasks` if any; the rest
    /// (nil = absent) run dense. With `record`, every conv layer's tensors are kept in `records`.
    public func run(_ input: FloatTensor, tileMasks: [String: TileMask] = [:], channelMasks: [String: ChannelMask] = [:],
                    record: Bool = true, progress: ((String) -> Void)? = nil) throws -> QuantizedRunResult {
        try plan.checkInput(input.shape)
        for name in channelMasks.keys where tileMasks[name] == nil {
            throw SparseCNNError.invalidArgument("channel mask given for '\(name)', which has no tile mask")
        }
        for (name, m) in tileMasks {
            guard let info = plan.convLayers.first(where: { $0.name == name }) else {
                throw SparseCNNError.invalidArgument("tile mask given for '\(name)', which is not a conv layer")
            }
            guard m.mapHeight == info.outputShape.height, m.mapWidth == info.outputShape.width else {
                throw SparseCNNError.shapeMismatch("tile mask for '\(name)' covers \(m.mapHeight)x\(m.mapWidth), layer output is \(info.outputShape)")
            }
        }
        let last = plan.lastUse()
        var values: [String: QuantizedValue] = [Network.inputName: .map(Self.quantize(input, scale: scales[Network.inputName]!), scale: scales[Network.inputName]!)]
        var records: [ConvLayerRecord] = []
        var out = values[Network.inputName]!
        for (i, step) in plan.steps.enumerated() {
            let name = step.layer.name
            let x = values[step.source]!
            var residual: QTensor?
            if let r = step.layer.residual, case .map(let t, _) = values[r]! { residual = t }
            let sOut = scales[name] ?? 1
            switch (step.layer.op, x) {
            case (.conv, .map(let t, let sIn)):
                progress?(name)
                let conv = convs[name]!
                let mask = tileMasks[name]
                let channels = channelMasks[name]
                let y = try mask.map { try conv.sparse(t, tileMask: $0, residual: residual, channelMask: channels) } ?? conv(t, residual: residual)
                if record {
                    records.append(ConvLayerRecord(name: name, inputShape: t.shape, outputShape: y.shape, kernel: conv.geometry.kernel,
                                                   stride: conv.geometry.stride, input: t, residual: residual, residualName: step.layer.residual,
                                                   output: y, conv: conv, tileMask: mask, channelMask: channels,
                                                   inputScale: sIn, outputScale: sOut))
                }
                out = .map(y, scale: sOut)
            case (.maxPool(let k, let s, let p), .map(let t, _)): out = .map(try maxPool2d(t, kernel: k, stride: s, padding: p), scale: sOut)
            case (.avgPool(let k, let s, let p), .map):
                out = .map(Self.quantize(try avgPool2d(x.floatMap!, kernel: k, stride: s, padding: p), scale: sOut), scale: sOut)
            case (.globalAvgPool, .map): out = .vector(globalAveragePool(x.floatMap!))
            case (.fullyConnected(let n), .vector(let v)):
                let p = fcs[name]!
                out = .vector(try fullyConnected(v, weights: p.weights, bias: p.bias, outFeatures: n))
            case (.pixelShuffle(let f), .map(let t, _)): out = .map(try pixelShuffle(t, factor: f), scale: sOut)
            case (.upsample(let f), .map(let t, _)): out = .map(try upsampleNearest(t, factor: f), scale: sOut)
            case (.relu, .map(var t, _)):
                for j in t.scalars.indices where t.scalars[j] < 0 { t.scalars[j] = 0 }
                out = .map(t, scale: sOut)
            case (.prelu, .map(var t, _)):
                let a = Activation.prelu(slope: preluSlopes[name] ?? 64)
                for j in t.scalars.indices { t.scalars[j] = a.apply(t.scalars[j]) }
                out = .map(t, scale: sOut)
            case (.add, .map(var t, _)):
                let r = residual!
                for j in t.scalars.indices { t.scalars[j] = Int8(clamping: Int16(t.scalars[j]) + Int16(r.scalars[j])) }
                out = .map(t, scale: sOut)
            case (.host(let h), _):
                // in float on the dequantized inputs, quantized at the layer's own scale
                func real(_ v: QuantizedValue) -> FloatValue {
                    switch v {
                    case .map: return .map(v.floatMap!)
                    case .vector(let f): return .vector(f)
                    }
                }
                let y = try h.run(real(x), extras: h.extraInputs.map { real(values[$0]!) }, weights: hosts[name])
                switch y {
                case .map(let t):
                    // (a host op can make ±inf or NaN, e.g. a division by zero: they saturate, NaN reads 0)
                    let q = t.scalars.map { v -> Int8 in v.isNaN ? 0 : Int8(clamping: Int(Swift.min(Swift.max((v / sOut).rounded(), -1e9), 1e9))) }
                    out = .map(try QTensor(shape: t.shape, scalars: q), scale: sOut)
                case .vector(let v): out = .vector(v)
                }
            default: throw SparseCNNError.invalidArgument("layer '\(name)': op '\(step.layer.op.kind)' cannot read this input")
            }
            values[name] = out
            for (k, l) in last where l == i { values[k] = nil }
        }
        return QuantizedRunResult(output: out, records: records)
    }
}

extension Double {
    fileprivate func clamped(_ lo: Double, _ hi: Double) -> Double { Swift.min(Swift.max(self, lo), hi) }
}
