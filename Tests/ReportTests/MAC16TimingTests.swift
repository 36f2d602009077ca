import Foundation
import Testing
@testable import Report

/// Which SB_MAC16s nextpnr-ice40 times (their multiplier between the cell's registers), on
/// hand-built netlists whose answer follows from the cell's model (Yosys' `cells_sim.v`).
struct MAC16TimingTests {
    /// An SB_MAC16 with A on nets 10…25, B on 30…45, O on 50…81, the clock on net 2 or tied low.
    static func mac(_ name: String, clocked: Bool, _ parameters: [String: String]) -> NetlistCell {
        NetlistCell(name: name, type: "SB_MAC16", parameters: parameters,
                    connections: [("CLK", [clocked ? 2 : nil]), ("A", (10..<26).map { $0 }), ("B", (30..<46).map { $0 }),
                                  ("C", Array(repeating: nil, count: 16)), ("O", (50..<82).map { $0 })],
                    directions: ["CLK": "input", "A": "input", "B": "input", "C": "input", "O": "output"])
    }

    /// A LUT reading `nets` (one input each is enough for "read").
    static func reader(_ nets: [Int]) -> NetlistCell {
        NetlistCell(name: "lut", type: "SB_LUT4", parameters: [:], connections: nets.enumerated().map { ("I\($0.offset)", [$0.element]) },
                    directions: Dictionary(uniqueKeysWithValues: nets.indices.map { ("I\($0)", "input") }))
    }

    @Test func aCellWithoutItsClockIsTimedThroughNeitherSide() {
        let m = NetlistModule(name: "top", cells: [Self.mac("u", clocked: false, ["A_REG": "1", "B_REG": "1"]), Self.reader([50, 70])], ports: [])
        let cell = MAC16Timing.audit(m).cells[0]
        #expect(cell.unregisteredInputs == ["A", "B"] && cell.unregisteredOutputs == ["top", "bottom"])
        #expect(!cell.timedByNextpnr && !cell.clocked && cell.multiplyNs == MAC16Timing.multiply16x16Ns)
    }

    @Test func aCellsShortNameDropsYosysPrefixesAndTheRTLDirectory() {
        var c = MAC16Timing.Cell(name: "$flatten\\u_port_sequencer.$mul$.build-synth/8c33-m64/rtl/st_8c33_port_sequencer.sv:790$983",
                                 mode8x8: false, clocked: true, unregisteredInputs: [], unregisteredOutputs: [])
        #expect(c.shortName == "u_port_sequencer.$mul$st_8c33_port_sequencer.sv:790$983")
        c.name = "$flatten\\u_rq.$mul$/r/st_rq.sv:62$1757.genblk1.genblk1.sliceA[0].mul"
        #expect(c.shortName == "u_rq.$mul$st_rq.sv:62$1757.sliceA[0].mul")
        c.name = "u_pe_array.g_pe_pair_y[0].u_pe_pair.u_mac_0"
        #expect(c.shortName == c.name)
    }

    @Test func registeredOperandsAndProductsAreTimed() {
        let p = ["MODE_8x8": "1", "A_REG": "1", "B_REG": "1", "TOPOUTPUT_SELECT": "10", "TOP_8x8_MULT_REG": "1",
                 "BOTOUTPUT_SELECT": "10", "BOT_8x8_MULT_REG": "1"]
        let audit = MAC16Timing.audit(NetlistModule(name: "top", cells: [Self.mac("u", clocked: true, p), Self.reader([50, 81])], ports: []))
        #expect(audit.cells[0].timedByNextpnr && audit.untimed.isEmpty)
    }

