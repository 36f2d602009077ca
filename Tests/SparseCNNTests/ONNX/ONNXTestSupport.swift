import Foundation
import Testing
@testable import SparseCNN

/// The committed fixtures of tools/make-onnx-fixtures.py.
let onnxFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../Fixtures/onnx").standardized.path

func onnxFixture(_ name: String) -> String { (onnxFixtures as NSString).appendingPathComponent(name) }

/// A float32 .npy fixture as a flat array and its shape.
func readFloatNPY(_ path: String) throws -> (shape: [Int], values: [Float]) {
    guard case .float32(let shape, let values) = try NPYArray.read(path: path) else {
        throw SparseCNNError.malformedFile(path: path, reason: "not float32")
    }
    return (shape, values)
}

/// Small ONNX models built in the test, node by node (the generated protobuf types).
struct ONNXGraphBuilder {
    var graph = Onnx_GraphProto()
    var opset = 17

    /// A graph with one float input `x` of shape `[1, C, H, W]`.
    init(inputChannels c: Int, height: Int = 6, width: Int = 6) {
        graph.name = "test"
        graph.input = [Self.valueInfo("x", [1, c, height, width])]
    }

    static func valueInfo(_ name: String, _ dims: [Int]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.shape.dim = dims.map { d in var x = Onnx_TensorShapeProto.Dimension(); x.dimValue = Int64(d); return x }
        v.type.tensorType = t
        return v
    }

    static func tensor(_ name: String, _ dims: [Int], _ values: [Float]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims.map { Int64($0) }
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.floatData = values
        return t
    }

    static func intTensor(_ name: String, _ values: [Int]) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = [Int64(values.count)]
        t.dataType = Int32(Onnx_TensorProto.DataType.int64.rawValue)
        t.int64Data = values.map { Int64($0) }
        return t
    }

    mutating func initializer(_ name: String, _ dims: [Int], _ values: [Float]) {
        graph.initializer.append(Self.tensor(name, dims, values))
    }

    mutating func intInitializer(_ name: String, _ values: [Int]) {
        graph.initializer.append(Self.intTensor(name, values))
    }

    mutating func node(_ op: String, _ inputs: [String], _ output: String, name: String? = nil, _ attributes: [Onnx_AttributeProto] = []) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = [output]
        n.name = name ?? "\(op.lowercased())_\(graph.node.count)"
        n.attribute = attributes
        graph.node.append(n)
    }

    /// The serialized model whose output is `output`.
    func model(output: String) throws -> Data {
        var g = graph
        g.output = [Self.valueInfo(output, [])]
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var o = Onnx_OperatorSetIdProto()
        o.version = Int64(opset)
        m.opsetImport = [o]
        m.graph = g
        return try m.serializedData()
    }

    func importModel(output: String) throws -> ONNXModel {
        try ONNXModel(data: try model(output: output), source: "test.onnx", name: "test")
    }
}

func attribute(_ name: String, ints: [Int]) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto(); a.name = name; a.type = .ints; a.ints = ints.map { Int64($0) }; return a
}

func attribute(_ name: String, int: Int) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = Int64(int); return a
}

func attribute(_ name: String, float: Float) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto(); a.name = name; a.type = .float; a.f = float; return a
}

func attribute(_ name: String, string: String) -> Onnx_AttributeProto {
    var a = Onnx_AttributeProto(); a.name = name; a.type = .string; a.s = Data(string.utf8); return a
}

/// Deterministic small weights in [−1, 1).
func testWeights(_ n: Int, seed: UInt64) -> [Float] {
    var g = SplitMix64(seed: seed)
    return (0..<n).map { _ in Float(g.nextUnit() * 2 - 1) }
}
