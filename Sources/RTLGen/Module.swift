/// One item of a module body, kept in the order it was added (which is the
/// order the emitter writes them in).
public enum ModuleItem: Sendable {
    /// Continuous assignment `assign target = value;`.
    case assign(Signal, Expr)
    case process(Process)
    case instance(Instance)
    /// N instances of one module in a `generate` loop nest.
    case instanceArray(InstanceArray)
    case memory(Memory)
    /// A vendor cell for synthesis with its behaviour for simulation (``PrimitiveCell``).
    case primitive(PrimitiveCell)
}

/// A checked hardware module: the value the emitter turns into Verilog.
///
/// Build one with ``ModuleBuilder``; `build()` only returns a `Module` when every
/// check passed (widths, drivers, latches, connections), so a `Module` is
/// well formed by construction.
public struct Module: Sendable {
    /// Verilog module name.
    public let name: String
    /// Free text written into the header comment.
    public let documentation: String?
    /// Documentation-only parameters (header comment).
    public let parameters: [Parameter]
    /// Ports in declaration order.
    public let ports: [Signal]
    /// Internal wires and registers in declaration order.
    public let signals: [Signal]
    /// Body items in order.
    public let items: [ModuleItem]
    /// Names of signals whose unused bits are intended (emitted with a Verilator lint waiver).
    public let unusedAllowed: [String]

    /// The port called `name`.
    public func port(_ name: String) -> Signal? { ports.first { $0.name == name } }

    /// Modules instantiated directly (by instances and instance arrays), in item order (may repeat).
    public var instantiatedModules: [Module] {
        items.compactMap {
            switch $0 {
            case .instance(let i): return i.module
            case .instanceArray(let a): return a.module
            default: return nil
            }
        }
    }

    /// Instance arrays of the module, in order.
    public var instanceArrays: [InstanceArray] {
        items.compactMap { if case .instanceArray(let a) = $0 { return a } else { return nil } }
    }

    /// Inputs, wires and registers that no expression of the module reads
    /// (and that are not waived with ``ModuleBuilder/allowUnused(_:)``): each
    /// would be a Verilator `UNUSEDSIGNAL` warning. Partly used signals are not
    /// detected here.
    public var unreadSignals: [String] {
        var read = Set<String>()
        func use(_ e: Expr) { for s in e.referencedSignals { read.insert(s.name) } }
        func useStatements(_ stmts: [Statement]) {
            for st in stmts {
                switch st {
                case .assign(_, let v): use(v)
                case .when(let c, let t, let e): use(c); useStatements(t); useStatements(e)
                case .switchOn(let sel, let cases, let d):
                    use(sel)
                    for (_, body) in cases { useStatements(body) }
                    useStatements(d)
                }
            }
        }
        for item in items {
            switch item {
            case .assign(_, let v): use(v)
            case .process(let p):
                if case .clocked(let clk, let rst) = p.kind {
                    read.insert(clk.name)
                    if let rst, !p.resets.isEmpty { read.insert(rst.name) }
                }
                useStatements(p.body)
            case .instance(let i):
                for c in i.connections where c.port.kind == .input { use(c.value) }
            case .instanceArray(let a):
                for c in a.connections where c.port.kind == .input {
                    switch c.binding {
                    case .shared(let e): use(e)
                    case .slice(let bus, _): read.insert(bus.name)
                    case .index: break
                    }
                }
            case .memory(let m):
                read.insert(m.clock.name)
                for e in [m.writeEnable, m.writeAddress, m.writeData, m.readEnable, m.readAddress] { use(e) }
            case .primitive(let p):
                for e in p.readExprs { use(e) }
            }
        }
        let waived = Set(unusedAllowed)
        return (ports.filter { $0.kind == .input } + signals)
            .map(\.name).filter { !read.contains($0) && !waived.contains($0) }
    }

    /// Memories of the module, in order.
    public var memories: [Memory] {
        items.compactMap { if case .memory(let m) = $0 { return m } else { return nil } }
    }
}

