import Foundation
import RTLGen

/// The top that `sparsetile synth` places and routes on an iCE40 part (`st_pnr_wrap`): the
/// accelerator as a board holds it, so that every gate of it stays and its ports fit the package.
///
/// - The host's CSR port (`csr_*`) is on the package's pins, as many bits as there are pins after
///   the clock, `sin` and `sout` (the host's bus is slow and off chip).
/// - The DRAM port is served by SB_SPRAM256KA blocks when the part has enough for one word
///   (the UP5K: two, 16 K words of 32 bits): the request's address (its low 14 bits), data, strobe
///   and write go into them, the read data comes out of them, and a read accepted in one cycle is
///   answered in the next. Without them the response's inputs come from the shift register.
/// - Every other input (reset, the memory's ready, what the pins do not hold) comes from a shift
///   register fed by `sin`, so the paths from them start at a flip-flop as on a board.
/// - Every output the memory does not take (CSR read data, events, busy, done, the address bits
///   above the SPRAM, the response's ready) is registered and XOR-reduced onto `sout`.
///
/// Only for measuring the accelerator (cells and Fmax): the memory does not model DRAM latency or
/// back-pressure. Its own cells (the shift register, the XOR and one read-valid flip-flop) are the
/// difference between the placed design's cells and the accelerator's.
struct PlaceAndRouteWrapper {
    /// The accelerator's top module.
    let top: String
    /// Its clock input.
    let clock: String
    /// Its ports other than the clock, by name: width in bits; in port order.
    let inputs: [(name: String, bits: Int)], outputs: [(name: String, bits: Int)]
    /// User I/O pins of the package (``ICE40Device/userPins``).
    let pins: Int
    /// SB_SPRAM256KA blocks the part has.
    let largeRams: Int

    /// The wrapper's module name.
    static let module = "st_pnr_wrap"
    /// Words of one SB_SPRAM256KA (16 bits each).
    static let spramWords = 16_384, spramBits = 16

