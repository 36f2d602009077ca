import Foundation
import Testing
@testable import Report

/// `SourceAttribution` on a netlist written by hand, each cell's expected source worked out from
/// its connections: flip-flops and carries by their own `src` line, LUTs by the named signal they
/// drive, else by what they feed.
@Suite struct SourceAttributionTests {
    /// Net 1 is an input; LUT a (no src, as ABC writes it) feeds flip-flop f (made by eng.sv line 42,
    /// inside top.sv line 10's instance); LUT b drives the kept signal u_eng.sum; LUT c feeds LUT d,
    /// which drives `out[0]`; carry k was made by eng.sv line 50; LUT e feeds nothing named.
    static let netlist = #"""
    {"modules": {"top": {"attributes": {"top": "00000000000000000000000000000001"},
      "ports": {"in": {"direction": "input", "bits": [1]}, "out": {"direction": "output", "bits": [6, 9]}},
      "netnames": {
        "in": {"hide_name": 0, "bits": [1]},
        "u_eng.sum": {"hide_name": 0, "bits": [4]},
        "out": {"hide_name": 0, "bits": [6, 9]},
        "$abc$x": {"hide_name": 1, "bits": [2, 5]}},
      "cells": {
        "$abc$a": {"type": "SB_LUT4", "attributes": {"src": "/usr/share/yosys/ice40/cells_map.v:26.33-27.52"},
                   "port_directions": {"I0": "input", "O": "output"}, "connections": {"I0": [1], "O": [2]}},
        "$ff$f": {"type": "SB_DFF", "attributes": {"src": "top.sv:10.5-12.6|/rtl/eng.sv:42.5-44.8|/usr/share/yosys/ice40/ff_map.v:2.1-2.9"},
                  "port_directions": {"C": "input", "D": "input", "Q": "output"}, "connections": {"C": [1], "D": [2], "Q": [3]}},
        "$abc$b": {"type": "SB_LUT4", "attributes": {},
                   "port_directions": {"I0": "input", "O": "output"}, "connections": {"I0": [3], "O": [4]}},
        "$abc$c": {"type": "SB_LUT4", "attributes": {},
                   "port_directions": {"I0": "input", "O": "output"}, "connections": {"I0": [4], "O": [5]}},
        "$abc$d": {"type": "SB_LUT4", "attributes": {},
                   "port_directions": {"I0": "input", "O": "output"}, "connections": {"I0": [5], "O": [6]}},
        "$alu$k": {"type": "SB_CARRY", "attributes": {"src": "top.sv:10.5-12.6|eng.sv:50.12-50.30|/usr/share/yosys/ice40/arith_map.v:62.3-62.9"},
                   "port_directions": {"I0": "input", "CO": "output"}, "connections": {"I0": [1], "CO": [9]}},
        "$abc$e": {"type": "SB_LUT4", "attributes": {},
                   "port_directions": {"I0": "input", "O": "output"}, "connections": {"I0": [1], "O": [7]}},
        "$mac": {"type": "SB_MAC16", "attributes": {"src": "eng.sv:60.1-60.2"},
                 "port_directions": {"A": "input", "O": "output"}, "connections": {"A": [1], "O": [8]}}
      }}}}
    """#

    @Test func eachCellGoesToItsLineOrSignal() throws {
        let rtl = FileManager.default.temporaryDirectory.appendingPathComponent("source-attribution-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: rtl, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: rtl) }
        var lines = [String](repeating: "", count: 50)
        lines[40] = "    // stage2"; lines[41] = "    always @(posedge clk) begin"; lines[49] = "    assign s = a + b;"
        try lines.joined(separator: "\n").write(to: rtl.appendingPathComponent("eng.sv"), atomically: true, encoding: .utf8)

        let costs = try SourceAttribution.costs(json: Data(Self.netlist.utf8), top: nil, rtlDir: rtl.path)
        let bySource = Dictionary(uniqueKeysWithValues: costs.map { ($0.source, $0) })
        #expect(bySource["eng.sv:42"] == SourceCost(source: "eng.sv:42", text: "always @(posedge clk) begin // stage2", luts: 1, flipFlops: 1))
        #expect(bySource["u_eng.sum"] == SourceCost(source: "u_eng.sum", luts: 1))
        #expect(bySource["out"] == SourceCost(source: "out", luts: 2))
        #expect(bySource["eng.sv:50"] == SourceCost(source: "eng.sv:50", text: "assign s = a + b;", carries: 1))
        #expect(bySource["(unattributed)"] == SourceCost(source: "(unattributed)", luts: 1))
        // every LUT, flip-flop and carry once; the DSP is none of them
        #expect(costs.reduce(0) { $0 + $1.total } == 7 && costs.count == 5)
        // most first, ties by name
        #expect(costs.map(\.source) == ["eng.sv:42", "out", "(unattributed)", "eng.sv:50", "u_eng.sum"])
    }
}