/// Builds a ``Module`` with plain method calls, checking as it goes.
///
/// ```swift
/// let m = ModuleBuilder("counter")
/// let clk = m.clock()                     // input clk
/// let rst = m.reset()                     // input rst (synchronous, active high)
/// let en = m.input("en")
/// let count = m.output("count", width: 8)
/// let value = m.reg("value", width: 8, reset: 0)
/// m.clocked { p in
///     p.when(en) { p.assign(value, value + 1) }
/// }
/// m.assign(count, value)
/// let counter = try m.build()
/// ```
///
/// Problems are collected as ``Diagnostic``s naming the module and the signal,
/// and `build()` throws them all at once as an ``RTLBuildError``.
public final class ModuleBuilder {
    /// Module name.
    public let name: String
    private var documentation: String?
    private var parameters: [Parameter] = []
    private var ports: [Signal] = []
    private var signals: [Signal] = []
    private var items: [ModuleItem] = []
    private var declared: [String: Signal] = [:]
    private var otherNames: Set<String> = []
    private var resetValues: [String: Expr] = [:]
    private var unusedAllowed: [String] = []
    private var unnamedProcesses = 0
    /// Genvar names of instance arrays (name, array): they must not shadow a signal.
    private var genvarNames: [(String, String)] = []
    /// Waive the unused bits of inputs read only in part (``allowPartlyReadInputs()``).
    private var waivePartlyReadInputs = false
    /// Problems found so far.
    public private(set) var diagnostics: [Diagnostic] = []
    /// The clock used by ``clocked(_:clock:reset:resetless:_:)`` when none is given (set by ``clock(_:)``).
    public private(set) var defaultClock: Signal?
    /// The reset used by clocked processes when none is given (set by ``reset(_:)``).
    public private(set) var defaultReset: Signal?

    /// Starts a module called `name` (a Verilog identifier).
    public init(_ name: String, documentation: String? = nil) {
        self.name = name
        self.documentation = documentation
        if !Self.isValidIdentifier(name) {
            error(name, .invalidDeclaration, "'\(name)' is not a valid Verilog module name")
        }
    }

    // MARK: Declarations

    /// Adds a documentation-only parameter (written in the header).
    public func parameter(_ name: String, _ value: some CustomStringConvertible) {
        parameters.append(Parameter(name: name, value: value.description))
    }

    /// Declares an input port.
    @discardableResult
    public func input(_ name: String, width: Int = 1, signed: Bool = false) -> Signal {
        declare(name, width: width, signed: signed, kind: .input)
    }

    /// Declares an output port (driven by exactly one assign, process, instance or memory).
    @discardableResult
    public func output(_ name: String, width: Int = 1, signed: Bool = false) -> Signal {
        declare(name, width: width, signed: signed, kind: .output)
    }

    /// Declares the 1-bit clock input and makes it the default clock of clocked processes.
    public func clock(_ name: String = "clk") -> Signal {
        let s = input(name)
        defaultClock = s
        return s
    }

    /// Declares the 1-bit synchronous, active-high reset input and makes it the
    /// default reset of clocked processes.
    public func reset(_ name: String = "rst") -> Signal {
        let s = input(name)
        defaultReset = s
        return s
    }

    /// Declares an internal wire (driven combinationally).
    public func wire(_ name: String, width: Int = 1, signed: Bool = false) -> Signal {
        declare(name, width: width, signed: signed, kind: .wire)
    }

    /// Declares a wire named `name` with the width and signedness of `value`, and
    /// assigns it continuously: names an intermediate value.
    public func wire(_ name: String, _ value: some ExprConvertible) -> Signal {
        let e = value.expr
        let s = declare(name, width: e.width, signed: e.isSigned, kind: .wire)
        assign(s, e)
        return s
    }

