import Foundation

/// What nextpnr-ice40's Fmax leaves out of an iCE40 design's SB_MAC16 blocks.
///
/// nextpnr-ice40 times an SB_MAC16's ports as registers on its CLK pin, with nothing through the
/// cell (and a cell whose CLK is tied low as a clock domain of its own, `$PACKER_GND_NET`). That
/// is the cell's timing only when its multiplier runs between the cell's own registers: every
/// used input port registered in it (A_REG, B_REG, C_REG, D_REG) and every used output half taken
/// from one of its registers. A path through any other multiplier is longer than nextpnr says by
/// the multiply's delay (docs/synthesis.md, "Place and route").
public struct MAC16Timing: Codable, Sendable, Equatable {
    /// The multiplier's worst input-to-output delay in ns, 16×16 and 8×8: iCEcube2's timing data
    /// for the UP5K as Project IceStorm ships it (`icefuzz/timings_up5k.txt`, cells
    /// `SB_MAC16_MUL_U_16X16_BYPASS`, B[1] → O[31], and `SB_MAC16_MUL_U_8X8_BYPASS`, B[1] → O[14]),
    /// at the worst corner, the corner of nextpnr-ice40's own delays (its LocalMux, 1.099 ns, is
    /// that file's worst-corner figure).
    public static let multiply16x16Ns = 9.05, multiply8x8Ns = 5.96

    /// One SB_MAC16 of the netlist.
    public struct Cell: Codable, Sendable, Equatable {
        /// The netlist's cell name.
        public var name: String
        /// `MODE_8x8`: two 8×8 multipliers rather than one 16×16.
        public var mode8x8: Bool
        /// Whether its CLK is on a net; false when tied low, and then no register of the cell is used.
        public var clocked: Bool
        /// Used input ports (A, B, C, D) not registered in the cell (all of them when CLK is tied low).
        public var unregisteredInputs: [String]
        /// Used output halves ("top" O[31:16], "bottom" O[15:0]) not taken from a register of the cell.
        public var unregisteredOutputs: [String]

        /// `name` as people read it: without Yosys' `$flatten\` prefix, the RTL files' directory
        /// and the `genblk1.` labels of unnamed generate blocks.
        public var shortName: String {
            var n = name.replacingOccurrences(of: "$flatten\\", with: "").replacingOccurrences(of: "genblk1.", with: "")
            if let r = n.range(of: "\\$[^$]*/", options: .regularExpression) { n.replaceSubrange(r, with: "$") }
            return n
        }

        /// The multiply nextpnr leaves out of a path through this cell's multiplier.
        public var multiplyNs: Double { mode8x8 ? MAC16Timing.multiply8x8Ns : MAC16Timing.multiply16x16Ns }
        /// Whether nextpnr's model of the cell holds: its multiplier between its own registers.
        public var timedByNextpnr: Bool { unregisteredInputs.isEmpty && unregisteredOutputs.isEmpty }
    }

    /// Every SB_MAC16, in the netlist's order.
    public var cells: [Cell]

    /// The cells whose multiplier nextpnr's Fmax does not time.
    public var untimed: [Cell] { cells.filter { !$0.timedByNextpnr } }

    /// The SB_MAC16s of Yosys' JSON netlist at `path` (module `top`).
    public static func audit(netlistAt path: String, top: String) throws -> MAC16Timing {
        let m = try Netlist.module(json: Data(contentsOf: URL(fileURLWithPath: path)), top: top)
        return audit(m)
    }

    static func audit(_ m: NetlistModule) -> MAC16Timing {
        // the nets something reads: cell inputs and the module's outputs
        var read = Set<Int>()
        for c in m.cells {
            for (port, bits) in c.connections where (c.directions[port] ?? "input") != "output" { for b in bits { if let b { read.insert(b) } } }
        }
        for p in m.ports where p.direction != "input" { for b in p.bits { if let b { read.insert(b) } } }
        var cells: [Cell] = []
        for c in m.cells where c.type == "SB_MAC16" {
            let ports = Dictionary(c.connections.map { ($0.port, $0.bits) }, uniquingKeysWith: { a, _ in a })
            let r = Registers(clocked: ports["CLK"]?.contains { $0 != nil } ?? false) { c.parameters[$0].flatMap { Int($0, radix: 2) } ?? 0 }
            let inputs = ["A", "B", "C", "D"].filter { p in (ports[p]?.contains { $0 != nil } ?? false) && !r.holds(input: p) }
            let o = ports["O"] ?? []
            func used(_ r: Range<Int>) -> Bool { r.contains { $0 < o.count && o[$0].map(read.contains) == true } }
            var outputs: [String] = []
            if used(16..<32) && !r.holds(output: "TOP") { outputs.append("top") }
            if used(0..<16) && !r.holds(output: "BOT") { outputs.append("bottom") }
            cells.append(Cell(name: c.name, mode8x8: r.flag("MODE_8x8") == 1, clocked: r.clocked, unregisteredInputs: inputs, unregisteredOutputs: outputs))
        }
        return MAC16Timing(cells: cells)
    }

