import Foundation

/// The logic a source of the generated Verilog costs in a mapped netlist: the LUTs, flip-flops
/// and carry cells attributed to one line (`port_sequencer.sv:946`) or, where synthesis kept no
/// line, to the signal they drive (`u_port_sequencer.rsp_tag_addr`).
public struct SourceCost: Codable, Sendable, Equatable {
    /// `file.sv:line` (the file's name without its directory), or a signal of the flattened design.
    public var source: String
    /// The line's text, trimmed (when the RTL directory was given and the source is a line).
    public var text: String?
    public var luts: Int
    public var flipFlops: Int
    public var carries: Int
    /// LUTs, flip-flops and carries together: an upper bound of the logic cells on an iCE40,
    /// where the packer puts a LUT with the flip-flop it feeds, or with a carry, in one cell.
    public var total: Int { luts + flipFlops + carries }

    public init(source: String, text: String? = nil, luts: Int = 0, flipFlops: Int = 0, carries: Int = 0) {
        self.source = source; self.text = text; self.luts = luts; self.flipFlops = flipFlops; self.carries = carries
    }
}

/// Where the logic of a flattened, mapped Yosys netlist comes from (`sparsetile synth --by-source`).
///
/// Yosys keeps a `src` attribute (`file:line.col-line.col`, the instance chain joined by `|`) on
/// the flip-flops and carries it maps, naming the generated Verilog line whose process or
/// expression made them; the deepest `.sv` entry is the line. ABC's LUTs carry none: a LUT is
/// charged to the first thing it feeds that has a name — a signal Yosys kept (the register or wire
/// its output drives), else the line of the flip-flop or carry it feeds — following LUT chains
/// forward. The per-engine view (`--by-engine`) says which engine; this says which lines.
public enum SourceAttribution {
    /// The costs of the netlist at `path`, most cells first (ties by source). `rtlDir`: where the
    /// `.sv` files are, for each line's text.
    public static func costs(netlistAt path: String, top: String?, rtlDir: String? = nil) throws -> [SourceCost] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LogicDepthError(message: "cannot read the netlist \(path)")
        }
        return try costs(json: data, top: top, rtlDir: rtlDir)
    }

    /// The costs of the netlist `json` (Yosys `write_json`), most cells first.
    public static func costs(json: Data, top: String?, rtlDir: String? = nil) throws -> [SourceCost] {
        let m = try Netlist.module(json: json, top: top)
        var consumers: [Int: [Int]] = [:]
        for (i, c) in m.cells.enumerated() {
            for (port, bits) in c.connections where c.directions[port] == "input" {
                for b in bits { if let b { consumers[b, default: []].append(i) } }
            }
        }
        /// The last `.sv` entry of a cell's `src`: (file name, line).
        func line(_ c: NetlistCell) -> String? {
            guard let src = c.source else { return nil }
            for part in src.split(separator: "|").reversed() {
                guard let r = part.range(of: ".sv:") else { continue }
                let file = (String(part[..<r.upperBound].dropLast()) as NSString).lastPathComponent
                let digits = part[r.upperBound...].prefix { $0.isNumber }
                if !digits.isEmpty { return "\(file):\(digits)" }
            }
            return nil
        }
        func outputs(_ c: NetlistCell) -> [Int] {
            c.connections.filter { c.directions[$0.port] == "output" }.flatMap { $0.bits.compactMap { $0 } }
        }
        /// The signal name of a net without its bit index.
        func signal(_ net: Int) -> String? {
            guard let n = m.netNames[net] else { return nil }
            if n.hasSuffix("]"), let open = n.lastIndex(of: "[") { return String(n[..<open]) }
            return n
        }
        var memo: [Int: String] = [:]
        var visiting: Set<Int> = []
        /// Cell i's source: its own line (not a LUT's), a named net it drives, or its consumers'.
        func source(_ i: Int) -> String? {
            if let s = memo[i] { return s }
            let c = m.cells[i]
            if kind(c.type) != .lut, let l = line(c) { memo[i] = l; return l }
            for b in outputs(c) { if let s = signal(b) { memo[i] = s; return s } }
            guard visiting.insert(i).inserted else { return nil }
            defer { visiting.remove(i) }
            for b in outputs(c) {
                for j in consumers[b] ?? [] { if let s = source(j) { memo[i] = s; return s } }
            }
            return nil
        }
        var byKey: [String: SourceCost] = [:]
        for (i, c) in m.cells.enumerated() {
            let k = kind(c.type)
            guard k != .other else { continue }
            let s = source(i) ?? "(unattributed)"
            var e = byKey[s] ?? SourceCost(source: s)
            switch k {
            case .lut: e.luts += 1
            case .flipFlop: e.flipFlops += 1
            case .carry: e.carries += 1
            case .other: break
            }
            byKey[s] = e
        }
        var texts: [String: [Substring]] = [:]
        var out = Array(byKey.values)
        if let rtlDir {
            for i in out.indices {
                let parts = out[i].source.split(separator: ":")
                guard parts.count == 2, parts[0].hasSuffix(".sv"), let n = Int(parts[1]) else { continue }
                let file = String(parts[0])
                if texts[file] == nil {
                    let path = (rtlDir as NSString).appendingPathComponent(file)
                    texts[file] = (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n", omittingEmptySubsequences: false) ?? []
                }
                if let lines = texts[file], n >= 1, n <= lines.count {
                    var text = lines[n - 1].trimmingCharacters(in: .whitespaces)
                    // (a process's line says only `always`: the generator names it in the comment above)
                    if text.hasPrefix("always"), n >= 2 {
                        let above = lines[n - 2].trimmingCharacters(in: .whitespaces)
                        if above.hasPrefix("// ") { text += " " + above }
                    }
                    out[i].text = text
                }
            }
        }
        return out.sorted { $0.total != $1.total ? $0.total > $1.total : $0.source < $1.source }
    }

    enum Kind { case lut, flipFlop, carry, other }

    /// iCE40 (`SB_LUT4`, `SB_DFF*`, `SB_CARRY`) and Xilinx (`LUT1`…`LUT6`, `FD*`, `CARRY4/8`) cells.
    static func kind(_ type: String) -> Kind {
        if type == "SB_LUT4" { return .lut }
        if type.hasPrefix("SB_DFF") { return .flipFlop }
        if type == "SB_CARRY" { return .carry }
        switch CellKind(type: type) {
        case .lut: return .lut
        case .flipFlop: return .flipFlop
        case .carry4, .carry8: return .carry
        default: return .other
        }
    }
}
