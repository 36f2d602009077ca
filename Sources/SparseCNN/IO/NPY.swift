/// The element types SparseTile reads and writes in .npy files (little-endian, C order).
public enum NPYDType: String, Hashable, Sendable, CaseIterable {
    case bool = "|b1", uint8 = "|u1", int8 = "|i1", int32 = "<i4", float32 = "<f4"

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .int32, .float32: return 4
        }
    }

    /// The dtype a header's `descr` names. Single-byte types take any byte-order mark, since
    /// order cannot matter for them; wider types must be little-endian (`<`).
    init(descr: String) throws(NPYHeaderError) {
        let supported = NPYDType.allCases.map(\.rawValue).joined(separator: ", ")
        var body = Substring(descr)
        var order: Character? = nil
        if let first = body.first, "<>|=".contains(first) {
            order = first
            body = body.dropFirst()
        }
        let dtype: NPYDType
        switch body {
        case "b1", "?": dtype = .bool
        case "u1": dtype = .uint8
        case "i1": dtype = .int8
        case "i4": dtype = .int32
        case "f4": dtype = .float32
        default: throw NPYHeaderError("unsupported dtype '\(descr)' (supported: \(supported))")
        }
        if dtype.itemSize > 1 && order != "<" {
            let what = order == ">" ? "big-endian" : "without an explicit little-endian mark"
            throw NPYHeaderError("unsupported dtype '\(descr)': \(what); only little-endian '<\(body)' is read")
        }
        self = dtype
    }
}

/// One NumPy array: its shape and its elements in C order.
///
/// The cases do not check that `shape` matches the number of `values`; `decode` only ever
/// produces consistent arrays, `write(path:)` checks before writing, and `encode()` treats a
/// mismatch as a programming error.
public enum NPYArray: Hashable, Sendable {
    case bool(shape: [Int], values: [Bool])
    case uint8(shape: [Int], values: [UInt8])
    case int8(shape: [Int], values: [Int8])
    case int32(shape: [Int], values: [Int32])
    case float32(shape: [Int], values: [Float])

    /// Dimensions in C order; `[]` for a scalar (one element).
    public var shape: [Int] {
        switch self {
        case .bool(let s, _), .uint8(let s, _), .int8(let s, _), .int32(let s, _), .float32(let s, _): return s
        }
    }

    /// The element type, as the file's `descr` names it.
    public var dtype: NPYDType {
        switch self {
        case .bool: return .bool
        case .uint8: return .uint8
        case .int8: return .int8
        case .int32: return .int32
        case .float32: return .float32
        }
    }

    /// Number of elements actually held.
    public var count: Int {
        switch self {
        case .bool(_, let v): return v.count
        case .uint8(_, let v): return v.count
        case .int8(_, let v): return v.count
        case .int32(_, let v): return v.count
        case .float32(_, let v): return v.count
        }
    }

    /// Parses a .npy file (format versions 1.0–3.0); every malformed or truncated input is a
    /// thrown `SparseCNNError.malformedFile`, never a crash.
    public static func read(path: String) throws -> NPYArray {
        try decode(readFileBytes(path: path), path: path)
    }

