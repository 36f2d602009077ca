import Foundation
@testable import RTLGen
import Report
import Testing

/// The SB_MAC16 as the take's products use it (`MAC16Cell.product16x16`, docs/microarchitecture.md
/// §7.3, a registered take: a·b, unsigned 16×16, one edge after its operands) and as the requant
/// lane's M product does (§7.5, `requantProductRegisters`: A signed, the product registered too). Checked on Yosys'
/// model of the cell (as synthesis reads the RTL), on the behaviour the RTL states for simulators
/// (as co-simulated), and on the netlist `sparsetile synth`'s flow makes of it, against products
/// Icarus computes directly.
struct MAC16CellTests {
    /// A module of one product: inputs a and b, output o = a·b (a signed with `aSigned`, b
    /// unsigned) of the operands an edge before, or two with `productRegister`.
    static func productModule(aSigned: Bool = false, productRegister: Bool = false) throws -> VerilogFile {
        let m = ModuleBuilder("take_product")
        let clk = m.clock()
        let a = m.input("a", width: 16), b = m.input("b", width: 16), o = m.output("o", width: 32)
        let p = MAC16Cell.product(in: m, "mac", a: a.expr, b: b.expr, clock: clk, aSigned: aSigned, productRegister: productRegister)
        m.assign(o, p)
        return VerilogFile(fileName: "take_product.sv", moduleName: "take_product", contents: VerilogEmitter().emit(try m.build()))
    }

    /// A new operand pair every edge — the corners, then pseudo-random pairs — each product
    /// checked `latency` edges later (a signed with `aSigned`); prints "errors E of N".
    static func testbench(latency: Int = 1, aSigned: Bool = false) -> VerilogFile {
        VerilogFile(fileName: "tb.sv", moduleName: "tb", contents: """
            module tb;
              logic clk = 0; logic [15:0] a, b; logic [31:0] o;
              take_product dut(.*);
              integer i, j, errs = 0, checked = 0;
              logic [31:0] seed = 32'h1234_5678;
              logic [31:0] want [0:4099];
              initial begin
                for (i = 0; i < 4100 + \(latency - 1); i = i + 1) begin
                  seed = seed * 32'd1664525 + 32'd1013904223;
                  case (i)
                    0: begin a = 16'hffff; b = 16'hffff; end
                    1: begin a = 16'h0000; b = 16'hffff; end
                    2: begin a = 16'h8000; b = 16'h0002; end
                    3: begin a = 16'h8000; b = 16'hffff; end
                    default: begin a = seed[31:16]; b = seed[15:0] ^ seed[31:16]; end
                  endcase
                  if (i < 4100) want[i] = \(aSigned ? "32'($signed({{16{a[15]}}, a}) * $signed({16'd0, b}))" : "a * b");
                  #1 clk = 1; #1 clk = 0;
            \(HDLTools.checkedLoopEnd(latency: latency, mismatch: "o !== want[j]", show: "\"pair %0d: %0d (want %0d)\", j, o, want[j]"))
            endmodule
            """)
    }

    /// The take's use (unsigned, a product an edge after its operands) and the requant lane's (A
    /// signed, the product registered too: two edges), on the cell's model and as simulated.
    @Test(.enabled(if: HDLTools.haveIverilog && MAC16PairsTests.cellModels != nil), arguments: [true, false], [false, true])
    func theCellMultipliesAfterItsRegisters(synthesis: Bool, requantUse: Bool) throws {
        let cells = synthesis ? ["-DSYNTHESIS", "-DNO_ICE40_DEFAULT_ASSIGNMENTS", MAC16PairsTests.cellModels!] : []
        let module = try Self.productModule(aSigned: requantUse, productRegister: requantUse)
        let (compile, out) = try HDLTools.simulateWithIcarus([Self.testbench(latency: requantUse ? 2 : 1, aSigned: requantUse), module], top: "tb", extra: cells)
        #expect(!compile.contains("error"), "\(compile)")
        #expect(out.contains("errors 0 of 4100"), "\(out)")
    }

    /// The flow's netlist keeps the cell with its input registers (no flip-flop beside it) and
    /// computes the same products.
    @Test(.enabled(if: HDLTools.haveYosys && HDLTools.haveIverilog && MAC16PairsTests.cellModels != nil))
    func theSynthesisedCellMultipliesAnEdgeAfterItsOperands() throws {
        let module = try Self.productModule()
        let (dir, paths) = try HDLTools.writeDesign([module], label: "mac16-take-product")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = SynthTarget.ice40.script(top: module.moduleName, jsonOut: nil, device: .up5k)
        let log = try HDLTools.run(HDLTools.yosys!, ["-p", "read_verilog -sv \(paths[0]); \(script); stat; write_verilog -noattr netlist.v"], in: dir)
        let netlist = try String(contentsOf: dir.appendingPathComponent("netlist.v"), encoding: .utf8)
        #expect(netlist.contains("SB_MAC16") && netlist.contains(".A_REG(1'h1)") && netlist.contains(".B_REG(1'h1)"), "\(netlist)")
        #expect(!netlist.contains("SB_DFF"), "\(log)")
        let (compile, out) = try HDLTools.simulateWithIcarus([Self.testbench(), VerilogFile(fileName: "netlist.v", moduleName: module.moduleName, contents: netlist)],
                                                             top: "tb", extra: ["-DNO_ICE40_DEFAULT_ASSIGNMENTS", MAC16PairsTests.cellModels!])
        #expect(!compile.contains("error"), "\(compile)")
        #expect(out.contains("errors 0 of 4100"), "\(out)")
    }
}
