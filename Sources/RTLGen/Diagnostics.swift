/// One problem found while building a ``Module``, naming the module and the
/// signal (or instance/memory/process) it concerns.
public struct Diagnostic: Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: String, Sendable {
        /// Operand or assignment widths (or signedness) do not agree.
        case widthMismatch = "width mismatch"
        /// A wire, register or output has no driver.
        case undriven
        /// A signal is driven by more than one assign/process/instance/memory.
        case multiplyDriven = "multiply driven"
        /// A combinational process assigns a signal conditionally without a default.
        case missingDefault = "missing default"
        /// An instance port is missing, unknown, of the wrong width or direction.
        case badConnection = "bad connection"
        /// A signal is driven by the wrong kind of logic (e.g. an input, or a
        /// register from a combinational process).
        case illegalDriver = "illegal driver"
        /// A declaration is invalid (bad name, duplicate name, zero width…).
        case invalidDeclaration = "invalid declaration"
        /// An expression refers to a signal that is not declared in this module.
        case unknownSignal = "unknown signal"
    }

    /// Name of the module being built.
    public let module: String
    /// Name of the signal (or other named item) concerned.
    public let signal: String
    /// Category of the problem.
    public let kind: Kind
    /// Human-readable detail.
    public let message: String

    public init(module: String, signal: String, kind: Kind, message: String) {
        self.module = module
        self.signal = signal
        self.kind = kind
        self.message = message
    }

    public var description: String {
        "module '\(module)', signal '\(signal)': \(kind.rawValue): \(message)"
    }
}

/// Thrown by ``ModuleBuilder/build()`` when the IR is not well formed; carries every
/// problem found, in the order they were detected.
public struct RTLBuildError: Error, Sendable, CustomStringConvertible {
    /// All diagnostics, at least one.
    public let diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        "RTL build failed with \(diagnostics.count) error(s):\n"
            + diagnostics.map { "  error: \($0)" }.joined(separator: "\n")
    }
}
