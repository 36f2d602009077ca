/// A network as a list of named layers run in order (see docs/network-schema.md).
///
/// Every layer reads the output of the layer before it unless `from` names an earlier layer
/// (or `"input"`, the network's input). A conv layer or an `add` layer may name a `residual`
/// source: its output is added (before the activation) to that earlier layer's output, which
/// must have the same shape. This is enough for ResNet basic blocks, SRResNet and most
/// single-path CNNs with skip connections.
public struct Network: Hashable, Sendable {
    /// The name a layer uses in `from` / `residual` to mean the network's input.
    public static let inputName = "input"

    public var name: String
    /// Channels of the input tensor (3 for RGB, 1 for gray).
    public var inputChannels: Int
    public var layers: [NetworkLayer]
    /// Input size used when the caller gives none (JSON `inputSize`); nil = the image's own size.
    public var defaultInputSize: ImageSize?

    /// Builds and validates: unique names, `from`/`residual` name earlier layers, kernels odd,
    /// strides 1 or 2, channel counts agree, vectors (after `gap`) only feed `fc`.
    public init(name: String, inputChannels: Int, layers: [NetworkLayer], defaultInputSize: ImageSize? = nil) throws {
        self.defaultInputSize = defaultInputSize
        self.name = name
        self.inputChannels = inputChannels
        self.layers = layers
        try validate()
    }

    /// Names of the conv layers, in execution order.
    public var convLayerNames: [String] {
        layers.compactMap { if case .conv = $0.op { return $0.name } else { return nil } }
    }

