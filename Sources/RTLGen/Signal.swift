/// What a ``Signal`` is in its module: a port, or an internal net driven by
/// combinational logic (`wire`) or by a clocked process (`register`).
public enum SignalKind: String, Sendable {
    /// Module input port. Never driven inside the module.
    case input
    /// Module output port. Driven exactly once, by anything.
    case output
    /// Internal net driven combinationally (continuous assign, combinational
    /// process, instance output).
    case wire
    /// Internal state driven by a clocked process (or a memory's read port).
    case register
}

/// A named, sized, typed net of a module: a port, a wire or a register.
///
/// Signals are created by ``ModuleBuilder`` (`input`, `output`, `wire`, `reg`) and
/// are used as expressions directly (they conform to ``ExprConvertible``):
/// `count + 1`, `a == b`, `data[0...3]`.
public struct Signal: Sendable, CustomStringConvertible {
    /// Verilog identifier, emitted as-is.
    public let name: String
    /// Width in bits (≥ 1).
    public let width: Int
    /// Whether arithmetic comparisons and arithmetic shifts treat it as two's complement.
    public let isSigned: Bool
    /// Port direction or internal kind.
    public let kind: SignalKind

    /// Creates a signal description; normally use ``ModuleBuilder`` instead.
    public init(name: String, width: Int, isSigned: Bool = false, kind: SignalKind) {
        self.name = name
        self.width = width
        self.isSigned = isSigned
        self.kind = kind
    }

    /// Whether the signal is a port of its module.
    public var isPort: Bool { kind == .input || kind == .output }

    public var description: String {
        "\(kind.rawValue) \(isSigned ? "signed " : "")[\(width)] \(name)"
    }
}

/// A documentation-only module parameter: the generator elaborates everything,
/// so parameters are written into the emitted file's header comment, not as
/// Verilog `parameter`s.
public struct Parameter: Sendable {
    /// Parameter name, e.g. `DEPTH`.
    public let name: String
    /// Value as it should read in the header, e.g. `4`.
    public let value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
