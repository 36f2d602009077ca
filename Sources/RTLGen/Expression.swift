// Expressions of the IR and their width rules.
//
// Width rules (checked when the expression is built; a violation yields an
// `.invalid` node that the module builder reports with the module and the
// signal being driven):
// - `+ - * & | ^`: operands of equal width and signedness; the result has that
//   width and signedness (arithmetic is modulo 2^width). Widening is explicit:
//   `a.sext(16) * b.sext(16)`.
// - comparisons: operands of equal width and signedness; 1-bit unsigned result;
//   signed operands compare as two's complement.
// - `&&`, `||`, `!`: 1-bit operands, 1-bit result.
// - shifts: result has the left operand's width and signedness; the amount is
//   a constant or an unsigned expression. `>>>` is arithmetic whatever the
//   operand's signedness.
// - concatenation, slices and replication are unsigned.
// - `zext`/`sext`/`trunc` change width and keep signedness; `asSigned` /
//   `asUnsigned` change signedness and keep width.
// - `mux(sel, a, b)`: 1-bit select, arms of equal width and signedness.
// - Integer literals mixed with expressions take the expression's width and
//   signedness and must fit in it.

/// Unary operators.
public enum UnaryOperator: String, Sendable {
    /// Bitwise complement, `~a`.
    case not = "~"
    /// Two's complement negation, `-a`.
    case negate = "-"
    /// Logical not of a 1-bit value, `!a`.
    case logicalNot = "!"
    /// AND of all bits, `&a` (1-bit result).
    case reduceAnd = "&"
    /// OR of all bits, `|a` (1-bit result).
    case reduceOr = "|"
    /// XOR of all bits, `^a` (1-bit result).
    case reduceXor = "^"

    var isReduction: Bool { self == .reduceAnd || self == .reduceOr || self == .reduceXor }
}

/// Binary operators whose result has the operands' width.
public enum BinaryOperator: String, Sendable {
    case add = "+", subtract = "-", multiply = "*"
    case and = "&", or = "|", xor = "^"
    /// 1-bit logical and, `&&`.
    case logicalAnd = "&&"
    /// 1-bit logical or, `||`.
    case logicalOr = "||"
}

/// Comparison operators (1-bit result).
public enum CompareOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<="
    case greater = ">", greaterOrEqual = ">="
}

/// Shift kinds.
public enum ShiftKind: String, Sendable {
    /// `<<`
    case left = "<<"
    /// `>>`, zero fill.
    case logicalRight = ">>"
    /// `>>>`, sign fill (always arithmetic in this IR).
    case arithmeticRight = ">>>"
}

/// A shift amount: a constant or a run-time (unsigned) expression.
public enum ShiftAmount: Sendable {
    case constant(Int)
    case dynamic(Expr)
}

/// The shape of an expression tree node.
public indirect enum ExprNode: Sendable {
    /// A sized constant; the payload is the two's complement bit pattern, masked to the width.
    case constant(UInt64)
    /// A reference to a signal of the module.
    case ref(Signal)
    case unary(UnaryOperator, Expr)
    case binary(BinaryOperator, Expr, Expr)
    case compare(CompareOperator, Expr, Expr)
    case shift(ShiftKind, Expr, ShiftAmount)
    /// Concatenation, most significant part first.
    case concat([Expr])
    /// Bits `lo...hi` of the operand.
    case slice(Expr, hi: Int, lo: Int)
    /// The operand repeated `count` times.
    case replicate(Expr, count: Int)
    /// `select ? ifTrue : ifFalse`.
    case mux(select: Expr, ifTrue: Expr, ifFalse: Expr)
    /// Zero or sign extension of the operand to the node's width.
    case extend(Expr, signed: Bool)
    /// Keep the low bits of the operand (the node's width).
    case truncate(Expr)
    /// Same bits, the node's signedness.
    case reinterpret(Expr)
    /// An ill-formed expression; `message` says why. Reported by the builder.
    case invalid(message: String, operands: [Expr])
}