    /// Declares a register (driven by one clocked process). With `reset`, the
    /// process's synchronous reset loads that value.
    public func reg(_ name: String, width: Int = 1, signed: Bool = false, reset: Int? = nil) -> Signal {
        let s = declare(name, width: width, signed: signed, kind: .register)
        if let reset {
            let c = Expr.constant(reset, width: width, signed: signed)
            for p in c.problems { error(name, .widthMismatch, "reset value: \(p)") }
            resetValues[name] = c
        }
        return s
    }

    /// Declares that unused bits of `signal` are intended (emits a Verilator
    /// `UNUSEDSIGNAL` waiver around its declaration). Prefer not needing it.
    public func allowUnused(_ signal: Signal) {
        unusedAllowed.append(signal.name)
    }

    // MARK: Logic

    /// Continuous assignment `assign target = value;` (widths must match).
    public func assign(_ target: Signal, _ value: some ExprConvertible) {
        let e = value.expr
        checkTarget(target, value: e, context: "continuous assign")
        add(.assign(target, e))
    }

    /// Continuous assignment of a literal sized like `target`.
    public func assign(_ target: Signal, _ value: Int) {
        assign(target, Expr.constant(value, width: target.width, signed: target.isSigned))
    }

    /// A combinational process (`always @*`). Every signal it drives must get an
    /// unconditional default assignment before the first `when`/`switchOn`, so no
    /// latch can be inferred. It may drive wires and outputs only.
    public func combinational(_ name: String? = nil, _ body: (ProcessBuilder) -> Void) {
        let pb = ProcessBuilder(isClocked: false)
        body(pb)
        let stmts = pb.statements
        let label = processLabel(name, kind: "combinational")
        checkStatements(stmts, clocked: false, label: label)
        // Defaults before any conditional.
        var defaults = Set<String>()
        for s in stmts {
            guard case .assign(let t, _) = s else { break }
            defaults.insert(t.name)
        }
        var reported = Set<String>()
        for t in stmts.flatMap(\.assignedSignals) where !defaults.contains(t.name) && reported.insert(t.name).inserted {
            error(t.name, .missingDefault,
                  "\(label) assigns it conditionally without a default assignment before its first condition (would infer a latch)")
        }
        add(.process(Process(kind: .combinational, name: name, resets: [], body: stmts)))
    }

    /// A clocked process (`always @(posedge clock)`), with a synchronous reset
    /// (`if (reset) … else …`) that loads the reset values of the registers it
    /// drives. `clock`/`reset` default to those declared with ``clock(_:)`` and
    /// ``reset(_:)``; pass `resetless: true` for a process without reset.
    /// It may drive registers and outputs only.
    public func clocked(_ name: String? = nil, clock: Signal? = nil, reset: Signal? = nil,
                        resetless: Bool = false, _ body: (ProcessBuilder) -> Void) {
        let pb = ProcessBuilder(isClocked: true)
        body(pb)
        let stmts = pb.statements
        let label = processLabel(name, kind: "clocked")
        guard let clk = clock ?? defaultClock else {
            error(name ?? "<clocked process>", .invalidDeclaration, "\(label) has no clock (declare one with clock())")
            return
        }
        let rst = resetless ? nil : (reset ?? defaultReset)
        checkRef(clk, owner: name ?? clk.name)
        if clk.width != 1 { error(clk.name, .widthMismatch, "clock must be 1 bit, is \(clk.width)") }
        if let rst {
            checkRef(rst, owner: name ?? rst.name)
            if rst.width != 1 { error(rst.name, .widthMismatch, "reset must be 1 bit, is \(rst.width)") }
        }
        checkStatements(stmts, clocked: true, label: label)
        var seen = Set<String>()
        var resets: [ResetAssignment] = []
        for t in stmts.flatMap(\.assignedSignals) where seen.insert(t.name).inserted {
            guard let v = resetValues[t.name] else { continue }
            if rst == nil {
                error(t.name, .illegalDriver, "has a reset value but \(label) has no reset")
            } else {
                resets.append(ResetAssignment(register: t, value: v))
            }
        }
        add(.process(Process(kind: .clocked(clock: clk, reset: rst), name: name, resets: resets, body: stmts)))
    }

