import Foundation

/// Float weights of one conv layer.
public struct ConvParameters: Equatable, Sendable {
    /// [Cout][Kh][Kw][Cin].
    public var filter: Filter<Float>
    /// One per output channel (zeros when the layer has no bias).
    public var bias: [Float]
    /// PReLU slope when the layer's activation is PReLU.
    public var preluSlope: Float?

    public init(filter: Filter<Float>, bias: [Float], preluSlope: Float? = nil) {
        self.filter = filter
        self.bias = bias
        self.preluSlope = preluSlope
    }
}

/// Float weights of a fully connected layer: `weights` in [out][in] order.
public struct FCParameters: Equatable, Sendable {
    public var weights: [Float]
    public var bias: [Float]
    public var outFeatures: Int
    public var inFeatures: Int

    public init(weights: [Float], bias: [Float], outFeatures: Int, inFeatures: Int) {
        self.weights = weights
        self.bias = bias
        self.outFeatures = outFeatures
        self.inFeatures = inFeatures
    }
}

/// Every parameter of a network, by layer name.
///
/// File names (see docs/network-schema.md): `<layer>.weight.npy` (conv: float32
/// [Cout][Cin][Kh][Kw], PyTorch order; fc: float32 [out][in]), `<layer>.bias.npy` (float32
/// [Cout]), `<layer>.prelu.npy` (float32, one value: shape [1] or []).
public struct NetworkParameters: Equatable, Sendable {
    public var convs: [String: ConvParameters]
    public var fcs: [String: FCParameters]
    /// Slopes of standalone `prelu` layers.
    public var prelus: [String: Float]
    /// Weights of host convs (`HostOp.depthwiseConv`, `.transposedConv`): only imported models
    /// have them (no `.npy` files, no He init).
    public var hosts: [String: HostWeights] = [:]

    public init(convs: [String: ConvParameters] = [:], fcs: [String: FCParameters] = [:], prelus: [String: Float] = [:]) {
        self.convs = convs
        self.fcs = fcs
        self.prelus = prelus
    }

    /// Weight scale of convs that end a residual branch under `heInit`.
    public static let residualBranchGain = 0.1