/// Anything usable as an expression: ``Expr`` itself and ``Signal``.
public protocol ExprConvertible: Sendable {
    /// The value as an expression.
    var expr: Expr { get }
}

/// A typed hardware expression: a tree of ``ExprNode`` with its width and signedness.
extension Expr {
    /// Whether the value is only wiring of the module's input ports and constants (slices,
    /// concatenations, extensions, shifts by a constant): no gate between them and it.
    public var isWiringOfInputs: Bool {
        switch node {
        case .constant: return true
        case .ref(let s): return s.kind == .input
        case .concat(let parts): return parts.allSatisfy(\.isWiringOfInputs)
        case .slice(let e, _, _), .replicate(let e, _), .extend(let e, _), .truncate(let e), .reinterpret(let e): return e.isWiringOfInputs
        case .shift(_, let e, .constant): return e.isWiringOfInputs
        default: return false
        }
    }
}

public struct Expr: ExprConvertible, CustomStringConvertible {
    /// The node.
    public let node: ExprNode
    /// Width in bits.
    public let width: Int
    /// Signedness of the value.
    public let isSigned: Bool

    /// Creates an expression node; prefer the operators and helpers.
    public init(node: ExprNode, width: Int, isSigned: Bool) {
        self.node = node
        self.width = width
        self.isSigned = isSigned
    }

    public var expr: Expr { self }

    /// A sized constant. Negative values are allowed for signed constants and
    /// are stored as two's complement. A value that does not fit yields an invalid expression.
    public static func constant(_ value: Int, width: Int, signed: Bool = false) -> Expr {
        guard width >= 1 && width <= 64 else {
            return .invalid("constant \(value) has unsupported width \(width) (1...64)", width: max(width, 1), signed: signed)
        }
        let fits: Bool
        if signed {
            let lo = width == 64 ? Int.min : -(1 << (width - 1))
            let hi = width == 64 ? Int.max : (1 << (width - 1)) - 1
            fits = value >= lo && value <= hi
        } else {
            fits = value >= 0 && (width >= 63 || value < (1 << width))
        }
        guard fits else {
            return .invalid("constant \(value) does not fit in \(width) \(signed ? "signed" : "unsigned") bits",
                            width: width, signed: signed)
        }
        let mask: UInt64 = width == 64 ? ~0 : (UInt64(1) << UInt64(width)) - 1
        return Expr(node: .constant(UInt64(bitPattern: Int64(value)) & mask), width: width, isSigned: signed)
    }

    /// All-zero value of any width (also wider than 64 bits).
    public static func zeros(width: Int, signed: Bool = false) -> Expr {
        let z = width <= 64 ? Expr.bits(0, width: width) : replicate(Expr.bits(0, width: 1), count: width)
        return signed ? z.asSigned : z
    }

    /// A constant from a raw bit pattern (for widths up to 64).
    public static func bits(_ pattern: UInt64, width: Int, signed: Bool = false) -> Expr {
        let mask: UInt64 = width >= 64 ? ~0 : (UInt64(1) << UInt64(width)) - 1
        return Expr(node: .constant(pattern & mask), width: width, isSigned: signed)
    }

    static func invalid(_ message: String, operands: [Expr] = [], width: Int, signed: Bool) -> Expr {
        Expr(node: .invalid(message: message, operands: operands), width: width, isSigned: signed)
    }

    /// Every problem in this expression tree (empty when well formed).
    public var problems: [String] {
        var out: [String] = []
        collectProblems(into: &out)
        return out
    }

    func collectProblems(into out: inout [String]) {
        switch node {
        case .invalid(let message, let operands):
            out.append(message)
            for o in operands { o.collectProblems(into: &out) }
        default:
            for c in children { c.collectProblems(into: &out) }
        }
    }

