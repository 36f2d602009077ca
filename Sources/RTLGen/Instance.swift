/// An instance of another module, with every port connected: inputs to
/// expressions of this module, outputs to wires (or outputs) of this module.
public struct Instance: Sendable {
    /// Instance name, e.g. `u_fifo`.
    public let name: String
    /// The instantiated module.
    public let module: Module
    /// One connection per port of `module`, in its port order.
    public let connections: [Connection]

    /// A port connection.
    public struct Connection: Sendable {
        /// The port of the instantiated module.
        public let port: Signal
        /// What it connects to; for an output port, a reference to a signal of the parent.
        public let value: Expr
    }
}