    private func validate() throws {
        guard inputChannels > 0 else { throw SparseCNNError.invalidArgument("network '\(name)': input channels must be positive, got \(inputChannels)") }
        guard !layers.isEmpty else { throw SparseCNNError.invalidArgument("network '\(name)' has no layers") }
        // Channels (nil = a feature vector) of every named output so far.
        var produced: [String: Int?] = [Self.inputName: inputChannels]
        var vectorLength: [String: Int] = [:]
        var previous = Self.inputName
        for (i, layer) in layers.enumerated() {
            let at = "layer \(i) ('\(layer.name)')"
            guard !layer.name.isEmpty else { throw SparseCNNError.invalidArgument("layer \(i) has an empty name") }
            guard produced[layer.name] == nil else {
                throw SparseCNNError.invalidArgument("\(at): the name '\(layer.name)' is used twice (or is the reserved name 'input')")
            }
            guard !layer.name.contains("/") else { throw SparseCNNError.invalidArgument("\(at): names may not contain '/'") }
            let source = layer.from ?? previous
            guard let inC = produced[source] else {
                throw SparseCNNError.invalidArgument("\(at): 'from' names '\(source)', which is not an earlier layer")
            }
            if let r = layer.residual {
                guard layer.op.acceptsResidual else {
                    throw SparseCNNError.invalidArgument("\(at): op '\(layer.op.kind)' cannot take a residual (only conv and add can)")
                }
                guard produced[r] != nil else {
                    throw SparseCNNError.invalidArgument("\(at): residual '\(r)' is not an earlier layer")
                }
            } else if case .add = layer.op {
                throw SparseCNNError.invalidArgument("\(at): 'add' needs a 'residual' naming the layer to add")
            }
            let out: Int?
            switch layer.op {
            case .host(let h):
                var extras: [Int?] = []
                for e in h.extraInputs {
                    guard let c = produced[e] else { throw SparseCNNError.invalidArgument("\(at): \(h.kind) reads '\(e)', which is not an earlier layer") }
                    extras.append(c)
                }
                do { out = try h.outputChannels(input: inC, extras: extras) } catch let e as SparseCNNError {
                    throw SparseCNNError.invalidArgument("\(at): \(e.description)")
                }
            case .fullyConnected(let n):
                guard n > 0 else { throw SparseCNNError.invalidArgument("\(at): fc needs a positive 'out', got \(n)") }
                guard inC == nil else { throw SparseCNNError.invalidArgument("\(at): fc needs a feature vector; put a 'gap' layer before it") }
                out = nil
                vectorLength[layer.name] = n
            default:
                guard let c = inC else {
                    throw SparseCNNError.invalidArgument("\(at): op '\(layer.op.kind)' needs a feature map but gets the vector of '\(source)'; only 'fc' may follow 'gap'")
                }
                switch layer.op {
                case .conv(let outC, let k, let s, _, _):
                    guard outC > 0 else { throw SparseCNNError.invalidArgument("\(at): conv needs a positive 'out', got \(outC)") }
                    do { _ = try ConvGeometry(kernel: k, stride: s) } catch let e as SparseCNNError {
                        throw SparseCNNError.invalidArgument("\(at): bad conv: \(e.description)")
                    }
                    // Bounded like a map side: K² of a kernel near Int.max overflows (the memory estimate, the MACs).
                    guard k <= ImageSize.maxSide else {
                        throw SparseCNNError.invalidArgument("\(at): bad conv: kernel \(k) is over the limit of \(ImageSize.maxSide)")
                    }
                    out = outC
                case .maxPool(let k, let s, let p), .avgPool(let k, let s, let p):
                    guard k > 0, s > 0, p >= 0, p <= k / 2, k <= ImageSize.maxSide, s <= ImageSize.maxSide else {
                        throw SparseCNNError.invalidArgument("\(at): pool needs kernel and stride in 1...\(ImageSize.maxSide), 0 <= padding <= kernel/2 (got kernel \(k), stride \(s), padding \(p))")
                    }
                    out = c
                case .globalAvgPool: out = nil; vectorLength[layer.name] = c
                case .pixelShuffle(let f):
                    // (bounded like a map side, so f² cannot overflow)
                    guard (2...ImageSize.maxSide).contains(f) else {
                        throw SparseCNNError.invalidArgument("\(at): pixel shuffle factor must be in 2...\(ImageSize.maxSide), got \(f)")
                    }
                    guard c % (f * f) == 0 else {
                        throw SparseCNNError.invalidArgument("\(at): channel mismatch: pixel shuffle x\(f) needs channels divisible by \(f * f), gets \(c)")
                    }
                    out = c / (f * f)
                case .upsample(let f):
                    guard (2...ImageSize.maxSide).contains(f) else {
                        throw SparseCNNError.invalidArgument("\(at): upsample factor must be in 2...\(ImageSize.maxSide), got \(f)")
                    }
                    out = c
                case .relu, .prelu, .add: out = c
                case .fullyConnected, .host: fatalError("unreachable")
                }
            }
            if let r = layer.residual {
                let rc = produced[r]!
                guard rc == out else {
                    throw SparseCNNError.invalidArgument("\(at): channel mismatch: output has \(out.map(String.init) ?? "a vector") channels, residual '\(r)' has \(rc.map { String($0) } ?? "a vector")")
                }
            }
            produced[layer.name] = .some(out)
            previous = layer.name
        }
    }

    /// Shapes of every layer for an input of `height × width` pixels; fails (naming the layer)
    /// when a residual's spatial size differs from the layer's output.
    public func plan(height: Int, width: Int) throws -> NetworkPlan {
        guard height > 0, width > 0 else { throw SparseCNNError.invalidArgument("input size \(height)x\(width) must be positive") }
        let input = TensorShape(height: height, width: width, channels: inputChannels)
        var shapes: [String: LayerValueShape] = [Self.inputName: .map(input)]
        var steps: [NetworkPlan.Step] = []
        var previous = Self.inputName
        for layer in layers {
            let source = layer.from ?? previous
            let inShape = shapes[source]!
            let out: LayerValueShape
            switch (layer.op, inShape) {
            case (.conv(let outC, let k, let s, _, _), .map(let x)):
                out = .map(try ConvGeometry(kernel: k, stride: s).outputShape(input: x, outChannels: outC))
            case (.maxPool(let k, let s, let p), .map(let x)), (.avgPool(let k, let s, let p), .map(let x)):
                let oh = (x.height + 2 * p - k) / s + 1, ow = (x.width + 2 * p - k) / s + 1
                guard oh > 0, ow > 0 else {
                    throw SparseCNNError.shapeMismatch("layer '\(layer.name)': pooling a \(x.height)x\(x.width) map with kernel \(k) leaves nothing")
                }
                out = .map(TensorShape(height: oh, width: ow, channels: x.channels))
            case (.globalAvgPool, .map(let x)): out = .vector(x.channels)
            case (.pixelShuffle(let f), .map(let x)):
                out = .map(TensorShape(height: x.height * f, width: x.width * f, channels: x.channels / (f * f)))
            case (.upsample(let f), .map(let x)): out = .map(TensorShape(height: x.height * f, width: x.width * f, channels: x.channels))
            case (.relu, .map), (.prelu, .map), (.add, .map): out = inShape
            case (.fullyConnected(let n), .vector): out = .vector(n)
            case (.host(let h), _):
                do { out = try h.outputShape(inShape, extras: h.extraInputs.map { shapes[$0]! }) } catch let e as SparseCNNError {
                    throw SparseCNNError.shapeMismatch("layer '\(layer.name)': \(e.description)")
                }
            default: fatalError("validated at init")
            }
            if let r = layer.residual, shapes[r]! != out {
                throw SparseCNNError.shapeMismatch("layer '\(layer.name)': output \(out) differs from residual '\(r)' \(shapes[r]!)")
            }
            shapes[layer.name] = out
            steps.append(.init(layer: layer, source: source, input: inShape, output: out))
            previous = layer.name
        }
        return NetworkPlan(network: self, input: input, steps: steps)
    }
}