    /// A 1R1W memory of `depth` words of `width` bits with a registered read
    /// port; returns its read-data register `<name>_rdata`. Addresses must be
    /// ``Memory/addressWidth(depth:)`` bits, enables 1 bit, data `width` bits.
    public func memory(_ name: String, width: Int, depth: Int, clock: Signal? = nil,
                       write: MemoryWritePort, read: MemoryReadPort, readDuringWrite: Memory.ReadDuringWrite = .oldData) -> Signal {
        if otherNames.contains(name) || declared[name] != nil || !Self.isValidIdentifier(name) {
            error(name, .invalidDeclaration, "memory name '\(name)' is invalid or already used")
        }
        otherNames.insert(name)
        if depth < 2 { error(name, .invalidDeclaration, "memory depth \(depth) < 2") }
        let rdata = declare("\(name)_rdata", width: width, signed: false, kind: .register)
        guard let clk = clock ?? defaultClock else {
            error(name, .invalidDeclaration, "memory has no clock (declare one with clock())")
            return rdata
        }
        let aw = Memory.addressWidth(depth: depth)
        let checks: [(String, Expr, Int)] = [
            ("write enable", write.enable, write.enable.width > 1 && width % 8 == 0 ? width / 8 : 1), ("write address", write.address, aw),
            ("write data", write.data, width), ("read enable", read.enable, 1), ("read address", read.address, aw),
        ]
        // (byte enables are emitted as part-selects of the enable and data: signals, not expressions)
        if write.enable.width > 1 {
            for (what, e) in [("write enable", write.enable), ("write data", write.data)] {
                if case .ref = e.node { continue }
                error(name, .invalidDeclaration, "with byte write enables the \(what) must be a signal, not '\(e)'")
            }
        }
        for (what, e, w) in checks {
            for p in e.problems { error(name, .widthMismatch, "\(what): \(p)") }
            if e.width != w { error(name, .widthMismatch, "\(what) '\(e)' is \(e.width) bits, expected \(w)") }
            for r in e.referencedSignals { checkRef(r, owner: name) }
        }
        add(.memory(Memory(name: name, width: width, depth: depth, clock: clk,
                           writeEnable: write.enable, writeAddress: write.address, writeData: write.data,
                           readEnable: read.enable, readAddress: read.address, readData: rdata, readDuringWrite: readDuringWrite)))
        return rdata
    }

    /// Instantiates `module` as `name`. Every port must be connected: inputs to
    /// expressions of the same width, outputs to wires/outputs of this module of
    /// the same width.
    public func instance(_ module: Module, name: String, connections: [String: any ExprConvertible]) {
        if otherNames.contains(name) || declared[name] != nil || !Self.isValidIdentifier(name) {
            error(name, .invalidDeclaration, "instance name '\(name)' is invalid or already used")
        }
        otherNames.insert(name)
        for key in connections.keys.sorted() where module.port(key) == nil {
            error(name, .badConnection, "instance '\(name)' of '\(module.name)' connects '\(key)', which is not a port of '\(module.name)'")
        }
        var conns: [Instance.Connection] = []
        for port in module.ports {
            guard let v = connections[port.name]?.expr else {
                error(name, .badConnection, "instance '\(name)' of '\(module.name)' leaves port '\(port.name)' unconnected")
                continue
            }
            for p in v.problems { error(name, .widthMismatch, "instance '\(name)' port '\(port.name)': \(p)") }
            for r in v.referencedSignals { checkRef(r, owner: name) }
            if v.width != port.width {
                error(name, .badConnection,
                      "instance '\(name)' of '\(module.name)': port '\(port.name)' is \(port.width) bits, connected to the \(v.width)-bit '\(v)'")
            }
            if port.kind == .output {
                if case .ref(let s) = v.node {
                    if s.kind != .wire && s.kind != .output {
                        error(name, .badConnection,
                              "instance '\(name)' output '\(port.name)' drives '\(s.name)', a \(s.kind.rawValue); it must be a wire or output")
                    }
                } else {
                    error(name, .badConnection,
                          "instance '\(name)' output '\(port.name)' must connect to a signal, not to the expression '\(v)'")
                }
            }
            conns.append(Instance.Connection(port: port, value: v))
        }
        add(.instance(Instance(name: name, module: module, connections: conns)))
    }