    /// Which of an SB_MAC16's ports its own registers hold, from its parameters (`flag`: a
    /// parameter's value; the cell's simulation model, Yosys' `cells_sim.v`).
    struct Registers {
        /// Whether its CLK is on a net: without, no register of the cell is used.
        let clocked: Bool
        let flag: (String) -> Int
        /// Whether input port `port` (A, B, C, D) is registered in the cell.
        func holds(input port: String) -> Bool { clocked && flag("\(port)_REG") == 1 }
        /// Whether output half `half` ("TOP" O[31:16], "BOT" O[15:0]) is taken from a register of the cell.
        func holds(output half: String) -> Bool {
            guard clocked else { return false }
            switch flag("\(half)OUTPUT_SELECT") {
            case 1: return true                                         // the accumulator register
            case 2: return flag("\(half)_8x8_MULT_REG") == 1            // the 8×8 product
            case 3: return flag("PIPELINE_16x16_MULT_REG2") == 1        // the 16×16 product
            default: return false                                       // the adder, unregistered
            }
        }
    }

    /// A copy of the place-and-route netlist (Yosys' JSON, every module) in which nextpnr-ice40
    /// times the paths that run through the multiply of a clocked SB_MAC16 outside its figure
    /// (an input or an output half its registers do not hold): each such cell's CLK and CE tied
    /// low, so that nextpnr times its ports as a clock domain of their own (`$PACKER_GND_NET`), as
    /// it does a cell without registers, while the inputs its registers hold are tied to 0 and the
    /// output halves they hold cut — those paths end or start at a register, which the design's own
    /// run times. nil when no clocked cell is outside the figure.
    public static func analysisNetlist(_ json: Data) throws -> Data? {
        guard var root = try JSONSerialization.jsonObject(with: json) as? [String: Any],
              var modules = root["modules"] as? [String: Any] else { throw LogicDepthError(message: "not a Yosys JSON netlist: no \"modules\"") }
        // (fresh nets for the cut outputs: above every net the netlist numbers)
        var next = 2
        func scan(_ v: Any) {
            if let n = v as? Int { next = max(next, n + 1) } else if let a = v as? [Any] { a.forEach(scan) } else if let d = v as? [String: Any] { d.values.forEach(scan) }
        }
        for (_, m) in modules { if let cells = (m as? [String: Any])?["cells"] { scan(cells) } }
        var changed = false
        for (name, mv) in modules {
            guard var module = mv as? [String: Any], var cells = module["cells"] as? [String: Any] else { continue }
            for (cn, cv) in cells {
                guard var cell = cv as? [String: Any], cell["type"] as? String == "SB_MAC16",
                      var conn = cell["connections"] as? [String: Any] else { continue }
                let params = cell["parameters"] as? [String: Any] ?? [:]
                func isNet(_ bits: Any?) -> Bool { (bits as? [Any])?.contains { $0 is Int } ?? false }
                let r = Registers(clocked: isNet(conn["CLK"])) { p in
                    if let s = params[p] as? String { return Int(s, radix: 2) ?? 0 }
                    return (params[p] as? Int) ?? 0
                }
                guard r.clocked else { continue }
                let o = conn["O"] as? [Any] ?? []
                let halves = [("TOP", 16..<32), ("BOT", 0..<16)].filter { _, range in range.contains { $0 < o.count && o[$0] is Int } }
                let inputs = ["A", "B", "C", "D"].filter { isNet(conn[$0]) }
                guard inputs.contains(where: { !r.holds(input: $0) }) || halves.contains(where: { !r.holds(output: $0.0) }) else { continue }
                for p in ["CLK", "CE"] { conn[p] = ["0"] }
                for p in inputs where r.holds(input: p) { conn[p] = ((conn[p] as? [Any]) ?? []).map { _ in "0" } }
                var cut = o
                for (half, range) in halves where r.holds(output: half) {
                    for i in range where i < cut.count && cut[i] is Int { cut[i] = next; next += 1 }
                }
                conn["O"] = cut
                cell["connections"] = conn
                cells[cn] = cell
                changed = true
            }
            module["cells"] = cells
            modules[name] = module
        }
        guard changed else { return nil }
        root["modules"] = modules
        return try JSONSerialization.data(withJSONObject: root)
    }
}
