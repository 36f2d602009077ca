import AcceleratorSpec

/// The RTL generator: a small typed hardware IR (``Module``, ``Expr``, ``Process``,
/// ``Memory``, ``Instance``) built with ``ModuleBuilder``, and its ``VerilogEmitter``.
public enum RTLGen {
    /// Version string written into every generated file's header.
    public static let version = "0.1.0"
}
