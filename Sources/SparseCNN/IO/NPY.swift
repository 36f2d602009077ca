// API pinned by the lead; bodies are filled in by the I/O work (issue 2).

/// The element types SparseTile reads and writes in .npy files (little-endian, C order).
public enum NPYDType: String, Hashable, Sendable, CaseIterable {
    case bool = "|b1", uint8 = "|u1", int8 = "|i1", int32 = "<i4", float32 = "<f4"
}

/// One NumPy array: its shape and its elements in C order.
public enum NPYArray: Hashable, Sendable {
    case bool(shape: [Int], values: [Bool])
    case uint8(shape: [Int], values: [UInt8])
    case int8(shape: [Int], values: [Int8])
    case int32(shape: [Int], values: [Int32])
    case float32(shape: [Int], values: [Float])

    public var shape: [Int] { fatalError("stub") }
    public var dtype: NPYDType { fatalError("stub") }

    /// Parses a .npy file (format versions 1.0–3.0); every malformed or truncated input is a
    /// thrown `SparseCNNError.malformedFile`, never a crash.
    public static func read(path: String) throws -> NPYArray { fatalError("stub") }
    public static func decode(_ bytes: [UInt8], path: String) throws -> NPYArray { fatalError("stub") }
    public func encode() -> [UInt8] { fatalError("stub") }
    public func write(path: String) throws { fatalError("stub") }

    /// Elements converted to Float (bools as 0/1), whatever the dtype.
    public func floatValues() -> [Float] { fatalError("stub") }
}
