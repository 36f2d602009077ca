import Foundation
import Testing
@testable import Report

/// A hand-built Yosys JSON netlist of one top module `t`: cells with their connections (net
/// numbers, or the constants "0"/"1"), without `port_directions` unless given (the walker then
/// knows the pins by name).
struct HandNetlist {
    var cells: [String: Any] = [:]
    var ports: [String: Any] = ["clk": ["direction": "input", "bits": [1]]]
    var netnames: [String: Any] = [:]

    mutating func cell(_ name: String, _ type: String, _ connections: [String: [Any]], parameters: [String: String] = [:],
                       directions: [String: String]? = nil) {
        var c: [String: Any] = ["type": type, "parameters": parameters, "connections": connections]
        if let directions { c["port_directions"] = directions }
        cells[name] = c
    }
    /// A flip-flop clocked by `clk` (net 1).
    mutating func ff(_ name: String, d: Any, q: Int) { cell(name, "FDRE", ["C": [1], "CE": ["1"], "R": ["0"], "D": [d], "Q": [q]]) }
    mutating func lut(_ name: String, _ inputs: [Any], out: Int) {
        var c: [String: [Any]] = ["O": [out]]
        for (k, i) in inputs.enumerated() { c["I\(k)"] = [i] }
        cell(name, "LUT\(inputs.count)", c)
    }

    func json() throws -> Data {
        let module: [String: Any] = ["attributes": ["top": "00000000000000000000000000000001"], "ports": ports, "cells": cells,
                                     "netnames": netnames]
        return try JSONSerialization.data(withJSONObject: ["creator": "hand", "modules": ["t": module]])
    }
    func analyse() throws -> LogicDepthReport { try LogicDepth.analyse(json: try json(), top: nil, delays: .xc7) }
}

/// Hand-worked periods use the 7-series figures.
let x7 = XilinxDelays.xc7
func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 0.0015 }

@Suite struct LogicDepthTests {
    /// FF → LUT → LUT → FF: 2 levels; the period is clock to out, three routed hops, two LUTs, setup
    /// and the clock uncertainty.
    @Test func twoLUTsBetweenFlipFlops() throws {
        var n = HandNetlist()
        n.ff("r0", d: 12, q: 10)
        n.lut("a", [10, "1"], out: 11)
        n.lut("b", [11], out: 12)
        n.netnames = ["count": ["hide_name": 0, "bits": [10, 30]], "$abc$1": ["hide_name": 1, "bits": [11]]]
        let r = try n.analyse()
        #expect(r.critical.lutLevels == 2)
        #expect(r.critical.carryCells == 0)
        #expect(r.critical.startCell == "r0" && r.critical.startPin == "Q" && r.critical.endCell == "r0" && r.critical.endPin == "D")
        #expect(r.critical.startSignal == "count[0]" && r.critical.endSignal == "count[0]")
        #expect(r.critical.cellTypes == ["FDRE", "LUT2", "LUT1", "FDRE"])
        let period = x7.clockToOut + 3 * x7.net + 2 * x7.lut + x7.setupD + x7.clockUncertainty
        #expect(close(r.critical.periodNs, period), "\(r.critical.periodNs) vs \(period)")
        #expect(close(r.fmaxMHz, 1000 / period))
        #expect(r.maxLutLevels == 2 && r.loopNets == 0 && r.unknownTypes.isEmpty)
    }

