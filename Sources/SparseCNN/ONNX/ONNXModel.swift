import Foundation
import SwiftProtobuf

/// A network imported from an ONNX model (docs/onnx.md): the model's graph as a `Network` and its
/// weights, taken from the model's initializers and `Constant` nodes.
///
/// Convs with their batch norm, residual add and activation become one `conv` layer each (the
/// accelerator's output stage does `+ residual` then the activation); the other ops become the
/// network's host layers (pools, `gap`, `fc`, pixel shuffle, upsampling, standalone ReLU/PReLU/add).
/// Anything else stops the import with an error naming the node and its op type.
public struct ONNXModel: Sendable {
    /// The graph as a network; its name is the file's name without `.onnx`.
    public var network: Network
    /// The model's weights, batch norm folded into the convs.
    public var parameters: NetworkParameters

    /// Reads and imports the model at `path`.
    public static func load(path: String) throws -> ONNXModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SparseCNNError.malformedFile(path: path, reason: "cannot read the file (missing or unreadable)")
        }
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try ONNXModel(data: data, source: path, name: stem.isEmpty ? "onnx" : stem)
    }

    /// Imports a serialized ONNX `ModelProto`; `source` names it in errors.
    public init(data: Data, source: String = "ONNX model", name: String = "onnx") throws {
        let model: Onnx_ModelProto
        do { model = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw SparseCNNError.malformedFile(path: source, reason: "not an ONNX model: the protobuf does not decode (\(error))")
        }
        guard model.hasGraph, !model.graph.node.isEmpty else {
            throw SparseCNNError.malformedFile(path: source, reason: "not an ONNX model: it has no graph nodes")
        }
        // The default domain's opset: it fixes where Resize takes its scales and Upsample's form.
        let opset = model.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }.map { Int($0.version) } ?? 1
        var importer = ONNXGraphImporter(graph: model.graph, opset: opset, source: source)
        (network, parameters) = try importer.run(name: name)
    }
}

/// Translates one ONNX graph, node by node in its (topological) order, into network layers.
struct ONNXGraphImporter {
    /// What an ONNX tensor is in the network: the output of a layer (or the input), as a map of
    /// `channels`, or as a feature vector of `length` that ONNX holds as `[N, C]` (rank 2) or
    /// `[N, C, 1, 1]` (rank 4).
    enum Value {
        case map(layer: String, channels: Int)
        case vector(layer: String, length: Int, rank: Int)

        var layer: String {
            switch self { case .map(let l, _), .vector(let l, _, _): return l }
        }
    }

    /// How far a conv layer's output stage is filled: batch norm (and constant bias adds), then
    /// the residual, then the activation, in the order the accelerator applies them.
    enum ConvStage: Int, Comparable {
        case raw, residual, activated
        static func < (a: ConvStage, b: ConvStage) -> Bool { a.rawValue < b.rawValue }
    }

    let graph: Onnx_GraphProto
    let opset: Int
    let source: String
    var constants: [String: ONNXConstant] = [:]
    var values: [String: Value] = [:]
    var layers: [NetworkLayer] = []
    var parameters = NetworkParameters()
    var names: Set<String> = [Network.inputName]
    var convStage: [String: ConvStage] = [:]
    /// The fc layers made from a MatMul or Gemm, whose bias a following constant Add can still join.
    var fcLayers: Set<String> = []
    /// The ONNX tensor a fusable layer's value currently goes by (its last fused node's output).
    var rootTensor: [String: String] = [:]
    /// How many nodes read each tensor, through Identity/Dropout aliases (graph outputs count as readers).
    var uses: [String: Int] = [:]

    init(graph: Onnx_GraphProto, opset: Int, source: String) {
        self.graph = graph
        self.opset = opset
        self.source = source
    }

    /// Ops that only rename a tensor: a value read through them can still be fused.
    static let aliasOps: Set<String> = ["Identity", "Dropout"]

    /// The ops the importer knows (the error for any other lists them).
    static let supportedOps = [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "ConvTranspose", "DepthToSpace",
        "Div", "Dropout", "Flatten", "Gemm", "GlobalAveragePool", "HardSigmoid", "HardSwish", "Identity", "LeakyRelu",
        "MatMul", "MaxPool", "Mul", "PRelu", "ReduceMean", "Relu", "Reshape", "Resize", "Sigmoid", "Squeeze", "Sub", "Sum",
        "Transpose", "Unsqueeze", "Upsample",
    ]

    func fail(_ why: String) -> SparseCNNError { .malformedFile(path: source, reason: why) }