    /// Parses the bytes of a .npy file; `path` only names the file in errors.
    ///
    /// Accepted: format 1.0 (16-bit header length), 2.0 and 3.0 (32-bit); C order only; the
    /// dtypes of `NPYDType`; a data section exactly as long as the shape requires. Bool bytes
    /// must be 0 or 1.
    public static func decode(_ bytes: [UInt8], path: String) throws -> NPYArray {
        func fail(_ reason: String) -> SparseCNNError { .malformedFile(path: path, reason: reason) }

        guard bytes.count >= npyMagic.count, bytes.starts(with: npyMagic) else {
            throw fail("not a .npy file: it does not start with the magic bytes \\x93NUMPY")
        }
        guard bytes.count >= 8 else { throw fail("truncated .npy file: it ends inside the version field") }
        let major = bytes[6], minor = bytes[7]
        let lengthSize: Int
        switch (major, minor) {
        case (1, 0): lengthSize = 2
        case (2, 0), (3, 0): lengthSize = 4
        default: throw fail("unsupported .npy format version \(major).\(minor) (1.0, 2.0 and 3.0 are read)")
        }
        guard bytes.count >= 8 + lengthSize else {
            throw fail("truncated .npy file: it ends inside the header length field")
        }
        var headerLength = 0
        for i in 0..<lengthSize { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let headerStart = 8 + lengthSize
        let available = bytes.count - headerStart
        guard headerLength <= available else {
            throw fail("truncated .npy file: header length is \(headerLength) bytes but only \(available) follow")
        }
        let dataStart = headerStart + headerLength

        let header: NPYHeader
        let dtype: NPYDType
        do throws(NPYHeaderError) {
            header = try NPYHeader.parse(Array(bytes[headerStart..<dataStart]))
            dtype = try NPYDType(descr: header.descr)
        } catch {
            throw fail("malformed .npy header: \(error.reason)")
        }
        guard !header.fortranOrder else {
            throw fail("array is stored in Fortran (column-major) order, which is not supported; save a C-order array (numpy.ascontiguousarray)")
        }
        guard let count = elementCount(header.shape) else {
            throw fail("shape \(header.shape) has more elements than can be addressed")
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow else { throw fail("shape \(header.shape) of \(dtype.rawValue) needs more bytes than can be addressed") }
        let dataCount = bytes.count - dataStart
        guard dataCount == byteCount else {
            let which = dataCount < byteCount ? "truncated .npy file" : "trailing bytes in .npy file"
            throw fail("\(which): shape \(header.shape) of \(dtype.rawValue) needs \(byteCount) data bytes, file has \(dataCount)")
        }

        let shape = header.shape
        let data = bytes[dataStart...]
        switch dtype {
        case .bool:
            var values = [Bool]()
            values.reserveCapacity(count)
            for (i, b) in data.enumerated() {
                guard b <= 1 else { throw fail("bool element \(i) has byte value \(b); bools must be 0 or 1") }
                values.append(b == 1)
            }
            return .bool(shape: shape, values: values)
        case .uint8:
            return .uint8(shape: shape, values: Array(data))
        case .int8:
            return .int8(shape: shape, values: data.map { Int8(bitPattern: $0) })
        case .int32:
            return .int32(shape: shape, values: littleEndianWords(data).map { Int32(bitPattern: $0) })
        case .float32:
            return .float32(shape: shape, values: littleEndianWords(data).map { Float(bitPattern: $0) })
        }
    }

    /// The array as a .npy file: format 1.0, or 2.0 when the header outgrows 1.0's 16-bit
    /// length; the header is padded so the data starts on a 64-byte boundary, as NumPy does.
    ///
    /// - Precondition: `shape` is non-negative and its product equals the number of values
    ///   (`write(path:)` checks this and throws instead).
    public func encode() -> [UInt8] {
        precondition(consistencyProblem == nil, consistencyProblem ?? "")
        let literal = Array(NPYHeader(descr: dtype.rawValue, fortranOrder: false, shape: shape).literal.utf8)
        var version: UInt8 = 1
        var lengthSize = 2
        func paddedLength() -> Int {
            let unpadded = npyMagic.count + 2 + lengthSize + literal.count + 1  // +1 for the final '\n'
            return literal.count + 1 + (64 - unpadded % 64) % 64
        }
        if paddedLength() > Int(UInt16.max) {
            version = 2
            lengthSize = 4
        }
        let headerLength = paddedLength()
        var out = npyMagic + [version, 0]
        for i in 0..<lengthSize { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
        out += literal
        out += Array(repeating: UInt8(ascii: " "), count: headerLength - literal.count - 1)
        out.append(UInt8(ascii: "\n"))
        out.reserveCapacity(out.count + count * dtype.itemSize)
        switch self {
        case .bool(_, let v): out += v.map { $0 ? 1 : 0 }
        case .uint8(_, let v): out += v
        case .int8(_, let v): out += v.map { UInt8(bitPattern: $0) }
        case .int32(_, let v): for x in v { appendLittleEndian(UInt32(bitPattern: x), to: &out) }
        case .float32(_, let v): for x in v { appendLittleEndian(x.bitPattern, to: &out) }
        }
        return out
    }

    /// Writes `encode()` to `path`; throws `invalidArgument` when shape and values disagree.
    public func write(path: String) throws {
        if let problem = consistencyProblem { throw SparseCNNError.invalidArgument(problem) }
        try writeFileBytes(encode(), path: path)
    }

    /// Elements converted to Float (bools as 0/1), whatever the dtype.
    public func floatValues() -> [Float] {
        switch self {
        case .bool(_, let v): return v.map { $0 ? 1 : 0 }
        case .uint8(_, let v): return v.map { Float($0) }
        case .int8(_, let v): return v.map { Float($0) }
        case .int32(_, let v): return v.map { Float($0) }
        case .float32(_, let v): return v
        }
    }

    /// Why `shape` cannot describe the values held, or nil when it does.
    private var consistencyProblem: String? {
        guard let n = NPYArray.elementCount(shape) else {
            return "NPY shape \(shape) has a negative dimension or too many elements"
        }
        return n == count ? nil : "NPY shape \(shape) needs \(n) values, array holds \(count)"
    }

    /// Product of `shape` (1 for a scalar's `[]`), or nil when a dimension is negative or the
    /// product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, o) = n.multipliedReportingOverflow(by: d)
            if o { return nil }
            n = p
        }
        return n
    }
}

private let npyMagic: [UInt8] = [0x93] + Array("NUMPY".utf8)

private func littleEndianWords(_ data: ArraySlice<UInt8>) -> [UInt32] {
    var words = [UInt32]()
    words.reserveCapacity(data.count / 4)
    var i = data.startIndex
    while i + 4 <= data.endIndex {
        words.append(UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        i += 4
    }
    return words
}

private func appendLittleEndian(_ x: UInt32, to out: inout [UInt8]) {
    out.append(UInt8(truncatingIfNeeded: x))
    out.append(UInt8(truncatingIfNeeded: x >> 8))
    out.append(UInt8(truncatingIfNeeded: x >> 16))
    out.append(UInt8(truncatingIfNeeded: x >> 24))
}
