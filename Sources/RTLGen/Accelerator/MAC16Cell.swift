/// The iCE40 SB_MAC16 in the uses the generator instantiates (`PrimitiveCell`): its parameters
/// and its inputs. The cell's adders and accumulators are bypassed in both uses.
enum MAC16Cell {
    /// Two signed 8×8 multipliers (MAC16 pairs, §7.4): the top product A[15:8]·B[15:8] on
    /// O[31:16], the bottom A[7:0]·B[7:0] on O[15:0], both signed (`MODE_8x8` extends the bottom
    /// bytes' signs too); A and B registered in the cell with `inputRegisters`, the products with
    /// `productRegisters`.
    static func twoProducts(inputRegisters: Bool, productRegisters: Bool) -> [Parameter] {
        parameters(inputRegisters: inputRegisters, productRegisters: productRegisters, output: "2'b10", mode8x8: true, signed: (true, true))
    }

    /// One 16×16 multiplier, A·B on O[31:0] (A signed with `aSigned`, B unsigned), A and B
    /// registered in the cell, and with `productRegister` the product too (its 16×16 pipeline
    /// register). The take's products (§7.3, a registered take), whose multiply then runs between
    /// the cell's input registers and the fabric's next ones, a cycle of its own; the requant
    /// lane's (§7.5, `requantProductRegisters`), between the cell's own registers.
    static func product16x16(aSigned: Bool = false, productRegister: Bool = false) -> [Parameter] {
        parameters(inputRegisters: true, productRegisters: false, output: "2'b11", mode8x8: false, signed: (aSigned, false),
                   pipeline16x16: productRegister)
    }

    private static func parameters(inputRegisters: Bool, productRegisters: Bool, output: String, mode8x8: Bool, signed: (a: Bool, b: Bool),
                                   pipeline16x16: Bool = false) -> [Parameter] {
        func bit(_ b: Bool) -> String { b ? "1'b1" : "1'b0" }
        let i = bit(inputRegisters), p = bit(productRegisters)
        return [
            ("NEG_TRIGGER", "1'b0"), ("C_REG", "1'b0"), ("A_REG", i), ("B_REG", i),
            ("D_REG", "1'b0"), ("TOP_8x8_MULT_REG", p), ("BOT_8x8_MULT_REG", p), ("PIPELINE_16x16_MULT_REG1", "1'b0"),
            ("PIPELINE_16x16_MULT_REG2", bit(pipeline16x16)), ("TOPOUTPUT_SELECT", output), ("TOPADDSUB_LOWERINPUT", "2'b00"), ("TOPADDSUB_UPPERINPUT", "1'b0"),
            ("TOPADDSUB_CARRYSELECT", "2'b00"), ("BOTOUTPUT_SELECT", output), ("BOTADDSUB_LOWERINPUT", "2'b00"), ("BOTADDSUB_UPPERINPUT", "1'b0"),
            ("BOTADDSUB_CARRYSELECT", "2'b00"), ("MODE_8x8", bit(mode8x8)), ("A_SIGNED", bit(signed.a)), ("B_SIGNED", bit(signed.b)),
        ].map { Parameter(name: $0.0, value: $0.1) }
    }

    /// An instantiated 16×16 product in `m` (`product16x16`): a·b of 16-bit operands (a signed
    /// with `aSigned`), a and b, and with `productRegister` the product, in the cell's registers —
    /// for simulators registers `<prefix>_a_q`, `<prefix>_b_q`, `<prefix>_p_q` of `m`, loaded every
    /// edge of `clock`. Returns the cell's output, the 32-bit wire `<prefix>_o` (cell `u_<prefix>`).
    static func product(in m: ModuleBuilder, _ prefix: String, a: Expr, b: Expr, clock: Signal,
                        aSigned: Bool = false, productRegister: Bool = false) -> Signal {
        let aq = m.reg("\(prefix)_a_q", width: 16), bq = m.reg("\(prefix)_b_q", width: 16)
        let o = m.wire("\(prefix)_o", width: 32)
        let a32 = aSigned ? aq.asSigned.sext(32).asUnsigned : aq.zext(32)
        let p = (a32 * bq.zext(32)).trunc(32)
        var registers: [(Signal, any ExprConvertible)] = [(aq, a), (bq, b)], behaviour = p
        if productRegister {
            let pq = m.reg("\(prefix)_p_q", width: 32)
            registers.append((pq, p)); behaviour = pq.expr
        }
        m.primitive("SB_MAC16", name: "u_\(prefix)", parameters: product16x16(aSigned: aSigned, productRegister: productRegister),
                    inputs: inputs(a: a, b: b, clock: clock), outputs: [("O", o), ("CO", nil), ("ACCUMCO", nil), ("SIGNEXTOUT", nil)],
                    simulation: [(o, behaviour)], registers: registers, clock: clock)
        return o
    }

    /// The cell's inputs: A and B, the clock (enabled) when the cell's registers are used, every
    /// other input tied off.
    static func inputs(a: Expr, b: Expr, clock: Signal? = nil) -> [(String, any ExprConvertible)] {
        let zero1 = Expr.constant(0, width: 1), zero16 = Expr.constant(0, width: 16)
        return [("CLK", clock?.expr ?? zero1), ("CE", clock == nil ? zero1 : Expr.constant(1, width: 1)), ("C", zero16), ("A", a), ("B", b), ("D", zero16)]
            + ["AHOLD", "BHOLD", "CHOLD", "DHOLD", "IRSTTOP", "IRSTBOT", "ORSTTOP", "ORSTBOT", "OLOADTOP", "OLOADBOT",
               "ADDSUBTOP", "ADDSUBBOT", "OHOLDTOP", "OHOLDBOT", "CI", "ACCUMCI", "SIGNEXTIN"].map { ($0, zero1) }
    }
}
