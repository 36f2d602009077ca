import AcceleratorSpec

/// CSR block (§8): the layer registers written by the host, and the derived layer quantities (§3).
extension AcceleratorBuilder {
    func csrRegisters() {
        m.submodule("csr_regs", documentation: "Layer registers written by the host (§8).")
        // One register per RW register of the map, in offset order, written when the host addresses it.
        let writable = regs.registers.filter { $0.access == .readWrite }
        for r in writable { csr[r.name] = m.reg("csr_\(r.name.lowercased())", width: r.width, reset: Int(r.reset)) }
        rLayer0 = csr["LAYER0"]; rLayer1 = csr["LAYER1"]; rLayer2 = csr["LAYER2"]
        rRequant = csr["REQUANT"]; rPrelu = csr["PRELU"]; rPass = csr["PASS"]
        rBase = ["MASK", "BIAS", "WEIGHTS", "INPUT", "RESIDUAL", "OUTPUT"].map { csr["BASE_\($0)"]! }
        m.clocked("csr_write") { p in
            for r in writable {
                let hit: Expr = csrWe && (csrAddr == r.offset)
                let value = r.width == RegisterMap.dataBits ? csrWdata.expr : csrWdata[0...(r.width - 1)]
                p.when(hit) { p.assign(csr[r.name]!, value) }
            }
        }
    }

    /// Field `field` of the RW register `register`: the bits the map gives it (§8).
    func csrField(_ register: String, _ field: String) -> Expr {
        guard let f = regs[register]?.field(field), let r = csr[register] else {
            preconditionFailure("register map without \(register).\(field) (AcceleratorGenerator checks the layout)")
        }
        return r[f.bits]
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
        let K = csrField("LAYER0", "K"), S = csrField("LAYER0", "S")
        let H = csrField("LAYER1", "H"), W = csrField("LAYER1", "W"), Cin = csrField("LAYER2", "Cin"), Cout = csrField("LAYER2", "Cout")
        let act = csrField("LAYER0", "activation"), M = csrField("REQUANT", "M"), Sh = csrField("REQUANT", "Sh")
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
        let pc = csrField("PASS", "pc")
        let kOk = limits.maxKernel >= 15 ? (K != 0 && K[0] == 1) : (K != 0 && K[0] == 1 && K <= limits.maxKernel)
        let err = m.wire("c_error", !kOk || !(S == 1 || S == 2) || H == 0 || W == 0 || Cin == 0 || Cout == 0 || pc == 0
                             || nTiles > maxTiles || Ho > limits.maxMapSize || Wo > limits.maxMapSize
                             || act == 3 || M == 0 || Sh == 0)
        _ = thBits
        dK = dreg("k", K); dS2 = dreg("s2", s2); dH = dreg("h", H); dW = dreg("w", W); dCin = dreg("cin", Cin)
        dCout = dreg("cout", Cout); dHo = dreg("ho", Ho); dWo = dreg("wo", Wo)
        dPad = dreg("pad", K >> 1); dCW = dreg("cw", CW); dCOW = dreg("cow", COW); dNC = dreg("nc", NC)
        dT = dreg("t", T); dKc = dreg("kc", Kc); dK2CW = dreg("k2cw", umul(K2, CW, 24))
        dHH = dreg("hh", HH); dHW = dreg("hwid", HWd); dCSCW = dreg("cscw", umul(CS, CW, 24))
        dTH = dreg("th", TH); dTW = dreg("tw", TW); dMw = dreg("mw", Mw)
        dRes = dreg("res", csrField("LAYER0", "residual")); dAct = dreg("act", act); dM = dreg("m", M)
        dSh = dreg("sh", Sh); dSlope = dreg("slope", csrField("PRELU", "slope")); dPc = dreg("pc", pc)
        dError = dreg("error", err)
        m.allowUnused(rLayer0); m.allowUnused(rPrelu); m.allowUnused(rPass); m.allowUnused(rRequant)
        m.allowUnused(dH); m.allowUnused(dHH); m.allowUnused(dHW); m.allowUnused(dTH); m.allowUnused(dNC); m.allowUnused(dCin)
    }
}
