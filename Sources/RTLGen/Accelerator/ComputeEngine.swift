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
        // Bank (by, bx) reads address rowTerm[by] + colTerm[bx] + word (+ DI in the second half).
        var rowTerm: [Expr] = [], colTerm: [Expr] = []
        for by in 0..<tH {
            let q = qa.fit(8) + mux(k(by, 8) < raW, k(1, 8), k(0, 8))
            let rs = m.wire("cp_rs_\(by)", mux(dS2, (q << 1) | kyE[0].fit(8), q))
            rowTerm.append(umul(rs, dCSCW, 32))
        }
        for bx in 0..<tW {
            let q = qb.fit(8) + mux(k(bx, 8) < rbW, k(1, 8), k(0, 8))
            let cs = m.wire("cp_cs_\(bx)", mux(dS2, (q << 1) | kxE[0].fit(8), q))
            colTerm.append(umul(cs, dCW, 32))
        }
        let rowTerms = m.wire("cp_row_terms", cat(rowTerm.reversed()))
        let colTerms = m.wire("cp_col_terms", cat(colTerm.reversed()))
        m.assign(inRdEnW, cpIssue)
        m.instanceArray(try haloReadAddress(), name: "halo_rd_addr", dimensions: [("by", tH), ("bx", tW)], connections: [
            "row_term": .slice(rowTerms, over: "by"), "col_term": .slice(colTerms, over: "bx"),
            "word": .shared(wIdx), "half": .shared(half), "addr": .slice(inRdAddrW),
        ])
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
        // ---- stage 1: chunk, rotate, zero, multiply + reduce ----
        let lw = 8 * LC
        let nBanks = tH * tW
        let shAmt = m.wire("p1_bit_off", cat(p1Off, k(0, 3)).fit(bitsFor(8 * B)))
        let chunkSel = try chunkSelect()
        let haloChunks = m.wire("halo_chunks", width: nBanks * lw)
        m.instanceArray(chunkSel, name: "halo_chunk", dimensions: [("bank", nBanks)], connections: [
            "word": .slice(inRdata), "bit_off": .shared(shAmt), "chunk": .slice(haloChunks),
        ])
        let weightChunks = m.wire("weight_chunks", width: LK * lw)
        m.instanceArray(chunkSel, name: "weight_chunk", dimensions: [("l", LK)], connections: [
            "word": .slice(weightRdata), "bit_off": .shared(shAmt), "chunk": .slice(weightChunks),
        ])
        let operands = m.wire("pe_operands", width: nBanks * lw)
        m.instanceArray(try operandRow(), name: "operand_row", dimensions: [("y", tH)], connections: [
            "chunks": .shared(haloChunks), "ra": .shared(p1Ra), "rb": .shared(p1Rb), "row": .index("y"),
            "row_ok": .slice(p1RowOk, over: "y"), "col_ok": .shared(p1ColOk), "operands": .slice(operands),
        ])
        let p2Valid = m.reg("p2_valid", width: 1, reset: 0)
        let p2First = m.reg("p2_first", width: 1), p2Last = m.reg("p2_last", width: 1), p2LastG = m.reg("p2_last_g", width: 1)
        let p2G = m.reg("p2_g", width: 16), p2Half = m.reg("p2_half", width: 1)
        m.clocked("pipe_stage1") { p in p.assign(p2Valid, p1Valid) }
        m.clocked("pipe_stage1_data", resetless: true) { p in
            p.assign(p2First, p1First); p.assign(p2Last, p1Last); p.assign(p2LastG, p1LastG); p.assign(p2G, p1G); p.assign(p2Half, p1Half)
        }
        // PE (y, x, l): the operand of pixel (y, x), the weights of lane l; its shadow at element (y·tileW + x)·lanesK + l.
        let shadows = m.wire("shadows", width: nBanks * LK * accW)
        m.instanceArray(try processingElement(), name: "pe", dimensions: [("y", tH), ("x", tW), ("l", LK)], connections: [
            "clk": .shared(clk), "rst": .shared(rst), "operand": .slice(operands, over: "y", "x"), "weights": .slice(weightChunks, over: "l"),
            "valid": .shared(p2Valid), "first": .shared(p2First), "last": .shared(p2Last), "shadow": .slice(shadows),
        ])
        try requantEngine(trigger: m.wire("rq_trigger", p2Valid && p2Last), trigG: p2G, trigHalf: p2Half, trigLastG: p2LastG, shadows: shadows)
    }
}

