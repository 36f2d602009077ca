/// Renders IR expressions as Verilog with exact widths: every operator's
/// operands already have equal widths (the IR's rule), so Verilog's
/// context-dependent sizing never widens anything; where Verilog's own
/// signedness of a rendering differs from the IR's (slices, concatenations,
/// extensions), the text is wrapped in `$signed(…)`/`$unsigned(…)`.
enum ExpressionRenderer {
    struct Text {
        var text: String
        /// Safe to use as an operand without parentheses.
        var atomic: Bool
        /// Signedness Verilog gives this text.
        var verilogSigned: Bool
    }

    /// Top-level rendering (no outer parentheses).
    static func render(_ e: Expr) -> String { fixed(e).text }

    /// Rendering whose Verilog signedness matches the IR's.
    static func fixed(_ e: Expr) -> Text {
        let t = raw(e)
        if t.verilogSigned == e.isSigned { return t }
        return Text(text: "\(e.isSigned ? "$signed" : "$unsigned")(\(t.text))", atomic: true, verilogSigned: e.isSigned)
    }

    /// Rendering usable as an operand (parenthesised unless atomic).
    static func operand(_ e: Expr) -> String {
        let t = fixed(e)
        return t.atomic ? t.text : "(\(t.text))"
    }

    static func constant(_ bits: UInt64, width: Int, signed: Bool) -> Text {
        if width == 1 {
            return Text(text: signed ? "1'sb\(bits)" : "1'b\(bits)", atomic: true, verilogSigned: signed)
        }
        guard signed else { return Text(text: "\(width)'d\(bits)", atomic: true, verilogSigned: false) }
        let signBit = UInt64(1) << UInt64(width - 1)
        if bits & signBit == 0 { return Text(text: "\(width)'sd\(bits)", atomic: true, verilogSigned: true) }
        let mask: UInt64 = width == 64 ? ~0 : (UInt64(1) << UInt64(width)) - 1
        let magnitude = (~bits &+ 1) & mask
        if magnitude == signBit {  // most negative value: not expressible as -N
            return Text(text: "\(width)'sh\(String(bits, radix: 16, uppercase: true))", atomic: true, verilogSigned: true)
        }
        return Text(text: "-\(width)'sd\(magnitude)", atomic: false, verilogSigned: true)
    }

    static func raw(_ e: Expr) -> Text {
        switch e.node {
        case .constant(let bits):
            return constant(bits, width: e.width, signed: e.isSigned)
        case .ref(let s):
            return Text(text: s.name, atomic: true, verilogSigned: s.isSigned)
        case .unary(let op, let a):
            switch op {
            case .not, .logicalNot:
                return Text(text: "\(op.rawValue)\(operand(a))", atomic: true, verilogSigned: a.isSigned && op == .not)
            case .negate:
                return Text(text: "-\(operand(a))", atomic: false, verilogSigned: a.isSigned)
            case .reduceAnd, .reduceOr, .reduceXor:
                return Text(text: "\(op.rawValue)\(operand(a))", atomic: false, verilogSigned: false)
            }
        case .binary(let op, let a, let b):
            return Text(text: "\(operand(a)) \(op.rawValue) \(operand(b))", atomic: false, verilogSigned: e.isSigned)
        case .compare(let op, let a, let b):
            return Text(text: "\(operand(a)) \(op.rawValue) \(operand(b))", atomic: false, verilogSigned: false)
        case .shift(let kind, let a, let amount):
            let amountText: String
            switch amount {
            case .constant(let n): amountText = "\(n)"
            case .dynamic(let s): amountText = operand(s)
            }
            if kind == .arithmeticRight && !a.isSigned {
                return Text(text: "$signed(\(render(a))) >>> \(amountText)", atomic: false, verilogSigned: true)
            }
            return Text(text: "\(operand(a)) \(kind.rawValue) \(amountText)", atomic: false, verilogSigned: a.isSigned)
        case .concat(let parts):
            return Text(text: "{" + parts.map { render($0) }.joined(separator: ", ") + "}", atomic: true, verilogSigned: false)
        case .slice(let a0, let hi0, let lo0):
            // Bits of a slice, a truncation, a reinterpretation or (below the fill) an extension
            // are bits of the operand beneath: `x[7:0][5:4]` is `x[5:4]`.
            var a = a0, hi = hi0, lo = lo0
            peel: while true {
                switch a.node {
                case .truncate(let x), .reinterpret(let x): a = x
                case .slice(let x, _, let below): a = x; hi += below; lo += below
                case .extend(let x, _) where hi < x.width: a = x
                default: break peel
                }
            }
            if lo == 0 && hi == a.width - 1 { return raw(a.asUnsigned) }
            if case .ref(let s) = a.node {
                return Text(text: hi == lo ? "\(s.name)[\(lo)]" : "\(s.name)[\(hi):\(lo)]", atomic: true, verilogSigned: false)
            }
            let shifted = lo == 0 ? render(a) : "\(operand(a)) >> \(lo)"
            return Text(text: "\(hi - lo + 1)'(\(shifted))", atomic: true, verilogSigned: a.isSigned)
        case .replicate(let a, let count):
            return Text(text: "{\(count){\(render(a))}}", atomic: true, verilogSigned: false)
        case .mux(let s, let t, let f):
            return Text(text: "\(operand(s)) ? \(operand(t)) : \(operand(f))", atomic: false, verilogSigned: t.isSigned)
        case .extend(let a, let signed):
            let k = e.width - a.width
            let fill: String
            if signed {
                let top: String
                if a.width == 1 {
                    top = render(a.asUnsigned)
                } else if case .ref(let s) = a.node {
                    top = "\(s.name)[\(a.width - 1)]"
                } else {
                    top = "1'(\(operand(a)) >> \(a.width - 1))"
                }
                fill = "{\(k){\(top)}}"
            } else {
                fill = "\(k)'d0"
            }
            return Text(text: "{\(fill), \(render(a))}", atomic: true, verilogSigned: false)
        case .truncate(let a):
            if case .ref(let s) = a.node {
                return Text(text: e.width == 1 ? "\(s.name)[0]" : "\(s.name)[\(e.width - 1):0]", atomic: true, verilogSigned: false)
            }
            return Text(text: "\(e.width)'(\(render(a)))", atomic: true, verilogSigned: a.isSigned)
        case .reinterpret(let a):
            return Text(text: "\(e.isSigned ? "$signed" : "$unsigned")(\(render(a)))", atomic: true, verilogSigned: e.isSigned)
        case .invalid(let message, _):
            return Text(text: "<invalid: \(message)>", atomic: true, verilogSigned: e.isSigned)
        }
    }
}