    /// Instantiates the vendor cell `cell` as `name` for synthesis, with `simulation` (one
    /// expression per connected output: what the cell computes with these parameters and inputs)
    /// for simulators (``PrimitiveCell``). Outputs connect to wires of this module, of the
    /// expression's width. `registers` are the cell's registers these parameters enable, as
    /// registers of this module that simulation loads at every edge of `clock`.
    public func primitive(_ cell: String, name: String, parameters: [Parameter],
                          inputs: [(String, any ExprConvertible)], outputs: [(String, Signal?)],
                          simulation: [(Signal, any ExprConvertible)],
                          registers: [(Signal, any ExprConvertible)] = [], clock: Signal? = nil) {
        if otherNames.contains(name) || declared[name] != nil || !Self.isValidIdentifier(name) || !Self.isValidIdentifier(cell) {
            error(name, .invalidDeclaration, "primitive instance name '\(name)' (of '\(cell)') is invalid or already used")
        }
        otherNames.insert(name)
        var ins: [PrimitiveCell.Input] = []
        for (port, v) in inputs {
            let e = v.expr
            for p in e.problems { error(name, .widthMismatch, "primitive '\(name)' port '\(port)': \(p)") }
            for r in e.referencedSignals { checkRef(r, owner: name) }
            ins.append(.init(port: port, value: e))
        }
        /// Each (signal, value) checked: the value's problems and references, its width the signal's.
        func checked(_ pairs: [(Signal, any ExprConvertible)], _ what: String) -> [(Signal, Expr)] {
            pairs.map { s, v in
                let e = v.expr
                for p in e.problems { error(name, .widthMismatch, "primitive '\(name)' \(what) of '\(s.name)': \(p)") }
                for r in e.referencedSignals { checkRef(r, owner: name) }
                if e.width != s.width {
                    error(name, .widthMismatch, "primitive '\(name)': the \(what) of '\(s.name)' is \(e.width) bits, the signal \(s.width)")
                }
                return (s, e)
            }
        }
        let sims = checked(simulation, "behaviour")
        let regs = checked(registers, "register value")
        for (s, _) in regs where s.kind != .register {
            error(name, .badConnection, "primitive '\(name)' loads '\(s.name)', a \(s.kind.rawValue); it must be a register")
        }
        if let clock { checkRef(clock, owner: name) }
        if regs.isEmpty != (clock == nil) {
            error(name, .badConnection, "primitive '\(name)': registers need a clock, and a clock registers")
        }
        let driven = outputs.compactMap(\.1)
        for s in driven where s.kind != .wire && s.kind != .output {
            error(name, .badConnection, "primitive '\(name)' drives '\(s.name)', a \(s.kind.rawValue); it must be a wire or output")
        }
        if Set(driven.map(\.name)) != Set(sims.map(\.0.name)) || driven.count != sims.count {
            error(name, .badConnection, "primitive '\(name)': every connected output needs exactly one behaviour, and only those")
        }
        add(.primitive(PrimitiveCell(cell: cell, name: name, parameters: parameters, inputs: ins,
                                     outputs: outputs.map { .init(port: $0.0, signal: $0.1) }, simulation: sims,
                                     registers: regs, clock: clock)))
    }