extension AcceleratorBuilder {
    /// Read address of halo bank (by, bx) at stage 0 (§6.2): row term + column term + word, in the
    /// tile's half of the bank (`<prefix>halo_read_addr`, one per bank).
    func haloReadAddress() throws -> Module {
        let name = names.block("halo_read_addr")
        return try block(name, documentation: "Halo bank read address (§6.2): row term + column term + word, + DI in the second half.") { r in
            let rowTerm = r.input("row_term", width: 32), colTerm = r.input("col_term", width: 32)
            let word = r.input("word", width: 32), half = r.input("half")
            let addr = r.output("addr", width: Memory.addressWidth(depth: 2 * DI))
            let sum = r.wire("sum", rowTerm + colTerm + word)
            r.assign(addr, mux(half, sum + DI, sum.expr).fit(addr.width))
            r.allowUnused(sum)
        }
    }

    /// The lanesC-byte chunk at bit offset `bit_off` of a B-byte buffer word (stage 1;
    /// `<prefix>chunk_select`, one per halo bank and per weight bank).
    func chunkSelect() throws -> Module {
        let name = names.block("chunk_select")
        return try block(name, documentation: "The \(LC)-byte chunk at bit offset bit_off of a \(B)-byte word.") { r in
            let word = r.input("word", width: 8 * B), off = r.input("bit_off", width: bitsFor(8 * B))
            let chunk = r.output("chunk", width: 8 * LC)
            r.assign(chunk, (word >> off).trunc(8 * LC))
        }
    }

    /// PE row `row`'s operands (stage 1, §6.2): the halo chunks rotated by (ra + row, rb + px) onto
    /// the row's tileW PEs, zero where the row or the column is outside the map
    /// (`<prefix>operand_row`, one per tile row).
    func operandRow() throws -> Module {
        let name = names.block("operand_row")
        let lw = 8 * LC
        return try block(name, documentation: """
            Operands of PE row `row`: halo bank row (ra + row) mod \(tH), rotated by rb; zero outside the map.
            chunks: the \(tH)x\(tW) banks' chunks, bank (by, bx) at element by*\(tW) + bx; operands: PE column px at element px.
            """) { r in
            let chunks = r.input("chunks", width: tH * tW * lw)
            let ra = r.input("ra", width: 8), rb = r.input("rb", width: 8), row = r.input("row", width: 8)
            let rowOk = r.input("row_ok"), colOk = r.input("col_ok", width: tW)
            let out = r.output("operands", width: tW * lw)
            let rbits = bitsFor(max(tH - 1, 1)), cbits = bitsFor(max(tW - 1, 1))
            let t = r.wire("bank_row_sum", ra + row)
            let bankRow = r.wire("bank_row", mux(t >= tH, t - tH, t.expr).fit(rbits))
            let rot = r.wire("rot", select(bankRow, fields(chunks, width: tW * lw)))
            var ops: [Expr] = []
            for px in 0..<tW {
                let u = rb + px
                let ci = mux(u >= tW, u - tW, u).fit(cbits)
                ops.append(r.wire("opnd_\(px)", mux(rowOk && colOk[px], select(ci, fields(rot, width: lw)), Expr.zeros(width: lw))).expr)
            }
            r.assign(out, cat(ops.reversed()))
            if tH == 1 { r.allowUnused(bankRow) }  // one bank row: no rotation
            if tW == 1 { r.allowUnused(rb) }
        }
    }

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
