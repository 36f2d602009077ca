import AcceleratorSpec
import Foundation
import RTLGen
import Testing

/// Packed products (docs/microarchitecture.md §7.4): a PE pair takes two lanes' int8 products from
/// one 25×8-bit product. The whole accelerator is co-simulated with them in the regression; here the
/// pair alone against the products Icarus computes directly, over every activation at the edge
/// weights (where a packing 17 bits apart wraps) and random words.
struct PackedProductsTests {
    static let config = try! HardwareConfig.small.overriding(packedProducts: true)

    /// The config: JSON and hash carry it, an odd lanesK is refused, and paired lanes that would
    /// take different chunks turn grouped lanes off.
    @Test func theConfigCarriesPackedProducts() throws {
        let c = Self.config
        #expect(try HardwareConfig.fromJSON(c.canonicalJSON()) == c)
        #expect(c.contentHash != HardwareConfig.small.contentHash)
        #expect(!String(decoding: HardwareConfig.small.canonicalJSON(), as: UTF8.self).contains("packedProducts"))
        let e = #expect(throws: AcceleratorSpecError.self) { try HardwareConfig.small.overriding(lanesK: 3, packedProducts: true) }
        #expect(e.map { "\($0)" }?.contains("packedProducts needs lanesK even") == true)
        // small: B 16 / lanesC 4 = 4 lanes a group, lanesK/2 = 2: lanes 0 and 2 would take chunks 0 and 2
        #expect(LayerPlan.laneGroups(.small) != nil && LayerPlan.laneGroups(c) == nil)
        // default: 4 lanes a group, lanesK/2 = 4: lanes l and l + 4 take chunk l mod 4
        let d = try HardwareConfig.default.overriding(packedProducts: true)
        #expect(LayerPlan.laneGroups(d).map { [$0.lanes, $0.groups] } == [4, 2])
    }

    /// Packed sums (§7.4): they need packed products and lanesC ≤ 4, and a lanes override that
    /// breaks either drops them.
    @Test func packedSumsNeedPackedProductsAndFourLanesC() throws {
        let c = try Self.config.overriding(packedSums: true)
        #expect(c.packedSpacing == 18)   // 16 + log2(lanesC 4)
        #expect(try HardwareConfig.fromJSON(c.canonicalJSON()) == c && c.contentHash != Self.config.contentHash)
        #expect(throws: AcceleratorSpecError.self) { try HardwareConfig.small.overriding(packedSums: true) }
        #expect(throws: AcceleratorSpecError.self) { try c.overriding(lanesC: 8, packedSums: true) }
        #expect(try c.overriding(lanesC: 8).packedSums == false)
        #expect(try c.overriding(lanesC: 2).packedSpacing == 17)
    }

    /// A pair's two dots against the direct products, at every activation and the edge weights
    /// (all lanesC products at their extremes: the lower dot reaches 4·2^14 with packed sums), then
    /// at random operands; products separated one by one and summed before they are separated.
    @Test(.enabled(if: HDLTools.haveIverilog), arguments: [false, true])
    func aPairComputesBothLanesProducts(packedSums: Bool) throws {
        let gen = try AcceleratorGenerator(config: Self.config.overriding(packedSums: packedSums))
        let files = try gen.files()
        let pair = try #require(files.first { $0.moduleName.hasSuffix("pe_pair") })
        let lc = Self.config.lanesC, dw = 17 + lc.trailingZeroBitCount  // the dot of lanesC products
        let tb = """
            module tb;
              logic clk = 0, rst = 1; logic [\(8 * lc - 1):0] operand; logic [\(16 * lc - 1):0] weights;
              logic valid = 0, first = 0, last = 0; logic [1:0] take = 0; logic [\(2 * (dw + 2) - 1):0] addend = 0;
              logic [\(2 * dw - 1):0] dot; logic [\(2 * Self.config.accumulatorWidth - 1):0] shadow;
              \(pair.moduleName) dut(.*);
              integer i, c, errs = 0, lo, hi, edges[0:7]; logic [7:0] w_lo, w_hi;
              task check; begin
                lo = 0; hi = 0;
                for (c = 0; c < \(lc); c = c + 1) begin
                  lo = lo + $signed(operand[8*c +: 8]) * $signed(weights[8*c +: 8]);
                  hi = hi + $signed(operand[8*c +: 8]) * $signed(weights[\(8 * lc) + 8*c +: 8]);
                end
                #1 clk = 1; #1 clk = 0;
                if ($signed(dot[\(dw - 1):0]) !== lo || $signed(dot[\(2 * dw - 1):\(dw)]) !== hi) begin
                  errs = errs + 1;
                  if (errs < 4) $display("operand %h weights %h: dot lo %0d (want %0d) hi %0d (want %0d)", operand, weights, $signed(dot[\(dw - 1):0]), lo, $signed(dot[\(2 * dw - 1):\(dw)]), hi);
                end
              end endtask
              initial begin
                edges[0] = -128; edges[1] = -127; edges[2] = -65; edges[3] = -1; edges[4] = 0; edges[5] = 1; edges[6] = 64; edges[7] = 127;
                for (i = 0; i < 256 * 64; i = i + 1) begin
                  operand = {\(lc){i[7:0]}};
                  w_hi = edges[i[13:11]]; w_lo = edges[i[10:8]];
                  weights = {{\(lc){w_hi}}, {\(lc){w_lo}}};
                  check;
                end
                for (i = 0; i < 20000; i = i + 1) begin
                  operand = {\(lc){$random}}; weights = {\(2 * lc){$random}};
                  check;
                end
                $display("errors %0d", errs);
                $finish;
              end
            endmodule
            """
        let (compile, out) = try HDLTools.simulateWithIcarus([VerilogFile(fileName: "tb.sv", moduleName: "tb", contents: tb), pair], top: "tb")
        #expect(!compile.contains("error"), "\(compile)")
        #expect(out.contains("errors 0"), "\(out)")
    }
}
