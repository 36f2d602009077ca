/// Requant engine (§7.5): one tile row per cycle from the shadow registers, exactly
/// `requantizedOutput`: 32-bit (acc + bias), 48-bit product with the unsigned 16-bit M,
/// + 2^(Sh−1), arithmetic shift, clamp, saturating residual add, activation (none/ReLU/PReLU).
/// Rows go to the output buffer half of the tile; the residual buffer is read one cycle ahead.
extension AcceleratorBuilder {
    /// `shadows`: the PE array's shadow registers, PE (y, x, l) at element (y·tileW + x)·lanesK + l.
    func requantEngine(trigger: Signal, trigG: Signal, trigHalf: Signal, trigLastG: Signal, shadows: Signal) throws {
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
        // ---- residual read (one cycle ahead) ----
        let rdRow = m.wire("rq_rd_row", mux(trigger, k(0, 8), row + 1))
        let rdG = m.wire("rq_rd_g", mux(trigger, trigG, rg)), rdHalf = m.wire("rq_rd_half", mux(trigger, trigHalf, rhalf))
        let chR = m.wire("rq_rd_ch", pO0modB + umul(rdG, k(LK, 16), 16))
        let chRB = m.wire("rq_rd_ch_b", chR.fit(lgBb)), chRW = m.wire("rq_rd_ch_w", chR >> lgB)
        let rdBase = m.wire("rq_rd_base", umul(mux(rdHalf, rdRow.fit(16) + tH, rdRow.fit(16)), k(DO, 16), 16) + chRW)
        m.assign(resRdEnW, k(1, 1))
        // ---- bias read at the trigger, one lane per bias RAM copy ----
        m.assign(biasRdEnW, trigger)
        let bias = m.wire("rq_bias", width: LK * 32)
        m.instanceArray(try requantBias(), name: "rq_bias_lane", dimensions: [("l", LK)], connections: [
            "clk": .shared(clk), "rst": .shared(rst), "lane": .index("l"), "trigger": .shared(trigger),
            "o0": .shared(o0), "g": .shared(trigG), "bias_lo": .shared(pBiasLo),
            "rd_addr": .slice(biasRdAddrW), "rdata": .slice(biasRdata), "bias": .slice(bias),
        ])
        // ---- the row: tileW × lanesK requant lanes, then lanesK channels onto the B byte lanes ----
        let ch = m.wire("rq_ch", pO0modB + umul(rg, k(LK, 16), 16))
        let chB = m.wire("rq_ch_b", ch.fit(lgBb)), chW = m.wire("rq_ch_w", ch >> lgB)
        let wrBase = m.wire("rq_wr_base", umul(mux(rhalf, row.fit(16) + tH, row.fit(16)), k(DO, 16), 16) + chW)
        let mult = m.wire("rq_mult", dM.zext(48).asSigned)
        let rnd = m.wire("rq_round", (k(1, 50) << (dSh - 1)).asSigned)
        // Row `row` of the shadows: PE (x, l) at element x·lanesK + l.
        let rowAcc = m.wire("rq_row_acc", select(row.fit(bitsFor(max(tH - 1, 1))), fields(shadows, width: tW * LK * accW)))
        let q = m.wire("rq_q", width: tW * LK * 8)
        m.instanceArray(try requantLane(), name: "rq_lane", dimensions: [("x", tW), ("l", LK)], connections: [
            "acc": .slice(rowAcc), "bias": .slice(bias, over: "l"), "mult": .shared(mult), "round": .shared(rnd),
            "shift": .shared(dSh), "res_word": .slice(resRdata, over: "x"), "ch_b": .shared(chB), "lane": .index("l"),
            "res_en": .shared(dRes), "act": .shared(dAct), "slope": .shared(dSlope), "q": .slice(q),
        ])
        m.instanceArray(try requantByte(), name: "rq_byte", dimensions: [("b", B)], connections: [
            "byte_lane": .index("b"), "ch_b": .shared(chB), "rd_ch_b": .shared(chRB), "g": .shared(rg),
            "channels": .shared(pCur), "active": .shared(active), "wr_base": .shared(wrBase), "rd_base": .shared(rdBase),
            "q": .shared(q), "we": .slice(outWeW), "waddr": .slice(outWAddrW), "wdata": .slice(outWDataW),
            "res_raddr": .slice(resRdAddrW),
        ])
    }

    var lgBb: Int { max(lgB, 1) }

    /// Bias lane `lane` (`<prefix>requant_bias`, one per bias RAM copy): at the trigger, reads the
    /// word of channel o = o0 + g·lanesK + lane (word 4o÷B − biasLo) and keeps its byte offset
    /// 4o mod B; `bias` is the channel's 32-bit bias from the read word.
    func requantBias() throws -> Module {
        let name = names.block("requant_bias")
        return try block(name, documentation: "Bias of lane `lane` (§7.5): channel o0 + g*\(LK) + lane, word 4o/\(B) - bias_lo, byte 4o mod \(B).") { r in
            _ = r.clock(); _ = r.reset()
            let lane = r.input("lane", width: bitsFor(max(LK - 1, 1))), trigger = r.input("trigger")
            let o0 = r.input("o0", width: self.o0.width), g = r.input("g", width: 16), biasLo = r.input("bias_lo", width: pBiasLo.width)
            let awB = Memory.addressWidth(depth: DB)
            let rdAddr = r.output("rd_addr", width: awB)
            let rdata = r.input("rdata", width: 8 * B)
            let bias = r.output("bias", width: 32, signed: true)
            let o4 = r.wire("o4", (o0.zext(20) + umul(g, k(LK, 20), 20) + lane.zext(20)) << 2)
            r.assign(rdAddr, ((o4 >> lgB) - biasLo.zext(20)).fit(awB))
            let off = r.reg("byte_off", width: lgBb, reset: 0)
            r.clocked("byte_off_q") { p in p.when(trigger) { p.assign(off, o4.fit(lgBb)) } }
            r.assign(bias, (rdata >> cat(off, k(0, 3))).trunc(32).asSigned)
        }
    }

