import Foundation

/// A constant of an ONNX model (an initializer, or a `Constant` node's value), decoded: its
/// dimensions and its elements as floats (weights) or integers (shapes, axes).
struct ONNXConstant: Sendable {
    var dims: [Int]
    var floats: [Float]
    /// The exact elements when the tensor holds integers (nil for floating-point tensors).
    var ints: [Int]?

    var count: Int { floats.count }

    /// Decodes `tensor`; `what` names it in errors. Float (32/64/16-bit) and integer (8–64-bit)
    /// tensors, stored in the typed fields or as little-endian `raw_data`. External data (weights
    /// in a side file) is refused: the importer reads one file.
    init(_ tensor: Onnx_TensorProto, what: String) throws {
        func bad(_ why: String) -> SparseCNNError { .invalidArgument("\(what): \(why)") }
        if tensor.dataLocation == .external || !tensor.externalData.isEmpty {
            throw bad("its data is in an external file; save the model with its weights inside (onnx.save(model, path, save_as_external_data=False))")
        }
        guard tensor.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }) else { throw bad("bad dimensions \(tensor.dims)") }
        let dims = tensor.dims.map { Int($0) }
        // (a product over Int32-bounded dims can still overflow: checked)
        var n = 1
        for d in dims {
            let (p, o) = n.multipliedReportingOverflow(by: d)
            guard !o, p <= 1 << 31 else { throw bad("\(dims) holds too many elements") }
            n = p
        }
        let raw = tensor.hasRawData ? tensor.rawData : nil
        func rawElements<T: FixedWidthInteger>(_: T.Type) throws -> [T] {
            guard let raw else { return [] }
            guard raw.count == n * MemoryLayout<T>.size else {
                throw bad("raw_data holds \(raw.count) bytes, \(dims) of \(MemoryLayout<T>.size)-byte elements need \(n * MemoryLayout<T>.size)")
            }
            return raw.withUnsafeBytes { b in (0..<n).map { T(littleEndian: b.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self)) } }
        }
        var values: [Float] = []
        var integers: [Int]? = nil
        switch Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType)) {
        case .float?:
            values = raw != nil ? try rawElements(UInt32.self).map { Float(bitPattern: $0) } : tensor.floatData
        case .double?:
            values = raw != nil ? try rawElements(UInt64.self).map { Float(Double(bitPattern: $0)) } : tensor.doubleData.map { Float($0) }
        case .float16?:
            // (typed storage keeps float16 bit patterns in int32_data)
            let bits = raw != nil ? try rawElements(UInt16.self) : tensor.int32Data.map { UInt16(truncatingIfNeeded: $0) }
            values = bits.map(floatFromHalf)
        case .int64?:
            integers = raw != nil ? try rawElements(Int64.self).map { Int($0) } : tensor.int64Data.map { Int($0) }
        case .int32?:
            integers = raw != nil ? try rawElements(Int32.self).map { Int($0) } : tensor.int32Data.map { Int($0) }
        case .int8?:
            integers = raw != nil ? try rawElements(Int8.self).map { Int($0) } : tensor.int32Data.map { Int($0) }
        case .uint8?:
            integers = raw != nil ? try rawElements(UInt8.self).map { Int($0) } : tensor.int32Data.map { Int($0) }
        default:
            throw bad("data type \(tensor.dataType) is not supported (float, double, float16 and integer tensors are)")
        }
        if let i = integers { values = i.map { Float($0) } }
        guard values.count == n else { throw bad("holds \(values.count) elements, its dimensions \(dims) need \(n)") }
        self.dims = dims
        floats = values
        ints = integers
    }

    init(dims: [Int], floats: [Float]) {
        self.dims = dims
        self.floats = floats
        self.ints = nil
    }

    init(dims: [Int], ints: [Int]) {
        self.dims = dims
        self.floats = ints.map { Float($0) }
        self.ints = ints
    }
}

/// Typed access to a node's attributes.
struct ONNXAttributes {
    var byName: [String: Onnx_AttributeProto]

    init(_ node: Onnx_NodeProto) {
        byName = Dictionary(node.attribute.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    var names: Set<String> { Set(byName.keys) }

    func int(_ name: String) -> Int? { byName[name].map { Int(clamping: $0.i) } }
    func float(_ name: String) -> Float? { byName[name].map { $0.f } }
    func ints(_ name: String) -> [Int]? { byName[name].map { $0.ints.map { Int(clamping: $0) } } }
    func string(_ name: String) -> String? { byName[name].map { String(decoding: $0.s, as: UTF8.self) } }
    func tensor(_ name: String) -> Onnx_TensorProto? { byName[name].map { $0.t } }
}

/// An IEEE 754 binary16 bit pattern as a Float (written out: Swift's `Float16` is missing on Intel Macs).
func floatFromHalf(_ h: UInt16) -> Float {
    let sign = UInt32(h >> 15) << 31
    let exponent = Int((h >> 10) & 0x1F), fraction = UInt32(h & 0x3FF)
    switch exponent {
    case 0:
        // zero or subnormal: fraction · 2⁻²⁴
        let v = Float(fraction) * Float(sign: .plus, exponent: -24, significand: 1)
        return sign != 0 ? -v : v
    case 31: return Float(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
    default: return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (fraction << 13))
    }
}
