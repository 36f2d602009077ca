/// Splits a checked flat module into a top that instantiates one submodule per group of
/// items (``ModuleBuilder/submodule(_:documentation:)``).
///
/// Purely structural: every item keeps its expressions and every signal its name, so the
/// hierarchical design behaves exactly like the flat one. Ports are derived from the
/// dataflow: a submodule's inputs are the signals its items read but do not drive (in
/// declaration order, so the clock and reset come first), its outputs the signals it drives
/// that another submodule, the top, or the top's own ports need. An instance array is one item,
/// like an instance: it drives the buses its outputs are bound to and reads its inputs' buses.
struct Partition {
    let flat: Module
    let itemSubmodules: [String?]
    let documentation: [String: String]
    /// The module name of a group.
    let moduleName: (String) -> String

    func hierarchical() -> Module {
        let order = flat.ports + flat.signals
        let declared = Dictionary(order.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        let topOutputs = Set(flat.ports.filter { $0.kind == .output }.map(\.name))

        // Which group drives each signal, and which groups read it ("" is the top).
        var driver: [String: String] = [:]
        var readers: [String: Set<String>] = [:]
        var groups: [String] = []
        for (item, group) in zip(flat.items, itemSubmodules) {
            let g = group ?? ""
            if !g.isEmpty && !groups.contains(g) { groups.append(g) }
            for s in Self.driven(by: item) { driver[s] = g }
            for s in Self.readNames(of: item) { readers[s, default: []].insert(g) }
        }
        for s in topOutputs { readers[s, default: []].insert("") }

        var topItems: [ModuleItem] = []
        var topSignals: [Signal] = []
        var placed = Set<String>()
        for (item, group) in zip(flat.items, itemSubmodules) {
            guard let g = group else { topItems.append(item); continue }
            guard placed.insert(g).inserted else { continue }
            let own = zip(flat.items, itemSubmodules).filter { $0.1 == g }.map(\.0)
            let read = Set(own.flatMap(Self.readNames))
            let inputs = order.filter { read.contains($0.name) && driver[$0.name] != g }
            let outputs = order.filter { driver[$0.name] == g && !(readers[$0.name] ?? []).subtracting([g]).isEmpty }
            let outputNames = Set(outputs.map(\.name))
            let internals = flat.signals.filter { driver[$0.name] == g && !outputNames.contains($0.name) }
            let ports = (inputs.map { Signal(name: $0.name, width: $0.width, isSigned: $0.isSigned, kind: .input) }
                + outputs.map { Signal(name: $0.name, width: $0.width, isSigned: $0.isSigned, kind: .output) })
                .sorted { declared[$0.name]! < declared[$1.name]! }
            let internalNames = Set(internals.map(\.name))
            let partlyRead = Self.partlyRead(inputs, in: own)
            let sub = Module(name: moduleName(g), documentation: documentation[g], parameters: [],
                             ports: ports, signals: internals, items: own,
                             unusedAllowed: flat.unusedAllowed.filter { internalNames.contains($0) } + partlyRead)
            for o in outputs where !topOutputs.contains(o.name) {
                topSignals.append(Signal(name: o.name, width: o.width, isSigned: o.isSigned, kind: .wire))
            }
            topItems.append(.instance(Instance(name: "u_\(g)", module: sub,
                                               connections: ports.map { .init(port: $0, value: flat.signal($0.name)!.expr) })))
        }
        // Signals the top's own items drive stay in the top.
        topSignals += flat.signals.filter { (driver[$0.name] ?? "") == "" }
        topSignals.sort { declared[$0.name]! < declared[$1.name]! }
        let topOwn = Set(flat.signals.filter { (driver[$0.name] ?? "") == "" }.map(\.name))
        return Module(name: flat.name, documentation: flat.documentation, parameters: flat.parameters,
                      ports: flat.ports, signals: topSignals, items: topItems,
                      unusedAllowed: flat.unusedAllowed.filter { topOwn.contains($0) })
    }

    // MARK: Dataflow of one item

    static func driven(by item: ModuleItem) -> [String] {
        switch item {
        case .assign(let t, _): return [t.name]
        case .process(let p): return p.drivenSignals.map(\.name)
        case .memory(let m): return [m.readData.name]
        case .instance(let i):
            return i.connections.compactMap {
                guard $0.port.kind == .output, case .ref(let s) = $0.value.node else { return nil }
                return s.name
            }
        case .instanceArray(let a):
            return a.connections.compactMap {
                guard $0.port.kind == .output, case .slice(let s, _) = $0.binding else { return nil }
                return s.name
            }
        }
    }

    static func readExprs(of item: ModuleItem) -> [Expr] {
        switch item {
        case .assign(_, let v): return [v]
        case .process(let p):
            var out: [Expr] = []
            if case .clocked(let clk, let rst) = p.kind {
                out.append(clk.expr)
                if let rst, !p.resets.isEmpty { out.append(rst.expr) }
            }
            func walk(_ stmts: [Statement]) {
                for st in stmts {
                    switch st {
                    case .assign(_, let v): out.append(v)
                    case .when(let c, let t, let e): out.append(c); walk(t); walk(e)
                    case .switchOn(let sel, let cases, let d):
                        out.append(sel)
                        for (_, body) in cases { walk(body) }
                        walk(d)
                    }
                }
            }
            walk(p.body)
            return out
        case .memory(let m):
            return [m.clock.expr, m.writeEnable, m.writeAddress, m.writeData, m.readEnable, m.readAddress]
        case .instance(let i):
            return i.connections.filter { $0.port.kind == .input }.map(\.value)
        case .instanceArray(let a):
            // A sliced bus is read whole: the elements cover all of it.
            return a.connections.filter { $0.port.kind == .input }.compactMap {
                switch $0.binding {
                case .shared(let e): return e
                case .slice(let bus, _): return bus.expr
                case .index: return nil
                }
            }
        }
    }

    static func readNames(of item: ModuleItem) -> [String] {
        readExprs(of: item).flatMap(\.referencedSignals).map(\.name)
    }

    /// Inputs of which `items` read only some bits (constant slices or truncations): each
    /// gets a lint waiver, since the engine legitimately takes one field of a wider word.
    static func partlyRead(_ inputs: [Signal], in items: [ModuleItem]) -> [String] {
        var bits = Dictionary(uniqueKeysWithValues: inputs.map { ($0.name, [Bool](repeating: false, count: $0.width)) })
        func mark(_ name: String, _ range: ClosedRange<Int>) {
            guard var b = bits[name] else { return }
            for i in range where i < b.count { b[i] = true }
            bits[name] = b
        }
        func walk(_ e: Expr) {
            switch e.node {
            case .ref(let s): mark(s.name, 0...(s.width - 1))
            case .slice(let a, let hi, let lo):
                if case .ref(let s) = a.node { mark(s.name, lo...hi) } else { walk(a) }
            case .truncate(let a):
                if case .ref(let s) = a.node { mark(s.name, 0...(e.width - 1)) } else { walk(a) }
            default: for c in e.children { walk(c) }
            }
        }
        for e in items.flatMap(readExprs) { walk(e) }
        return inputs.filter { bits[$0.name]!.contains(false) }.map(\.name)
    }
}

extension Module {
    /// The port or internal signal called `name`.
    func signal(_ name: String) -> Signal? { ports.first { $0.name == name } ?? signals.first { $0.name == name } }
}