    /// The ports of `top` read from Yosys' JSON netlist.
    init(netlist: String, top: String, pins: Int, largeRams: Int) throws {
        let obj = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: netlist))) as? [String: Any]
        guard let mods = obj?["modules"] as? [String: Any], let m = mods[top] as? [String: Any],
              let ports = m["ports"] as? [String: Any] else { throw SynthError(message: "\(netlist): no module \(top)") }
        var ins: [(String, Int)] = [], outs: [(String, Int)] = [], clock: String?
        for (name, v) in ports.sorted(by: { $0.key < $1.key }) {
            guard let p = v as? [String: Any], let dir = p["direction"] as? String, let bits = p["bits"] as? [Any] else { continue }
            if dir == "input" {
                if clock == nil && bits.count == 1 && (name == "clk" || name == "clock") { clock = name } else { ins.append((name, bits.count)) }
            } else if dir == "output" { outs.append((name, bits.count)) }
        }
        guard let clock else { throw SynthError(message: "\(top): no 1-bit clk input for place and route") }
        self.init(top: top, clock: clock, inputs: ins, outputs: outs, pins: pins, largeRams: largeRams)
    }

    init(top: String, clock: String, inputs: [(name: String, bits: Int)], outputs: [(name: String, bits: Int)], pins: Int, largeRams: Int) {
        self.top = top; self.clock = clock; self.inputs = inputs; self.outputs = outputs; self.pins = pins; self.largeRams = largeRams
    }

    private func port(_ prefix: String, _ field: String) -> String { "\(prefix)_\(field)" }
    private func width(_ name: String) -> Int? { (inputs + outputs).first { $0.name == name }?.bits }

    /// The SPRAM blocks side by side that hold one memory word, when the part has them and the top
    /// has the whole DRAM port; else nil.
    var memoryBlocks: Int? {
        let rq = TopInterface.memoryRequestPort, rs = TopInterface.memoryResponsePort
        guard let data = width(port(rs, "rdata")), data % Self.spramBits == 0, data / Self.spramBits <= largeRams,
              width(port(rq, "wdata")) == data, width(port(rq, "wstrb")) == data / 8, width(port(rq, "addr")) != nil,
              [port(rq, "valid"), port(rq, "write"), port(rq, "ready"), port(rs, "valid")].allSatisfy({ width($0) == 1 })
        else { return nil }
        return data / Self.spramBits
    }

    /// The CSR input bits on pins (the rest of the pins hold the clock, `sin` and `sout`).
    var pinBits: Int {
        let csr = inputs.filter { $0.name.hasPrefix(TopInterface.csrPort + "_") }.reduce(0) { $0 + $1.bits }
        return max(0, min(csr, pins - 3))
    }

    /// The wrapper's Verilog.
    func verilog() -> String {
        let rq = TopInterface.memoryRequestPort, rs = TopInterface.memoryResponsePort
        let blocks = memoryBlocks
        // Inputs the memory drives; outputs it takes (the address only its low bits).
        let memoryDriven: Set<String> = blocks == nil ? [] : [port(rs, "valid"), port(rs, "rdata")]
        let memoryTaken: Set<String> = blocks == nil ? [] : [port(rq, "valid"), port(rq, "write"), port(rq, "wdata"), port(rq, "wstrb")]
        let addrBits = blocks == nil ? 0 : min(width(port(rq, "addr")) ?? 0, Self.spramWords.trailingZeroBitCount)
        let isCSR = { (name: String) in name.hasPrefix(TopInterface.csrPort + "_") }
        let driven = inputs.filter { !memoryDriven.contains($0.name) }
        let p = pinBits
        let shifted = driven.reduce(0) { $0 + $1.bits } - p
        var observed: [(name: String, bits: ClosedRange<Int>)] = []
        for o in outputs where !memoryTaken.contains(o.name) {
            let lo = o.name == port(rq, "addr") ? addrBits : 0
            if o.bits > lo { observed.append((o.name, lo...(o.bits - 1))) }
        }
        let nObs = max(1, observed.reduce(0) { $0 + $1.bits.count })
        let decl = { (bits: Int) in bits > 1 ? "[\(bits - 1):0] " : "" }

        var v = "// Generated by sparsetile synth: the accelerator on an iCE40 board, for place and route only\n"
        v += "// (docs/synthesis.md, \"Place and route\"): CSR port on pins\(blocks == nil ? "" : ", DRAM port on SPRAM"), other inputs\n"
        v += "// from a shift register on sin, other outputs registered and XOR-reduced onto sout.\n"
        v += "module \(Self.module)(input \(clock), input sin, \(p > 0 ? "input \(decl(p))pin, " : "")output sout);\n"
        v += "  reg \(decl(max(1, shifted)))sh;\n"
        v += shifted > 1 ? "  always @(posedge \(clock)) sh <= {sh[\(shifted - 2):0], sin};\n" : "  always @(posedge \(clock)) sh <= sin;\n"
        // every input from the pins (CSR bits first) or the shift register, or from the memory
        var pi = 0, si = 0
        for i in driven.filter({ isCSR($0.name) }) + driven.filter({ !isCSR($0.name) }) {
            var parts: [String] = [], left = i.bits
            // (a bit select of a one-bit vector is no Verilog; one bit of a wider one is `[i]`)
            let slice = { (name: String, of: Int, lo: Int, n: Int) in of == 1 ? name : n == 1 ? "\(name)[\(lo)]" : "\(name)[\(lo + n - 1):\(lo)]" }
            if isCSR(i.name) && pi < p { let k = min(left, p - pi); parts.append(slice("pin", p, pi, k)); pi += k; left -= k }
            if left > 0 { parts.append(slice("sh", max(1, shifted), si, left)); si += left }
            v += "  wire \(decl(i.bits))\(i.name) = \(parts.count == 1 ? parts[0] : "{" + parts.reversed().joined(separator: ", ") + "}");\n"
        }
        for o in outputs { v += "  wire \(decl(o.bits))\(o.name);\n" }
        if let blocks {
            v += "  reg \(port(rs, "valid"));\n  wire \(decl(blocks * Self.spramBits))\(port(rs, "rdata"));\n"
            v += "  always @(posedge \(clock)) \(port(rs, "valid")) <= \(port(rq, "valid")) & \(port(rq, "ready")) & ~\(port(rq, "write"));\n"
            v += "  wire mem_we = \(port(rq, "valid")) & \(port(rq, "ready")) & \(port(rq, "write"));\n"
            for b in 0..<blocks {
                let lo = b * Self.spramBits, strobe = { (k: Int) in "\(port(rq, "wstrb"))[\(k)]" }
                v += "  SB_SPRAM256KA u_mem\(b)(.ADDRESS(\(port(rq, "addr"))[\(addrBits - 1):0]), .DATAIN(\(port(rq, "wdata"))[\(lo + 15):\(lo)]), "
                v += ".MASKWREN({\(strobe(2 * b + 1)), \(strobe(2 * b + 1)), \(strobe(2 * b)), \(strobe(2 * b))}), "
                v += ".WREN(mem_we), .CHIPSELECT(1'b1), .CLOCK(\(clock)), .STANDBY(1'b0), .SLEEP(1'b0), .POWEROFF(1'b1), "
                v += ".DATAOUT(\(port(rs, "rdata"))[\(lo + 15):\(lo)]));\n"
            }
        }
        v += "  wire \(decl(nObs))o;\n  reg \(decl(nObs))oreg;\n  always @(posedge \(clock)) oreg <= o;\n  assign sout = ^oreg;\n"
        if observed.isEmpty { v += "  assign o = 1'b0;\n" }
        else { v += "  assign o = {" + observed.reversed().map { width($0.name) == 1 ? $0.name : "\($0.name)[\($0.bits.upperBound):\($0.bits.lowerBound)]" }.joined(separator: ", ") + "};\n" }
        let conns = [".\(clock)(\(clock))"] + (inputs + outputs).map { ".\($0.name)(\($0.name))" }
        v += "  \(top) u_top(\(conns.joined(separator: ", ")));\nendmodule\n"
        return v
    }
}
