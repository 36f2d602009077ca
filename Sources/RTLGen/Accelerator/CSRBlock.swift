/// CSR block (§8): the layer registers written by the host, and the derived layer quantities (§3).
extension AcceleratorBuilder {
    func csrRegisters() {
        m.submodule("csr_regs", documentation: "Layer registers written by the host (§8).")
        rLayer0 = m.reg("csr_layer0", width: 32, reset: 0)
        rLayer1 = m.reg("csr_layer1", width: 32, reset: 0)
        rLayer2 = m.reg("csr_layer2", width: 32, reset: 0)
        rRequant = m.reg("csr_requant", width: 32, reset: 0)
        rPrelu = m.reg("csr_prelu", width: 32, reset: 0)
        rPass = m.reg("csr_pass", width: 32, reset: 0)
        let names = ["base_mask", "base_bias", "base_weights", "base_input", "base_residual", "base_output"]
        rBase = names.map { m.reg("csr_\($0)", width: 32, reset: 0) }
        var regs: [(Int, Signal)] = []
        let fixed: [Signal] = [rLayer0, rLayer1, rLayer2, rRequant, rPrelu, rPass]
        for (i, r) in fixed.enumerated() { regs.append((2 + i, r)) }
        for (i, r) in rBase.enumerated() { regs.append((8 + i, r)) }
        m.clocked("csr_write") { p in
            for (a, r) in regs {
                let hit: Expr = csrWe && (csrAddr == a)
                p.when(hit) { p.assign(r, csrWdata) }
            }
        }
    }

    /// Layer quantities, one combinational stage from the CSRs, registered every cycle
    /// (the host writes CTRL.start after the layer registers, so they are settled in cycle 0).
    func derived() {
        m.submodule("layer_params", documentation: "Layer quantities derived from the CSRs, registered (§3).")
        func dreg(_ name: String, _ v: some ExprConvertible) -> Signal {
            let e = v.expr
            let r = m.reg("d_\(name)", width: e.width)
            m.clocked("d_\(name)_q", resetless: true) { p in p.assign(r, e.asUnsigned) }
            return r
        }
        let K = rLayer0[0...3], S = rLayer0[4...5]
        let H = rLayer1[0...15], W = rLayer1[16...31], Cin = rLayer2[0...15], Cout = rLayer2[16...31]
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
        let maxTiles = limits.maxTiles(cfg)
        let thBits = bitsFor(maxTiles)
        let TH = m.udiv("c_thdiv", Ho.zext(17) + (tH - 1), k(tH, 17), qbits: 17).q.fit(16)
        let TW = m.udiv("c_twdiv", Wo.zext(17) + (tW - 1), k(tW, 17), qbits: 17).q.fit(16)
        let nTiles = m.wire("c_ntiles", umul(TH, TW, 32))
        let Mw = m.wire("c_mw", ((nTiles + (8 * B - 1)) >> (3 + lgB)).trunc(16))
        let pc = rPass[0...15]
        let kOk = limits.maxKernel >= 15 ? (K != 0 && K[0] == 1) : (K != 0 && K[0] == 1 && K <= limits.maxKernel)
        let err = m.wire("c_error", !kOk || !(S == 1 || S == 2) || H == 0 || W == 0 || Cin == 0 || Cout == 0 || pc == 0
                             || nTiles > maxTiles || Ho > limits.maxMapSize || Wo > limits.maxMapSize
                             || rLayer0[6...7] == 3 || rRequant[0...15] == 0 || rRequant[16...21] == 0)
        _ = thBits
        dK = dreg("k", K); dS2 = dreg("s2", s2); dH = dreg("h", H); dW = dreg("w", W); dCin = dreg("cin", Cin)
        dCout = dreg("cout", Cout); dHo = dreg("ho", Ho); dWo = dreg("wo", Wo)
        dPad = dreg("pad", K >> 1); dCW = dreg("cw", CW); dCOW = dreg("cow", COW); dNC = dreg("nc", NC)
        dT = dreg("t", T); dKc = dreg("kc", Kc); dK2CW = dreg("k2cw", umul(K2, CW, 24))
        dHH = dreg("hh", HH); dHW = dreg("hwid", HWd); dCSCW = dreg("cscw", umul(CS, CW, 24))
        dTH = dreg("th", TH); dTW = dreg("tw", TW); dMw = dreg("mw", Mw)
        dRes = dreg("res", rLayer0[8]); dAct = dreg("act", rLayer0[6...7]); dM = dreg("m", rRequant[0...15])
        dSh = dreg("sh", rRequant[16...21]); dSlope = dreg("slope", rPrelu[0...15]); dPc = dreg("pc", pc)
        dError = dreg("error", err)
        m.allowUnused(rLayer0); m.allowUnused(rPrelu); m.allowUnused(rPass); m.allowUnused(rRequant)
        m.allowUnused(dH); m.allowUnused(dHH); m.allowUnused(dHW); m.allowUnused(dTH); m.allowUnused(dNC); m.allowUnused(dCin)
    }
}
