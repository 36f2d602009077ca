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

/// N instances of one module, laid out over one or more dimensions (e.g. 8 × 8 × 8 PEs), whose
/// ports connect to the same expression for every element or to the element's slice of a packed
/// bus. Emitted as a `for (genvar …)` loop nest, one named block per dimension, with `bus[e*W +: W]`
/// part-selects (`VerilogEmitter`).
///
/// Element `(i₀, i₁, …)` of a bus bound over dimensions `[d₀, d₁, …]` is the row-major index
/// `e = (i_{d₀}·n_{d₁} + i_{d₁})·… ` of the element over those dimensions only; its port of width W
/// connects to bits `[e·W, (e+1)·W)` of the bus, whose width must be `W · ∏ n_d`. A bus bound over
/// a subset of the dimensions is shared along the others (e.g. the weights of lane `l` reach every
/// PE of that lane); an output must be bound over every dimension, so each bit has one driver.
public struct InstanceArray: Sendable {
    /// One dimension of the array: its genvar (also the last part of its block label) and its size.
    public struct Dimension: Sendable, Hashable {
        public let name: String
        public let count: Int
        public init(_ name: String, _ count: Int) {
            self.name = name
            self.count = count
        }
    }

    /// How one port of every element is connected.
    public enum Binding: Sendable {
        /// The same expression for every element (input ports only).
        case shared(Expr)
        /// The element's slice of the packed bus `signal`, indexed over the named dimensions.
        case slice(Signal, over: [String])
        /// The element's index along the named dimension, as a constant of the port's width
        /// (input ports only).
        case index(String)
    }

    /// A port and its binding.
    public struct Connection: Sendable {
        public let port: Signal
        public let binding: Binding
    }

    /// Array name: the instances are `u_<name>`, the loop blocks `g_<name>` (one dimension) or
    /// `g_<name>_<dimension>`.
    public let name: String
    /// The instantiated module.
    public let module: Module
    /// Dimensions, outermost first.
    public let dimensions: [Dimension]
    /// One connection per port of `module`, in its port order.
    public let connections: [Connection]

    /// Number of instances.
    public var count: Int { dimensions.reduce(1) { $0 * $1.count } }
    /// Name of every instance inside its loop block.
    public var instanceName: String { "u_\(name)" }
    /// Label of the generate block of dimension `index`.
    public func blockLabel(_ index: Int) -> String {
        dimensions.count == 1 ? "g_\(name)" : "g_\(name)_\(dimensions[index].name)"
    }

    /// The number of elements of a bus bound over `dims`.
    func elements(over dims: [String]) -> Int {
        dims.reduce(1) { n, d in n * (dimensions.first { $0.name == d }?.count ?? 1) }
    }
}

/// The binding of one port of an ``InstanceArray`` element, for
/// ``ModuleBuilder/instanceArray(_:name:dimensions:connections:)``.
public struct ArrayBinding {
    let binding: InstanceArray.Binding
    /// The same value for every element (inputs only).
    public static func shared(_ value: some ExprConvertible) -> ArrayBinding { ArrayBinding(binding: .shared(value.expr)) }
    /// The element's slice of the packed bus `bus`, indexed row-major over `dimensions` (all of
    /// the array's when empty).
    public static func slice(_ bus: Signal, over dimensions: String...) -> ArrayBinding {
        ArrayBinding(binding: .slice(bus, over: dimensions))
    }
    /// The element's index along `dimension`, as a constant of the port's width (inputs only).
    public static func index(_ dimension: String) -> ArrayBinding { ArrayBinding(binding: .index(dimension)) }
}
