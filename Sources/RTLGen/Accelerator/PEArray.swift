/// The PE array (§7.4): stage 1 of the pipeline (the lanesC-byte chunk of each bank word, rotated
/// onto the PEs, zero outside the map) and tileH × tileW × lanesK PEs (stage 1 multiply + reduce,
/// stage 2 accumulate, the shadow registers at the kgroup's last step), which the `acc` flow
/// hands to the requant engine (`<prefix>pe_array`).
struct PEArray: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("pe_array"), documentation: "PE array: tileH·tileW·lanesK PEs, lanesC-wide dot products, accumulators and shadows.")
        let clk = m.clock(), rst = m.reset()
        let halo = m.ports(ch.halo.name, ch.halo.bundle.flipped)
        let weights = m.ports(ch.weights.name, ch.weights.bundle.flipped)
        let step = m.ports(ch.step.name, ch.step.bundle.flipped)
        let acc = m.ports(ch.accumulators.name, ch.accumulators.bundle)
        // ---- stage 1: chunk, rotate, zero, multiply + reduce ----
        let lw = 8 * LC
        let nBanks = ctx.nBanks
        let shAmt = m.wire("p1_bit_off", cat(step["byte_off"], k(0, 3)).fit(bitsFor(8 * B)))
        let chunkSel = try chunkSelect()
        let haloChunks = m.wire("halo_chunks", width: nBanks * lw)
        m.instanceArray(chunkSel, name: "halo_chunk", dimensions: [("bank", nBanks)], connections: [
            "word": .slice(halo["data"]), "bit_off": .shared(shAmt), "chunk": .slice(haloChunks),
        ])
        let weightChunks = m.wire("weight_chunks", width: LK * lw)
        m.instanceArray(chunkSel, name: "weight_chunk", dimensions: [("l", LK)], connections: [
            "word": .slice(weights["data"]), "bit_off": .shared(shAmt), "chunk": .slice(weightChunks),
        ])
        let operands = m.wire("pe_operands", width: nBanks * lw)
        m.instanceArray(try operandRow(), name: "operand_row", dimensions: [("y", tH)], connections: [
            "chunks": .shared(haloChunks), "ra": .shared(step["ra"]), "rb": .shared(step["rb"]), "row": .index("y"),
            "ok": .slice(step["pe_ok"], over: "y"), "operands": .slice(operands),
        ])
        let p2Valid = m.reg("p2_valid", width: 1, reset: 0)
        let p2First = m.reg("p2_first", width: 1), p2Last = m.reg("p2_last", width: 1), p2LastG = m.reg("p2_last_g", width: 1)
        let p2G = m.reg("p2_g", width: 16), p2Half = m.reg("p2_half", width: 1)
        m.clocked("pipe_stage1") { p in p.assign(p2Valid, step["valid"]) }
        m.clocked("pipe_stage1_data", resetless: true) { p in
            p.assign(p2First, step["first"]); p.assign(p2Last, step["last"]); p.assign(p2LastG, step["last_g"])
            p.assign(p2G, step["g"]); p.assign(p2Half, step["half"])
        }
        // PE (y, x, l): the operand of pixel (y, x), the weights of lane l; its shadow at element (y·tileW + x)·lanesK + l.
        m.instanceArray(try processingElement(), name: "pe", dimensions: [("y", tH), ("x", tW), ("l", LK)], connections: [
            "clk": .shared(clk), "rst": .shared(rst), "operand": .slice(operands, over: "y", "x"), "weights": .slice(weightChunks, over: "l"),
            "valid": .shared(p2Valid), "first": .shared(p2First), "last": .shared(p2Last), "shadow": .slice(acc["shadows"]),
        ])
        m.assign(acc["valid"], p2Valid && p2Last)
        m.assign(acc["g"], p2G); m.assign(acc["half"], p2Half); m.assign(acc["last_g"], p2LastG)
        return try m.build()
    }

    /// The lanesC-byte chunk at bit offset `bit_off` of a B-byte buffer word (stage 1;
    /// `<prefix>chunk_select`, one per halo bank and per weight bank).
    func chunkSelect() throws -> Module {
        let name = names.block("chunk_select")
        let (B, LC) = (self.B, self.LC)
        return try ctx.block(name, documentation: "The \(LC)-byte chunk at bit offset bit_off of a \(B)-byte word.") { r in
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
        let (tH, tW, lw) = (self.tH, self.tW, 8 * LC)
        return try ctx.block(name, documentation: """
            Operands of PE row `row`: halo bank row (ra + row) mod \(tH), rotated by rb; zero where `ok` is low (outside the map, or an empty group slot).
            chunks: the \(tH)x\(tW) banks' chunks, bank (by, bx) at element by*\(tW) + bx; operands: PE column px at element px.
            """) { r in
            let chunks = r.input("chunks", width: tH * tW * lw)
            let ra = r.input("ra", width: 8), rb = r.input("rb", width: 8), row = r.input("row", width: 8)
            let ok = r.input("ok", width: tW)
            let out = r.output("operands", width: tW * lw)
            let rbits = bitsFor(max(tH - 1, 1)), cbits = bitsFor(max(tW - 1, 1))
            let t = r.wire("bank_row_sum", ra + row)
            let bankRow = r.wire("bank_row", mux(t >= tH, t - tH, t.expr).fit(rbits))
            let rot = r.wire("rot", select(bankRow, fields(chunks, width: tW * lw)))
            var ops: [Expr] = []
            for px in 0..<tW {
                let u = rb + px
                let ci = mux(u >= tW, u - tW, u).fit(cbits)
                ops.append(r.wire("opnd_\(px)", mux(ok[px], select(ci, fields(rot, width: lw)), Expr.zeros(width: lw))).expr)
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
        try ctx.block(names.pe) { try buildProcessingElement() }
    }

    func buildProcessingElement() throws -> Module {
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
        let next = pe.wire("acc_next", mux(first, step, ctx.faultAccumulate(acc.expr, step)))
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