/// A height × width pair, written `HxW` on the command line.
public struct ImageSize: Hashable, Codable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int

    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// The largest height or width a size may have.
    public static let maxSide = 16384

    /// Parses `HxW` (e.g. `224x224`); both positive, at most `maxSide`.
    public init(parsing text: String) throws {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]), h > 0, w > 0 else {
            throw SparseCNNError.invalidArgument("'\(text)' is not a size HxW with positive integers (e.g. 224x224)")
        }
        guard h <= Self.maxSide, w <= Self.maxSide else {
            throw SparseCNNError.invalidArgument("'\(text)': a side of \(max(h, w)) is over the limit of \(Self.maxSide) pixels")
        }
        self.init(height: h, width: w)
    }

    public var description: String { "\(height)x\(width)" }
}

/// A layer's output: a feature map, or (after `gap`/`fc`) a vector of features.
public enum LayerValueShape: Hashable, Sendable, CustomStringConvertible {
    case map(TensorShape)
    case vector(Int)

    public var description: String {
        switch self {
        case .map(let s): return s.description
        case .vector(let n): return "[\(n)]"
        }
    }
    public var mapShape: TensorShape? { if case .map(let s) = self { return s } else { return nil } }
}

/// The activation a conv layer applies after its (optional) residual add.
public enum ActivationKind: String, Hashable, Codable, Sendable, CaseIterable {
    case none, relu, prelu
}

/// One operation of a network.
public enum LayerOp: Hashable, Sendable {
    /// "Same"-padded convolution, then `+ residual` when the layer has one, then the activation.
    case conv(outChannels: Int, kernel: Int, stride: Int, bias: Bool, activation: ActivationKind)
    /// Max pooling; padded positions never win.
    case maxPool(kernel: Int, stride: Int, padding: Int)
    /// Average pooling over the window positions inside the map.
    case avgPool(kernel: Int, stride: Int, padding: Int)
    /// Mean of every channel: map → vector.
    case globalAvgPool
    /// `W · x + b`: vector → vector.
    case fullyConnected(outFeatures: Int)
    /// Depth-to-space (PyTorch `PixelShuffle`).
    case pixelShuffle(factor: Int)
    /// Nearest-neighbour upsampling by an integer factor (a host op: e.g. the upsampled input an SR
    /// network's last conv adds, so that its skipped tiles show it).
    case upsample(factor: Int)
    case relu
    /// One learned slope for the whole tensor (parameter `<layer>.prelu`).
    case prelu
    /// Elementwise sum with the layer named by `residual`.
    case add
    /// An op only the host runs (imported models' depthwise convs, activations, concat, …).
    case host(HostOp)