    /// Direct sub-expressions.
    public var children: [Expr] {
        switch node {
        case .constant, .ref: return []
        case .unary(_, let a), .slice(let a, _, _), .replicate(let a, _), .extend(let a, _),
             .truncate(let a), .reinterpret(let a):
            return [a]
        case .binary(_, let a, let b), .compare(_, let a, let b): return [a, b]
        case .shift(_, let a, let amount):
            if case .dynamic(let s) = amount { return [a, s] }
            return [a]
        case .concat(let parts): return parts
        case .mux(let s, let t, let f): return [s, t, f]
        case .invalid(_, let operands): return operands
        }
    }

    /// Every signal referenced in the tree, in first-use order (may repeat).
    public var referencedSignals: [Signal] {
        var out: [Signal] = []
        func walk(_ e: Expr) {
            if case .ref(let s) = e.node { out.append(s) }
            for c in e.children { walk(c) }
        }
        walk(self)
        return out
    }

    /// Verilog-like rendering, for diagnostics.
    public var description: String { ExpressionRenderer.render(self) }
}

extension Signal: ExprConvertible {
    /// A reference to this signal.
    public var expr: Expr { Expr(node: .ref(self), width: width, isSigned: isSigned) }
}

// MARK: - Construction helpers with width checks

func typeText(_ e: Expr) -> String { "\(e.width)-bit \(e.isSigned ? "signed" : "unsigned")" }

func checkedBinary(_ op: BinaryOperator, _ a: Expr, _ b: Expr) -> Expr {
    if op == .logicalAnd || op == .logicalOr {
        guard a.width == 1 && b.width == 1 else {
            return .invalid("operands of '\(op.rawValue)' must be 1 bit: '\(a)' is \(a.width) bits, '\(b)' is \(b.width) bits",
                            operands: [a, b], width: 1, signed: false)
        }
        return Expr(node: .binary(op, a.asUnsigned, b.asUnsigned), width: 1, isSigned: false)
    }
    guard a.width == b.width && a.isSigned == b.isSigned else {
        return .invalid("operands of '\(op.rawValue)' differ: '\(a)' is \(typeText(a)), '\(b)' is \(typeText(b))",
                        operands: [a, b], width: a.width, signed: a.isSigned)
    }
    return Expr(node: .binary(op, a, b), width: a.width, isSigned: a.isSigned)
}

func checkedCompare(_ op: CompareOperator, _ a: Expr, _ b: Expr) -> Expr {
    guard a.width == b.width && a.isSigned == b.isSigned else {
        return .invalid("operands of '\(op.rawValue)' differ: '\(a)' is \(typeText(a)), '\(b)' is \(typeText(b))",
                        operands: [a, b], width: 1, signed: false)
    }
    return Expr(node: .compare(op, a, b), width: 1, isSigned: false)
}

/// A constant with the width and signedness of `like`.
func literal(_ value: Int, like e: Expr) -> Expr {
    Expr.constant(value, width: e.width, signed: e.isSigned)
}

// MARK: - Methods

extension ExprConvertible {
    /// Zero-extends to `width` bits (≥ current width); keeps signedness.
    public func zext(_ width: Int) -> Expr {
        let e = expr
        guard width >= e.width else {
            return .invalid("zext to \(width) bits of the \(e.width)-bit '\(e)' would narrow it", operands: [e], width: width, signed: e.isSigned)
        }
        if width == e.width { return e }
        return Expr(node: .extend(e, signed: false), width: width, isSigned: e.isSigned)
    }

    /// Sign-extends to `width` bits (≥ current width), replicating the top bit; keeps signedness.
    public func sext(_ width: Int) -> Expr {
        let e = expr
        guard width >= e.width else {
            return .invalid("sext to \(width) bits of the \(e.width)-bit '\(e)' would narrow it", operands: [e], width: width, signed: e.isSigned)
        }
        if width == e.width { return e }
        return Expr(node: .extend(e, signed: true), width: width, isSigned: e.isSigned)
    }

    /// Extends to `width` bits according to the value's signedness.
    public func extend(_ width: Int) -> Expr { expr.isSigned ? sext(width) : zext(width) }