    /// Registers past the budget: a 2-bit register `deep` whose bit 0 is 10 LUTs from `src` and bit
    /// 1 is 9 (both past 8), and a register `shallow` 8 LUTs on (at the budget, not listed). The list
    /// is one entry per register, deepest first, with its bits over the budget and the named nets on
    /// the way.
    @Test func registersPastTheBudgetAreListed() throws {
        var n = HandNetlist()
        n.ff("s", d: "0", q: 100)
        // a chain 100 → 101 → … → 110: net 100 + k is k LUTs from the source
        for k in 1...10 { n.lut("l\(k)", [100 + k - 1], out: 100 + k) }
        n.ff("d0", d: 110, q: 200)
        n.ff("d1", d: 109, q: 201)
        n.ff("sh", d: 108, q: 202)
        n.netnames = ["src": ["hide_name": 0, "bits": [100]], "mid": ["hide_name": 0, "bits": [105]],
                      "deep": ["hide_name": 0, "bits": [200, 201]], "shallow": ["hide_name": 0, "bits": [202]]]
        let r = try n.analyse()
        #expect(LogicDepth.levelBudget == 8)
        #expect(r.maxLutLevels == 10)
        #expect(r.deepEndPoints.map(\.signal) == ["deep"])
        #expect(r.deepEndPoints.first?.levels == 10 && r.deepEndPoints.first?.bits == 2)
        #expect(r.deepEndPoints.first?.path == ["src", "mid"])
    }

    /// A chain of three CARRY4 entered at S counts 3 carry cells and no LUT level; CO→CI links cost
    /// no routing, nor does a LUT into S (it packs in the carry's slice).
    @Test func carryChainOfThree() throws {
        var n = HandNetlist()
        n.ff("q", d: 40, q: 20)
        let zeros: [Any] = ["0", "0", "0"]
        n.cell("c0", "CARRY4", ["CI": ["0"], "CYINIT": ["0"], "DI": ["0", "0", "0", "0"], "S": [20] + zeros,
                                "CO": [21, 22, 23, 24], "O": [25, 26, 27, 28]])
        n.cell("c1", "CARRY4", ["CI": [24], "CYINIT": ["0"], "DI": ["0", "0", "0", "0"], "S": ["1", "1", "1", "1"],
                                "CO": [31, 32, 33, 34], "O": [35, 36, 37, 38]])
        n.cell("c2", "CARRY4", ["CI": [34], "CYINIT": ["0"], "DI": ["0", "0", "0", "0"], "S": ["1", "1", "1", "1"],
                                "CO": [41, 42, 43, 44], "O": [40, 46, 47, 48]])
        let r = try n.analyse()
        #expect(r.critical.carryCells == 3)
        #expect(r.critical.lutLevels == 0)
        #expect(r.critical.cellTypes == ["FDRE", "CARRY4", "CARRY4", "CARRY4", "FDRE"])
        // FF → S[0] is routed; S[0]→CO[3] 0.508, CI→CO[3] 0.114, CI→O[0] 0.222 (prjxray)
        let period = x7.clockToOut + x7.net + 0.508 + 0.114 + 0.222 + x7.net + x7.setupD + x7.clockUncertainty
        #expect(close(r.critical.periodNs, period), "\(r.critical.periodNs) vs \(period)")

        // the same chain fed by a LUT: one level, and no routing hop between the LUT and S[0]
        n.ff("q", d: 40, q: 19)
        n.lut("l", [19], out: 20)
        let r2 = try n.analyse()
        #expect(r2.critical.lutLevels == 1 && r2.critical.carryCells == 3)
        #expect(close(r2.critical.periodNs, period + x7.lut), "\(r2.critical.periodNs)")
    }

