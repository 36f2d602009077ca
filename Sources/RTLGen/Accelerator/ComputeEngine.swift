/// Compute engine (§7.4) and the PE array: tileH × tileW × lanesK PEs, lanesC-wide dot products,
/// P = 3 pipeline (stage 0 reads the halo banks and the weight banks, stage 1 rotates the bank
/// words onto the PEs, zeroes out-of-map operands and multiplies + reduces, stage 2 accumulates),
/// and the shadow registers written at the end of each kgroup's last accumulate.
extension AcceleratorBuilder {
    func computeEngine() throws {
        m.submodule("compute_control", documentation: "Compute engine (§7.4): tile and step sequencing, halo and weight read addresses.")
        cpTile = m.reg("cp_tile", width: cntW, reset: 0)
        cpRunning = m.reg("cp_running", width: 1, reset: 0)
        let cpG = m.reg("cp_kgroup", width: 16, reset: 0), cpK = m.reg("cp_k", width: 24, reset: 0)
        let chunk = m.reg("cp_chunk", width: 16, reset: 0), kx = m.reg("cp_kx", width: 4, reset: 0), ky = m.reg("cp_ky", width: 4, reset: 0)
        cpStart = m.wire("cp_start", inTiles && !cpRunning && loadsDone > cpTile && (cpTile < 2 || storesDone + 1 >= cpTile))
        let runE = m.wire("cp_run_eff", cpRunning || cpStart)
        let kE = m.wire("cp_k_eff", mux(cpStart, k(0, 24), cpK)), gE = m.wire("cp_g_eff", mux(cpStart, k(0, 16), cpG))
        let chE = m.wire("cp_chunk_eff", mux(cpStart, k(0, 16), chunk))
        let kxE = m.wire("cp_kx_eff", mux(cpStart, k(0, 4), kx)), kyE = m.wire("cp_ky_eff", mux(cpStart, k(0, 4), ky))
        cpIssue = m.wire("cp_issue", runE && kE < dT)
        let slotEnd = m.wire("cp_slot_end", runE && kE + 1 == dKc)
        let tileEnd = m.wire("cp_tile_end", slotEnd && gE + 1 == pG)
        m.clocked("cp_fsm") { p in
            p.when(runE) {
                p.when(slotEnd) {
                    p.assign(cpK, 0); p.assign(chunk, 0); p.assign(kx, 0); p.assign(ky, 0); p.assign(cpG, gE + 1)
                    p.when(tileEnd) { p.assign(cpRunning, 0); p.assign(cpTile, cpTile + 1) }.otherwise { p.assign(cpRunning, 1) }
                }.otherwise {
                    p.assign(cpK, kE + 1); p.assign(cpRunning, 1); p.assign(cpG, gE)
                    p.when(chE == dNC - 1) {
                        p.assign(chunk, 0)
                        p.when(kxE == dK - 1) { p.assign(kx, 0); p.assign(ky, kyE + 1) }.otherwise { p.assign(kx, kxE + 1); p.assign(ky, kyE) }
                    }.otherwise { p.assign(chunk, chE + 1); p.assign(kx, kxE); p.assign(ky, kyE) }
                }
            }
            p.when(!inTiles) { p.assign(cpTile, 0); p.assign(cpRunning, 0) }
        }

        // ---- stage 0: bank addresses ----
        let ringI = m.wire("cp_ring_index", cpTile.trunc(2))
        let cty = m.wire("cp_ty", select(ringI, ringTy)), ctx = m.wire("cp_tx", select(ringI, ringTx))
        let yo = m.wire("cp_yo", umul(cty, k(tH, 18), 18)), xo = m.wire("cp_xo", umul(ctx, k(tW, 18), 18))
        let y0 = m.wire("cp_y0", mux(dS2, yo << 1, yo) - dPad.fit(18)), x0 = m.wire("cp_x0", mux(dS2, xo << 1, xo) - dPad.fit(18))
        let a = m.wire("cp_a", mux(dS2, kyE >> 1, kyE).fit(8)), bq = m.wire("cp_b", mux(dS2, kxE >> 1, kxE).fit(8))
        let (qa, ra) = m.udiv("cp_adiv", a, k(tH, 8), qbits: 8)
        let (qb, rb) = m.udiv("cp_bdiv", bq, k(tW, 8), qbits: 8)
        let raW = m.wire("cp_ra", ra.fit(8)), rbW = m.wire("cp_rb", rb.fit(8))
        let shiftLC = lgB - lgLC
        let wIdx = m.wire("cp_word", (chE >> shiftLC).fit(32))
        let byteOff = m.wire("cp_byte_off", shiftLC == 0 ? k(0, 8) : (chE.fit(shiftLC).fit(8) << lgLC))
        let half = cpTile[0]
        let awI = Memory.addressWidth(depth: 2 * DI)
        var rowTerm: [Expr] = [], colTerm: [Expr] = []
        for by in 0..<tH {
            let q = qa.fit(8) + mux(k(by, 8) < raW, k(1, 8), k(0, 8))
            let rs = m.wire("cp_rs_\(by)", mux(dS2, (q << 1) | kyE[0].fit(8), q))
            rowTerm.append(m.wire("cp_row_term_\(by)", umul(rs, dCSCW, 32)).expr)
        }
        for bx in 0..<tW {
            let q = qb.fit(8) + mux(k(bx, 8) < rbW, k(1, 8), k(0, 8))
            let cs = m.wire("cp_cs_\(bx)", mux(dS2, (q << 1) | kxE[0].fit(8), q))
            colTerm.append(m.wire("cp_col_term_\(bx)", umul(cs, dCW, 32)).expr)
        }
        m.assign(inRdEnW, cpIssue)
        for by in 0..<tH { for bx in 0..<tW {
            let addr = rowTerm[by] + colTerm[bx] + wIdx
            m.assign(inRdAddrW[by * tW + bx], mux(half, addr + DI, addr).fit(awI))
        } }
        let tap = umul(kyE, dK, 16) + kxE.fit(16)
        m.assign(weightRdEnW, cpIssue)
        m.assign(weightRdAddrW, (umul(gE, dK2CW, 32) + umul(tap, dCW, 32) + wIdx).fit(weightRdAddrW.width))
        var rowOk: [Expr] = [], colOk: [Expr] = []
        for py in 0..<tH {
            let y = y0 + (mux(dS2, k(2 * py, 18), k(py, 18)) + kyE.fit(18))
            rowOk.append(!(y.asSigned < 0) && y.asSigned < dH.fit(18).asSigned)
        }
        for px in 0..<tW {
            let x = x0 + (mux(dS2, k(2 * px, 18), k(px, 18)) + kxE.fit(18))
            colOk.append(!(x.asSigned < 0) && x.asSigned < dW.fit(18).asSigned)
        }
        // ---- stage-1 control registers ----
        let p1Valid = m.reg("p1_valid", width: 1, reset: 0)
        let p1First = m.reg("p1_first", width: 1), p1Last = m.reg("p1_last", width: 1), p1LastG = m.reg("p1_last_g", width: 1)
        let p1G = m.reg("p1_g", width: 16), p1Half = m.reg("p1_half", width: 1), p1Off = m.reg("p1_byte_off", width: 8)
        let p1Ra = m.reg("p1_ra", width: 8), p1Rb = m.reg("p1_rb", width: 8)
        let p1RowOk = m.reg("p1_row_ok", width: tH), p1ColOk = m.reg("p1_col_ok", width: tW)
        m.clocked("pipe_stage0") { p in
            p.assign(p1Valid, cpIssue && inTiles)
        }
        m.clocked("pipe_stage0_data", resetless: true) { p in
            p.assign(p1First, kE == 0); p.assign(p1Last, kE + 1 == dT); p.assign(p1LastG, gE + 1 == pG)
            p.assign(p1G, gE); p.assign(p1Half, half); p.assign(p1Off, byteOff); p.assign(p1Ra, raW); p.assign(p1Rb, rbW)
            p.assign(p1RowOk, cat(rowOk.reversed())); p.assign(p1ColOk, cat(colOk.reversed()))
        }
        m.submodule("pe_array", documentation: "PE array: tileH·tileW·lanesK PEs, lanesC-wide dot products, accumulators and shadows.")
        // ---- stage 1: rotate, zero, multiply + reduce ----
        let lw = 8 * LC
        let shAmt = m.wire("p1_bit_off", cat(p1Off, k(0, 3)).fit(bitsFor(8 * B)))
        let seg = (0..<(tH * tW)).map { m.wire("seg_\($0)", (inRdata[$0] >> shAmt).trunc(lw)) }
        let wseg = (0..<LK).map { m.wire("wseg_\($0)", (weightRdata[$0] >> shAmt).trunc(lw)) }
        let rbits = bitsFor(max(tH - 1, 1)), cbits = bitsFor(max(tW - 1, 1))
        var operand: [[Signal]] = []
        for py in 0..<tH {
            let t = p1Ra + py
            let ri = m.wire("rot_row_\(py)", mux(t >= tH, t - tH, t).fit(rbits))
            let rowVals = (0..<tW).map { bx in m.wire("rot_\(py)_\(bx)", select(ri, (0..<tH).map { seg[$0 * tW + bx] })) }
            var line: [Signal] = []
            for px in 0..<tW {
                let u = p1Rb + px
                let ci = mux(u >= tW, u - tW, u).fit(cbits)
                let ok = p1RowOk[py] && p1ColOk[px]
                line.append(m.wire("opnd_\(py)_\(px)", mux(ok, select(ci, rowVals), Expr.zeros(width: lw))))
            }
            operand.append(line)
        }
        let p2Valid = m.reg("p2_valid", width: 1, reset: 0)
        let p2First = m.reg("p2_first", width: 1), p2Last = m.reg("p2_last", width: 1), p2LastG = m.reg("p2_last_g", width: 1)
        let p2G = m.reg("p2_g", width: 16), p2Half = m.reg("p2_half", width: 1)
        m.clocked("pipe_stage1") { p in p.assign(p2Valid, p1Valid) }
        m.clocked("pipe_stage1_data", resetless: true) { p in
            p.assign(p2First, p1First); p.assign(p2Last, p1Last); p.assign(p2LastG, p1LastG); p.assign(p2G, p1G); p.assign(p2Half, p1Half)
        }
        let pe = try processingElement()
        var shadows: [Signal] = []
        for py in 0..<tH { for px in 0..<tW { for l in 0..<LK {
            let shadow = m.wire("shadow_\(py)_\(px)_\(l)", width: accW, signed: true)
            m.instance(pe, name: "u_pe_\(py)_\(px)_\(l)", connections: [
                "clk": clk, "rst": rst, "operand": operand[py][px], "weights": wseg[l],
                "valid": p2Valid, "first": p2First, "last": p2Last, "shadow": shadow,
            ])
            shadows.append(shadow)
        } } }
        requantEngine(trigger: m.wire("rq_trigger", p2Valid && p2Last), trigG: p2G, trigHalf: p2Half, trigLastG: p2LastG, shadows: shadows)
    }
}

