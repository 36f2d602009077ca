import Foundation

// Logic depth and an Fmax *estimate* for Xilinx netlists, which no open tool places and routes.
//
// The walker reads Yosys' JSON netlist of the mapped, flattened design (`write_json` after
// `synth_xilinx -flatten`) and finds, by a longest-path pass over the combinational graph, the
// register-to-register path with the greatest estimated delay. Yosys' own `ltp -noff` does not do
// this: it counts CARRY4 and MUXF cells as levels and walks through block RAMs and DSPs.
// docs/synthesis.md ("Xilinx: logic levels and the Fmax estimate") explains the model and its limits.

/// Per-family delays (ns) of the Fmax estimate. Every figure is an estimate of a routed design
/// at speed grade -1; the net delay is an assumption, and it dominates.
///
/// Sources, cited per field: the Xilinx cell library Yosys ships (`/usr/share/yosys/xilinx/cells_sim.v`,
/// whose `specify` blocks carry Vivado's timing model for Artix-7 -1 as extracted by Project X-Ray,
/// prjxray-db `artix7/timings/*.sdf`; cited "prjxray"), and a Vivado routed timing report of a
/// Zynq-7000 XC7Z010-1 design (a Zybo SHA-256 course project on GitHub; cited "Vivado report"),
/// whose cell arcs agree with prjxray's to within 0.03 ns.
public struct XilinxDelays: Sendable, Equatable {
    /// `synth_xilinx -family` the figures are for.
    public var family: String
    /// Flip-flop clock to Q. Vivado report: `Prop_fdre_C_Q` 0.456 (prjxray: 0.303).
    public var clockToOut: Double
    /// One LUT, input to output. Vivado report: 0.118–0.326 by input pin (prjxray, LUT6: 0.127 from
    /// I5 to 0.642 from I0); 0.2 stands for "the placer puts the critical input on a fast pin, mostly".
    public var lut: Double
    /// One hop over general routing (assumption). The Vivado report's routed nets: 0.44–1.33 ns,
    /// mean 0.77 (fanout 1–62). Hops inside a slice (LUT → MUXF7/8, LUT → CARRY4 S/DI, CO → CI,
    /// DSP cascades) cost nothing, as Vivado reports them (0.000).
    public var net: Double
    /// Flip-flop setup: D (Vivado report `Setup_fdre_C_D` 0.031; prjxray -0.046), CE (prjxray 0.109),
    /// synchronous/asynchronous reset or set (prjxray 0.404).
    public var setupD: Double, setupCE: Double, setupReset: Double
    /// Clock uncertainty subtracted from the period (Vivado report: 0.213 on a PS7 clock). Skew is ignored.
    public var clockUncertainty: Double
    /// MUXF7 and MUXF8, worst arc (prjxray: select to O 0.296 and 0.273; data 0.217–0.223 and 0.094–0.104).
    public var muxF7: Double, muxF8: Double
    /// Block RAM clock to DO without and with the output register (prjxray: 2.454 and 0.882), and
    /// the worst input setup (prjxray: DI 0.737, ADDR 0.566, WE 0.532).
    public var bramClockToOut: Double, bramClockToOutRegistered: Double, bramSetup: Double
    /// LUT RAM write clock to DO (prjxray RAM64M: 1.153) and the worst write-side setup (WE 0.654).
    public var lutRAMClockToOut: Double, lutRAMSetup: Double
    /// SRL16E/SRLC32E clock to Q (prjxray: 1.472) and D setup (0.173).
    public var srlClockToOut: Double, srlSetup: Double
    /// DSP48 control pins (OPMODE, ALUMODE, CE, RST, …): assumption, prjxray gives no figure.
    public var dspControlSetup: Double
    /// Whether the figures are another family's standing in (the estimate is then pessimistic).
    public var standIn: Bool

    /// Zynq-7000 / Artix-7, speed grade -1.
    public static let xc7 = XilinxDelays(
        family: "xc7", clockToOut: 0.456, lut: 0.2, net: 0.75, setupD: 0.031, setupCE: 0.109, setupReset: 0.404,
        clockUncertainty: 0.2, muxF7: 0.296, muxF8: 0.273, bramClockToOut: 2.454, bramClockToOutRegistered: 0.882,
        bramSetup: 0.737, lutRAMClockToOut: 1.153, lutRAMSetup: 0.654, srlClockToOut: 1.472, srlSetup: 0.173,
        dspControlSetup: 0.5, standIn: false)

    /// UltraScale+: no per-family figures here, so the 7-series ones stand in (UltraScale+ is
    /// faster, so the estimate is pessimistic); a CARRY8 counts as two CARRY4 lengths.
    public static let xcup: XilinxDelays = {
        var d = xc7
        d.family = "xcup"; d.standIn = true
        return d
    }()

