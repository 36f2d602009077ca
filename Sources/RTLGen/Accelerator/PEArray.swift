import AcceleratorSpec

/// The PE array (§7.4): stage 1 of the pipeline (each bank word rotated onto the PEs, zero outside
/// the map, and each lane's lanesC-byte operand and weight chunk; without lane groups each bank's
/// chunk is cut before the rotation) and tileH × tileW × lanesK PEs
/// (stage 1 multiply + reduce, stage 2 accumulate, the shadow registers at the kgroup's last step),
/// which the `acc` flow hands to the requant engine (`<prefix>pe_array`). With grouped lanes (§3.4)
/// lane r·GL + c takes chunk c of the word and of the weights of channel j·R + r, and each pixel's
/// lane sums add a lane group's GL dot products into that channel's accumulator.
struct PEArray: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("pe_array"), documentation: "PE array: tileH·tileW·lanesK PEs, lanesC-wide dot products, lane sums, accumulators\(cfg.has(.accumulatorShadows) ? " and shadows" : " (no shadows: the requant engine reads them)").")
        let clk = m.clock(), rst = m.reset()
        let halo = m.ports(ch.halo.name, ch.halo.bundle.flipped)
        let weights = m.ports(ch.weights.name, ch.weights.bundle.flipped)
        let step = m.ports(ch.step.name, ch.step.bundle.flipped)
        let acc = m.ports(ch.accumulators.name, ch.accumulators.bundle)
        // ---- stage 1: rotate, zero, chunk, multiply + reduce ----
        let lw = 8 * LC, ww = 8 * B
        let nBanks = ctx.nBanks
        // (the step's chunk of a word: byte_off is a multiple of lanesC below B)
        let shAmt = m.wire("p1_chunk", (step["byte_off"] >> lgLC).fit(chunkIndexBits))
        let operands: Signal
        if laneGroups == nil {
            // Every lane takes the chunk at the step's offset, the same in every bank: each bank's
            // word is cut to its chunk first, so the rotation onto the PEs moves lanesC bytes a
            // bank rather than B (the same operands; B/lanesC times fewer mux inputs).
            let chunks = m.wire("bank_chunks", width: nBanks * lw)
            m.instanceArray(try chunkSelect(), name: "bank_chunk", dimensions: [("b", nBanks)], connections: [
                "word": .slice(halo["data"]), "index": .shared(shAmt), "chunk": .slice(chunks),
            ])
            let pixelChunks = m.wire("pe_chunks", width: nBanks * lw)
            m.instanceArray(try operandRow(width: lw), name: "operand_row", dimensions: [("y", tH)], connections: [
                "words": .shared(chunks), "ra": .shared(step["ra"]), "rb": .shared(step["rb"]), "row": .index("y"),
                "ok": .slice(step["pe_ok"], over: "y"), "operands": .slice(pixelChunks),
            ])
            operands = m.wire("pe_operands", cat(fields(pixelChunks, width: lw).flatMap { Array(repeating: $0, count: LK) }.reversed()))
        } else {
            let words = m.wire("pe_words", width: nBanks * ww)
            operands = m.wire("pe_operands", width: nBanks * LK * lw)
            m.instanceArray(try operandRow(width: ww), name: "operand_row", dimensions: [("y", tH)], connections: [
                "words": .shared(halo["data"]), "ra": .shared(step["ra"]), "rb": .shared(step["rb"]), "row": .index("y"),
                "ok": .slice(step["pe_ok"], over: "y"), "operands": .slice(words),
            ])
            m.instanceArray(try laneOperands(), name: "lane_operands", dimensions: [("y", tH), ("x", tW)], connections: [
                "word": .slice(words, over: "y", "x"), "index": .shared(shAmt), "grouped": .shared(step["grouped"]),
                "operands": .slice(operands, over: "y", "x"),
            ])
        }
        let weightChunks = m.wire("weight_chunks", width: LK * lw)
        m.instance(try weightLanes(), name: "weight_lanes", connections: [
            "words": weights["data"], "index": shAmt, "grouped": step["grouped"], "sub": step["sub"], "chunks": weightChunks,
        ])
        // The operand stage (§7.4; with boundary registers): the rotated operands and weight chunks
        // are registered before the multipliers, and the step's stage-2 control a cycle later too.
        // MAC16 pairs hold that stage in their cells' input registers instead (`mac16CellRegisters`).
        let O = cfg.operandStages
        let operandsIn = mac16CellRegisters ? operands : m.wire("pe_operands_in", m.delayed("pe_operands", operands.expr, by: O))
        let weightsIn = mac16CellRegisters ? weightChunks : m.wire("weight_chunks_in", m.delayed("weight_chunks", weightChunks.expr, by: O))
        func staged(_ f: String, reset: Int? = nil) -> Expr { m.delayed("step_\(f)", step[f].expr, by: O, reset: reset) }
        let p2Valid = m.reg("p2_valid", width: 1, reset: 0)
        let p2First = m.reg("p2_first", width: 1), p2Last = m.reg("p2_last", width: 1), p2LastG = m.reg("p2_last_g", width: 1)
        let p2G = m.reg("p2_g", width: ctx.kgroupW), p2Half = m.reg("p2_half", width: 1)
        let p2Grouped = m.reg("p2_grouped", width: 1), p2Sub = m.reg("p2_sub", width: 8)
        let stepValid = staged("valid", reset: 0)
        let stepData = [(p2First, "first"), (p2Last, "last"), (p2LastG, "last_g"), (p2G, "g"), (p2Half, "half"), (p2Grouped, "grouped"), (p2Sub, "sub")]
            .map { ($0.0, staged($0.1)) }
        m.clocked("pipe_stage1") { p in p.assign(p2Valid, stepValid) }
        m.clocked("pipe_stage1_data", resetless: true) { p in for (r, e) in stepData { p.assign(r, e) } }
        // PE (y, x, l): lane l's operand of pixel (y, x) and weight chunk; its shadow at element (y·tileW + x)·lanesK + l.
        let dots = m.wire("pe_dots", width: nBanks * LK * dotWidth)
        let addends = m.wire("pe_addends", width: nBanks * LK * addendWidth)
        let takes = m.wire("pe_takes", width: nBanks * LK)
        if cfg.pairsLanes {
            // Packed products or MAC16 pairs (§7.4): PE pair (y, x, l) holds lanes l and l + lanesK/2, which take the
            // same activations; its buses hold pair elements (y·tileW + x)·lanesK/2 + l, each the
            // lower lane's field below the upper's, reordered from and to the lane layout here.
            let half = LK / 2
            /// Lane-order bus → pair order: per pixel (of `pixels`), per pair l, lane l + half above lane l.
            func pairs(_ bus: Signal, width w: Int, pixels: Int = nBanks) -> Expr {
                let f = fields(bus, width: w)
                return cat((0..<pixels).flatMap { px in (0..<half).map { l in cat(f[px * LK + l + half], f[px * LK + l]) } }.reversed())
            }
            /// Pair-order bus → lane order (the inverse of `pairs`).
            func lanes(_ bus: Signal, width w: Int) -> Expr {
                let f = fields(bus, width: w)
                return cat((0..<nBanks).flatMap { px in (0..<LK).map { l in f[(px * half + l % half) * 2 + l / half] } }.reversed())
            }
            m.allowUnused(operandsIn)  // (lanes l + lanesK/2 take lane l's operands)
            let pairOperands = m.wire("pair_operands", cat((0..<nBanks).flatMap { px in (0..<half).map { l in fields(operandsIn, width: lw)[px * LK + l] } }.reversed()))
            let pairWeights = m.wire("pair_weights", pairs(weightsIn, width: lw, pixels: 1))
            let pairAddends = m.wire("pair_addends", pairs(addends, width: addendWidth))
            let pairTakes = m.wire("pair_takes", pairs(takes, width: 1))
            let pairDots = m.wire("pair_dots", width: nBanks * LK * dotWidth)
            let pairShadows = m.wire("pair_shadows", width: nBanks * LK * accW)
            m.instanceArray(try processingElementPair(), name: "pe_pair", dimensions: [("y", tH), ("x", tW), ("l", half)], connections: [
                "clk": .shared(clk), "rst": .shared(rst), "operand": .slice(pairOperands), "weights": .slice(pairWeights, over: "l"),
                "valid": .shared(p2Valid), "first": .shared(p2First), "last": .shared(p2Last), "take": .slice(pairTakes), "addend": .slice(pairAddends),
                "dot": .slice(pairDots), "shadow": .slice(pairShadows),
            ])
            m.assign(dots, lanes(pairDots, width: dotWidth))
            m.assign(acc["shadows"], lanes(pairShadows, width: accW))
        } else {
            m.instanceArray(try processingElement(), name: "pe", dimensions: [("y", tH), ("x", tW), ("l", LK)], connections: [
                "clk": .shared(clk), "rst": .shared(rst), "operand": .slice(operandsIn), "weights": .slice(weightsIn, over: "l"),
                "valid": .shared(p2Valid), "first": .shared(p2First), "last": .shared(p2Last), "take": .slice(takes), "addend": .slice(addends),
                "dot": .slice(dots), "shadow": .slice(acc["shadows"]),
            ])
        }
        m.instanceArray(try laneSums(), name: "lane_sums", dimensions: [("y", tH), ("x", tW)], connections: [
            "dots": .slice(dots, over: "y", "x"), "grouped": .shared(p2Grouped), "sub": .shared(p2Sub),
            "addends": .slice(addends, over: "y", "x"), "takes": .slice(takes, over: "y", "x"),
        ])
        m.assign(acc["valid"], p2Valid && p2Last)
        m.assign(acc["g"], p2G); m.assign(acc["half"], p2Half); m.assign(acc["last_g"], p2LastG)
        return try m.build()
    }

    /// The lane groups (§3.4): GL lanes per group, R groups; nil when the config's lanes do not group.
    var laneGroups: (lanes: Int, groups: Int)? { LayerPlan.laneGroups(cfg) }
    /// A lane's dot product of lanesC signed bytes, and what it adds to an accumulator: the dot, or
    /// with grouped lanes the sum of a lane group's GL dots.
    var dotWidth: Int { 17 + lgLC }
    var addendWidth: Int { dotWidth + (laneGroups.map { log2Exact($0.lanes) } ?? 0) }

    /// Bits of a chunk's index in a word (B/lanesC chunks; at least 1).
    var chunkIndexBits: Int { bitsFor(max(B / LC - 1, 1)) }

    /// Chunk `index` (lanesC bytes) of a B-byte buffer word (stage 1; `<prefix>chunk_select`, one
    /// per halo bank and per weight bank): a B/lanesC-way multiplexer, not a shifter.
    func chunkSelect() throws -> Module {
        let name = names.block("chunk_select")
        let (B, LC) = (self.B, self.LC)
        return try ctx.block(name, documentation: "Chunk index (\(LC) bytes) of a \(B)-byte word.") { r in
            let word = r.input("word", width: 8 * B), index = r.input("index", width: chunkIndexBits)
            let chunk = r.output("chunk", width: 8 * LC)
            if B == LC {
                r.assign(chunk, word); r.allowUnused(index)
            } else {
                r.assign(chunk, select(index, fields(word, width: 8 * LC)))
            }
        }
    }

    /// PE row `row`'s words (stage 1, §6.2): the halo bank words (or, without lane groups, their
    /// chunks: `width` bits a bank) rotated by (ra + row, rb + px) onto the row's tileW PEs, zero
    /// where the row or the column is outside the map (`<prefix>operand_row`, one per tile row).
    func operandRow(width ww: Int) throws -> Module {
        let name = names.block("operand_row")
        let (tH, tW) = (self.tH, self.tW)
        return try ctx.block(name, documentation: """
            Words of PE row `row`: halo bank row (ra + row) mod \(tH), rotated by rb; zero where `ok` is low (outside the map, or an empty group slot).
            words: the \(tH)x\(tW) banks' words, bank (by, bx) at element by*\(tW) + bx; operands: PE column px at element px.
            """) { r in
            let words = r.input("words", width: tH * tW * ww)
            let ra = r.input("ra", width: 8), rb = r.input("rb", width: 8), row = r.input("row", width: 8)
            let ok = r.input("ok", width: tW)
            let out = r.output("operands", width: tW * ww)
            let rbits = bitsFor(max(tH - 1, 1)), cbits = bitsFor(max(tW - 1, 1))
            let t = r.wire("bank_row_sum", ra + row)
            let bankRow = r.wire("bank_row", mux(t >= tH, t - tH, t.expr).fit(rbits))
            let rot = r.wire("rot", select(bankRow, fields(words, width: tW * ww)))
            var ops: [Expr] = []
            for px in 0..<tW {
                let u = rb + px
                let ci = mux(u >= tW, u - tW, u).fit(cbits)
                ops.append(r.wire("opnd_\(px)", mux(ok[px], select(ci, fields(rot, width: ww)), Expr.zeros(width: ww))).expr)
            }
            r.assign(out, cat(ops.reversed()))
            if tH == 1 { r.allowUnused(bankRow) }  // one bank row: no rotation
            if tW == 1 { r.allowUnused(rb) }
        }
    }

    /// The lanesK operands of one pixel (stage 1): the lanesC-byte chunk `index` of its word for
    /// every lane, or with grouped lanes (§3.4) chunk c of the word for lane r·GL + c
    /// (`<prefix>lane_operands`, one per PE pixel).
    func laneOperands() throws -> Module {
        let (LK, lw) = (self.LK, 8 * LC)
        let chunkSel = try chunkSelect()
        let groups = laneGroups
        return try ctx.block(names.block("lane_operands"), documentation: "A pixel's lane operands: chunk index for every lane, or chunk l mod GL for lane l with grouped lanes (§3.4).") { r in
            let word = r.input("word", width: 8 * B), off = r.input("index", width: chunkIndexBits), grouped = r.input("grouped", width: 1)
            let out = r.output("operands", width: LK * lw)
            let chunk = r.wire("chunk", width: lw)
            r.instance(chunkSel, name: "chunk_select", connections: ["word": word, "index": off, "chunk": chunk])
            guard let g = groups else { r.assign(out, cat(Array(repeating: chunk.expr, count: LK))); r.allowUnused(grouped); return }
            let chunks = fields(word, width: lw)
            // lane l = r·GL + c: chunk c of the word
            r.assign(out, cat((0..<LK).map { l in r.wire("lane_\(l)", mux(grouped, chunks[l % g.lanes], chunk)).expr }.reversed()))
        }
    }

    /// The lanesK weight chunks of a step (stage 1): bank l's chunk `index` for lane l, or with
    /// grouped lanes (§3.4) chunk c of bank j·R + r for lane r·GL + c, j = `sub` (`<prefix>weight_lanes`).
    func weightLanes() throws -> Module {
        let (LK, lw, ww) = (self.LK, 8 * LC, 8 * B)
        let chunkSel = try chunkSelect()
        let groups = laneGroups
        return try ctx.block(names.block("weight_lanes"), documentation: "Weight chunks per lane: bank l's chunk index, or chunk l mod GL of bank sub·R + l ÷ GL with grouped lanes (§3.4).") { r in
            let words = r.input("words", width: LK * ww), off = r.input("index", width: chunkIndexBits)
            let grouped = r.input("grouped", width: 1), sub = r.input("sub", width: 8)
            let out = r.output("chunks", width: LK * lw)
            let chunks = r.wire("bank_chunks", width: LK * lw)
            r.instanceArray(chunkSel, name: "chunk_select", dimensions: [("l", LK)], connections: [
                "word": .slice(words), "index": .shared(off), "chunk": .slice(chunks),
            ])
            guard let g = groups else { r.assign(out, chunks); r.allowUnused(grouped); r.allowUnused(sub); return }
            let banks = fields(words, width: ww), own = fields(chunks, width: lw)
            let j = sub.expr.fit(max(log2Exact(g.lanes), 1))
            let lanes = (0..<LK).map { l in
                // lane r·GL + c: chunk c of bank j·R + r, for j = sub
                let candidates = (0..<g.lanes).map { jj in fields(banks[jj * g.groups + l / g.lanes], width: lw)[l % g.lanes] }
                return r.wire("lane_\(l)", mux(grouped, select(j, candidates), own[l])).expr
            }
            r.assign(out, cat(lanes.reversed()))
            r.allowPartlyReadInputs()
        }
    }

    /// One pixel's lane sums (stage 2, §3.4): each lane accumulates its own dot, or with grouped lanes
    /// lane j·R + r (j = `sub`) the sum of lane group r's GL dots and the other lanes hold
    /// (`<prefix>lane_sums`, one per PE pixel).
    func laneSums() throws -> Module {
        let (LK, dw, aw) = (self.LK, dotWidth, addendWidth)
        let groups = laneGroups
        return try ctx.block(names.block("lane_sums"), documentation: "A pixel's accumulator addends: each lane's dot, or lane group sums into subgroup sub's lanes with grouped lanes (§3.4).") { r in
            let dots = r.input("dots", width: LK * dw), grouped = r.input("grouped", width: 1), sub = r.input("sub", width: 8)
            let addends = r.output("addends", width: LK * aw), takes = r.output("takes", width: LK)
            let d = fields(dots, width: dw).enumerated().map { r.wire("dot_\($0.offset)", $0.element.asSigned.sext(aw)).expr }
            guard let g = groups else {
                r.assign(addends, cat(d.reversed())); r.assign(takes, k((1 << LK) - 1, LK))
                r.allowUnused(grouped); r.allowUnused(sub); return
            }
            let sums = (0..<g.groups).map { r0 in
                r.wire("group_sum_\(r0)", (1..<g.lanes).reduce(d[r0 * g.lanes]) { $0 + d[r0 * g.lanes + $1] }).expr
            }
            r.assign(addends, cat((0..<LK).map { l in mux(grouped, sums[l % g.groups], d[l]) }.reversed()))
            r.assign(takes, cat((0..<LK).map { l in !grouped || sub == (l / g.groups) }.reversed()))
        }
    }

    /// One PE: a lanesC-wide signed 8-bit dot product registered in stage 1 (`dot`), and in stage 2
    /// the accumulator, which adds `addend` (its own dot, or its lane group's sum, §3.4) when it
    /// `take`s the step (restarting at its first step), and the shadow register it is copied to at
    /// the kgroup's last step, where the requant engine reads it. One module, instantiated
    /// tileH·tileW·lanesK times, so synthesis maps it once.
    func processingElement() throws -> Module {
        try ctx.block(names.pe) { try buildProcessingElement() }
    }

    func buildProcessingElement() throws -> Module {
        let pe = ModuleBuilder(names.pe, documentation: """
            PE: \(LC)-wide signed 8-bit dot product (stage 1), \(accW)-bit accumulator\(cfg.has(.accumulatorShadows) ? " and shadow" : "") (stage 2).
            """)
        let lw = 8 * LC
        _ = pe.clock(); _ = pe.reset()
        let operand = pe.input("operand", width: lw), weights = pe.input("weights", width: lw)
        let valid = pe.input("valid"), first = pe.input("first"), last = pe.input("last")
        let take = pe.input("take"), addend = pe.input("addend", width: addendWidth)
        let dotOut = pe.output("dot", width: dotWidth)
        let shadowOut = pe.output("shadow", width: accW, signed: true)
        var dot: Expr? = nil
        for c in 0..<LC {
            // 8×8 signed product, exact in 16 bits, then widened for the lane reduction
            let xa = pe.wire("a_\(c)", operand[(8 * c)...(8 * c + 7)].asSigned)
            let wa = pe.wire("w_\(c)", weights[(8 * c)...(8 * c + 7)].asSigned)
            let prod = pe.wire("product_\(c)", xa.sext(16) * wa.sext(16))
            dot = dot.map { $0 + prod.sext(dotWidth) } ?? prod.sext(dotWidth)
        }
        let (sum, shadow) = laneStages(pe, "", dot: pe.wire("dot_next", dot!).expr, valid: valid, first: first, last: last, take: take.expr, addend: addend.expr)
        pe.assign(dotOut, sum)
        pe.assign(shadowOut, shadow)
        return try pe.build()
    }

    /// A PE's two stages after its dot product: stage 1 registers the dot (`sum`); stage 2 the
    /// accumulator, which adds `addend` (its own dot, or its lane group's sum, §3.4) when it `take`s
    /// the step (restarting at its first step), and the shadow register it is copied to at the
    /// kgroup's last step (`registeredDot`: the dot comes registered, stage 1 is the cell's).
    /// Returns (sum, shadow): without shadows (`Mechanism.accumulatorShadows`) the accumulator
    /// itself, which holds the sum until the next kgroup's first step lands, after the requant
    /// engine's last read (the kgroup slot waits for it, §7.4).
    func laneStages(_ pe: ModuleBuilder, _ suffix: String, dot: Expr, valid: Signal, first: Signal, last: Signal, take: Expr, addend: Expr,
                    registeredDot: Bool = false) -> (Signal, Signal) {
        // (with `registeredDot` stage 1 is the cell's product register)
        let sum = registeredDot ? pe.wire("sum\(suffix)", dot) : pe.reg("sum\(suffix)", width: dotWidth, signed: true)
        let acc = pe.reg("acc\(suffix)", width: accW, signed: true, reset: 0)
        let shadow = cfg.has(.accumulatorShadows) ? pe.reg("shadow_r\(suffix)", width: accW, signed: true, reset: 0) : nil
        if !registeredDot { pe.clocked("stage1\(suffix)", resetless: true) { p in p.assign(sum, dot) } }
        let a = addend.asSigned
        let step = addendWidth >= accW ? a.trunc(accW) : a.sext(accW)
        let next = pe.wire("acc_next\(suffix)", mux(first, step, ctx.faultAccumulate(acc.expr, step)))
        pe.clocked("stage2\(suffix)") { p in
            p.when(valid) {
                p.when(take) { p.assign(acc, next) }
                if let shadow { p.when(last) { p.assign(shadow, mux(take, next, acc.expr)) } }
            }
        }
        if shadow == nil { pe.allowUnused(last) }
        return (sum, shadow ?? acc)
    }

    /// MAC16 pairs with the operand stage (§7.4, boundary registers): the stage's registers are
    /// the SB_MAC16s' own input registers (A_REG, B_REG), and with one product a lane (lanesC 1)
    /// stage 1's are their 8×8 product registers — the same cycles, fewer logic cells, and every
    /// path of the multiplier between registers of the cell, which nextpnr-ice40 times as registers
    /// (docs/synthesis.md, "Place and route").
    var mac16CellRegisters: Bool { cfg.mac16Pairs && cfg.operandStages == 1 }
    var mac16ProductRegisters: Bool { mac16CellRegisters && LC == 1 }

    /// A PE pair (packed products or MAC16 pairs, §7.4): lanes l (`_lo`) and l + lanesK/2 (`_hi`) of one pixel,
    /// which take the same activations. Each pair of their int8 products comes from one 25×8-bit
    /// signed product: (w_hi·2^16 + w_lo)·a = w_hi·a·2^16 + w_lo·a, whose low 16 bits are w_lo·a
    /// (−2^14 + 2^7 ≤ w_lo·a ≤ 2^14) and whose bits 32…16, plus bit 15 (the borrow of a negative
    /// w_lo·a), are w_hi·a. The packed weight, −2^23 − 128 … 2^23 − 2^16 + 127, fits the 25-bit A
    /// port of a DSP48E1 (17 bits apart it would not: −128·2^17 − 1 wraps): one block a pair, checked
    /// over every (a, w_lo, w_hi). With `packedSums` the weights are 16 + log2(lanesC) bits apart
    /// and the pair separates the sum of its packed products once, rather than each product
    /// (§7.4). With `mac16Pairs` each pair of products is an SB_MAC16's two signed 8×8 products
    /// (`MAC16Cell.twoProducts`). Then each lane's stages as in a PE (`<prefix>pe_pair`).
    func processingElementPair() throws -> Module {
        try ctx.block(names.engine("pe_pair")) {
            let pe = ModuleBuilder(names.engine("pe_pair"), documentation: """
                PE pair: lanes l and l + lanesK/2 of a pixel; each pair of their \(LC) int8 products from \(cfg.mac16Pairs ? "one SB_MAC16's two 8x8 multipliers (MAC16 pairs" : "one 25x8-bit product (packed products"), §7.4).
                """)
            let lw = 8 * LC
            let clk = pe.clock(); _ = pe.reset()
            let operand = pe.input("operand", width: lw), weights = pe.input("weights", width: 2 * lw)
            let valid = pe.input("valid"), first = pe.input("first"), last = pe.input("last")
            let take = pe.input("take", width: 2), addend = pe.input("addend", width: 2 * addendWidth)
            let dotOut = pe.output("dot", width: 2 * dotWidth)
            let shadowOut = pe.output("shadow", width: 2 * accW)
            var lo: Expr? = nil, hi: Expr? = nil
            if cfg.packedSums {
                // The weights d = 16 + log2(lanesC) bits apart, so the lower lane's whole dot fits
                // below the upper's: w_hi·2^d + w_lo as {w_hi − sign(w_lo), w_lo mod 2^d} (a 9-bit
                // subtract, not a wide add), (d + 9)×8-bit products, their sum S = 2^d·Σw_hi·a +
                // Σw_lo·a; the lower dot is S's low d bits, signed, the upper S >> d plus the
                // borrow a negative lower dot took (bit d − 1).
                let d = cfg.packedSpacing, pw = d + 17, sw = pw + lgLC
                var sum: Expr? = nil
                for c in 0..<LC {
                    let xa = pe.wire("a_\(c)", operand[(8 * c)...(8 * c + 7)].asSigned)
                    let wl = pe.wire("w_lo_\(c)", weights[(8 * c)...(8 * c + 7)].asSigned)
                    let wh = pe.wire("w_hi_\(c)", weights[(lw + 8 * c)...(lw + 8 * c + 7)].asSigned)
                    let upper = pe.wire("w_upper_\(c)", wh.sext(9) - wl[7...7].zext(9).asSigned)
                    let packed = pe.wire("w_packed_\(c)", cat(upper, wl.sext(d)).asSigned)
                    let prod = pe.wire("product_\(c)", packed.sext(pw) * xa.sext(pw))
                    sum = sum.map { $0 + prod.sext(sw) } ?? prod.sext(sw)
                }
                let s = pe.wire("packed_sum", sum!)
                lo = s[0...(d - 1)].asSigned.sext(dotWidth)
                hi = (s[d...(sw - 1)].asSigned.sext(dotWidth) + s[(d - 1)...(d - 1)].zext(dotWidth).asSigned)
            }
            for c in 0..<LC where cfg.mac16Pairs {
                // One SB_MAC16 in its two-8×8 mode: A = {w_hi, w_lo}, B = {a, a}, O = {w_hi·a, w_lo·a}.
                let xa = pe.wire("a_\(c)", operand[(8 * c)...(8 * c + 7)].asSigned)
                let wl = pe.wire("w_lo_\(c)", weights[(8 * c)...(8 * c + 7)].asSigned)
                let wh = pe.wire("w_hi_\(c)", weights[(lw + 8 * c)...(lw + 8 * c + 7)].asSigned)
                let o = pe.wire("mac_o_\(c)", width: 32)
                func products(_ wh: Expr, _ wl: Expr, _ xa: Expr) -> Expr { cat(wh.sext(16) * xa.sext(16), wl.sext(16) * xa.sext(16)) }
                // (with the cell's registers, simulation has them as registers of the pair: A, B's byte, the products)
                var registers: [(Signal, any ExprConvertible)] = [], behaviour = products(wh.expr, wl.expr, xa.expr)
                if mac16CellRegisters {
                    let aq = pe.reg("mac_a_q_\(c)", width: 16), bq = pe.reg("mac_b_q_\(c)", width: 8)
                    registers = [(aq, cat(wh, wl)), (bq, xa)]
                    behaviour = products(aq[8...15].asSigned, aq[0...7].asSigned, bq[0...7].asSigned)
                    if mac16ProductRegisters {
                        let pq = pe.reg("mac_p_q_\(c)", width: 32)
                        registers.append((pq, behaviour)); behaviour = pq.expr
                    }
                }
                pe.primitive("SB_MAC16", name: "u_mac_\(c)",
                             parameters: MAC16Cell.twoProducts(inputRegisters: mac16CellRegisters, productRegisters: mac16ProductRegisters),
                             inputs: MAC16Cell.inputs(a: cat(wh, wl), b: cat(xa, xa), clock: mac16CellRegisters ? clk : nil),
                             outputs: [("O", o), ("CO", nil), ("ACCUMCO", nil), ("SIGNEXTOUT", nil)],
                             simulation: [(o, behaviour)], registers: registers, clock: mac16CellRegisters ? clk : nil)
                let pl = o[0...15].asSigned, ph = o[16...31].asSigned
                lo = lo.map { $0 + pl.sext(dotWidth) } ?? pl.sext(dotWidth)
                hi = hi.map { $0 + ph.sext(dotWidth) } ?? ph.sext(dotWidth)
            }
            for c in 0..<LC where !cfg.packedSums && !cfg.mac16Pairs {
                let xa = pe.wire("a_\(c)", operand[(8 * c)...(8 * c + 7)].asSigned)
                let wl = pe.wire("w_lo_\(c)", weights[(8 * c)...(8 * c + 7)].asSigned)
                let wh = pe.wire("w_hi_\(c)", weights[(lw + 8 * c)...(lw + 8 * c + 7)].asSigned)
                let packed = pe.wire("w_packed_\(c)", (wh.sext(25) << 16) + wl.sext(25))
                let prod = pe.wire("product_\(c)", packed.sext(33) * xa.sext(33))
                let pl = pe.wire("product_lo_\(c)", prod[0...15].asSigned)
                let ph = pe.wire("product_hi_\(c)", (prod[16...32] + prod[15...15].zext(17)).asSigned)
                lo = lo.map { $0 + pl.sext(dotWidth) } ?? pl.sext(dotWidth)
                hi = hi.map { $0 + ph.sext(dotWidth) } ?? ph.sext(dotWidth)
            }
            let lanes = [("_lo", pe.wire("dot_next_lo", lo!)), ("_hi", pe.wire("dot_next_hi", hi!))].enumerated().map { i, l in
                laneStages(pe, l.0, dot: l.1.expr, valid: valid, first: first, last: last, take: take[i...i],
                           addend: addend[(i * addendWidth)...((i + 1) * addendWidth - 1)], registeredDot: mac16ProductRegisters)
            }
            pe.assign(dotOut, cat(lanes[1].0, lanes[0].0))
            pe.assign(shadowOut, cat(lanes[1].1, lanes[0].1))
            return try pe.build()
        }
    }
}