    /// Instantiates `module` once per element of `dimensions` (outermost first; each a genvar name
    /// and a size), emitted as a `generate` loop nest (``InstanceArray``). Every port must be bound:
    /// `.shared(expr)` (inputs: the same value for every element), `.slice(bus, over: dims…)` (the
    /// element's `W`-bit slice of a packed bus of `W · ∏ sizes` bits; outputs must be bound over every
    /// dimension, to a wire or output), or `.index(dim)` (inputs: the element's index along `dim`).
    public func instanceArray(_ module: Module, name: String, dimensions: [(String, Int)],
                              connections: [String: ArrayBinding]) {
        let dims = dimensions.map { InstanceArray.Dimension($0.0, $0.1) }
        let probe = InstanceArray(name: name, module: module, dimensions: dims, connections: [])
        let labels = dims.indices.map(probe.blockLabel)
        if !Self.isValidIdentifier(name) || !Self.isValidIdentifier(probe.instanceName)
            || ([name] + labels).contains(where: { otherNames.contains($0) || declared[$0] != nil }) {
            error(name, .invalidDeclaration, "instance array name '\(name)' is invalid or already used")
        }
        otherNames.insert(name)
        for l in labels { otherNames.insert(l) }
        if dims.isEmpty { error(name, .invalidDeclaration, "instance array '\(name)' has no dimension") }
        var seen = Set<String>()
        for d in dims {
            if !Self.isValidIdentifier(d.name) || !seen.insert(d.name).inserted {
                error(name, .invalidDeclaration, "instance array '\(name)': dimension name '\(d.name)' is invalid or repeated")
            }
            if d.count < 1 { error(name, .invalidDeclaration, "instance array '\(name)': dimension '\(d.name)' has size \(d.count) < 1") }
        }
        genvarNames.append(contentsOf: dims.map { ($0.name, name) })
        let what = "instance array '\(name)' of '\(module.name)'"
        for key in connections.keys.sorted() where module.port(key) == nil {
            error(name, .badConnection, "\(what) connects '\(key)', which is not a port of '\(module.name)'")
        }
        var conns: [InstanceArray.Connection] = []
        for port in module.ports {
            guard let b = connections[port.name]?.binding else {
                error(name, .badConnection, "\(what) leaves port '\(port.name)' unconnected")
                continue
            }
            var bound = b
            switch b {
            case .shared(let v):
                for p in v.problems { error(name, .widthMismatch, "\(what) port '\(port.name)': \(p)") }
                for r in v.referencedSignals { checkRef(r, owner: name) }
                if port.kind == .output {
                    error(name, .badConnection, "\(what): output '\(port.name)' must be bound to a slice of a bus, not shared")
                } else if v.width != port.width {
                    error(name, .badConnection, "\(what): port '\(port.name)' is \(port.width) bits, connected to the \(v.width)-bit '\(v)'")
                }
            case .slice(let bus, let over):
                let names = over.isEmpty ? dims.map(\.name) : over
                bound = .slice(bus, over: names)
                checkRef(bus, owner: name)
                if let bad = names.first(where: { n in !dims.contains { $0.name == n } }) ?? (Set(names).count != names.count ? names.first : nil) {
                    error(name, .badConnection, "\(what): port '\(port.name)' is sliced over '\(bad)', which is not a dimension (or is repeated)")
                }
                let n = probe.elements(over: names)
                if bus.width != n * port.width {
                    error(name, .badConnection, "\(what): port '\(port.name)' (\(port.width) bits) over \(n) elements needs a \(n * port.width)-bit bus, '\(bus.name)' is \(bus.width) bits")
                }
                if port.kind == .output {
                    if bus.kind != .wire && bus.kind != .output {
                        error(name, .badConnection, "\(what): output '\(port.name)' drives '\(bus.name)', a \(bus.kind.rawValue); it must be a wire or output")
                    }
                    if Set(names) != Set(dims.map(\.name)) {
                        error(name, .badConnection, "\(what): output '\(port.name)' must be sliced over every dimension (several elements would drive one slice of '\(bus.name)')")
                    }
                }
            case .index(let d):
                if port.kind == .output {
                    error(name, .badConnection, "\(what): output '\(port.name)' cannot be bound to an index")
                } else if let dim = dims.first(where: { $0.name == d }) {
                    if port.width < 63 && dim.count - 1 >= (1 << port.width) {
                        error(name, .badConnection, "\(what): port '\(port.name)' (\(port.width) bits) cannot hold index \(dim.count - 1) of '\(d)'")
                    }
                } else {
                    error(name, .badConnection, "\(what): port '\(port.name)' is bound to the index of '\(d)', which is not a dimension")
                }
            }
            conns.append(InstanceArray.Connection(port: port, binding: bound))
        }
        add(.instanceArray(InstanceArray(name: name, module: module, dimensions: dims, connections: conns)))
    }