    /// Keeps the low `width` bits (≤ current width); keeps signedness.
    public func trunc(_ width: Int) -> Expr {
        let e = expr
        guard width >= 1 && width <= e.width else {
            return .invalid("trunc to \(width) bits of the \(e.width)-bit '\(e)' is not a narrowing", operands: [e], width: max(width, 1), signed: e.isSigned)
        }
        if width == e.width { return e }
        return Expr(node: .truncate(e), width: width, isSigned: e.isSigned)
    }

    /// The same bits, signed.
    public var asSigned: Expr {
        let e = expr
        return e.isSigned ? e : Expr(node: .reinterpret(e), width: e.width, isSigned: true)
    }

    /// The same bits, unsigned.
    public var asUnsigned: Expr {
        let e = expr
        return e.isSigned ? Expr(node: .reinterpret(e), width: e.width, isSigned: false) : e
    }

    /// Bits `range.lowerBound` through `range.upperBound` (little-endian bit numbering), unsigned.
    public subscript(range: ClosedRange<Int>) -> Expr {
        let e = expr
        guard range.lowerBound >= 0 && range.upperBound < e.width else {
            return .invalid("slice [\(range.upperBound):\(range.lowerBound)] is outside the \(e.width)-bit '\(e)'",
                            operands: [e], width: range.count, signed: false)
        }
        return Expr(node: .slice(e, hi: range.upperBound, lo: range.lowerBound), width: range.count, isSigned: false)
    }

    /// Bit `index`, unsigned 1-bit.
    public subscript(index: Int) -> Expr { self[index...index] }

    /// The most significant bit.
    public var msb: Expr { self[expr.width - 1] }

    /// AND of all bits.
    public func reduceAnd() -> Expr { let e = expr; return Expr(node: .unary(.reduceAnd, e), width: 1, isSigned: false) }
    /// OR of all bits (true when any bit is set).
    public func reduceOr() -> Expr { let e = expr; return Expr(node: .unary(.reduceOr, e), width: 1, isSigned: false) }
    /// XOR of all bits (parity).
    public func reduceXor() -> Expr { let e = expr; return Expr(node: .unary(.reduceXor, e), width: 1, isSigned: false) }

    /// Arithmetic right shift by a constant (sign fill).
    public func sra(_ amount: Int) -> Expr { shift(.arithmeticRight, self.expr, .constant(amount)) }
}

func shift(_ kind: ShiftKind, _ a: Expr, _ amount: ShiftAmount) -> Expr {
    switch amount {
    case .constant(let n):
        guard n >= 0 else {
            return .invalid("negative shift amount \(n)", operands: [a], width: a.width, signed: a.isSigned)
        }
    case .dynamic(let s):
        guard !s.isSigned else {
            return .invalid("shift amount '\(s)' must be unsigned", operands: [a, s], width: a.width, signed: a.isSigned)
        }
    }
    return Expr(node: .shift(kind, a, amount), width: a.width, isSigned: a.isSigned)
}

// MARK: - Free functions

/// `select ? ifTrue : ifFalse`; select must be 1 bit, arms of equal width and signedness.
public func mux(_ select: some ExprConvertible, _ ifTrue: some ExprConvertible, _ ifFalse: some ExprConvertible) -> Expr {
    let s = select.expr, t = ifTrue.expr, f = ifFalse.expr
    guard s.width == 1 else {
        return .invalid("mux select '\(s)' must be 1 bit, is \(s.width)", operands: [s, t, f], width: t.width, signed: t.isSigned)
    }
    guard t.width == f.width && t.isSigned == f.isSigned else {
        return .invalid("mux arms differ: '\(t)' is \(typeText(t)), '\(f)' is \(typeText(f))", operands: [s, t, f], width: t.width, signed: t.isSigned)
    }
    return Expr(node: .mux(select: s, ifTrue: t, ifFalse: f), width: t.width, isSigned: t.isSigned)
}

/// `select ? ifTrue : ifFalse` with a literal false arm sized like `ifTrue`.
public func mux(_ select: some ExprConvertible, _ ifTrue: some ExprConvertible, _ ifFalse: Int) -> Expr {
    mux(select, ifTrue, literal(ifFalse, like: ifTrue.expr))
}