extension AcceleratorBuilder {
    /// One PE: a lanesC-wide signed 8-bit dot product registered in stage 1, accumulated in
    /// stage 2 (restarted at a step's first chunk) and copied to the shadow register at the
    /// kgroup's last step, where the requant engine reads it. One module, instantiated
    /// tileH·tileW·lanesK times, so synthesis maps it once.
    func processingElement() throws -> Module {
        let pe = ModuleBuilder(names.pe, documentation: """
            PE: \(LC)-wide signed 8-bit dot product (stage 1), \(accW)-bit accumulator and shadow (stage 2).
            """)
        let lw = 8 * LC
        _ = pe.clock(); _ = pe.reset()
        let operand = pe.input("operand", width: lw), weights = pe.input("weights", width: lw)
        let valid = pe.input("valid"), first = pe.input("first"), last = pe.input("last")
        let shadowOut = pe.output("shadow", width: accW, signed: true)
        let sw = 17 + lgLC
        var dot: Expr? = nil
        for c in 0..<LC {
            // 8×8 signed product, exact in 16 bits, then widened for the lane reduction
            let xa = pe.wire("a_\(c)", operand[(8 * c)...(8 * c + 7)].asSigned)
            let wa = pe.wire("w_\(c)", weights[(8 * c)...(8 * c + 7)].asSigned)
            let prod = pe.wire("product_\(c)", xa.sext(16) * wa.sext(16))
            dot = dot.map { $0 + prod.sext(sw) } ?? prod.sext(sw)
        }
        let dotW = pe.wire("dot", dot!)
        let sum = pe.reg("sum", width: sw, signed: true)
        let acc = pe.reg("acc", width: accW, signed: true, reset: 0)
        let shadow = pe.reg("shadow_r", width: accW, signed: true, reset: 0)
        pe.clocked("stage1", resetless: true) { p in p.assign(sum, dotW) }
        let step = sw >= accW ? sum.expr.trunc(accW) : sum.sext(accW)
        let next = pe.wire("acc_next", mux(first, step, faultAccumulate(acc.expr, step)))
        pe.clocked("stage2") { p in
            p.when(valid) {
                p.assign(acc, next)
                p.when(last) { p.assign(shadow, next) }
            }
        }
        pe.assign(shadowOut, shadow)
        return try pe.build()
    }
}