    mutating func run(name: String) throws -> (Network, NetworkParameters) {
        for t in graph.initializer {
            do { constants[t.name] = try ONNXConstant(t, what: "initializer '\(t.name)'") } catch let e as SparseCNNError {
                if case .invalidArgument(let m) = e { throw fail(m) }
                throw e
            }
        }
        guard graph.output.count == 1 else {
            throw fail("the graph has \(graph.output.count) outputs; SparseTile runs networks with one output")
        }
        let outputName = graph.output[0].name
        let inputs = graph.input.filter { constants[$0.name] == nil }
        guard inputs.count == 1 else {
            throw fail("the graph has \(inputs.count) inputs (besides its initializers); SparseTile runs networks with one image input")
        }
        let (channels, size) = try inputShape(inputs[0])
        values[inputs[0].name] = .map(layer: Network.inputName, channels: channels)

        let live = liveNodes(outputName: outputName)
        countUses(live, outputName: outputName)
        for i in live {
            let node = graph.node[i]
            let label = node.name.isEmpty ? "node \(i) (\(node.opType))" : "node '\(node.name)' (\(node.opType))"
            do { try translate(node) } catch let ONNXNodeError.message(m) {
                throw fail("\(label): \(m)")
            } catch let e as SparseCNNError {
                throw fail("\(label): \(e.description)")
            }
        }
        guard let out = values[outputName] else {
            throw fail("the graph's output '\(outputName)' is \(constants[outputName] != nil ? "a constant" : "not computed by any node")")
        }
        guard out.layer == layers.last?.name else {
            throw fail("the graph's output '\(outputName)' is not the last layer's output")
        }
        try checkFinite()
        do {
            let network = try Network(name: name, inputChannels: channels, layers: layers, defaultInputSize: size)
            return (network, parameters)
        } catch let e as SparseCNNError {
            throw fail("the imported network is not valid: \(e.description)")
        }
    }

    /// Every weight, bias, slope and host-op constant is finite: a NaN or infinity (a corrupt file,
    /// a division by a zero constant) would reach the int8 quantizer's conversions and trap there.
    func checkFinite() throws {
        func check(_ v: [Float], _ layer: String) throws {
            if let x = v.first(where: { !$0.isFinite }) { throw fail("layer '\(layer)': its weights hold \(x); they must be finite") }
        }
        for (n, p) in parameters.convs { try check(p.filter.scalars + p.bias + (p.preluSlope.map { [$0] } ?? []), n) }
        for (n, p) in parameters.fcs { try check(p.weights + p.bias, n) }
        for (n, s) in parameters.prelus { try check([s], n) }
        for (n, p) in parameters.hosts { try check(p.weights + p.bias, n) }
        for l in layers {
            switch l.op {
            case .host(.affine(let a, let b)), .host(.hardSigmoid(let a, let b)): try check([a, b], l.name)
            case .host(.clamp(let lo, let hi)): if lo.isNaN || hi.isNaN { throw fail("layer '\(l.name)': a bound is NaN") }
            default: break
            }
        }
    }

    /// Channels and (when the model fixes them) the height and width of the input `[N, C, H, W]`.
    func inputShape(_ input: Onnx_ValueInfoProto) throws -> (Int, ImageSize?) {
        let t = input.type.tensorType
        guard t.elemType == Int32(Onnx_TensorProto.DataType.float.rawValue) else {
            throw fail("input '\(input.name)' has element type \(t.elemType); SparseTile feeds float images")
        }
        let dims = t.shape.dim.map { d -> Int? in if case .dimValue(let v)? = d.value, v > 0 { return Int(clamping: v) } else { return nil } }
        guard dims.count == 4 else {
            throw fail("input '\(input.name)' has \(dims.count) dimensions; SparseTile feeds images as [N, C, H, W]")
        }
        guard let c = dims[1], c <= 1 << 20 else {
            throw fail("input '\(input.name)' has no fixed channel count (dimension 1)")
        }
        if let h = dims[2], let w = dims[3], h <= ImageSize.maxSide, w <= ImageSize.maxSide {
            return (c, ImageSize(height: h, width: w))
        }
        return (c, nil)
    }

    /// Indices of the nodes the output depends on, in graph order (dead branches are dropped).
    func liveNodes(outputName: String) -> [Int] {
        var producer: [String: Int] = [:]
        for (i, n) in graph.node.enumerated() { for o in n.output where !o.isEmpty { producer[o] = i } }
        var live = Set<Int>()
        var stack = [outputName]
        while let t = stack.popLast() {
            guard let p = producer[t], live.insert(p).inserted else { continue }
            stack += graph.node[p].input.filter { !$0.isEmpty }
        }
        return live.sorted()
    }

    /// `uses[t]`: readers of tensor `t` among the live nodes, counting an alias op's readers instead
    /// of the alias (a conv's output may be fused into its one reader only).
    mutating func countUses(_ live: [Int], outputName: String) {
        var readers: [String: [Int]] = [:]
        for i in live { for t in graph.node[i].input where !t.isEmpty { readers[t, default: []].append(i) } }
        var memo: [String: Int] = [:]
        func count(_ t: String, depth: Int) -> Int {
            if let m = memo[t] { return m }
            memo[t] = 0   // (a malformed graph may loop)
            var n = t == outputName ? 1 : 0
            for r in readers[t] ?? [] {
                let node = graph.node[r]
                if Self.aliasOps.contains(node.opType), node.input.first == t, let o = node.output.first, depth < 1000 {
                    n += count(o, depth: depth + 1)
                } else {
                    n += 1
                }
            }
            memo[t] = n
            return n
        }
        for i in live { for o in graph.node[i].output where !o.isEmpty { uses[o] = count(o, depth: 0) } }
        for t in readers.keys where uses[t] == nil { uses[t] = count(t, depth: 0) }
    }
}

/// A problem with one node (the importer adds the node's name and op type).
enum ONNXNodeError: Error {
    case message(String)
}
