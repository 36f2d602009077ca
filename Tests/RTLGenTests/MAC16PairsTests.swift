import AcceleratorSpec
import Foundation
import RTLGen
import Report
import Testing

/// MAC16 pairs (docs/microarchitecture.md §7.4): a PE pair takes two lanes' int8 products from one
/// iCE40 SB_MAC16 in its two-8×8 mode. The co-simulation runs the products the RTL states for
/// simulators; here the same pair with the cell itself — Yosys' simulation model of SB_MAC16, as
/// synthesis sees the RTL (`SYNTHESIS` defined) — against products Icarus computes directly, at
/// every (activation, weight) of both lanes, and Yosys' count of the cells it maps.
struct MAC16PairsTests {
    static let config = try! HardwareConfig.small.overriding(lanesC: 1, mac16Pairs: true)

    /// Yosys' iCE40 cell models (`share/yosys/ice40/cells_sim.v` beside its binary), if installed.
    static let cellModels: String? = HDLTools.yosys.flatMap { exe in
        let share = URL(fileURLWithPath: exe).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("share/yosys/ice40/cells_sim.v").path
        return FileManager.default.fileExists(atPath: share) ? share : nil
    }

    /// The config: JSON and hash carry it only when set, an odd lanesK and packed products with it
    /// are refused, and paired lanes group only where packed products would.
    @Test func theConfigCarriesMAC16Pairs() throws {
        let c = Self.config
        #expect(try HardwareConfig.fromJSON(c.canonicalJSON()) == c)
        #expect(try c.contentHash != HardwareConfig.small.overriding(lanesC: 1).contentHash)
        #expect(!String(decoding: HardwareConfig.small.canonicalJSON(), as: UTF8.self).contains("mac16Pairs"))
        let odd = #expect(throws: AcceleratorSpecError.self) { try HardwareConfig.small.overriding(lanesK: 3, mac16Pairs: true) }
        #expect(odd.map { "\($0)" }?.contains("mac16Pairs needs lanesK even") == true)
        let both = #expect(throws: AcceleratorSpecError.self) { try HardwareConfig.small.overriding(packedProducts: true, mac16Pairs: true) }
        #expect(both.map { "\($0)" }?.contains("choose one") == true)
        let d = try HardwareConfig.default.overriding(mac16Pairs: true)
        let p = try HardwareConfig.default.overriding(packedProducts: true)
        #expect(LayerPlan.laneGroups(d).map { [$0.lanes, $0.groups] } == LayerPlan.laneGroups(p).map { [$0.lanes, $0.groups] })
        #expect(HardwareConfig.preset(named: "ice40-up5k")?.mac16Pairs == true)
    }

    /// The pair's module instantiates one SB_MAC16 per lanesC product for synthesis only: what a
    /// simulator reads has no vendor cell.
    @Test func theCellIsForSynthesisOnly() throws {
        let files = try AcceleratorGenerator(config: Self.config.overriding(lanesC: 2)).files()
        let pair = try #require(files.first { $0.moduleName.hasSuffix("pe_pair") })
        let simulated = pair.contents.components(separatedBy: "`else")[1...].map { $0.components(separatedBy: "`endif")[0] }.joined()
        #expect(pair.contents.components(separatedBy: "SB_MAC16 #(").count - 1 == 2)
        #expect(pair.contents.components(separatedBy: "`ifdef SYNTHESIS").count - 1 == 2)
        #expect(!simulated.contains("SB_MAC16"))
        #expect(!files.contains { !$0.moduleName.hasSuffix("pe_pair") && $0.contents.contains("SB_MAC16") })
    }

    /// The UP5K preset: MAC16 pairs with the operand stage, which the cells' registers hold.
    static let registered = HardwareConfig.preset(named: "ice40-up5k")!