    /// A block RAM is registered both sides: FF → LUT → RAMB36 address and RAMB36 data out → LUT →
    /// LUT → FF are two paths, never one of three levels through the RAM.
    @Test func blockRAMCutsThePath() throws {
        var n = HandNetlist()
        n.ff("a", d: "0", q: 10)
        n.lut("addr", [10], out: 11)
        n.cell("ram", "RAMB36E1", ["CLKARDCLK": [1], "ADDRARDADDR": [11, "0"], "DOADO": [20, 21], "ENARDEN": ["1"]],
               parameters: ["DOA_REG": "00000000000000000000000000000000"],
               directions: ["CLKARDCLK": "input", "ADDRARDADDR": "input", "DOADO": "output", "ENARDEN": "input"])
        n.lut("d1", [20, 21], out: 22)
        n.lut("d2", [22], out: 23)
        n.ff("b", d: 23, q: 30)
        let r = try n.analyse()
        #expect(r.critical.startCell == "ram" && r.critical.startType == "RAMB36E1" && r.critical.startPin == "DOADO")
        #expect(r.critical.endCell == "b")
        #expect(r.critical.lutLevels == 2)
        #expect(r.maxLutLevels == 2, "a path must not run through the RAM")
        // clock to DO without the output register (2.454), not a flip-flop's
        let period = x7.bramClockToOut + 3 * x7.net + 2 * x7.lut + x7.setupD + x7.clockUncertainty
        #expect(close(r.critical.periodNs, period))
    }

    /// Two paths that meet: the walker keeps the slower branch (three LUTs, not two).
    @Test func picksTheLongerOfTwoPaths() throws {
        var n = HandNetlist()
        n.ff("s", d: "0", q: 10)
        n.lut("a", [10], out: 11)
        n.lut("b", [11], out: 12)
        n.lut("short", [10], out: 13)
        n.lut("join", [13, 12], out: 14)
        n.ff("e", d: 14, q: 15)
        n.ff("other", d: 13, q: 16)  // one level to another end point
        let r = try n.analyse()
        #expect(r.critical.lutLevels == 3)
        #expect(r.critical.cellTypes == ["FDRE", "LUT1", "LUT1", "LUT2", "FDRE"])
        #expect(r.critical.startCell == "s" && r.critical.endCell == "e")
    }

    /// Constant bits are not nets: LUTs fed only by constants start no path.
    @Test func constantsAreNotNets() throws {
        var n = HandNetlist()
        n.lut("k1", ["0", "1"], out: 10)
        n.lut("k2", [10, "x"], out: 11)
        n.lut("k3", [11], out: 12)
        n.ff("f", d: 12, q: 13)
        n.ff("g", d: 13, q: 14)
        let r = try n.analyse()
        #expect(r.critical.lutLevels == 0)
        #expect(r.critical.startCell == "f" && r.critical.endCell == "g")
        #expect(r.maxLutLevels == 0)
    }

    /// A DSP48E1 without registers is crossed combinationally (prjxray A→P 2.823 ns), not a level;
    /// with PREG it is a start point.
    @Test func dspBoundaries() throws {
        var n = HandNetlist()
        let zero = "00000000000000000000000000000000"
        n.ff("a", d: "0", q: 10)
        n.cell("m", "DSP48E1", ["CLK": [1], "A": [10, "0"], "B": ["1", "0"], "P": [20, 21], "OPMODE": ["1", "0"]],
               parameters: ["AREG": zero, "BREG": zero, "CREG": zero, "MREG": zero, "PREG": zero, "ADREG": zero, "DREG": zero,
                            "USE_MULT": "MULTIPLY", "USE_DPORT": "FALSE"])
        n.lut("l", [20, 21], out: 22)
        n.ff("p", d: 22, q: 23)
        let r = try n.analyse()
        #expect(r.critical.dspBlocks == 1 && r.critical.lutLevels == 1)
        #expect(r.critical.cellTypes == ["FDRE", "DSP48E1", "LUT2", "FDRE"])
        let period = x7.clockToOut + x7.net + 2.823 + x7.net + x7.lut + x7.net + x7.setupD + x7.clockUncertainty
        #expect(close(r.critical.periodNs, period), "\(r.critical.periodNs) vs \(period)")

        n.cell("m", "DSP48E1", ["CLK": [1], "A": [10, "0"], "B": ["1", "0"], "P": [20, 21]])  // defaults: every register
        let r2 = try n.analyse()
        #expect(r2.critical.startCell == "m" && r2.critical.startType == "DSP48E1" && r2.critical.dspBlocks == 0)
        #expect(close(r2.critical.periodNs, 0.329 + 2 * x7.net + x7.lut + x7.setupD + x7.clockUncertainty))
    }