    // MARK: Lint

    /// Inputs of which the module reads only some bits (a field of a register word, the index bits of
    /// a burst counter) get a Verilator `UNUSEDSIGNAL` waiver at `build()`: an engine that takes a
    /// declared channel whole may legitimately use a part of a field.
    public func allowPartlyReadInputs() { waivePartlyReadInputs = true }

    // MARK: Build

    /// Runs the whole-module checks (every wire, register and output driven
    /// exactly once; inputs never driven) and returns the module, or throws an
    /// ``RTLBuildError`` listing every diagnostic.
    public func build() throws -> Module {
        var drivers: [String: [String]] = [:]
        func drive(_ s: Signal, _ by: String) { drivers[s.name, default: []].append(by) }
        for item in items {
            switch item {
            case .assign(let t, _): drive(t, "a continuous assign")
            case .process(let p):
                let label = processLabel(p.name, kind: p.isClocked ? "clocked" : "combinational", counting: false)
                for s in p.drivenSignals { drive(s, label) }
            case .instance(let i):
                for c in i.connections where c.port.kind == .output {
                    if case .ref(let s) = c.value.node { drive(s, "instance '\(i.name)' port '\(c.port.name)'") }
                }
            case .instanceArray(let a):
                for c in a.connections where c.port.kind == .output {
                    if case .slice(let s, _) = c.binding { drive(s, "instance array '\(a.name)' port '\(c.port.name)'") }
                }
            case .memory(let m): drive(m.readData, "memory '\(m.name)' read port")
            case .primitive(let p): for s in p.drivenSignals + p.registers.map(\.0) { drive(s, "primitive '\(p.name)'") }
            }
        }
        for (g, array) in genvarNames where declared[g] != nil {
            error(g, .invalidDeclaration, "dimension '\(g)' of instance array '\(array)' has the name of a signal (the genvar would shadow it)")
        }
        for s in ports + signals {
            let ds = drivers[s.name] ?? []
            if s.kind == .input {
                if !ds.isEmpty { error(s.name, .illegalDriver, "input port is driven by \(ds.joined(separator: " and "))") }
                continue
            }
            if ds.isEmpty {
                error(s.name, .undriven, "\(s.kind.rawValue) is never driven")
            } else if ds.count > 1 {
                error(s.name, .multiplyDriven, "driven by \(ds.joined(separator: " and "))")
            }
        }
        guard diagnostics.isEmpty else { throw RTLBuildError(diagnostics: diagnostics) }
        let partly = waivePartlyReadInputs
            ? Dataflow.partlyRead(ports.filter { $0.kind == .input }, in: items).filter { !unusedAllowed.contains($0) } : []
        return Module(name: name, documentation: documentation, parameters: parameters, ports: ports,
                      signals: signals, items: items, unusedAllowed: unusedAllowed + partly)
    }

    // MARK: Internals

    private func add(_ item: ModuleItem) {
        items.append(item)
    }

    private func error(_ signal: String, _ kind: Diagnostic.Kind, _ message: String) {
        diagnostics.append(Diagnostic(module: name, signal: signal, kind: kind, message: message))
    }

    private func processLabel(_ name: String?, kind: String, counting: Bool = true) -> String {
        if let name { return "\(kind) process '\(name)'" }
        return "a \(kind) process"
    }

