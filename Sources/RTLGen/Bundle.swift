/// A named group of signals with directions: the declared interface of a port or a channel
/// (after Chisel's `Bundle`/`Decoupled` and Amaranth's signatures).
///
/// Directions are as seen from the side that *produces* the bundle (`.forward` fields are its
/// outputs, `.backward` ones its inputs); ``flipped`` gives the other side's view. A field with
/// `count > 1` is a vector of lanes carried as one packed signal of `count · width` bits, element
/// i at bits [i·width, (i+1)·width).
public struct Bundle: Hashable, Sendable {
    /// Which way a field flows, from the producer's point of view.
    public enum Direction: Hashable, Sendable {
        /// From the producer to the consumer (payload, `valid`).
        case forward
        /// From the consumer back to the producer (`ready`).
        case backward

        var flipped: Direction { self == .forward ? .backward : .forward }
    }

    /// One field of a bundle.
    public struct Field: Hashable, Sendable {
        public var name: String
        /// Width of one element in bits.
        public var width: Int
        /// Number of elements (lanes); > 1 makes a packed vector.
        public var count: Int
        public var isSigned: Bool
        public var direction: Direction
        /// What the field carries (for port tables in the docs).
        public var doc: String

        public init(_ name: String, width: Int = 1, count: Int = 1, signed: Bool = false,
                    direction: Direction = .forward, doc: String = "") {
            precondition(width >= 1 && count >= 1, "bundle field \(name): width and count must be ≥ 1")
            self.name = name; self.width = width; self.count = count; self.isSigned = signed
            self.direction = direction; self.doc = doc
        }

        /// Bits of the packed signal.
        public var totalWidth: Int { width * count }
    }

    public var fields: [Field]

    public init(_ fields: [Field]) {
        precondition(Set(fields.map(\.name)).count == fields.count, "bundle field names must be unique")
        self.fields = fields
    }

    /// The consumer's view: every direction reversed.
    public var flipped: Bundle {
        Bundle(fields.map { var f = $0; f.direction = f.direction.flipped; return f })
    }

    /// A ready/valid stream of `payload` (Chisel's `Decoupled`): `valid` and the payload go forward,
    /// `ready` comes back. A transfer happens in a cycle where `valid` and `ready` are both high; a
    /// producer never waits for `ready` to raise `valid`, and holds `valid` and the payload until the
    /// transfer.
    public static func stream(_ payload: [Field]) -> Bundle {
        Bundle([Field("valid", doc: "a transfer is offered; held with the payload until taken")]
               + payload.map { var f = $0; f.direction = .forward; return f }
               + [Field("ready", direction: .backward, doc: "the consumer takes the offered transfer this cycle")])
    }

    /// A valid-only flow of `payload` (Chisel's `Valid`): the consumer takes every beat in the cycle
    /// `valid` is high (a RAM write port, a pipeline stage), so there is no `ready`.
    public static func flow(_ payload: [Field]) -> Bundle {
        Bundle([Field("valid", doc: "a beat this cycle; the consumer always takes it")]
               + payload.map { var f = $0; f.direction = .forward; return f })
    }

    /// The view of a module that only watches the channel (a statistics counter, a monitor): every
    /// field is an input.
    public var observed: Bundle {
        Bundle(fields.map { var f = $0; f.direction = .backward; return f })
    }

    /// The fields called `names`, in the bundle's order: the part of a channel one engine declares
    /// (a consumer that reads some of a broadcast bundle, or taps a stream's valid and ready).
    public func only(_ names: String...) -> Bundle { only(names) }

    /// The fields called `names`, in the bundle's order (a programming error if one is missing).
    public func only(_ names: [String]) -> Bundle {
        for n in names where !fields.contains(where: { $0.name == n }) { preconditionFailure("bundle has no field \(n)") }
        return Bundle(fields.filter { names.contains($0.name) })
    }

    /// The field called `name`.
    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }

    /// Bits of the bundle carried as one record (see ``ModuleBuilder/recordInput(_:_:reading:)``).
    public var recordWidth: Int { fields.reduce(0) { $0 + $1.totalWidth } }

    /// The bits of field `name` in the record: the fields in order, the first from bit 0 up.
    public func recordBits(_ name: String) -> ClosedRange<Int> {
        var offset = 0
        for f in fields {
            if f.name == name { return offset...(offset + f.totalWidth - 1) }
            offset += f.totalWidth
        }
        preconditionFailure("bundle has no field \(name)")
    }
}

/// The signals of a bundle declared in one module, by field name.
public struct BundleSignals: Sendable {
    public let prefix: String
    public let bundle: Bundle
    private let signals: [String: Signal]
    /// The one packed signal `<prefix>` of a record (else nil: one signal per field).
    public let record: Signal?

    init(prefix: String, bundle: Bundle, signals: [String: Signal], record: Signal? = nil) {
        self.prefix = prefix; self.bundle = bundle; self.signals = signals; self.record = record
    }

    /// The signal of field `name` (a programming error if the bundle has no such field).
    public subscript(_ name: String) -> Signal {
        guard let s = signals[name] else { preconditionFailure("bundle \(prefix) has no field \(name)") }
        return s
    }