    /// The figures for `synth_xilinx -family`: `xcup` or else 7-series.
    public static func family(_ f: String) -> XilinxDelays { f == "xcup" ? .xcup : .xc7 }
}

/// The register-to-register path with the greatest estimated delay.
public struct LogicPath: Codable, Sendable, Equatable {
    /// Start point: a flip-flop, block RAM, DSP or LUT RAM output, or a top-level input (`port`).
    public var startCell: String
    public var startType: String
    public var startPin: String
    /// End point: a flip-flop, block RAM or DSP input, or a top-level output (`port`).
    public var endCell: String
    public var endType: String
    public var endPin: String
    /// The signal the start point drives and, for a flip-flop end point, the register it writes
    /// (its Q); otherwise the signal at the end pin. Yosys' names (`u_engine.reg[3]`), when it kept one.
    public var startSignal: String?
    public var endSignal: String?
    /// LUT levels (LUT1–LUT6, INV, a LUT RAM or SRL read from its address).
    public var lutLevels: Int
    /// CARRY4/CARRY8 cells the path crosses (chain length; several chains add up).
    public var carryCells: Int
    /// MUXF7/MUXF8 cells (a small delay each, not a level).
    public var muxes: Int
    /// DSP48 blocks crossed combinationally (ones without the register between the pins the path uses).
    public var dspBlocks: Int
    /// Estimated minimum clock period for this path: clock to out, cells, nets, setup and clock
    /// uncertainty (ns). An estimate, not a timing sign-off.
    public var periodNs: Double
    /// Cell types from start to end, e.g. `["FDRE", "LUT6", "CARRY4", "CARRY4", "FDRE"]`.
    public var cellTypes: [String]
}

/// What ``LogicDepth/analyse(json:top:delays:)`` finds in a mapped netlist.
public struct LogicDepthReport: Sendable, Equatable {
    /// The slowest path by the estimate.
    public var critical: LogicPath
    /// The most LUT levels on any path (may exceed `critical.lutLevels` on a path with less carry or RAM delay).
    public var maxLutLevels: Int
    /// 1000 / `critical.periodNs`: an **estimate** of Fmax.
    public var fmaxMHz: Double
    /// The delays used.
    public var delays: XilinxDelays
    /// Nets left out because they sit on (or behind) a combinational loop.
    public var loopNets: Int
    /// Cell types the walker does not know, treated as registered boundaries.
    public var unknownTypes: [String]
    /// The end points reached by more than ``LogicDepth/levelBudget`` LUT levels, one entry per
    /// register or RAM port (its bits together), deepest first: what stands between the design and
    /// the budget.
    public var deepEndPoints: [DeepEndPoint] = []
}

/// A register (or RAM or DSP input) whose deepest input path exceeds the LUT-level budget.
public struct DeepEndPoint: Codable, Sendable, Equatable {
    /// The register's name without its bit index (`u_port_sequencer.ldr_addr`), or `cell pin` when
    /// the netlist kept no name.
    public var signal: String
    /// The most LUT levels into any of its bits.
    public var levels: Int
    /// How many of its bits exceed the budget.
    public var bits: Int
    /// The slowest path into its deepest bit: the named nets it crosses, start first (unnamed nets
    /// left out), so that the logic to cut can be found in the generated Verilog.
    public var path: [String] = []
}

public struct LogicDepthError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The longest-path walker over a Yosys JSON netlist of a Xilinx-mapped design.
public enum LogicDepth {
    /// The LUT levels a register-to-register path may take (issue 13's timing target for the
    /// Xilinx presets); end points past it are listed in ``LogicDepthReport/deepEndPoints``.
    public static let levelBudget = 8

    /// Reads the netlist file and analyses module `top` (nil: the module marked `top`).
    public static func analyse(netlistAt path: String, top: String?, delays: XilinxDelays) throws -> LogicDepthReport {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) }
        catch { throw LogicDepthError(message: "\(path): cannot read the netlist (\(error.localizedDescription))") }
        return try analyse(json: data, top: top, delays: delays)
    }

    /// Analyses module `top` (nil: the module whose `top` attribute is set) of a Yosys JSON netlist.
    public static func analyse(json: Data, top: String?, delays: XilinxDelays) throws -> LogicDepthReport {
        let module = try Netlist.module(json: json, top: top)
        var graph = TimingGraph(delays: delays)
        graph.build(module)
        return try graph.longestPath()
    }
}

// MARK: - Netlist reading

/// One cell of the netlist, as Yosys wrote it.
struct NetlistCell {
    var name: String
    var type: String
    var parameters: [String: String]
    /// Port name → bits (nil for a constant `"0"`, `"1"`, `"x"`, `"z"`: not a net), in port order.
    var connections: [(port: String, bits: [Int?])]
    /// Port name → "input" / "output" / "inout", when Yosys knew the cell's module.
    var directions: [String: String]
    /// Its `src` attribute: the Verilog lines that made it (`file:line.col-line.col`, instances joined by `|`).
    var source: String? = nil
}