    /// A registered, B not; the top product (8×8, unregistered) read, the bottom half unread.
    @Test func anUnregisteredOperandOrProductIsNamed() {
        let p = ["MODE_8x8": "1", "A_REG": "1", "TOPOUTPUT_SELECT": "10", "BOTOUTPUT_SELECT": "10"]
        let cell = MAC16Timing.audit(NetlistModule(name: "top", cells: [Self.mac("u", clocked: true, p), Self.reader([66])], ports: [])).cells[0]
        #expect(cell.unregisteredInputs == ["B"] && cell.unregisteredOutputs == ["top"] && cell.clocked)
        #expect(cell.multiplyNs == MAC16Timing.multiply8x8Ns)
        // the 16×16 product through its pipeline register, the accumulator register
        let q = ["A_REG": "1", "B_REG": "1", "TOPOUTPUT_SELECT": "11", "PIPELINE_16x16_MULT_REG2": "1", "BOTOUTPUT_SELECT": "01"]
        #expect(MAC16Timing.audit(NetlistModule(name: "top", cells: [Self.mac("v", clocked: true, q), Self.reader([50, 81])], ports: [])).untimed.isEmpty)
    }

    /// The analysis netlist (Yosys' JSON): a clocked cell outside nextpnr's figure loses its clock,
    /// the inputs its registers hold are tied to 0 and the output halves they hold cut (fresh nets
    /// above every net); a cell nextpnr times, or one already without a clock, stays as it is.
    @Test func theAnalysisNetlistTimesOnlyThePathsThroughTheMultiply() throws {
        func cell(_ p: [String: String], clocked: Bool = true) -> [String: Any] {
            ["type": "SB_MAC16", "parameters": p,
             "connections": ["CLK": [clocked ? 2 : "0"], "CE": [clocked ? 3 : "0"], "A": Array(10..<26), "B": Array(30..<46),
                             "C": Array(repeating: "0", count: 16), "O": Array(50..<82)] as [String: Any]]
        }
        let take = cell(["A_REG": "1", "B_REG": "1", "TOPOUTPUT_SELECT": "11", "BOTOUTPUT_SELECT": "11"])
        let rq = cell(["A_REG": "1", "TOPOUTPUT_SELECT": "11", "BOTOUTPUT_SELECT": "01"])
        let pe = cell(["MODE_8x8": "1", "A_REG": "1", "B_REG": "1", "TOPOUTPUT_SELECT": "10", "TOP_8x8_MULT_REG": "1",
                       "BOTOUTPUT_SELECT": "10", "BOT_8x8_MULT_REG": "1"])
        let bare = cell([:], clocked: false)
        func netlist(_ cells: [String: Any]) throws -> Data {
            try JSONSerialization.data(withJSONObject: ["modules": ["top": ["cells": cells, "netnames": [:] as [String: Any]]]])
        }
        #expect(try MAC16Timing.analysisNetlist(netlist(["pe": pe, "bare": bare])) == nil)
        let out = try #require(try MAC16Timing.analysisNetlist(netlist(["take": take, "rq": rq, "pe": pe, "bare": bare])))
        let root = try #require(try JSONSerialization.jsonObject(with: out) as? [String: Any])
        let cells = try #require(((root["modules"] as? [String: Any])?["top"] as? [String: Any])?["cells"] as? [String: Any])
        func conn(_ name: String, _ port: String) -> [String] {
            (((cells[name] as? [String: Any])?["connections"] as? [String: Any])?[port] as? [Any] ?? []).map { "\($0)" }
        }
        let nets = { (r: Range<Int>) in r.map(String.init) }
        #expect(conn("take", "CLK") == ["0"] && conn("take", "CE") == ["0"])
        #expect(conn("take", "A") == Array(repeating: "0", count: 16) && conn("take", "B") == Array(repeating: "0", count: 16))
        #expect(conn("take", "O") == nets(50..<82))
        #expect(conn("rq", "CLK") == ["0"] && conn("rq", "A") == Array(repeating: "0", count: 16) && conn("rq", "B") == nets(30..<46))
        let rqO = conn("rq", "O")
        #expect(Array(rqO[16...]) == nets(66..<82))
        #expect(rqO[..<16].allSatisfy { (Int($0) ?? 0) >= 82 } && Set(rqO[..<16]).count == 16)
        #expect(conn("pe", "CLK") == ["2"] && conn("pe", "A") == nets(10..<26) && conn("pe", "O") == nets(50..<82))
        #expect(conn("bare", "A") == nets(10..<26) && conn("bare", "O") == nets(50..<82))
    }
}