/// `select ? ifTrue : ifFalse` with a literal true arm sized like `ifFalse`.
public func mux(_ select: some ExprConvertible, _ ifTrue: Int, _ ifFalse: some ExprConvertible) -> Expr {
    mux(select, literal(ifTrue, like: ifFalse.expr), ifFalse)
}

/// `values[index]`: a balanced tree of muxes on the bits of `index` (unsigned).
/// All values must have the same width and signedness. Only the low
/// ⌈log2 count⌉ bits of `index` are used; an index ≥ `values.count` selects one
/// of the values (which one is unspecified). Handy for register files, PE-array
/// outputs, FIFO heads.
public func select(_ index: some ExprConvertible, _ values: [any ExprConvertible]) -> Expr {
    let idx = index.expr
    let vs = values.map { $0.expr }
    guard let first = vs.first else { return .invalid("select from no values", operands: [idx], width: 1, signed: false) }
    guard !idx.isSigned else {
        return .invalid("select index '\(idx)' must be unsigned", operands: [idx], width: first.width, signed: first.isSigned)
    }
    guard vs.count <= (idx.width >= 62 ? Int.max : 1 << idx.width) else {
        return .invalid("select index '\(idx)' (\(idx.width) bits) cannot address \(vs.count) values",
                        operands: [idx], width: first.width, signed: first.isSigned)
    }
    func tree(_ lo: Int, _ bit: Int) -> Expr {
        // Chooses among values[lo ..< lo + 2^(bit+1)] on index bits bit…0.
        if bit < 0 { return vs[min(lo, vs.count - 1)] }
        let half = 1 << bit
        if lo + half >= vs.count { return tree(lo, bit - 1) }
        return mux(idx[bit], tree(lo + half, bit - 1), tree(lo, bit - 1))
    }
    var top = 0
    while (1 << (top + 1)) < vs.count { top += 1 }
    return vs.count == 1 ? first : tree(0, top)
}

/// Concatenation, most significant part first (Verilog `{a, b}`); unsigned.
public func cat(_ parts: [any ExprConvertible]) -> Expr {
    let es = parts.map { $0.expr }
    guard !es.isEmpty else { return .invalid("empty concatenation", width: 1, signed: false) }
    return Expr(node: .concat(es), width: es.reduce(0) { $0 + $1.width }, isSigned: false)
}

/// Concatenation, most significant part first (Verilog `{a, b}`); unsigned.
public func cat(_ parts: any ExprConvertible...) -> Expr { cat(parts) }

/// `count` copies of `value` (Verilog `{count{value}}`); unsigned.
public func replicate(_ value: some ExprConvertible, count: Int) -> Expr {
    let e = value.expr
    guard count >= 1 else { return .invalid("replication count \(count) < 1", operands: [e], width: 1, signed: false) }
    return Expr(node: .replicate(e, count: count), width: e.width * count, isSigned: false)
}

// MARK: - Operators

infix operator >>> : BitwiseShiftPrecedence

extension ExprConvertible {
    public static func + (l: Self, r: some ExprConvertible) -> Expr { checkedBinary(.add, l.expr, r.expr) }
    public static func + (l: Self, r: Int) -> Expr { checkedBinary(.add, l.expr, literal(r, like: l.expr)) }
    public static func - (l: Self, r: some ExprConvertible) -> Expr { checkedBinary(.subtract, l.expr, r.expr) }
    public static func - (l: Self, r: Int) -> Expr { checkedBinary(.subtract, l.expr, literal(r, like: l.expr)) }
    public static func * (l: Self, r: some ExprConvertible) -> Expr { checkedBinary(.multiply, l.expr, r.expr) }
    public static func * (l: Self, r: Int) -> Expr { checkedBinary(.multiply, l.expr, literal(r, like: l.expr)) }
    public static func & (l: Self, r: some ExprConvertible) -> Expr { checkedBinary(.and, l.expr, r.expr) }
    public static func & (l: Self, r: Int) -> Expr { checkedBinary(.and, l.expr, literal(r, like: l.expr)) }
    public static func | (l: Self, r: some ExprConvertible) -> Expr { checkedBinary(.or, l.expr, r.expr) }
    public static func | (l: Self, r: Int) -> Expr { checkedBinary(.or, l.expr, literal(r, like: l.expr)) }
    public static func ^ (l: Self, r: some ExprConvertible) -> Expr { checkedBinary(.xor, l.expr, r.expr) }
    public static func ^ (l: Self, r: Int) -> Expr { checkedBinary(.xor, l.expr, literal(r, like: l.expr)) }
    public static func && (l: Self, r: some ExprConvertible) -> Expr { checkedBinary(.logicalAnd, l.expr, r.expr) }
    public static func || (l: Self, r: some ExprConvertible) -> Expr { checkedBinary(.logicalOr, l.expr, r.expr) }