    /// He (Kaiming) normal init, deterministic: conv weights N(0, 2 / (Cin·K²)), fc weights
    /// N(0, 1 / in), biases uniform in [−0.01, 0.01), PReLU slopes 0.25 (PyTorch's default).
    /// A conv that ends a residual branch (it has a `residual`) has its weights scaled by
    /// `residualBranchGain` (0.1, EDSR's residual scaling; the zero-γ / Fixup idea), so the
    /// skip path's magnitude stays bounded over 16 blocks as in a trained network.
    /// Each parameter draws from `SplitMix64(seed: SplitMix64.seed(seed, name: "<layer>.<param>"))`.
    public static func heInit(_ network: Network, seed: UInt64 = 0) -> NetworkParameters {
        // The layers' shapes first (channels flow from layer to layer), then every weight tensor drawn
        // from its own generator, all in parallel: the values do not depend on the order.
        enum Layer {
            case conv(o: Int, k: Int, inC: Int, hasBias: Bool, prelu: Bool), fc(o: Int, inC: Int)
            var weightCount: Int {
                switch self { case .conv(let o, let k, let inC, _, _): o * k * k * inC; case .fc(let o, let inC): o * inC }
            }
        }
        var layers: [(name: String, layer: Layer, std: Double)] = []
        var p = NetworkParameters()
        var channels: [String: Int] = [Network.inputName: network.inputChannels]
        var previous = Network.inputName
        for layer in network.layers {
            let inC = channels[layer.from ?? previous] ?? 0
            var outC = inC
            switch layer.op {
            case .conv(let o, let k, _, let hasBias, let act):
                let std = (2.0 / Double(inC * k * k)).squareRoot() * (layer.residual == nil ? 1 : residualBranchGain)
                layers.append((layer.name, .conv(o: o, k: k, inC: inC, hasBias: hasBias, prelu: act == .prelu), std))
                outC = o
            case .fullyConnected(let o):
                layers.append((layer.name, .fc(o: o, inC: inC), (1.0 / Double(inC)).squareRoot()))
                outC = o
            case .prelu: p.prelus[layer.name] = 0.25
            case .pixelShuffle(let f): outC = inC / (f * f)
            case .host(let h): outC = (try? h.outputChannels(input: inC, extras: h.extraInputs.map { channels[$0] })) ?? nil ?? inC
            default: break
            }
            channels[layer.name] = outC
            previous = layer.name
        }
        var weights = [[Float]](repeating: [], count: layers.count)
        weights.withUnsafeMutableBufferPointer { out in
            let out = out
            let count = layers.reduce(0) { $0 + $1.layer.weightCount }
            // (each chunk writes only its own layers' arrays)
            ConvKernel.parallelChunks(layers.count, work: count * 64) { range in
                for i in range {
                    let (name, layer, std) = layers[i]
                    let n = layer.weightCount
                    var g = SplitMix64(seed: SplitMix64.seed(seed, name: name + ".weight"))
                    out[i] = (0..<n).map { _ in Float(g.nextGaussian() * std) }
                }
            }
        }
        for (i, (name, layer, _)) in layers.enumerated() {
            var gb = SplitMix64(seed: SplitMix64.seed(seed, name: name + ".bias"))
            switch layer {
            case .conv(let o, let k, let inC, let hasBias, let prelu):
                let b = (0..<o).map { _ in hasBias ? Float((gb.nextUnit() * 2 - 1) * 0.01) : 0 }
                p.convs[name] = ConvParameters(filter: try! Filter(outChannels: o, kernel: k, inChannels: inC, scalars: weights[i]),
                                               bias: b, preluSlope: prelu ? 0.25 : nil)
            case .fc(let o, let inC):
                let b = (0..<o).map { _ in Float((gb.nextUnit() * 2 - 1) * 0.01) }
                p.fcs[name] = FCParameters(weights: weights[i], bias: b, outFeatures: o, inFeatures: inC)
            }
        }
        return p
    }

    /// The parameters a command runs `network` with: those in `directory` (`--weights`) when given,
    /// else the trained weights bundled for a network of that name (`bundledWeightsDirectory`), else
    /// `heInit(network, seed:)`.
    public static func resolve(_ network: Network, directory: String?, seed: UInt64) throws -> NetworkParameters {
        if let d = directory ?? bundledWeightsDirectory(network.name) { return try load(network, directory: d) }
        return heInit(network, seed: seed)
    }