struct NetlistModule {
    var name: String
    var cells: [NetlistCell]
    /// Top-level ports: (name, direction, bits).
    var ports: [(name: String, direction: String, bits: [Int?])]
    /// A readable name of each net, `name[bit]`, from `netnames` (only names Yosys did not hide).
    var netNames: [Int: String] = [:]
}

enum Netlist {
    /// The module `top` (or the one with the `top` attribute) of Yosys' JSON, with its cells sorted by
    /// name so that ties between equal paths break the same way on every run.
    static func module(json: Data, top: String?) throws -> NetlistModule {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: json) }
        catch { throw LogicDepthError(message: "not a Yosys JSON netlist (\(error.localizedDescription))") }
        guard let modules = (root as? [String: Any])?["modules"] as? [String: Any] else {
            throw LogicDepthError(message: "not a Yosys JSON netlist: no \"modules\"")
        }
        let isTop = { (m: Any) -> Bool in
            guard let a = (m as? [String: Any])?["attributes"] as? [String: Any], let t = a["top"] else { return false }
            return (t as? String).map { Int($0, radix: 2) == 1 } ?? ((t as? Int) == 1)
        }
        let name = top.flatMap { modules[$0] != nil ? $0 : nil } ?? modules.keys.sorted().first { isTop(modules[$0]!) }
        guard let name, let m = modules[name] as? [String: Any] else {
            throw LogicDepthError(message: "no module \(top ?? "marked top") in the netlist")
        }
        var out = NetlistModule(name: name, cells: [], ports: [])
        for (pname, v) in ((m["ports"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let p = v as? [String: Any], let dir = p["direction"] as? String else { continue }
            out.ports.append((pname, dir, bits(p["bits"])))
        }
        // the shortest visible name of each net (the register's own name rather than a port's alias)
        for (nname, v) in ((m["netnames"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let nn = v as? [String: Any], (nn["hide_name"] as? Int ?? 0) == 0 else { continue }
            let b = bits(nn["bits"])
            for (i, x) in b.enumerated() {
                guard let x else { continue }
                let label = b.count == 1 ? nname : "\(nname)[\(i)]"
                if let old = out.netNames[x], old.count <= label.count { continue }
                out.netNames[x] = label
            }
        }
        for (cname, v) in ((m["cells"] as? [String: Any]) ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let c = v as? [String: Any], let type = c["type"] as? String else { continue }
            var params: [String: String] = [:]
            for (k, p) in (c["parameters"] as? [String: Any]) ?? [:] { params[k] = (p as? String) ?? (p as? Int).map(String.init) }
            let conns = ((c["connections"] as? [String: Any]) ?? [:]).sorted { $0.key < $1.key }.map { (port: $0.key, bits: bits($0.value)) }
            out.cells.append(NetlistCell(name: cname, type: type, parameters: params, connections: conns,
                                         directions: (c["port_directions"] as? [String: String]) ?? [:],
                                         source: ((c["attributes"] as? [String: Any])?["src"]) as? String))
        }
        return out
    }

    /// Net numbers of a `bits` array; constants (`"0"`, `"1"`, `"x"`, `"z"`) are nil.
    static func bits(_ v: Any?) -> [Int?] { ((v as? [Any]) ?? []).map { $0 as? Int } }

    /// A parameter as an integer: Yosys writes integers as binary strings (`"00…01"`), or as
    /// numbers with `-compat-int`.
    static func int(_ s: String?) -> Int? {
        guard let s = s?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        if s.allSatisfy({ $0 == "0" || $0 == "1" }) { return Int(s.suffix(62), radix: 2) }
        return Int(s)
    }
}

// MARK: - Cell models

/// How the walker treats a cell type.
enum CellKind: Equatable {
    case flipFlop, lut, muxF7, muxF8, carry4, carry8, buffer, blockRAM, dsp, lutRAM, shiftRegister, constant, unknown

    init(type t: String) {
        if t.hasPrefix("FD") || t == "LDCE" || t == "LDPE" { self = .flipFlop }
        else if t.range(of: #"^LUT[1-6](_2)?$"#, options: .regularExpression) != nil || t == "INV" { self = .lut }
        else if t == "MUXF7" { self = .muxF7 }
        else if t == "MUXF8" || t == "MUXF9" { self = .muxF8 }
        else if t == "CARRY4" { self = .carry4 }
        else if t == "CARRY8" { self = .carry8 }
        else if t.hasPrefix("IBUF") || t.hasPrefix("OBUF") || t.hasPrefix("IOBUF") || t.hasPrefix("BUF") { self = .buffer }
        else if t.hasPrefix("RAMB") || t.hasPrefix("URAM") || t.hasPrefix("FIFO") { self = .blockRAM }
        else if t.hasPrefix("DSP48") { self = .dsp }
        else if t.hasPrefix("RAM") { self = .lutRAM }
        else if t.hasPrefix("SRL") { self = .shiftRegister }
        else if t == "GND" || t == "VCC" { self = .constant }
        else { self = .unknown }
    }

    /// Whether a port of a cell of this kind is an output, when the netlist does not say.
    func isOutput(_ port: String) -> Bool {
        switch self {
        case .flipFlop, .shiftRegister: return port == "Q" || port == "Q31"
        case .lut: return port == "O" || port == "O5" || port == "O6"
        case .muxF7, .muxF8, .buffer: return port == "O"
        case .carry4, .carry8: return port == "O" || port == "CO"
        case .dsp: return ["P", "PCOUT", "ACOUT", "BCOUT", "CARRYOUT", "CARRYCASCOUT", "MULTSIGNOUT",
                           "PATTERNDETECT", "PATTERNBDETECT", "OVERFLOW", "UNDERFLOW", "XOROUT"].contains(port)
        case .blockRAM, .lutRAM: return port.hasPrefix("DO") || port.hasPrefix("DOUT") || port == "SPO" || port == "DPO" || port == "O"
        case .constant: return true
        case .unknown: return port.hasPrefix("O") || port == "Q"
        }
    }

    /// Clock pins carry no data path.
    func isClock(_ port: String) -> Bool {
        if self == .flipFlop { return port == "C" || port == "G" || port == "CLK" }
        return port.contains("CLK")
    }
}

/// CARRY4 arcs of prjxray (ps; `cells_sim.v` CARRY4 `specify`), by input pin and bit, then output
/// bit; nil: the output does not depend on the input. Vivado's report agrees (S[1]→CO[3] 0.533,
/// CI→CO[3] 0.114–0.117, CI→O[3] 0.313).
enum Carry4Arcs {
    static let toCO: [String: [[Int?]]] = [
        "CI": [[271, 157, 228, 114]], "CYINIT": [[536, 494, 592, 580]],
        "S": [[340, 433, 512, 508], [nil, 469, 548, 528], [nil, nil, 292, 378], [nil, nil, nil, 380]],
        "DI": [[379, 465, 540, 526], [nil, 445, 520, 507], [nil, nil, 356, 398], [nil, nil, nil, 385]],
    ]
    static let toO: [String: [[Int?]]] = [
        "CI": [[222, 334, 239, 313]], "CYINIT": [[482, 598, 584, 642]],
        "S": [[223, 400, 523, 582], [nil, 205, 558, 618], [nil, nil, 226, 330], [nil, nil, nil, 227]],
        "DI": [[nil, 407, 556, 615], [nil, nil, 537, 596], [nil, nil, nil, 438], [nil, nil, nil, nil]],
    ]

    /// The arc from `input`[inBit] to `output`[outBit] in ns, or nil.
    static func delay(_ input: String, _ inBit: Int, _ output: String, _ outBit: Int) -> Double? {
        guard let rows = (output == "CO" ? toCO : toO)[input], inBit < rows.count, outBit < 4,
              let ps = rows[inBit][outBit] else { return nil }
        return Double(ps) / 1000
    }

    /// CARRY8 as two CARRY4 lengths (no UltraScale+ figures here): an output depends on CI (and
    /// CI_TOP from bit 4) and on S/DI of its bit and below; entering at S/DI costs the worst CARRY4
    /// entry (0.642), plus one CI→CO[3] (0.114) above bit 3; CI to CO is two CI→CO[3], CI to O adds
    /// the worst CI→O (0.334).
    static func carry8Delay(_ input: String, _ inBit: Int, _ output: String, _ outBit: Int) -> Double? {
        switch input {
        case "CI": return output == "CO" ? 0.228 : 0.114 + 0.334
        case "CI_TOP": return outBit >= 4 ? (output == "CO" ? 0.114 : 0.334) : nil
        case "S", "DI":
            guard inBit <= outBit, !(input == "DI" && output == "O" && inBit == outBit) else { return nil }
            return 0.642 + (outBit >= 4 && inBit < 4 ? 0.114 : 0)
        default: return nil
        }
    }
}

/// A DSP48 input pin: registered (an end point with this setup) or combinational to the outputs.
enum DSPInput: Equatable { case setup(Double), comb(Double) }

/// DSP48E1 timing by its register parameters, from prjxray's model in `cells_sim.v` (the
/// `\A.required`, `\P.arrival` and `\A.P.comb` functions); DSP48E2 uses the same figures.
struct DSPTiming {
    var reg: (String) -> Bool
    var mult: Bool, dport: Bool

    init(parameters p: [String: String]) {
        // DSP48E1 defaults (cells_sim.v): every register used, a multiplier, no pre-adder.
        reg = { (Netlist.int(p[$0]) ?? 1) != 0 }
        let useMult = p["USE_MULT"]?.trimmingCharacters(in: .whitespaces) ?? "MULTIPLY"
        mult = useMult != "NONE"
        dport = p["USE_DPORT"]?.trimmingCharacters(in: .whitespaces) == "TRUE"
    }

    /// Clock to the outputs from the last register on the way (nil: none, the outputs are purely
    /// combinational). Worst over the registers in use, where prjxray lists them in order.
    var clockToOut: Double? {
        if reg("PREG") { return 0.329 }
        var t: [Double] = []
        if reg("CREG") { t.append(1.687) }
        if mult && reg("MREG") { t.append(1.671) }
        else if mult && dport {
            if reg("AREG") { t.append(3.935) }
            if reg("DREG") { t.append(3.908) }
            if reg("ADREG") { t.append(2.958) }
            if reg("BREG") { t.append(2.813) }
        } else if mult {
            if reg("AREG") { t.append(2.952) }
            if reg("BREG") { t.append(2.813) }
        } else {
            if reg("AREG") { t.append(1.632) }
            if reg("BREG") { t.append(1.616) }
        }
        return t.max()
    }

    /// How an input port behaves; nil: unused (the D port without the pre-adder).
    func input(_ port: String, control: Double) -> DSPInput? {
        switch port {
        case "A", "ACIN":
            if reg("AREG") { return .setup(0.254) }
            if mult && dport {
                if reg("MREG") { return .setup(2.400) }
                if reg("ADREG") { return .setup(1.283) }
                return reg("PREG") ? .setup(3.723) : .comb(3.806)
            }
            if mult && reg("MREG") { return .setup(1.416) }
            if reg("PREG") { return .setup(mult ? 2.739 : 1.441) }
            return .comb(mult ? 2.823 : 1.523)
        case "B", "BCIN":
            if reg("BREG") { return .setup(0.324) }
            if mult && reg("MREG") { return .setup(1.285) }
            if reg("PREG") { return .setup(mult ? 2.608 : 1.428) }
            return .comb(mult ? 2.690 : 1.509)
        case "C":
            if reg("CREG") { return .setup(0.168) }
            return reg("PREG") ? .setup(1.244) : .comb(1.325)
        case "D":
            guard dport else { return nil }
            if reg("DREG") { return .setup(0.248) }
            if reg("ADREG") { return .setup(1.195) }
            if reg("MREG") { return .setup(2.310) }
            return reg("PREG") ? .setup(3.635) : .comb(3.717)
        case "PCIN":  // cascade into the post-adder: prjxray's setup with PREG; C→P stands in without
            return reg("PREG") ? .setup(1.025) : .comb(1.325)
        default:
            return .setup(control)
        }
    }

    /// Cascade pins come from the neighbouring DSP over dedicated wires (no routing hop).
    static func isCascade(_ port: String) -> Bool {
        ["PCIN", "ACIN", "BCIN", "CARRYCASCIN", "MULTSIGNIN"].contains(port)
    }
}

// MARK: - The timing graph

/// Nodes are nets (Yosys bit numbers) plus one internal node per DSP, LUT RAM or SRL read; arcs
/// carry their delay (including the routing hop into the cell) and what they count.
struct TimingGraph {
    enum ArcKind: UInt8 { case wire, lut, mux, carry, dsp }
    struct Arc { var from: Int32; var to: Int32; var delay: Double; var kind: ArcKind; var cell: Int32 }
    struct Start { var node: Int32; var time: Double; var cell: Int32; var pin: String }
    struct End { var node: Int32; var extra: Double; var cell: Int32; var pin: String }

    let delays: XilinxDelays
    var cells: [NetlistCell] = []
    var netNames: [Int: String] = [:]
    var kinds: [CellKind] = []
    var nodeCount = 0
    var arcs: [Arc] = []
    var starts: [Start] = []
    var ends: [End] = []
    var unknownTypes: Set<String> = []
    /// The cell driving each net and whether it drives it from a carry CO (for the hop rules).
    var driverKind: [CellKind?] = []
    var driverIsCarryOut: [Bool] = []

    init(delays: XilinxDelays) { self.delays = delays }

    /// Whether `port` of cell `cell` is an output.
    func isOutput(_ cell: NetlistCell, _ kind: CellKind, _ port: String) -> Bool {
        if let d = cell.directions[port] { return d == "output" }
        return kind.isOutput(port)
    }

    /// The routing hop into `port` of a `reader` cell from net `net`: zero inside a slice or on a
    /// dedicated cascade, one `net` delay otherwise.
    func hop(into reader: CellKind, port: String, from net: Int) -> Double {
        let driver = driverKind[net]
        switch reader {
        case .buffer: return 0
        case .carry4, .carry8:
            if port == "CI" || port == "CI_TOP" { return driverIsCarryOut[net] ? 0 : delays.net }
            if (port == "S" || port == "DI") && driver == .lut { return 0 }  // the LUT packs in the carry's slice
        case .muxF7, .muxF8:
            if port != "S" && (driver == .lut || driver == .muxF7 || driver == .muxF8) { return 0 }
        case .dsp:
            if DSPTiming.isCascade(port) { return 0 }
        default: break
        }
        return delays.net
    }

    /// Turns the module's ports and cells into start points, end points and arcs.
    mutating func build(_ m: NetlistModule) {
        cells = m.cells; netNames = m.netNames
        kinds = cells.map { CellKind(type: $0.type) }
        var maxBit = 1
        for c in cells { for (_, b) in c.connections { for x in b { if let x { maxBit = max(maxBit, x) } } } }
        for p in m.ports { for x in p.bits { if let x { maxBit = max(maxBit, x) } } }
        nodeCount = maxBit + 1
        driverKind = Array(repeating: nil, count: nodeCount)
        driverIsCarryOut = Array(repeating: false, count: nodeCount)
        for (i, c) in cells.enumerated() {
            for (port, bits) in c.connections where isOutput(c, kinds[i], port) {
                for b in bits { if let b { driverKind[b] = kinds[i]; driverIsCarryOut[b] = port == "CO" } }
            }
        }
        // Top-level inputs and outputs: assumed registered in the surrounding system.
        for p in m.ports {
            for b in p.bits { guard let b else { continue }
                if p.direction != "output" { starts.append(Start(node: Int32(b), time: delays.clockToOut, cell: -1, pin: p.name)) }
                if p.direction != "input" { ends.append(End(node: Int32(b), extra: delays.net + delays.setupD, cell: -1, pin: p.name)) }
            }
        }
        for i in cells.indices { addCell(i) }
    }

    mutating func newNode() -> Int32 { nodeCount += 1; return Int32(nodeCount - 1) }

    /// Start points, end points and arcs of cell `i`.
    mutating func addCell(_ i: Int) {
        let c = cells[i], kind = kinds[i], ci = Int32(i), d = delays
        let outs = c.connections.filter { isOutput(c, kind, $0.port) }
        let ins = c.connections.filter { !isOutput(c, kind, $0.port) && !kind.isClock($0.port) }
        func startAll(_ t: Double) { for (p, bits) in outs { for b in bits { if let b { starts.append(Start(node: Int32(b), time: t, cell: ci, pin: p)) } } } }
        func endAll(_ setup: (String) -> Double) {
            for (p, bits) in ins { for b in bits { if let b { ends.append(End(node: Int32(b), extra: hop(into: kind, port: p, from: b) + setup(p), cell: ci, pin: p)) } } }
        }
        /// Arcs from every input bit of `ports` into one internal node, then from it to every output bit.
        func through(_ ports: [(port: String, bits: [Int?])], delay: (String) -> Double, kind arcKind: ArcKind, to outPorts: [(port: String, bits: [Int?])]) {
            let mid = newNode()
            var any = false
            for (p, bits) in ports { for b in bits { if let b {
                arcs.append(Arc(from: Int32(b), to: mid, delay: hop(into: kind, port: p, from: b) + delay(p), kind: arcKind, cell: ci)); any = true
            } } }
            guard any else { return }
            for (_, bits) in outPorts { for b in bits { if let b { arcs.append(Arc(from: mid, to: Int32(b), delay: 0, kind: .wire, cell: ci)) } } }
        }

        switch kind {
        case .flipFlop:
            startAll(d.clockToOut)
            endAll { p in p == "D" ? d.setupD : p == "CE" ? d.setupCE : d.setupReset }
        case .lut, .muxF7, .muxF8, .buffer:
            let (delay, arcKind): (Double, ArcKind) = kind == .lut ? (d.lut, .lut) : kind == .muxF7 ? (d.muxF7, .mux)
                : kind == .muxF8 ? (d.muxF8, .mux) : (0, .wire)
            for (p, bits) in ins { for b in bits { guard let b else { continue }
                let h = hop(into: kind, port: p, from: b)
                for (_, ob) in outs { for o in ob { if let o { arcs.append(Arc(from: Int32(b), to: Int32(o), delay: h + delay, kind: arcKind, cell: ci)) } } }
            } }
        case .carry4, .carry8:
            for (p, bits) in ins { for (ib, b) in bits.enumerated() { guard let b else { continue }
                let h = hop(into: kind, port: p, from: b)
                for (op, ob) in outs { for (k, o) in ob.enumerated() { guard let o else { continue }
                    let t = kind == .carry4 ? Carry4Arcs.delay(p, ib, op, k) : Carry4Arcs.carry8Delay(p, ib, op, k)
                    if let t { arcs.append(Arc(from: Int32(b), to: Int32(o), delay: h + t, kind: .carry, cell: ci)) }
                } }
            } }
        case .blockRAM:
            // Registered both sides. Port B's outputs follow DOB_REG (their names contain the B).
            let regA = (Netlist.int(c.parameters["DOA_REG"]) ?? 0) != 0, regB = (Netlist.int(c.parameters["DOB_REG"]) ?? 0) != 0
            for (p, bits) in outs {
                let registered = p.dropFirst(2).contains("B") ? regB : regA
                for b in bits { if let b { starts.append(Start(node: Int32(b), time: registered ? d.bramClockToOutRegistered : d.bramClockToOut, cell: ci, pin: p)) } }
            }
            endAll { _ in d.bramSetup }
        case .dsp:
            let t = DSPTiming(parameters: c.parameters)
            if let cko = t.clockToOut { startAll(cko) }
            var comb: [(port: String, bits: [Int?])] = [], combDelay: [String: Double] = [:]
            for (p, bits) in ins {
                switch t.input(p, control: d.dspControlSetup) {
                case .setup(let s)?:
                    for b in bits { if let b { ends.append(End(node: Int32(b), extra: hop(into: kind, port: p, from: b) + s, cell: ci, pin: p)) } }
                case .comb(let delay)?: comb.append((p, bits)); combDelay[p] = delay
                case nil: break
                }
            }
            if !comb.isEmpty { through(comb, delay: { combDelay[$0]! }, kind: .dsp, to: outs) }
        case .lutRAM, .shiftRegister:
            // Asynchronous read: the output is one LUT level from the read address, and also a
            // start point from the write (or shift) clock.
            let isAddress = { (p: String) in p.hasPrefix("ADDR") || p.hasPrefix("DPRA") || p.range(of: #"^A[0-9]*$"#, options: .regularExpression) != nil }
            let readOuts = kind == .shiftRegister ? outs.filter { $0.port == "Q" } : outs
            startAll(kind == .shiftRegister ? d.srlClockToOut : d.lutRAMClockToOut)
            through(ins.filter { isAddress($0.port) }, delay: { _ in d.lut }, kind: .lut, to: readOuts)
            let writes = ins.filter { !isAddress($0.port) }
            for (p, bits) in writes { for b in bits { if let b {
                ends.append(End(node: Int32(b), extra: hop(into: kind, port: p, from: b) + (kind == .shiftRegister ? d.srlSetup : d.lutRAMSetup), cell: ci, pin: p))
            } } }
        case .constant:
            break
        case .unknown:
            unknownTypes.insert(c.type)
            startAll(d.clockToOut)
            endAll { _ in d.setupD }
        }
    }

    /// Topological longest path (Kahn's algorithm, iterative) from every start to every end.
    func longestPath() throws -> LogicDepthReport {
        let n = nodeCount
        // Arcs by source (counting sort).
        var first = [Int32](repeating: 0, count: n + 1)
        for a in arcs { first[Int(a.from) + 1] += 1 }
        for i in 0..<n { first[i + 1] += first[i] }
        var fill = first, order = [Int32](repeating: 0, count: arcs.count), indeg = [Int32](repeating: 0, count: n)
        for (k, a) in arcs.enumerated() { order[Int(fill[Int(a.from)])] = Int32(k); fill[Int(a.from)] += 1; indeg[Int(a.to)] += 1 }

        var arrival = [Double](repeating: -.infinity, count: n)
        var levels = [Int32](repeating: 0, count: n), carries = [Int32](repeating: 0, count: n)
        var muxes = [Int32](repeating: 0, count: n), dsps = [Int32](repeating: 0, count: n)
        var pred = [Int32](repeating: -1, count: n), via = [Int32](repeating: -1, count: n)
        var startAt = [Int32](repeating: -1, count: n)  // index into `starts` of a start node's latest start
        var deepest = [Int32](repeating: -1, count: n)  // most LUT levels reaching the node, any path
        for (k, s) in starts.enumerated() where s.time > arrival[Int(s.node)] {
            arrival[Int(s.node)] = s.time; startAt[Int(s.node)] = Int32(k); deepest[Int(s.node)] = 0
        }
        var queue = [Int32](), head = 0
        queue.reserveCapacity(n)
        for v in 0..<n where indeg[v] == 0 { queue.append(Int32(v)) }
        while head < queue.count {
            let u = Int(queue[head]); head += 1
            for k in Int(first[u])..<Int(first[u + 1]) {
                let a = arcs[Int(order[k])], v = Int(a.to)
                if arrival[u] > -.infinity {
                    let t = arrival[u] + a.delay
                    if t > arrival[v] {
                        arrival[v] = t; pred[v] = Int32(u); via[v] = a.cell
                        levels[v] = levels[u] + (a.kind == .lut ? 1 : 0); carries[v] = carries[u] + (a.kind == .carry ? 1 : 0)
                        muxes[v] = muxes[u] + (a.kind == .mux ? 1 : 0); dsps[v] = dsps[u] + (a.kind == .dsp ? 1 : 0)
                    }
                    deepest[v] = max(deepest[v], deepest[u] + (a.kind == .lut ? 1 : 0))
                }
                indeg[v] -= 1
                if indeg[v] == 0 { queue.append(Int32(v)) }
            }
        }
        let loopNets = n - queue.count

        var best: (end: End, period: Double)? = nil, maxLevels = 0
        var deep: [String: DeepEndPoint] = [:]
        for e in ends where arrival[Int(e.node)] > -.infinity && indeg[Int(e.node)] == 0 {
            let t = arrival[Int(e.node)] + e.extra + delays.clockUncertainty
            if best == nil || t > best!.period { best = (e, t) }
            let d = Int(deepest[Int(e.node)])
            maxLevels = max(maxLevels, d)
            if d > LogicDepth.levelBudget {
                let name = endPointName(e)
                var x = deep[name] ?? DeepEndPoint(signal: name, levels: 0, bits: 0)
                if d > x.levels { x.levels = d; x.path = namedNets(into: Int(e.node), pred: pred) }
                x.bits += 1
                deep[name] = x
            }
        }
        guard let (end, period) = best else { throw LogicDepthError(message: "no register-to-register path in the netlist") }

        // Walk back to the start, collecting the cells crossed.
        var types: [String] = [], v = Int(end.node), lastCell: Int32 = -1
        while pred[v] >= 0 {
            if via[v] != lastCell { types.append(cells[Int(via[v])].type); lastCell = via[v] }
            v = Int(pred[v])
        }
        let s = starts[Int(startAt[v])]
        let name = { (c: Int32, pin: String) -> (String, String) in c < 0 ? (pin, "port") : (self.cells[Int(c)].name, self.cells[Int(c)].type) }
        let (sName, sType) = name(s.cell, s.pin), (eName, eType) = name(end.cell, end.pin)
        let node = Int(end.node)
        // a flip-flop end point is named by the register it writes
        var endNet = node
        if end.cell >= 0, kinds[Int(end.cell)] == .flipFlop,
           let q = cells[Int(end.cell)].connections.first(where: { $0.port == "Q" })?.bits.first, let q { endNet = q }
        let path = LogicPath(startCell: sName, startType: sType, startPin: s.cell < 0 ? "" : s.pin,
                             endCell: eName, endType: eType, endPin: end.cell < 0 ? "" : end.pin,
                             startSignal: netNames[Int(s.node)], endSignal: netNames[endNet],
                             lutLevels: Int(levels[node]), carryCells: Int(carries[node]), muxes: Int(muxes[node]),
                             dspBlocks: Int(dsps[node]), periodNs: (period * 1000).rounded() / 1000,
                             cellTypes: [sType] + types.reversed() + [eType])
        return LogicDepthReport(critical: path, maxLutLevels: maxLevels, fmaxMHz: 1000 / period, delays: delays,
                                loopNets: loopNets, unknownTypes: unknownTypes.sorted(),
                                deepEndPoints: deep.values.sorted { ($0.levels, $1.signal) > ($1.levels, $0.signal) })
    }

    /// The named nets on the slowest path into `node`, start first.
    func namedNets(into node: Int, pred: [Int32]) -> [String] {
        var names: [String] = [], v = node
        while true {
            if let n = netNames[v], names.last != n { names.append(n) }
            guard pred[v] >= 0 else { break }
            v = Int(pred[v])
        }
        return names.reversed()
    }

    /// An end point's register (its Q net's name) or, for a RAM or DSP pin, the net it samples,
    /// without the bit index; `cell pin` when neither has a name.
    func endPointName(_ e: End) -> String {
        var net = Int(e.node)
        if e.cell >= 0, kinds[Int(e.cell)] == .flipFlop,
           let q = cells[Int(e.cell)].connections.first(where: { $0.port == "Q" })?.bits.first, let q { net = q }
        if let n = netNames[net] {
            return n.hasSuffix("]") ? String(n[..<(n.lastIndex(of: "[") ?? n.endIndex)]) : n
        }
        return e.cell < 0 ? e.pin : "\(cells[Int(e.cell)].name) \(e.pin)"
    }
}