    private func declare(_ name: String, width: Int, signed: Bool, kind: SignalKind) -> Signal {
        let s = Signal(name: name, width: max(width, 1), isSigned: signed, kind: kind)
        if !Self.isValidIdentifier(name) {
            error(name, .invalidDeclaration, "'\(name)' is not a valid Verilog identifier")
        }
        if declared[name] != nil || otherNames.contains(name) {
            error(name, .invalidDeclaration, "'\(name)' is declared twice")
        }
        if width < 1 { error(name, .invalidDeclaration, "width \(width) < 1") }
        declared[name] = s
        if s.isPort { ports.append(s) } else { signals.append(s) }
        return s
    }

    private func checkRef(_ s: Signal, owner: String) {
        guard let d = declared[s.name], d.width == s.width, d.kind == s.kind, d.isSigned == s.isSigned else {
            error(owner, .unknownSignal, "refers to '\(s.name)', which is not a signal of module '\(name)'")
            return
        }
    }

    private func checkTarget(_ target: Signal, value: Expr, context: String) {
        checkRef(target, owner: target.name)
        for p in value.problems { error(target.name, .widthMismatch, p) }
        for r in value.referencedSignals { checkRef(r, owner: target.name) }
        if value.width != target.width {
            error(target.name, .widthMismatch,
                  "\(context) of the \(value.width)-bit '\(value)' to the \(target.width)-bit '\(target.name)'")
        }
    }

    private func checkStatements(_ stmts: [Statement], clocked: Bool, label: String) {
        for s in stmts {
            switch s {
            case .assign(let t, let v):
                checkTarget(t, value: v, context: "assignment in \(label)")
                switch t.kind {
                case .input:
                    break // reported by build() as an input with a driver
                case .wire where clocked:
                    error(t.name, .illegalDriver, "wire is assigned in \(label); declare it with reg()")
                case .register where !clocked:
                    error(t.name, .illegalDriver, "register is assigned in \(label); declare it with wire()")
                default:
                    break
                }
            case .when(let c, let th, let el):
                let owner = (th + el).flatMap(\.assignedSignals).first?.name ?? label
                for p in c.problems { error(owner, .widthMismatch, "condition: \(p)") }
                for r in c.referencedSignals { checkRef(r, owner: owner) }
                if c.width != 1 { error(owner, .widthMismatch, "condition '\(c)' in \(label) is \(c.width) bits, must be 1") }
                checkStatements(th, clocked: clocked, label: label)
                checkStatements(el, clocked: clocked, label: label)
            case .switchOn(let sel, let cases, let d):
                let owner = (cases.flatMap(\.1) + d).flatMap(\.assignedSignals).first?.name ?? label
                for p in sel.problems { error(owner, .widthMismatch, "selector: \(p)") }
                for r in sel.referencedSignals { checkRef(r, owner: owner) }
                for (v, body) in cases {
                    for p in v.problems { error(owner, .widthMismatch, "case value: \(p)") }
                    checkStatements(body, clocked: clocked, label: label)
                }
                checkStatements(d, clocked: clocked, label: label)
            }
        }
    }

    static let keywords: Set<String> = [
        "always", "always_comb", "always_ff", "and", "assign", "begin", "bit", "buf", "byte", "case", "casex", "casez",
        "default", "else", "end", "endcase", "endfunction", "endmodule", "for", "function", "generate", "genvar",
        "if", "initial", "inout", "input", "int", "integer", "logic", "localparam", "module", "nand", "negedge",
        "nor", "not", "or", "output", "parameter", "posedge", "reg", "signed", "type", "unsigned", "wire", "xor",
        "xnor", "string", "class", "interface", "package", "return", "while", "do", "final", "new", "this",
    ]

    /// Whether `s` is a plain Verilog identifier and not a keyword.
    static func isValidIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
            && !keywords.contains(s)
    }
}