    /// The directory of the trained weights that ship with SparseTile for the network named `name`
    /// (Resources/Weights/<name>, docs/training.md), if there are any.
    public static func bundledWeightsDirectory(_ name: String) -> String? {
        guard let root = Bundle.module.resourceURL?.appendingPathComponent("Weights").appendingPathComponent(name) else { return nil }
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir) && isDir.boolValue ? root.path : nil
    }

    /// Loads every parameter of `network` from `directory` (names above). A missing file, a
    /// dtype other than float32 or a wrong shape is an error naming the file.
    public static func load(_ network: Network, directory: String) throws -> NetworkParameters {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw SparseCNNError.malformedFile(path: directory, reason: "weights directory does not exist")
        }
        func read(_ file: String, shape expected: [Int]) throws -> [Float] {
            let path = (directory as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path) else {
                throw SparseCNNError.malformedFile(path: path, reason: "missing weight file (expected float32 of shape \(expected))")
            }
            let a = try NPYArray.read(path: path)
            guard case .float32(let shape, let values) = a else {
                throw SparseCNNError.malformedFile(path: path, reason: "dtype \(a.dtype.rawValue), expected float32 (<f4)")
            }
            let ok = shape == expected || (expected == [1] && shape == [])
            guard ok else {
                throw SparseCNNError.malformedFile(path: path, reason: "shape \(shape), expected \(expected)")
            }
            // (a NaN or infinity would reach the int8 quantizer's conversions and trap there)
            if let i = values.firstIndex(where: { !$0.isFinite }) {
                throw SparseCNNError.malformedFile(path: path, reason: "element \(i) is \(values[i]); weights must be finite")
            }
            return values
        }
        var p = NetworkParameters()
        var channels: [String: Int] = [Network.inputName: network.inputChannels]
        var previous = Network.inputName
        for layer in network.layers {
            let inC = channels[layer.from ?? previous] ?? 0
            var outC = inC
            switch layer.op {
            case .conv(let o, let k, _, let hasBias, let act):
                let torch = try read("\(layer.name).weight.npy", shape: [o, inC, k, k])
                // PyTorch [Cout][Cin][Kh][Kw] → [Cout][Kh][Kw][Cin].
                var w = [Float](repeating: 0, count: torch.count)
                for co in 0..<o { for ci in 0..<inC { for ky in 0..<k { for kx in 0..<k {
                    w[((co * k + ky) * k + kx) * inC + ci] = torch[((co * inC + ci) * k + ky) * k + kx]
                } } } }
                let b = hasBias ? try read("\(layer.name).bias.npy", shape: [o]) : [Float](repeating: 0, count: o)
                let slope = act == .prelu ? try read("\(layer.name).prelu.npy", shape: [1])[0] : nil
                p.convs[layer.name] = ConvParameters(filter: try Filter(outChannels: o, kernel: k, inChannels: inC, scalars: w),
                                                     bias: b, preluSlope: slope)
                outC = o
            case .fullyConnected(let o):
                let w = try read("\(layer.name).weight.npy", shape: [o, inC])
                let b = try read("\(layer.name).bias.npy", shape: [o])
                p.fcs[layer.name] = FCParameters(weights: w, bias: b, outFeatures: o, inFeatures: inC)
                outC = o
            case .prelu: p.prelus[layer.name] = try read("\(layer.name).prelu.npy", shape: [1])[0]
            case .pixelShuffle(let f): outC = inC / (f * f)
            case .host(let h): outC = (try? h.outputChannels(input: inC, extras: h.extraInputs.map { channels[$0] })) ?? nil ?? inC
            default: break
            }
            channels[layer.name] = outC
            previous = layer.name
        }
        return p
    }

    /// Writes every parameter as the files `load` reads (PyTorch order for conv weights).
    public func write(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func path(_ f: String) -> String { (directory as NSString).appendingPathComponent(f) }
        for (name, c) in convs {
            let f = c.filter, k = f.kernel, inC = f.inChannels, o = f.outChannels
            var torch = [Float](repeating: 0, count: f.scalars.count)
            for co in 0..<o { for ci in 0..<inC { for ky in 0..<k { for kx in 0..<k {
                torch[((co * inC + ci) * k + ky) * k + kx] = f[co, ky, kx, ci]
            } } } }
            try NPYArray.float32(shape: [o, inC, k, k], values: torch).write(path: path("\(name).weight.npy"))
            try NPYArray.float32(shape: [o], values: c.bias).write(path: path("\(name).bias.npy"))
            if let s = c.preluSlope { try NPYArray.float32(shape: [1], values: [s]).write(path: path("\(name).prelu.npy")) }
        }
        for (name, fc) in fcs {
            try NPYArray.float32(shape: [fc.outFeatures, fc.inFeatures], values: fc.weights).write(path: path("\(name).weight.npy"))
            try NPYArray.float32(shape: [fc.outFeatures], values: fc.bias).write(path: path("\(name).bias.npy"))
        }
        for (name, s) in prelus { try NPYArray.float32(shape: [1], values: [s]).write(path: path("\(name).prelu.npy")) }
    }
}