    /// One requant lane (`<prefix>requant_lane`, tileW × lanesK of them): `requantizedOutput` of
    /// one accumulator exactly: 32-bit acc + bias, 48-bit product with the unsigned M, + 2^(Sh−1),
    /// arithmetic shift, clamp, saturating residual add (byte ch_b + lane of the column's residual
    /// word), activation (none/ReLU/PReLU).
    func requantLane() throws -> Module {
        let name = names.block("requant_lane")
        return try block(name, documentation: "Requant lane (§7.5): acc + bias, * M, + round, >>> Sh, clamp, + residual byte, activation.") { r in
            let acc = r.input("acc", width: accW, signed: true), bias = r.input("bias", width: 32, signed: true)
            let mult = r.input("mult", width: 48, signed: true), rnd = r.input("round", width: 50, signed: true)
            let shift = r.input("shift", width: dSh.width)
            let resWord = r.input("res_word", width: 8 * B), chB = r.input("ch_b", width: lgBb), lane = r.input("lane", width: lgBb)
            let resEn = r.input("res_en"), act = r.input("act", width: dAct.width), slope = r.input("slope", width: dSlope.width)
            let qOut = r.output("q", width: 8, signed: true)
            func clamp8(_ v: some ExprConvertible) -> Expr {
                mux(v.expr < -128, Expr.constant(-128, width: 8, signed: true),
                    mux(v.expr > 127, Expr.constant(127, width: 8, signed: true), v.expr.trunc(8)))
            }
            let t = r.wire("t", acc.sext(32) + bias)
            let p48 = r.wire("p48", t.sext(48) * mult)
            let prod = r.wire("p", p48.sext(50) + rnd)
            let sh = r.wire("sh", prod >>> shift)
            let c1 = r.wire("c1", clamp8(sh))
            let resSel = r.wire("res_sel", (chB + lane).fit(lgBb))
            let resByte = r.wire("res", mux(resEn, select(resSel, fields(resWord, width: 8)).asSigned, Expr.constant(0, width: 8, signed: true)))
            let s10 = r.wire("s10", c1.sext(10) + resByte.sext(10))
            let c2 = r.wire("c2", clamp8(s10))
            let pr = r.wire("pr", (c2.sext(26) * slope.asSigned.sext(26) + 128) >>> 8)
            let neg = c2 < 0
            r.assign(qOut, mux(act == 1 && neg, Expr.constant(0, width: 8, signed: true), mux(act == 2 && neg, clamp8(pr), c2.expr)))
            for w in [sh, p48, prod, pr] { r.allowUnused(w) }
        }
    }

    /// Byte lane `byte_lane` of the output and residual buffers (`<prefix>requant_byte`, B of
    /// them): it holds channel ch_b-relative lane d = byte_lane − ch_b of every tile column, so it
    /// writes when d is a lane (< lanesK) whose channel is in the pass, at the row's word (+1 when
    /// the byte lane precedes ch_b); the residual is read at the same rule from rd_ch_b.
    /// q: lane (x, l)'s result at element x·lanesK + l; wdata: column c's byte at element c.
    func requantByte() throws -> Module {
        let name = names.block("requant_byte")
        return try block(name, documentation: "Byte lane byte_lane of the byte-sliced output and residual buffers (§6.4, §7.5).") { r in
            let awO = Memory.addressWidth(depth: 2 * tH * DO)
            let lgLK = bitsFor(max(LK - 1, 1))
            let bl = r.input("byte_lane", width: lgBb), chB = r.input("ch_b", width: lgBb), rdChB = r.input("rd_ch_b", width: lgBb)
            let g = r.input("g", width: 16), channels = r.input("channels", width: pCur.width), active = r.input("active")
            let wrBase = r.input("wr_base", width: 16), rdBase = r.input("rd_base", width: 16)
            let q = r.input("q", width: tW * LK * 8)
            let we = r.output("we"), waddr = r.output("waddr", width: awO), wdata = r.output("wdata", width: tW * 8)
            let resRaddr = r.output("res_raddr", width: awO)
            let d = r.wire("lane", bl - chB)
            let inLanes = LK >= B ? k(1, 1) : d < LK
            r.assign(we, active && inLanes && (umul(g, k(LK, 24), 24) + d.fit(24)) < channels.fit(24))
            r.assign(waddr, mux(bl < chB, wrBase + 1, wrBase.expr).fit(awO))
            r.assign(resRaddr, mux(bl < rdChB, rdBase + 1, rdBase.expr).fit(awO))
            // column c's byte: its lane d
            let lanes = fields(q, width: 8)
            let bytes = (0..<tW).map { c in r.wire("wdata_\(c)", select(d.fit(lgLK), Array(lanes[(c * LK)..<((c + 1) * LK)]))) }
            r.assign(wdata, cat(bytes.reversed()))
        }
    }
}