    /// Every field's signal by its port name `<prefix>_<field>`: the connections of an instance
    /// whose ports carry these names (see ``ModuleBuilder/wires(_:_:)``).
    public var connections: [String: any ExprConvertible] {
        if let record { return [prefix: record] }
        return Dictionary(uniqueKeysWithValues: bundle.fields.map { ("\(prefix)_\($0.name)", signals[$0.name]! as any ExprConvertible) })
    }

    /// Element `i` of vector field `name`.
    public func element(_ name: String, _ i: Int) -> Expr {
        let f = bundle.fields.first { $0.name == name }!
        precondition(i >= 0 && i < f.count, "\(prefix)_\(name)[\(i)] out of range 0..<\(f.count)")
        return self[name][(i * f.width)...((i + 1) * f.width - 1)]
    }
}

extension ModuleBuilder {
    /// Declares `bundle` as ports `<prefix>_<field>` of this module, which is the bundle's producer:
    /// `.forward` fields become outputs and `.backward` ones inputs (pass `bundle.flipped` on the
    /// consumer's side). Vector fields are one packed port each.
    @discardableResult
    public func ports(_ prefix: String, _ bundle: Bundle) -> BundleSignals {
        var sigs: [String: Signal] = [:]
        for f in bundle.fields {
            let name = "\(prefix)_\(f.name)"
            sigs[f.name] = f.direction == .forward
                ? output(name, width: f.totalWidth, signed: f.isSigned)
                : input(name, width: f.totalWidth, signed: f.isSigned)
        }
        return BundleSignals(prefix: prefix, bundle: bundle, signals: sigs)
    }

    /// Declares `bundle` as one input port `<prefix>` carrying every field as a record (a packed
    /// struct: the fields in order, the first from bit 0 up, ``Bundle/recordBits(_:)``), the view of
    /// a consumer of plain fields: a descriptor that many engines read in part takes one port in each
    /// instead of one per field. Each field in `reading` becomes a wire `<prefix>_<field>`, its slice
    /// of the record; the record's other bits are read elsewhere, so they are not reported unused.
    /// `constants`: fields the record does not carry because they are constant for this design (a
    /// mechanism it leaves out): a wire `<prefix>_<field>` holding the value, which synthesis
    /// propagates through this module.
    @discardableResult
    public func recordInput(_ prefix: String, _ bundle: Bundle, reading names: [String], constants: [String: Expr] = [:]) -> BundleSignals {
        let port = input(prefix, width: bundle.recordWidth)
        allowUnused(port)
        var sigs: [String: Signal] = [:]
        for n in names {
            if let c = constants[n] {
                sigs[n] = wire("\(prefix)_\(n)", c)
                continue
            }
            guard let f = bundle.field(n) else { preconditionFailure("bundle \(prefix) has no field \(n)") }
            sigs[n] = wire("\(prefix)_\(n)", port[bundle.recordBits(n)])
            precondition(sigs[n]!.width == f.totalWidth)
        }
        return BundleSignals(prefix: prefix, bundle: bundle.only(names.filter { constants[$0] == nil }), signals: sigs, record: port)
    }

    /// The producer's side of a record (``recordInput(_:_:reading:)``): one wire `<prefix>_<field>`
    /// per field for the module to drive, and the output port `<prefix>`, their concatenation.
    @discardableResult
    public func recordOutput(_ prefix: String, _ bundle: Bundle) -> BundleSignals {
        let port = output(prefix, width: bundle.recordWidth)
        var sigs: [String: Signal] = [:]
        for f in bundle.fields { sigs[f.name] = wire("\(prefix)_\(f.name)", width: f.totalWidth, signed: f.isSigned) }
        assign(port, cat(bundle.fields.reversed().map { sigs[$0.name]! as any ExprConvertible }))
        return BundleSignals(prefix: prefix, bundle: bundle, signals: sigs, record: port)
    }

    /// The one wire `<prefix>` of a record channel between two instances of this module.
    @discardableResult
    public func recordWire(_ prefix: String, _ bundle: Bundle) -> BundleSignals {
        BundleSignals(prefix: prefix, bundle: bundle, signals: [:], record: wire(prefix, width: bundle.recordWidth))
    }

    /// Declares one wire `<prefix>_<field>` per field of `bundle`: a channel between two instances
    /// of this module (the producer's outputs drive them, the consumers' inputs read them).
    @discardableResult
    public func wires(_ prefix: String, _ bundle: Bundle) -> BundleSignals {
        var sigs: [String: Signal] = [:]
        for f in bundle.fields { sigs[f.name] = wire("\(prefix)_\(f.name)", width: f.totalWidth, signed: f.isSigned) }
        return BundleSignals(prefix: prefix, bundle: bundle, signals: sigs)
    }

    /// Instantiates `module` as `name`, connecting each of its ports to the signal of the same name
    /// in `channels` (the top's bundle wires and ports, which carry the names the engine's declared
    /// bundles gave its ports). A port no channel carries is reported as unconnected; channel fields
    /// the module does not declare stay unconnected from it (it reads part of a broadcast bundle).
    public func instance(_ module: Module, name: String, channels: [BundleSignals], extra: [String: any ExprConvertible] = [:]) {
        var all = extra
        for c in channels { all.merge(c.connections) { a, _ in a } }
        instance(module, name: name, connections: all.filter { module.port($0.key) != nil })
    }
}
