import Foundation
import RTLGen
import Testing

/// `PrimitiveCell` (docs/rtlgen-ir.md): a vendor cell for synthesis, its behaviour for simulators.
struct PrimitiveCellTests {
    /// A 4×4 product through an imaginary cell `VENDOR_MUL`, its behaviour the product itself.
    static func multiplier(behaviour: Bool = true, extraOutput: Bool = false) -> ModuleBuilder {
        let m = ModuleBuilder("cell_user")
        let a = m.input("a", width: 4), b = m.input("b", width: 4)
        let y = m.output("y", width: 8)
        let p = m.wire("p", width: 8)
        m.primitive("VENDOR_MUL", name: "u_mul", parameters: [Parameter(name: "SIGNED", value: "1'b0")],
                    inputs: [("A", a), ("B", b), ("CE", Expr.constant(1, width: 1))],
                    outputs: [("P", p), ("OVF", nil)] + (extraOutput ? [("Q", y)] : []),
                    simulation: behaviour ? [(p, a.zext(8) * b.zext(8))] : [])
        if !extraOutput { m.assign(y, p) }
        return m
    }

    @Test func emitsTheCellForSynthesisAndTheBehaviourOtherwise() throws {
        let text = VerilogEmitter().emit(try Self.multiplier().build())
        let expected = """
            `ifdef SYNTHESIS
                VENDOR_MUL #(
                    .SIGNED (1'b0)
                ) u_mul (
                    .A   (a),
                    .B   (b),
                    .CE  (1'b1),
                    .P   (p),
                    .OVF ()
                );
            `else
                assign p = {4'd0, a} * {4'd0, b};
            `endif
            """
        #expect(text.contains(expected), "\(text)")
    }

    /// Every connected output needs a behaviour (else a simulator would see it undriven), and the
    /// cell's wires count as driven once.
    @Test func aConnectedOutputWithoutBehaviourIsRefused() {
        #expect(diagnostics(of: Self.multiplier(behaviour: false)).contains { $0.kind == .badConnection && $0.message.contains("behaviour") })
        #expect(diagnostics(of: Self.multiplier(extraOutput: true)).contains { $0.kind == .badConnection })
        #expect(diagnostics(of: Self.multiplier()).isEmpty)
    }

    /// The same product with the cell's input register: simulation has it as a register of the
    /// module, loaded at every clock edge in the `else` branch; it needs the clock, and a register.
    static func registeredMultiplier(clocked: Bool = true, wireAsRegister: Bool = false) -> ModuleBuilder {
        let m = ModuleBuilder("cell_user_q")
        let clk = m.clock()
        let a = m.input("a", width: 4), b = m.input("b", width: 4)
        let y = m.output("y", width: 8)
        let p = m.wire("p", width: 8)
        let aq = wireAsRegister ? m.wire("a_w", width: 4) : m.reg("a_q", width: 4)
        m.primitive("VENDOR_MUL", name: "u_mul", parameters: [Parameter(name: "A_REG", value: "1'b1")],
                    inputs: [("CLK", clk), ("A", a), ("B", b)], outputs: [("P", p)],
                    simulation: [(p, aq.zext(8) * b.zext(8))], registers: [(aq, a)], clock: clocked ? clk : nil)
        m.assign(y, p)
        return m
    }

    @Test func emitsTheCellsRegistersForSimulation() throws {
        let text = VerilogEmitter().emit(try Self.registeredMultiplier().build())
        let expected = """
            `else
                always @(posedge clk) begin
                    a_q <= a;
                end
                assign p = {4'd0, a_q} * {4'd0, b};
            `endif
            """
        #expect(text.contains(expected), "\(text)")
        #expect(diagnostics(of: Self.registeredMultiplier(clocked: false)).contains { $0.kind == .badConnection && $0.message.contains("clock") })
        #expect(diagnostics(of: Self.registeredMultiplier(wireAsRegister: true)).contains { $0.kind == .badConnection && $0.message.contains("register") })
    }

    /// Lint-clean under Verilator (which reads the behaviour) and one cell in Yosys' netlist (which
    /// reads the cell, a black box here).
    @Test(.enabled(if: HDLTools.haveVerilator && HDLTools.haveYosys)) func simulatorsReadTheBehaviourSynthesisTheCell() throws {
        let files = try VerilogEmitter().emitDesign(try Self.multiplier().build())
        #expect(try HDLTools.lint(files, top: "cell_user").isEmpty)
        #expect(try HDLTools.lint(try VerilogEmitter().emitDesign(try Self.registeredMultiplier().build()), top: "cell_user_q").isEmpty)
        let blackBox = VerilogFile(fileName: "vendor_mul.v", moduleName: "VENDOR_MUL", contents: """
            (* blackbox *) module VENDOR_MUL(input [3:0] A, input [3:0] B, input CE, output [7:0] P, output OVF);
              parameter SIGNED = 0;
            endmodule
            """)
        let stat = try HDLTools.yosys(files + [blackBox], script: "hierarchy -top cell_user; proc; opt; tee -o /dev/stdout stat")
        #expect(stat.contains("VENDOR_MUL") && !stat.contains("$mul"), "\(stat)")
    }
}
