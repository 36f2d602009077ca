/// The dictionary at the head of a .npy file — `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (3, 4), }` — parsed as the Python literal it is, so keys may come in any order,
/// with any spacing, trailing commas and either quote style, as NumPy itself accepts.
struct NPYHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// Parses `text` (the header bytes after the length field). Errors are plain reasons; the
    /// caller attaches the path.
    static func parse(_ text: [UInt8]) throws(NPYHeaderError) -> NPYHeader {
        var parser = PythonLiteralParser(text)
        let value = try parser.parseValue()
        try parser.expectEnd()
        guard case .dict(let entries) = value else {
            throw NPYHeaderError("header is not a dictionary literal")
        }
        var dict: [String: PythonLiteral] = [:]
        for (key, value) in entries {
            guard case .string(let name) = key else {
                throw NPYHeaderError("header dictionary has a non-string key")
            }
            guard dict[name] == nil else { throw NPYHeaderError("header repeats the key '\(name)'") }
            dict[name] = value
        }
        let expected: Set = ["descr", "fortran_order", "shape"]
        let missing = expected.subtracting(dict.keys).sorted()
        guard missing.isEmpty else {
            throw NPYHeaderError("header lacks \(missing.map { "'\($0)'" }.joined(separator: ", "))")
        }
        let extra = Set(dict.keys).subtracting(expected).sorted()
        guard extra.isEmpty else {
            throw NPYHeaderError("header has unexpected keys \(extra.map { "'\($0)'" }.joined(separator: ", "))")
        }

        guard case .string(let descr)? = dict["descr"] else {
            // A list here is a structured dtype (record array), which SparseTile never uses.
            throw NPYHeaderError("'descr' is not a plain dtype string (structured dtypes are not supported)")
        }
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw NPYHeaderError("'fortran_order' is not True or False")
        }
        let items: [PythonLiteral]
        switch dict["shape"] {
        case .tuple(let t)?: items = t
        case .list(let l)?: items = l
        default: throw NPYHeaderError("'shape' is not a tuple of integers")
        }
        var shape: [Int] = []
        for item in items {
            guard case .int(let dim) = item else { throw NPYHeaderError("'shape' has a non-integer entry") }
            guard dim >= 0 else { throw NPYHeaderError("'shape' has a negative dimension \(dim)") }
            shape.append(dim)
        }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }

    /// The dictionary as NumPy writes it, without padding.
    var literal: String {
        let dims: String
        switch shape.count {
        case 0: dims = "()"
        case 1: dims = "(\(shape[0]),)"
        default: dims = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        return "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(dims), }"
    }
}

struct NPYHeaderError: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The subset of Python literals a .npy header can hold.
indirect enum PythonLiteral {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(PythonLiteral, PythonLiteral)])
}

/// A recursive-descent parser over bytes; nesting is bounded so hostile input cannot exhaust
/// the stack.
struct PythonLiteralParser {
    private let bytes: [UInt8]
    private var pos = 0
    private var depth = 0
    private static let maxDepth = 32

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func expectEnd() throws(NPYHeaderError) {
        skipSpace()
        guard pos == bytes.count else {
            throw NPYHeaderError("unexpected text after the header dictionary at offset \(pos)")
        }
    }

    mutating func parseValue() throws(NPYHeaderError) -> PythonLiteral {
        skipSpace()
        guard let c = peek() else { throw NPYHeaderError("header ends where a value was expected") }
        switch c {
        case UInt8(ascii: "{"):
            return try parseContainer(close: UInt8(ascii: "}"), isDict: true)
        case UInt8(ascii: "("):
            return try parseContainer(close: UInt8(ascii: ")"), isDict: false)
        case UInt8(ascii: "["):
            return try parseContainer(close: UInt8(ascii: "]"), isDict: false)
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .int(try parseInt())
        default:
            let word = parseWord()
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            case "": throw NPYHeaderError("unexpected character '\(printable(c))' at offset \(pos) in header")
            default: throw NPYHeaderError("unexpected word '\(word)' in header")
            }
        }
    }

    private mutating func parseContainer(close: UInt8, isDict: Bool) throws(NPYHeaderError) -> PythonLiteral {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw NPYHeaderError("header nests too deeply") }
        pos += 1  // opening bracket
        var items: [PythonLiteral] = []
        var pairs: [(PythonLiteral, PythonLiteral)] = []
        var sawComma = false
        while true {
            skipSpace()
            guard let c = peek() else { throw NPYHeaderError("header ends inside a bracket; missing '\(printable(close))'") }
            if c == close { pos += 1; break }
            if !(items.isEmpty && pairs.isEmpty) {
                // Elements after the first need a separating comma.
                guard c == UInt8(ascii: ",") else {
                    throw NPYHeaderError("expected ',' or '\(printable(close))' at offset \(pos) in header, found '\(printable(c))'")
                }
                pos += 1
                sawComma = true
                skipSpace()
                if peek() == close { pos += 1; break }  // trailing comma
            }
            let value = try parseValue()
            if isDict {
                skipSpace()
                guard peek() == UInt8(ascii: ":") else {
                    throw NPYHeaderError("expected ':' after a dictionary key at offset \(pos) in header")
                }
                pos += 1
                pairs.append((value, try parseValue()))
            } else {
                items.append(value)
            }
        }
        if isDict { return .dict(pairs) }
        if close == UInt8(ascii: "]") { return .list(items) }
        // `(3)` is just a parenthesised 3 in Python, not a tuple; `(3,)` is the tuple.
        if items.count == 1 && !sawComma {
            return items[0]
        }
        return .tuple(items)
    }

    private mutating func parseString() throws(NPYHeaderError) -> String {
        guard let quote = peek() else { throw NPYHeaderError("header ends inside a string") }
        pos += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw NPYHeaderError("header ends inside a string") }
            pos += 1
            if c == quote { break }
            if c == UInt8(ascii: "\n") { throw NPYHeaderError("line break inside a string in header") }
            if c == UInt8(ascii: "\\") {
                guard let e = peek() else { throw NPYHeaderError("header ends inside a string") }
                pos += 1
                out.append(e)  // dtype strings never need more than \' and \\
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func parseInt() throws(NPYHeaderError) -> Int {
        var negative = false
        if let c = peek(), c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            negative = c == UInt8(ascii: "-")
            pos += 1
        }
        var value = 0
        var digits = 0
        while let c = peek(), c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw NPYHeaderError("integer in header overflows 64 bits") }
            value = s
            digits += 1
            pos += 1
        }
        guard digits > 0 else { throw NPYHeaderError("sign without digits at offset \(pos) in header") }
        // Python 2 wrote long integers as `3L`; NumPy still reads such files.
        if let c = peek(), c == UInt8(ascii: "L") || c == UInt8(ascii: "l") { pos += 1 }
        if let c = peek(), isWordByte(c) || c == UInt8(ascii: ".") {
            throw NPYHeaderError("malformed number at offset \(pos) in header")
        }
        return negative ? -value : value
    }

    private mutating func parseWord() -> String {
        let start = pos
        while let c = peek(), isWordByte(c) { pos += 1 }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    private func isWordByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
    }

    private mutating func skipSpace() {
        while let c = peek(), c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { pos += 1 }
    }

    private func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
    }
}
