@testable import RTLGen
import Testing

/// The accelerator's arithmetic helpers (Sources/RTLGen/Accelerator/Helpers.swift) as Verilog, run
/// by Icarus against the simulator's own operators.
struct HelpersTests {
    /// `greaterThan(x, constant: c)`, gates for `x > c`: for a 7-bit x, every c from 0 to 130 (past
    /// x's largest value), at every x, equals Verilog's `x > c`.
    @Test(.enabled(if: HDLTools.haveIverilog)) func greaterThanAConstantIsTheComparison() throws {
        let constants = Array(0...130)
        let m = ModuleBuilder("gt_constants", documentation: "x > c for constants c, as gates.")
        let x = m.input("x", width: 7)
        let out = m.output("gt", width: constants.count)
        m.assign(out, cat(constants.reversed().map { greaterThan(x.expr, constant: $0) }))
        let tb = """
            module tb;
              logic [6:0] x; logic [\(constants.count - 1):0] gt;
              gt_constants dut(.*);
              integer i, c, errs = 0;
              initial begin
                for (i = 0; i < 128; i = i + 1) begin
                  x = i[6:0]; #1;
                  for (c = 0; c < \(constants.count); c = c + 1)
                    if (gt[c] !== (i > c)) begin errs = errs + 1; if (errs < 4) $display("x %0d c %0d: %b", i, c, gt[c]); end
                end
                $display("errors %0d", errs);
                $finish;
              end
            endmodule
            """
        let files = try VerilogEmitter().emitDesign(try m.build()) + [VerilogFile(fileName: "tb.sv", moduleName: "tb", contents: tb)]
        let run = try HDLTools.simulateWithIcarus(files, top: "tb").run
        #expect(run.contains("errors 0"), "\(run)")
    }
}
