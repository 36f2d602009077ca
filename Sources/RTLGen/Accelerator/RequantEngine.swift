/// Requant engine (§7.5): one tile row per cycle from the shadow registers, exactly
/// `requantizedOutput`: 32-bit (acc + bias), 48-bit product with the unsigned 16-bit M,
/// + 2^(Sh−1), arithmetic shift, clamp, saturating residual add, activation (none/ReLU/PReLU).
/// Rows go to the output buffer half of the tile; the residual buffer is read one cycle ahead.
extension AcceleratorBuilder {
    func requantEngine(trigger: Signal, trigG: Signal, trigHalf: Signal, trigLastG: Signal, shadows: [Signal]) {
        m.submodule("requant_engine", documentation: "Requant engine (§7.5): bias, requantize, residual, activation, into the output buffer.")
        let active = m.reg("rq_active", width: 1, reset: 0)
        let row = m.reg("rq_row", width: 8, reset: 0)
        let rg = m.reg("rq_g", width: 16, reset: 0), rhalf = m.reg("rq_half", width: 1, reset: 0)
        let rlastG = m.reg("rq_last_g", width: 1, reset: 0)
        let doneCount = m.reg("rq_done_count", width: cntW, reset: 0)
        let lastRow = m.wire("rq_last_row", active && row == tH - 1)
        m.clocked("rq_fsm") { p in
            p.when(trigger) {
                p.assign(active, 1); p.assign(row, 0); p.assign(rg, trigG); p.assign(rhalf, trigHalf); p.assign(rlastG, trigLastG)
            }.elseWhen(active) {
                p.when(lastRow) { p.assign(active, 0) }.otherwise { p.assign(row, row + 1) }
            }
            p.when(lastRow && rlastG) { p.assign(doneCount, doneCount + 1) }
            p.when(!inTiles) { p.assign(doneCount, 0); p.assign(active, 0) }
        }
        m.assign(rqDone, doneCount)
        let awO = Memory.addressWidth(depth: 2 * tH * DO)
        let lgBb = max(lgB, 1)
        // ---- residual read (one cycle ahead) ----
        let rdRow = m.wire("rq_rd_row", mux(trigger, k(0, 8), row + 1))
        let rdG = m.wire("rq_rd_g", mux(trigger, trigG, rg)), rdHalf = m.wire("rq_rd_half", mux(trigger, trigHalf, rhalf))
        let chR = m.wire("rq_rd_ch", pO0modB + umul(rdG, k(LK, 16), 16))
        let chRB = m.wire("rq_rd_ch_b", chR.fit(lgBb)), chRW = m.wire("rq_rd_ch_w", chR >> lgB)
        let rdBase = m.wire("rq_rd_base", umul(mux(rdHalf, rdRow.fit(16) + tH, rdRow.fit(16)), k(DO, 16), 16) + chRW)
        m.assign(resRdEnW, k(1, 1))
        for c in 0..<tW { for b in 0..<B {
            m.assign(resRdAddrW[c][b], (b == B - 1 ? rdBase.expr : mux(k(b, lgBb) < chRB, rdBase + 1, rdBase)).fit(awO))
        } }
        // ---- bias read at the trigger: lane l's channel o = o0 + g·lanesK + l, word 4o÷B − biasLo, byte 4o mod B ----
        m.assign(biasRdEnW, trigger)
        var biasOff: [Signal] = []
        for l in 0..<LK {
            let o4 = m.wire("rq_bias_o4_\(l)", (o0.zext(20) + umul(trigG, k(LK, 20), 20) + l) << 2)
            m.assign(biasRdAddrW[l], ((o4 >> lgB) - pBiasLo.zext(20)).fit(biasRdAddrW[l].width))
            let off = m.reg("rq_bias_off_\(l)", width: lgBb, reset: 0)
            m.clocked("rq_bias_off_\(l)_q") { p in p.when(trigger) { p.assign(off, o4.fit(lgBb)) } }
            biasOff.append(off)
        }
        let bias = (0..<LK).map { l in
            m.wire("rq_bias_\(l)", (biasRdata[l] >> cat(biasOff[l], k(0, 3))).trunc(32).asSigned)
        }
        // ---- the row ----
        let ch = m.wire("rq_ch", pO0modB + umul(rg, k(LK, 16), 16))
        let chB = m.wire("rq_ch_b", ch.fit(lgBb)), chW = m.wire("rq_ch_w", ch >> lgB)
        let wrBase = m.wire("rq_wr_base", umul(mux(rhalf, row.fit(16) + tH, row.fit(16)), k(DO, 16), 16) + chW)
        let mult = m.wire("rq_mult", dM.zext(48).asSigned)
        let rnd = m.wire("rq_round", (k(1, 50) << (dSh - 1)).asSigned)
        let lgLK = bitsFor(max(LK - 1, 1))
        for px in 0..<tW {
            var qs: [Signal] = []
            for l in 0..<LK {
                let nm = "rq_\(px)_\(l)"
                let acc = m.wire("\(nm)_acc", select(row.fit(bitsFor(max(tH - 1, 1))), (0..<tH).map { shadows[($0 * tW + px) * LK + l] }))
                let t = m.wire("\(nm)_t", acc.sext(32) + bias[l])
                let p48 = m.wire("\(nm)_p48", t.sext(48) * mult)
                let prod = m.wire("\(nm)_p", p48.sext(50) + rnd)
                let sh = m.wire("\(nm)_sh", prod >>> dSh)
                let c1 = m.wire("\(nm)_c1", mux(sh < -128, Expr.constant(-128, width: 8, signed: true),
                                                mux(sh > 127, Expr.constant(127, width: 8, signed: true), sh.trunc(8))))
                let resByte = m.wire("\(nm)_res", mux(dRes, select(m.wire("\(nm)_res_sel", (chB + l).fit(lgBb)), resRdata[px]).asSigned,
                                                     Expr.constant(0, width: 8, signed: true)))
                let s10 = m.wire("\(nm)_s10", c1.sext(10) + resByte.sext(10))
                let c2 = m.wire("\(nm)_c2", mux(s10 < -128, Expr.constant(-128, width: 8, signed: true),
                                                mux(s10 > 127, Expr.constant(127, width: 8, signed: true), s10.trunc(8))))
                let pr = m.wire("\(nm)_pr", (c2.sext(26) * dSlope.asSigned.sext(26) + 128) >>> 8)
                let prc = mux(pr < -128, Expr.constant(-128, width: 8, signed: true),
                              mux(pr > 127, Expr.constant(127, width: 8, signed: true), pr.trunc(8)))
                let neg = c2 < 0
                let q = m.wire("\(nm)_q", mux(dAct == 1 && neg, Expr.constant(0, width: 8, signed: true),
                                             mux(dAct == 2 && neg, prc, c2.expr)))
                qs.append(q)
            }
            for b in 0..<B {
                let d = m.wire("rq_lane_\(px)_\(b)", (k(b, lgBb) - chB))
                let inLanes = LK >= B ? k(1, 1) : d < LK
                let valid = inLanes && (umul(rg, k(LK, 24), 24) + d.fit(24)) < pCur.fit(24)
                m.assign(outWeW[px][b], active && valid)
                m.assign(outWAddrW[px][b], (b == B - 1 ? wrBase.expr : mux(k(b, lgBb) < chB, wrBase + 1, wrBase)).fit(awO))
                m.assign(outWDataW[px][b], select(d.fit(lgLK), qs).asUnsigned)
            }
        }
    }
}