    public static func == (l: Self, r: some ExprConvertible) -> Expr { checkedCompare(.equal, l.expr, r.expr) }
    public static func == (l: Self, r: Int) -> Expr { checkedCompare(.equal, l.expr, literal(r, like: l.expr)) }
    public static func != (l: Self, r: some ExprConvertible) -> Expr { checkedCompare(.notEqual, l.expr, r.expr) }
    public static func != (l: Self, r: Int) -> Expr { checkedCompare(.notEqual, l.expr, literal(r, like: l.expr)) }
    public static func < (l: Self, r: some ExprConvertible) -> Expr { checkedCompare(.less, l.expr, r.expr) }
    public static func < (l: Self, r: Int) -> Expr { checkedCompare(.less, l.expr, literal(r, like: l.expr)) }
    public static func <= (l: Self, r: some ExprConvertible) -> Expr { checkedCompare(.lessOrEqual, l.expr, r.expr) }
    public static func <= (l: Self, r: Int) -> Expr { checkedCompare(.lessOrEqual, l.expr, literal(r, like: l.expr)) }
    public static func > (l: Self, r: some ExprConvertible) -> Expr { checkedCompare(.greater, l.expr, r.expr) }
    public static func > (l: Self, r: Int) -> Expr { checkedCompare(.greater, l.expr, literal(r, like: l.expr)) }
    public static func >= (l: Self, r: some ExprConvertible) -> Expr { checkedCompare(.greaterOrEqual, l.expr, r.expr) }
    public static func >= (l: Self, r: Int) -> Expr { checkedCompare(.greaterOrEqual, l.expr, literal(r, like: l.expr)) }

    public static func << (l: Self, r: Int) -> Expr { shift(.left, l.expr, .constant(r)) }
    public static func << (l: Self, r: some ExprConvertible) -> Expr { shift(.left, l.expr, .dynamic(r.expr)) }
    public static func >> (l: Self, r: Int) -> Expr { shift(.logicalRight, l.expr, .constant(r)) }
    public static func >> (l: Self, r: some ExprConvertible) -> Expr { shift(.logicalRight, l.expr, .dynamic(r.expr)) }
    public static func >>> (l: Self, r: Int) -> Expr { shift(.arithmeticRight, l.expr, .constant(r)) }
    public static func >>> (l: Self, r: some ExprConvertible) -> Expr { shift(.arithmeticRight, l.expr, .dynamic(r.expr)) }

    public static prefix func ~ (a: Self) -> Expr { let e = a.expr; return Expr(node: .unary(.not, e), width: e.width, isSigned: e.isSigned) }
    public static prefix func - (a: Self) -> Expr { let e = a.expr; return Expr(node: .unary(.negate, e), width: e.width, isSigned: e.isSigned) }
    public static prefix func ! (a: Self) -> Expr {
        let e = a.expr
        guard e.width == 1 else {
            return .invalid("operand of '!' must be 1 bit, '\(e)' is \(e.width) bits", operands: [e], width: 1, signed: false)
        }
        return Expr(node: .unary(.logicalNot, e), width: 1, isSigned: false)
    }
}