    /// MUXF7 adds its delay but no level, and sits in the LUTs' slice (no routing hop); LUT RAM reads
    /// are one level from the address.
    @Test func muxesAndLUTRAM() throws {
        var n = HandNetlist()
        n.ff("a", d: "0", q: 10)
        n.lut("l0", [10], out: 11)
        n.lut("l1", [10], out: 12)
        n.cell("mx", "MUXF7", ["I0": [11], "I1": [12], "S": ["0"], "O": [13]])
        n.ff("b", d: 13, q: 14)
        let r = try n.analyse()
        #expect(r.critical.lutLevels == 1 && r.critical.muxes == 1)
        #expect(close(r.critical.periodNs, x7.clockToOut + 2 * x7.net + x7.lut + x7.muxF7 + x7.setupD + x7.clockUncertainty))

        var m = HandNetlist()
        m.ff("a", d: "0", q: 10)
        m.cell("lr", "RAM64M", ["WCLK": [1], "WE": ["0"], "ADDRA": [10, "0", "0", "0", "0", "0"], "DIA": ["0"], "DOA": [20]])
        m.lut("l", [20], out: 21)
        m.ff("b", d: 21, q: 22)
        let r2 = try m.analyse()
        #expect(r2.critical.lutLevels == 2, "\(r2.critical)")
        #expect(r2.critical.cellTypes == ["FDRE", "RAM64M", "LUT1", "FDRE"])
    }

    /// A combinational loop is left out (and counted), the rest still walked.
    @Test func combinationalLoopIsSkipped() throws {
        var n = HandNetlist()
        n.lut("x", [11, 20], out: 10)
        n.lut("y", [10], out: 11)
        n.ff("f", d: 10, q: 20)
        n.ff("g", d: "0", q: 30)
        n.lut("z", [30], out: 31)
        n.ff("h", d: 31, q: 32)
        let r = try n.analyse()
        #expect(r.loopNets >= 2)
        #expect(r.critical.startCell == "g" && r.critical.lutLevels == 1)
    }

    /// No path at all is an error, not a zero.
    @Test func emptyNetlistIsAnError() throws {
        let n = HandNetlist()
        #expect(throws: LogicDepthError.self) { try n.analyse() }
        #expect(throws: LogicDepthError.self) { try LogicDepth.analyse(json: Data("{}".utf8), top: nil, delays: .xc7) }
    }

    /// synth_xilinx gets a write_json of the mapped netlist when asked for one.
    @Test func xilinxScriptWritesTheNetlist() {
        #expect(SynthTarget.xilinx.script(top: "t", jsonOut: "n.json") == "synth_xilinx -family xc7 -flatten -top t; write_json n.json")
        let staged = SynthTarget.xilinx.script(top: "t", jsonOut: "n.json", noShare: true).components(separatedBy: "; ")
        #expect(staged.suffix(2) == ["synth_xilinx -family xc7 -flatten -top t -run map_memory:", "write_json n.json"])
        #expect(XilinxDelays.family("xcup").standIn && !XilinxDelays.family("xc7").standIn)
    }

    /// The SynthResult keys: the estimate is marked as one.
    @Test func resultCarriesTheEstimate() throws {
        var n = HandNetlist()
        n.ff("r0", d: 11, q: 10)
        n.lut("a", [10], out: 11)
        var s = SynthResult(target: "xilinx", top: "t", luts: 1, flipFlops: 1, dsps: 0, blockRams: 0, cells: [:])
        s.setLogicDepth(try n.analyse())
        #expect(s.logicLevels == 1 && s.carryLength == 0 && s.fmaxIsEstimate == true && s.maxLogicLevels == 1)
        let obj = try JSONSerialization.jsonObject(with: Data(s.json().utf8)) as! [String: Any]
        for k in ["luts", "flipFlops", "dsps", "blockRams", "fmaxMHz", "logicLevels", "carryLength", "fmaxIsEstimate", "criticalPath"] {
            #expect(obj[k] != nil, "\(k)")
        }
    }
}

