/// What the items of a module read: the lint waivers for inputs of which an engine uses only a
/// field (``ModuleBuilder/allowPartlyReadInputs()``).
enum Dataflow {
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
        case .primitive(let p):
            return p.readExprs
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
