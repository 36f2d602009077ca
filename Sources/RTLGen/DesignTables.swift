extension Module {
    /// Every module of the hierarchy under this one, each once (by name), submodules first and this
    /// module last: the order of ``VerilogEmitter/emitDesign(_:)``'s files.
    public var hierarchy: [Module] {
        var out: [Module] = []
        var seen = Set<String>()
        func visit(_ m: Module) {
            guard !seen.contains(m.name) else { return }
            for sub in m.instantiatedModules { visit(sub) }
            if seen.insert(m.name).inserted { out.append(m) }
        }
        visit(self)
        return out
    }
}

/// Markdown tables describing a generated design, computed from the IR so that documentation
/// generated from them cannot drift (docs/accelerator-rtl.md; `AcceleratorPortTests` checks it):
/// every module with its file's lines, its ports and where it is instantiated, and the ports of
/// each module the top instantiates directly (the engines).
///
/// Module names are shown without `prefix` (the design's module-name prefix).
public enum DesignTables {
    /// `| module | lines | ports | instantiated as |`, in file order (submodules first).
    public static func modules(_ top: Module, files: [VerilogFile], prefix: String = "") -> String {
        let lines = Dictionary(files.map { ($0.moduleName, $0.contents.split(separator: "\n", omittingEmptySubsequences: false).count - 1) },
                               uniquingKeysWith: { a, _ in a })
        let all = top.hierarchy
        var uses: [String: [String]] = [:]
        for parent in all {
            for item in parent.items {
                switch item {
                case .instance(let i):
                    uses[i.module.name, default: []].append("`\(short(parent.name, prefix))`: `\(i.name)`")
                case .instanceArray(let a):
                    let dims = a.dimensions.map { "\($0.count)" }.joined(separator: "×")
                    uses[a.module.name, default: []].append("`\(short(parent.name, prefix))`: `\(a.name)` (\(dims))")
                default: break
                }
            }
        }
        var out = ["| module | lines | ports | instantiated as |", "|---|---:|---:|---|"]
        for m in all {
            let where_ = uses[m.name]?.joined(separator: ", ") ?? "top"
            out.append("| `\(short(m.name, prefix))` | \(lines[m.name] ?? 0) | \(m.ports.count) | \(where_) |")
        }
        out.append("| **total** | \(all.reduce(0) { $0 + (lines[$1.name] ?? 0) }) | | |")
        return out.joined(separator: "\n") + "\n"
    }

    /// One table per module the top instantiates directly, in instance order:
    /// `| port | dir | width | from / to |`. A width reads `W (n × w)` for a packed bus of n elements
    /// of w bits that an instance array slices (n per dimension, `8·8·8`); "from / to" names the
    /// engine driving an input or the engines reading an output (`top` for the top's own ports).
    public static func enginePorts(_ top: Module, prefix: String = "") -> String {
        let engines: [(String, Module)] = top.items.compactMap { if case .instance(let i) = $0 { return (i.name, i.module) } else { return nil } }
        // Packed-bus structure from the instance arrays of the whole design.
        var shape: [String: String] = [:]
        for m in top.hierarchy {
            for a in m.instanceArrays {
                for c in a.connections {
                    guard case .slice(let bus, let over) = c.binding, shape[bus.name] == nil, bus.width > c.port.width else { continue }
                    let counts = over.map { d in "\(a.dimensions.first { $0.name == d }!.count)" }.joined(separator: "·")
                    shape[bus.name] = "\(counts) × \(c.port.width)"
                }
            }
        }
        var drivers: [String: String] = [:], readers: [String: [String]] = [:]
        for (_, e) in engines {
            let n = short(e.name, prefix)
            for p in e.ports {
                if p.kind == .output { drivers[p.name] = n } else { readers[p.name, default: []].append(n) }
            }
        }
        for p in top.ports {
            if p.kind == .input { drivers[p.name] = "top" } else { readers[p.name, default: []].append("top") }
        }
        var out: [String] = []
        for (inst, e) in engines {
            out.append("#### `\(short(e.name, prefix))` (`\(inst)`, \(e.ports.count) ports)")
            out.append("")
            out.append("| port | dir | width | from / to |")
            out.append("|---|---|---:|---|")
            for p in e.ports {
                let width = shape[p.name].map { "\(p.width) (\($0))" } ?? "\(p.width)"
                let peer = p.kind == .input ? (drivers[p.name] ?? "") : (readers[p.name] ?? []).filter { $0 != short(e.name, prefix) }.joined(separator: ", ")
                out.append("| `\(p.name)` | \(p.kind == .input ? "in" : "out") | \(width)\(p.isSigned ? " signed" : "") | \(peer) |")
            }
            out.append("")
        }
        return out.joined(separator: "\n")
    }

    static func short(_ name: String, _ prefix: String) -> String {
        !prefix.isEmpty && name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
    }
}