/// Yosys on a 16-bit counter: q[0] → INV → CARRY4 S[0] → three CO→CI links → O[1] → q[13]'s D
/// (CI→O[1] is the slowest CI→O arc of prjxray's CARRY4, 0.334 ns).
@Suite(.serialized) struct LogicDepthYosysTests {
    @Test func counterThroughSynthXilinx() throws {
        guard SynthFlow.which("yosys") != nil else { print("note: yosys missing; skipping"); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("logic-depth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let v = """
            module counter16(input clk, input rst, input en, output reg [15:0] q);
              always @(posedge clk) if (rst) q <= 16'd0; else if (en) q <= q + 16'd1;
            endmodule
            """
        try v.write(to: dir.appendingPathComponent("counter16.v"), atomically: true, encoding: .utf8)
        let flow = SynthFlow(target: .xilinx, placeAndRoute: false, workDir: dir.appendingPathComponent("synth").path)
        let r = try flow.run(manifest: RTLManifest(top: "counter16", files: ["counter16.v"]), rtlDir: dir.path)
        #expect(r.dsps == 0 && r.flipFlops == 16 && r.cells["CARRY4"] == 4, "\(r.cells)")
        let p = try #require(r.criticalPath, "\(r.note ?? "")")
        // Hand-worked: the INV (one level) into S[0] beats q[1] routed straight into S[1].
        #expect(r.logicLevels == 1 && r.carryLength == 4, "\(p)")
        #expect(p.startType == "FDRE" && p.endType == "FDRE")
        #expect(p.cellTypes == ["FDRE", "INV", "CARRY4", "CARRY4", "CARRY4", "CARRY4", "FDRE"] ||
                p.cellTypes == ["FDRE", "LUT1", "CARRY4", "CARRY4", "CARRY4", "CARRY4", "FDRE"], "\(p.cellTypes)")
        // 0.456 + 0.75 + 0.2 + S[0]→CO[3] 0.508 + 2 × CI→CO[3] 0.114 + CI→O[1] 0.334 + 0.75 + 0.031 + 0.2
        #expect(close(p.periodNs, 3.457), "\(p.periodNs)")
        #expect(p.startPin == "Q" && p.endPin == "D")
        #expect(r.fmaxIsEstimate == true && close(r.fmaxMHz ?? 0, (10_000 / 3.457).rounded() / 10), "\(r.fmaxMHz ?? 0)")
        #expect(r.flow == "synth_xilinx -family xc7 -flatten -top counter16")
        #expect(r.note?.contains("estimate") == true)
    }

    /// `LOGIC_DEPTH_NETLIST=F.json [LOGIC_DEPTH_TOP=T] swift test --filter logicDepthOfAFile` prints the
    /// analysis of an existing netlist (e.g. a `.build-synth/…/<top>.xilinx.json`) and its wall time.
    @Test func logicDepthOfAFile() throws {
        guard let path = ProcessInfo.processInfo.environment["LOGIC_DEPTH_NETLIST"] else { return }
        let t0 = Date()
        let r = try LogicDepth.analyse(netlistAt: path, top: ProcessInfo.processInfo.environment["LOGIC_DEPTH_TOP"], delays: .xc7)
        print("logic depth of \(path) in \(String(format: "%.1f", Date().timeIntervalSince(t0))) s:")
        print("  \(r.critical)")
        print("  max LUT levels \(r.maxLutLevels), Fmax estimate \(String(format: "%.1f", r.fmaxMHz)) MHz, loop nets \(r.loopNets), unknown \(r.unknownTypes)")
        for d in r.deepEndPoints { print("  \(d.levels) levels, \(d.bits) bits: \(d.signal)\n      " + d.path.joined(separator: " → ")) }
    }
}
