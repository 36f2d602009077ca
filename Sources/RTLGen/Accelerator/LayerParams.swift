import AcceleratorSpec

/// The layer quantities (§3), one combinational stage from the registers, registered every cycle
/// (the host writes CTRL.start after the layer registers, so they are settled in cycle 0)
/// (`<prefix>layer_params`).
struct LayerParams: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("layer_params"), documentation: "Layer quantities derived from the CSRs, registered (§3).")
        _ = m.clock()
        let regs = m.ports(ch.registers.name, ch.registers.bundle.only("layer0", "layer1", "layer2", "requant", "prelu", "pass").flipped)
        let out = m.ports(ch.layer.name, ch.layer.bundle)
        func field(_ register: String, _ name: String) -> Expr { regs[register.lowercased()][ctx.field(register, name).bits] }
        func dreg(_ name: String, _ v: some ExprConvertible) {
            let e = v.expr
            let r = m.reg("d_\(name)", width: e.width)
            m.clocked("d_\(name)_q", resetless: true) { p in p.assign(r, e.asUnsigned) }
            m.assign(out[name], r)
        }
        let K = field("LAYER0", "K"), S = field("LAYER0", "S")
        let H = field("LAYER1", "H"), W = field("LAYER1", "W"), Cin = field("LAYER2", "Cin"), Cout = field("LAYER2", "Cout")
        let act = field("LAYER0", "activation"), M = field("REQUANT", "M"), Sh = field("REQUANT", "Sh")
        let s2 = m.wire("c_s2", S == 2)
        let Ho = m.wire("c_ho", mux(s2, (H.zext(17) + 1) >> 1, H.zext(17)).trunc(16))
        let Wo = m.wire("c_wo", mux(s2, (W.zext(17) + 1) >> 1, W.zext(17)).trunc(16))
        let CW = m.wire("c_cw", ((Cin.zext(17) + (B - 1)) >> lgB).trunc(16))
        let COW = m.wire("c_cow", ((Cout.zext(17) + (B - 1)) >> lgB).trunc(16))
        let NC = m.wire("c_nc", ((Cin.zext(17) + (LC - 1)) >> lgLC).trunc(16))
        let K2 = m.wire("c_k2", umul(K, K, 8))
        let T = m.wire("c_t", umul(K2, NC, 24))
        let Kc = m.wire("c_kc", umax(T, k(tH, 24)))
        let HH = m.wire("c_hh", (umul(k(tH - 1, 8), mux(s2, k(2, 8), k(1, 8)), 8) + K.zext(8)))
        let HWd = m.wire("c_hw", (umul(k(tW - 1, 8), mux(s2, k(2, 8), k(1, 8)), 8) + K.zext(8)))
        // CS = (((HW−1)÷S)÷tileW + 1)·S
        let hwS = m.wire("c_hw_s", mux(s2, (HWd - 1) >> 1, HWd - 1))
        let csq = m.udiv("c_csdiv", hwS, k(tW, 8), qbits: 8).q
        let CS = m.wire("c_cs", mux(s2, (csq + 1) << 1, csq + 1))
        let maxTiles = ctx.limits.maxTiles(cfg)
        let TH = m.udiv("c_thdiv", Ho.zext(17) + (tH - 1), k(tH, 17), qbits: 17).q.fit(16)
        let TW = m.udiv("c_twdiv", Wo.zext(17) + (tW - 1), k(tW, 17), qbits: 17).q.fit(16)
        let nTiles = m.wire("c_ntiles", umul(TH, TW, 32))
        let Mw = m.wire("c_mw", ((nTiles + (8 * B - 1)) >> (3 + lgB)).trunc(16))
        let pc = field("PASS", "pc")
        let limits = ctx.limits
        let kOk = limits.maxKernel >= 15 ? (K != 0 && K[0] == 1) : (K != 0 && K[0] == 1 && K <= limits.maxKernel)
        let err = m.wire("c_error", !kOk || !(S == 1 || S == 2) || H == 0 || W == 0 || Cin == 0 || Cout == 0 || pc == 0
                             || nTiles > maxTiles || Ho > limits.maxMapSize || Wo > limits.maxMapSize
                             || act == 3 || M == 0 || Sh == 0)
        dreg("k", K); dreg("s2", s2); dreg("h", H); dreg("w", W)
        dreg("cout", Cout); dreg("ho", Ho); dreg("wo", Wo)
        dreg("pad", K >> 1); dreg("cw", CW); dreg("cow", COW); dreg("nc", NC)
        dreg("t", T); dreg("kc", Kc); dreg("k2cw", umul(K2, CW, 24))
        dreg("hh", HH); dreg("hwid", HWd); dreg("cscw", umul(CS, CW, 24))
        dreg("tw", TW); dreg("mw", Mw)
        dreg("res", field("LAYER0", "residual")); dreg("act", act); dreg("m", M)
        dreg("sh", Sh); dreg("slope", field("PRELU", "slope")); dreg("pc", pc); dreg("prefetch", field("PASS", "prefetch")); dreg("resident", field("PASS", "resident"))
        dreg("error", err)
        m.allowPartlyReadInputs()
        return try m.build()
    }
}
