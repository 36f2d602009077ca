/// The resources of one engine of the accelerator (an instance of the top and everything under it),
/// from a synthesis that keeps the hierarchy (`sparsetile synth --by-engine`): where the logic goes.
public struct EngineResources: Codable, Sendable, Equatable {
    /// The engine's module name without the design's prefix (`port_sequencer`), or `top` for the
    /// top module's own cells.
    public var engine: String
    public var luts: Int
    public var flipFlops: Int
    public var dsps: Int
    public var blockRams: Int
    /// iCE40 carry cells (SB_CARRY), which sit beside the LUTs of an adder: the adders' share.
    public var carries: Int
    /// iCE40: the logic cells of the engine alone, as nextpnr-ice40's packer fills them (its
    /// mapped netlist flattened under the engine's module); nil without nextpnr-ice40.
    public var logicCells: Int?
    /// The engine's module (with the design's prefix), one per instance counted in `count`.
    public var module: String?
    public var count: Int?

    /// Each engine's cells rolled up over its submodules (`count ×` the submodule's roll-up), by
    /// `moduleCells` (``YosysStat/moduleCells(_:)``) of the design whose top is `top`, most LUTs first.
    public static func rollUp(_ moduleCells: [String: [String: Int]], top: String, target: SynthTarget) -> [EngineResources] {
        var memo: [String: [String: Int]] = [:]
        func total(_ module: String) -> [String: Int] {
            if let t = memo[module] { return t }
            var out: [String: Int] = [:]
            for (cell, n) in moduleCells[module] ?? [:] {
                if moduleCells[cell] != nil { for (c, m) in total(cell) { out[c, default: 0] += n * m } }
                else { out[cell, default: 0] += n }
            }
            memo[module] = out
            return out
        }
        // the design's module-name prefix: the top's name up to its last "_" (`st_1f2dcf4c_accel`)
        let prefix = top.lastIndex(of: "_").map { String(top[...$0]) } ?? ""
        var rows: [EngineResources] = []
        var own: [String: Int] = [:]
        for (cell, n) in moduleCells[top] ?? [:] {
            guard moduleCells[cell] != nil else { own[cell, default: 0] += n; continue }
            let cells = total(cell).mapValues { $0 * n }
            var r = row(cell.hasPrefix(prefix) ? String(cell.dropFirst(prefix.count)) : cell, cells, target)
            r.module = cell; r.count = n
            rows.append(r)
        }
        if !own.isEmpty { rows.append(row("top", own, target)) }
        return rows.sorted { ($0.luts, $1.engine) > ($1.luts, $0.engine) }
    }

    static func row(_ name: String, _ cells: [String: Int], _ target: SynthTarget) -> EngineResources {
        let r = target.resources(cells)
        return EngineResources(engine: name, luts: r.luts, flipFlops: r.ffs, dsps: r.dsps, blockRams: r.brams, carries: cells["SB_CARRY"] ?? 0)
    }
}