    /// The op's name in the JSON schema.
    public var kind: String {
        switch self {
        case .conv: return "conv"
        case .maxPool: return "maxpool"
        case .avgPool: return "avgpool"
        case .globalAvgPool: return "gap"
        case .fullyConnected: return "fc"
        case .pixelShuffle: return "pixelshuffle"
        case .upsample: return "upsample"
        case .relu: return "relu"
        case .prelu: return "prelu"
        case .add: return "add"
        case .host(let h): return h.kind
        }
    }

    var acceptsResidual: Bool {
        switch self {
        case .conv, .add: return true
        default: return false
        }
    }
}

/// One named layer of a `Network`.
public struct NetworkLayer: Hashable, Sendable {
    /// Stable name, e.g. `conv1`, `layer1.0.conv1`, `body.3.conv2`, `tail`.
    public var name: String
    public var op: LayerOp
    /// Layer whose output this one reads; nil = the previous layer (or the input for the first).
    public var from: String?
    /// Layer whose output is added to this one's (conv and add only).
    public var residual: String?

    public init(_ name: String, _ op: LayerOp, from: String? = nil, residual: String? = nil) {
        self.name = name
        self.op = op
        self.from = from
        self.residual = residual
    }
}

/// A conv layer's static description at one input size.
public struct ConvLayerInfo: Hashable, Sendable {
    public var name: String
    public var inputShape: TensorShape
    public var outputShape: TensorShape
    public var kernel: Int
    public var stride: Int
    public var activation: ActivationKind
    /// Name of the residual source, if any.
    public var residual: String?

    /// MACs of the dense layer: every output pixel × Cout × K² × Cin.
    public var denseMACs: Int { outputShape.count * kernel * kernel * inputShape.channels }
    /// MACs of one output pixel (all output channels).
    public var macsPerPixel: Int { outputShape.channels * kernel * kernel * inputShape.channels }
    /// Halo of the layer's kernel, `(K − 1) / 2`.
    public var halo: Int { (kernel - 1) / 2 }

    /// MACs the tile-sparse layer computes: active tiles' valid output pixels × Cout × K² × Cin.
    /// MACs of the active pixels of `pixelMask` alone: what a pixel-sparse layer would compute.
    public func pixelMACs(pixelMask: PixelMask) -> Int { pixelMask.activeCount * macsPerPixel }

    public func sparseMACs(tileMask: TileMask) -> Int {
        var pixels = 0
        for (ty, tx) in tileMask.activeTiles {
            let r = tileMask.pixelRange(ty: ty, tx: tx)
            pixels += r.rows.count * r.cols.count
        }
        return pixels * macsPerPixel
    }
}

/// A network resolved for one input size: every layer's input and output shape.
public struct NetworkPlan: Hashable, Sendable {
    public struct Step: Hashable, Sendable {
        public var layer: NetworkLayer
        /// Resolved name of the layer read (`from`, or the previous layer, or `input`).
        public var source: String
        public var input: LayerValueShape
        public var output: LayerValueShape
    }

    public var network: Network
    public var input: TensorShape
    public var steps: [Step]

    /// The conv layers in execution order.
    public var convLayers: [ConvLayerInfo] {
        steps.compactMap { step in
            guard case .conv(_, let k, let s, _, let act) = step.layer.op,
                  let i = step.input.mapShape, let o = step.output.mapShape else { return nil }
            return ConvLayerInfo(name: step.layer.name, inputShape: i, outputShape: o, kernel: k, stride: s,
                                 activation: act, residual: step.layer.residual)
        }
    }

    /// The layers SparseCNN runs on the host, every one but the convs (the accelerator's), in order.
    public var hostLayers: [Step] {
        steps.filter { if case .conv = $0.layer.op { return false } else { return true } }
    }

    /// The host layers as reports list them, `name (op)` in order.
    public var hostOps: [String] { hostLayers.map { "\($0.layer.name) (\($0.layer.op.kind))" } }

    /// Dense MACs of all conv and fc layers.
    public var totalDenseMACs: Int {
        convLayers.reduce(0) { $0 + $1.denseMACs } + steps.reduce(0) { acc, step in
            if case .fullyConnected(let n) = step.layer.op, case .vector(let m) = step.input { return acc + n * m }
            return acc
        }
    }

    /// The network's final output shape.
    public var output: LayerValueShape { steps.last!.output }
}