    /// A testbench of `pair` (generated for `config`): a new pair of operands every edge, at every
    /// activation and weight of both lanes (the lower lane's weight a different byte of the same
    /// index, so both run through all 65 536 pairs), each dot checked `latency` edges after its
    /// operands against the products Icarus computes; it prints "errors E of N".
    static func testbench(_ pair: VerilogFile, config: HardwareConfig, latency: Int) throws -> VerilogFile {
        let acc = config.accumulatorWidth
        // (the addends are wider with lane groups: the port's width as generated)
        let addendBits = try #require(pair.contents.split(separator: "\n").first { $0.hasSuffix(" addend,") }
            .flatMap { $0.split(separator: "[").last?.split(separator: ":").first }.flatMap { Int($0) }) + 1
        let tb = """
            module tb;
              logic clk = 0, rst = 1; logic [7:0] operand; logic [15:0] weights;
              logic valid = 0, first = 0, last = 0; logic [1:0] take = 0; logic [\(addendBits - 1):0] addend = 0;
              logic [33:0] dot; logic [\(2 * acc - 1):0] shadow;
              \(pair.moduleName) dut(.*);
              integer i, j, errs = 0, checked = 0;
              integer lo [0:65535]; integer hi [0:65535];
              initial begin
                for (i = 0; i < 65536 + \(latency - 1); i = i + 1) begin
                  if (i < 65536) begin
                    operand = i[7:0]; weights = {i[15:8], i[15:8] ^ 8'h5a};
                    lo[i] = $signed(operand) * $signed(weights[7:0]); hi[i] = $signed(operand) * $signed(weights[15:8]);
                  end
                  #1 clk = 1; #1 clk = 0;
            \(HDLTools.checkedLoopEnd(latency: latency, mismatch: "$signed(dot[16:0]) !== lo[j] || $signed(dot[33:17]) !== hi[j]",
                                     show: "\"pair %0d: dot lo %0d (want %0d) hi %0d (want %0d)\", j, $signed(dot[16:0]), lo[j], $signed(dot[33:17]), hi[j]"))
            endmodule
            """
        return VerilogFile(fileName: "tb.sv", moduleName: "tb", contents: tb)
    }

    /// Both lanes' dots, with the cell's model (as synthesis reads the RTL) and with the stated
    /// behaviour (as co-simulated), each as many edges after its operands as the registers before it.
    @Test(.enabled(if: HDLTools.haveIverilog && cellModels != nil), arguments: [true, false], [false, true])
    func aPairComputesBothLanesProducts(synthesis: Bool, cellRegisters: Bool) throws {
        let config = cellRegisters ? Self.registered : Self.config
        let files = try AcceleratorGenerator(config: config).files()
        let pair = try #require(files.first { $0.moduleName.hasSuffix("pe_pair") })
        #expect(pair.contents.contains(".A_REG                    (1'b1)") == cellRegisters)
        // (the dot one edge after its operands, through stage 1, or two, through the cell's input
        // and product registers)
        let tb = try Self.testbench(pair, config: config, latency: cellRegisters ? 2 : 1)
        // (the models' default port values are a SystemVerilog form Icarus does not take)
        let cells = synthesis ? ["-DSYNTHESIS", "-DNO_ICE40_DEFAULT_ASSIGNMENTS", Self.cellModels!] : []
        let (compile, out) = try HDLTools.simulateWithIcarus([tb, pair], top: "tb", extra: cells)
        #expect(!compile.contains("error"), "\(compile)")
        #expect(out.contains("errors 0 of 65536"), "\(out)")
    }

    /// The netlist `sparsetile synth` makes of the pair (its Yosys script for the UP5K), simulated
    /// with Yosys' cell models: what the FPGA would compute. Yosys' `ice40_dsp`, run on the whole
    /// design, made the pair's cell a 16×16 multiplier (MODE_8x8 0); the flow keeps it off.
    @Test(.enabled(if: HDLTools.haveYosys && HDLTools.haveIverilog && cellModels != nil), arguments: [false, true])
    func theSynthesisedPairComputesBothLanesProducts(cellRegisters: Bool) throws {
        let config = cellRegisters ? Self.registered : Self.config
        let pair = try #require(AcceleratorGenerator(config: config).files().first { $0.moduleName.hasSuffix("pe_pair") })
        let (dir, paths) = try HDLTools.writeDesign([pair], label: "mac16-pairs-netlist")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = SynthTarget.ice40.script(top: pair.moduleName, jsonOut: nil, device: .up5k)
        let log = try HDLTools.run(HDLTools.yosys!, ["-q", "-p", "read_verilog -sv \(paths[0]); \(script); write_verilog -noattr netlist.v"], in: dir)
        let netlist = try String(contentsOf: dir.appendingPathComponent("netlist.v"), encoding: .utf8)
        #expect(netlist.contains("SB_MAC16"), "\(log)")
        let tb = try Self.testbench(pair, config: config, latency: cellRegisters ? 2 : 1)
        let (compile, out) = try HDLTools.simulateWithIcarus([tb, VerilogFile(fileName: "netlist.v", moduleName: pair.moduleName, contents: netlist)],
                                                             top: "tb", extra: ["-DNO_ICE40_DEFAULT_ASSIGNMENTS", Self.cellModels!])
        #expect(!compile.contains("error"), "\(compile)")
        #expect(out.contains("errors 0 of 65536"), "\(out)")
    }

    /// With the operand stage and one product a lane (the UP5K preset) the operands and the
    /// products are the cell's registers: Yosys keeps one SB_MAC16 with its clock and no flip-flop
    /// beside it but the two lanes' accumulators, and the array registers no operand of its own.
    @Test(.enabled(if: HDLTools.haveYosys)) func theCellHoldsTheOperandStageAndTheProducts() throws {
        let files = try AcceleratorGenerator(config: Self.registered).files()
        let pair = try #require(files.first { $0.moduleName.hasSuffix("pe_pair") })
        let array = try #require(files.first { $0.moduleName.hasSuffix("pe_array") })
        #expect(!array.contents.contains("pe_operands_d1") && !array.contents.contains("weight_chunks_d1"))
        #expect(pair.contents.contains(".TOP_8x8_MULT_REG         (1'b1)") && pair.contents.contains(".CLK        (clk)"))
        let (dir, paths) = try HDLTools.writeDesign([pair], label: "mac16-pairs-registered-yosys")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try HDLTools.run(HDLTools.yosys!, ["-q", "-p", "read_verilog -sv \(paths[0]); synth_ice40 -dsp -top \(pair.moduleName); tee -o stat.txt stat"], in: dir)
        let stat = try String(contentsOf: dir.appendingPathComponent("stat.txt"), encoding: .utf8)
        let counts = stat.split(separator: "\n").compactMap { line -> (String, Int)? in
            let f = line.split(separator: " ")
            guard f.count == 2, f[0].hasPrefix("SB_"), let n = Int(f[1]) else { return nil }
            return (String(f[0]), n)
        }
        let flipFlops = counts.filter { $0.0.hasPrefix("SB_DFF") }.map(\.1).reduce(0, +)
        #expect(counts.first { $0.0 == "SB_MAC16" }?.1 == 1, "\(stat)\n\(out)")
        #expect(flipFlops == 2 * Self.registered.accumulatorWidth, "\(stat)")
    }

    /// Yosys maps the pair to lanesC SB_MAC16 cells (one per pair of products), no multiplier in LUTs.
    @Test(.enabled(if: HDLTools.haveYosys)) func yosysKeepsOneCellPerPairOfProducts() throws {
        let files = try AcceleratorGenerator(config: Self.config.overriding(lanesC: 2)).files()
        let pair = try #require(files.first { $0.moduleName.hasSuffix("pe_pair") })
        let (dir, paths) = try HDLTools.writeDesign([pair], label: "mac16-pairs-yosys")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try HDLTools.run(HDLTools.yosys!, ["-q", "-p", "read_verilog -sv \(paths[0]); synth_ice40 -dsp -top \(pair.moduleName); tee -o stat.txt stat"], in: dir)
        let stat = try String(contentsOf: dir.appendingPathComponent("stat.txt"), encoding: .utf8)
        let cells = stat.split(separator: "\n").filter { $0.contains("SB_MAC16") }
        #expect(cells.count == 1 && cells[0].split(separator: " ").last == "2", "\(stat)\n\(out)")
    }
}
