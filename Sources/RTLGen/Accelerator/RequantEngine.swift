/// Requant engine (§7.5): one tile row per cycle (or, with `requantSlices` s, per s cycles: lanes
/// j·lanesK/s … of every column in the row's cycle j) from the shadow registers, exactly
/// `requantizedOutput`: 32-bit (acc + bias), 48-bit product with the unsigned 16-bit M, the
/// rounding shift by Sh, clamp, saturating residual add, activation (none/ReLU/PReLU, the PReLU
/// from a host-written table with `preluTable`).
/// Rows go to the output buffer half of the tile; the residual buffer is read one cycle ahead.
/// With `requantStages` the lanes are cut by that many registers (`RequantCut`; one more with
/// `requantProductRegisters`: S = `requantPipelineDepth`), and the writes, the requantized token
/// and (with a line buffer) the done pulse follow S cycles later (§7.5).
struct RequantEngine: AcceleratorEngine {
    let ctx: AcceleratorContext

    /// Where a requant lane is cut, in the order registers are added: after the M product (into the
    /// DSP block's output register), before it (its input register), after the shift-round-clamp,
    /// after the residual add and clamp, after the shift (so that the rounding add and clamp start
    /// from a register), after the activation (so that the PReLU product ends in one), after the
    /// PReLU product (so that its round, clamp and select start from one).
    enum RequantCut: Int, CaseIterable { case afterProduct, beforeProduct, afterClamp, afterResidual, afterShift, afterActivation, afterSlope }
    /// The cuts of `requantStages` registers.
    var cuts: Set<RequantCut> { Set(RequantCut.allCases.prefix(cfg.requantStages)) }
    /// Requant slices s (a row in s cycles) and the lanes per column n = lanesK/s (§7.5).
    var RS: Int { cfg.requantSlices }
    var n: Int { cfg.requantLanesPerColumn }
    var lgRS: Int { log2Exact(RS) }
    var lgN: Int { log2Exact(n) }
    /// Whether n is a power of two: a slice's lanes then start at the slice index's bits followed
    /// by the lane's (`cat`); otherwise at slice·n, a constant product (lanesK = 10 in 2 slices).
    var nIsPowerOfTwo: Bool { n & (n - 1) == 0 }
    /// Column slices CS (s > lanesK, §7.5): slice j is lane j ÷ CS of the columns of column group
    /// j mod CS, `cols` = tileW/CS columns each; 1 otherwise (a slice covers every column).
    var CS: Int { cfg.requantColumnSlices }
    var lgCS: Int { log2Exact(CS) }
    var cols: Int { tW / CS }
    /// Lane m of slice `slice`'s index in the kgroup, `width` bits wide: slice·n + m, or with
    /// column slices slice ÷ CS (one lane a slice).
    func sliceLane(_ slice: some ExprConvertible, _ m: Int, width: Int) -> Expr {
        if CS > 1 { return (slice.expr >> lgCS).fit(width) }
        if !nIsPowerOfTwo { return timesConstant(slice, n, width) + k(m, width) }
        return (lgN == 0 ? slice.expr : cat(slice, k(m, lgN))).fit(width)
    }
    /// The tile columns slice j's lanes cover: all of them, or with column slices group j mod CS.
    func sliceColumns(_ j: Int) -> Range<Int> { CS > 1 ? (j % CS) * cols..<(j % CS + 1) * cols : 0..<tW }

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("requant_engine"), documentation: "Requant engine (§7.5): bias, requantize, residual, activation, into the output buffer.")
        let clk = m.clock(), rst = m.reset()
        let layer = layerRecord(in: m, reading: ["res", "act", "m", "sh"] + (cfg.preluTable ? [] : ["slope"]))
        let seq = m.ports(ch.sequencer.name, ch.sequencer.bundle.only("phase", "o0", "channels", "o0_mod_b", "bias_lo", "half").flipped)
        let acc = m.ports(ch.accumulators.name, ch.accumulators.bundle.flipped)
        let biasRd = m.ports(ch.biasRead.name, ch.biasRead.bundle)
        let bias = m.ports(ch.bias.name, ch.bias.bundle.flipped)
        let resRd = m.ports(ch.residualRead.name, ch.residualRead.bundle)
        let res = m.ports(ch.residual.name, ch.residual.bundle.flipped)
        let outWr = m.ports(ch.outputWrite.name, ch.outputWrite.bundle)
        let requantized = m.ports(ch.requantized.name, ch.requantized.bundle)
        // (a PReLU table's entries, written by the host through PRELU_TABLE into every lane's RAM, §7.5)
        var tablePorts: [String: ArrayBinding] = [:]
        if cfg.preluTable {
            let csr = m.ports(TopInterface.csrPort, TopInterface.csr.only("we", "addr", "wdata").flipped)
            let reg = ctx.regs["PRELU_TABLE"]!
            let field = { (f: String) in reg.fields.first { $0.name == f }!.bits }
            tablePorts = ["tbl_we": .shared(m.wire("rq_table_we", csr["we"] && csr["addr"] == reg.offset).expr),
                          "tbl_index": .shared(csr["wdata"][field("index")]), "tbl_entry": .shared(csr["wdata"][field("entry")])]
        }
        let inTiles = m.wire("in_tiles", seq["phase"] == 3)
        let trigger = acc["valid"], trigG = acc["g"], trigHalf = acc["half"]
        let pO0modB = seq["o0_mod_b"], lgBb = ctx.lgBb

        let active = m.reg("rq_active", width: 1, reset: 0)
        // (row < tileH: as wide as that, read at 8 bits)
        let rowR = m.reg("rq_row", width: bitsFor(max(tH - 1, 1)), reset: 0)
        let row = rowR.fit(8)
        let rg = m.reg("rq_g", width: ctx.kgroupW, reset: 0), rhalf = m.reg("rq_half", width: 1, reset: 0)
        let rlastG = m.reg("rq_last_g", width: 1, reset: 0)
        // the row's slice (lanes slice·n … of every column), with s > 1 slices
        let slice: Signal? = RS > 1 ? m.reg("rq_slice", width: lgRS, reset: 0) : nil
        let lastSlice: Expr = slice.map { m.wire("rq_last_slice", $0 == RS - 1).expr } ?? k(1, 1)
        // (without slices no `&& 1'b1`: the RTL of configs without them stays as it was)
        let lastRow = m.wire("rq_last_row", slice == nil ? active && row == tH - 1 : active && row == tH - 1 && lastSlice)
        m.clocked("rq_fsm") { p in
            p.when(trigger) {
                p.assign(active, 1); p.assign(rowR, 0); p.assign(rg, trigG); p.assign(rhalf, trigHalf); p.assign(rlastG, acc["last_g"])
                if let slice { p.assign(slice, 0) }
            }.elseWhen(active) {
                p.when(lastRow) { p.assign(active, 0) }.otherwise {
                    if let slice {
                        p.when(lastSlice) { p.assign(rowR, (row + 1).fit(rowR.width)); p.assign(slice, 0) }.otherwise { p.assign(slice, slice + 1) }
                    } else {
                        p.assign(rowR, (row + 1).fit(rowR.width))
                    }
                }
            }
            p.when(!inTiles) { p.assign(active, 0) }
        }
        // A tile is requantized after its last kgroup's last row: offered to the store through a FIFO of 2
        // (and, with a line buffer, told to the copy engine: the group's input half is free, §6.5).
        // (S cycles later with S pipeline registers in the lanes: the tile's last row is written then)
        let S = cfg.requantPipelineDepth
        let tileDone = m.wire("rq_tile_done", m.delayed("rq_tile_done", lastRow && rlastG, by: S, reset: 0))
        if ctx.hasLine {
            let done = m.ports(ch.requantDone.name, ch.requantDone.bundle)
            m.assign(done["valid"], tileDone && inTiles)
        }
        m.instance(try ctx.tokenFifo(), name: "u_requantized_fifo", connections: [
            "clk": clk, "rst": rst, "clear": !inTiles, "in_valid": tileDone,
            "out_valid": requantized["valid"], "out_ready": requantized["ready"],
        ])
        // ---- residual read (one cycle ahead) ----
        let rdRow = m.wire("rq_rd_row", mux(trigger, k(0, 8), RS > 1 ? mux(lastSlice, row + 1, row) : row + 1))
        // (and with slices the next slice, which the bias read and the row select take a cycle ahead)
        let rdSlice: Signal? = slice.map { m.wire("rq_rd_slice", mux(trigger || lastSlice, k(0, lgRS), $0 + 1)) }
        let rdG = m.wire("rq_rd_g", mux(trigger, trigG, rg)), rdHalf = m.wire("rq_rd_half", mux(trigger, trigHalf, rhalf))
        let chR = m.wire("rq_rd_ch", pO0modB.fit(16) + timesConstant(rdG, LK, 16))
        let chRB = m.wire("rq_rd_ch_b", chR.fit(lgBb)), chRW = m.wire("rq_rd_ch_w", chR >> lgB)
        let rdBase = m.wire("rq_rd_base", timesConstant(mux(rdHalf, rdRow.fit(16) + tH, rdRow.fit(16)), DO, 16) + chRW)
        m.assign(resRd["en"], k(1, 1))
        // ---- bias read at the trigger, one lane per bias RAM copy; with slices, each slice's one
        //      cycle ahead (lane m of slice j holds channel o0 + g·lanesK + j·n + m) ----
        let biasLanes = m.wire("rq_bias", width: n * 32)
        if let rdSlice {
            let read = m.wire("rq_bias_read", trigger || (active && !lastRow))
            let rdLanes = m.wire("rq_rd_lane", cat((0..<n).reversed().map { sliceLane(rdSlice, $0, width: bitsFor(max(LK - 1, 1))) }))
            m.assign(biasRd["en"], read)
            m.instanceArray(try requantBias(), name: "rq_bias_lane", dimensions: [("l", n)], connections: [
                "clk": .shared(clk), "rst": .shared(rst), "lane": .slice(rdLanes, over: "l"), "trigger": .shared(read),
                "o0": .shared(seq["o0"]), "g": .shared(rdG), "bias_lo": .shared(seq["bias_lo"]), "half": .shared(seq["half"]),
                "rd_addr": .slice(biasRd["addr"]), "rdata": .slice(bias["data"]), "bias": .slice(biasLanes),
            ])
        } else {
            m.assign(biasRd["en"], trigger)
            m.instanceArray(try requantBias(), name: "rq_bias_lane", dimensions: [("l", LK)], connections: [
                "clk": .shared(clk), "rst": .shared(rst), "lane": .index("l"), "trigger": .shared(trigger),
                "o0": .shared(seq["o0"]), "g": .shared(trigG), "bias_lo": .shared(seq["bias_lo"]), "half": .shared(seq["half"]),
                "rd_addr": .slice(biasRd["addr"]), "rdata": .slice(bias["data"]), "bias": .slice(biasLanes),
            ])
        }
        // ---- the row: tileW × lanesK requant lanes (tileW × n, a slice of the row, with slices),
        //      then their channels onto the B byte lanes ----
        let chn = m.wire("rq_ch", pO0modB.fit(16) + timesConstant(rg, LK, 16))
        let chB = m.wire("rq_ch_b", chn.fit(lgBb)), chW = m.wire("rq_ch_w", chn >> lgB)
        let wrBase = m.wire("rq_wr_base", timesConstant(mux(rhalf, row.fit(16) + tH, row.fit(16)), DO, 16) + chW)
        // M, unsigned: one sign bit more, so that a lane's product is signed by signed (§7.5)
        let mult = m.wire("rq_mult", layer["m"].zext(layer["m"].width + 1).asSigned)
        // Row `row` of the shadows: PE (x, l) at element x·lanesK + l; with slices, lane (x, m) of
        // slice j takes PE (x, j·n + m), one select on the row and slice together.
        let rowAcc: Signal, laneBinding: ArrayBinding
        if let slice, let rdSlice {
            let shadows = fields(acc["shadows"], width: accW)
            var parts: [Expr] = []
            for r in 0..<tH {
                for j in 0..<RS {
                    var elements: [Expr] = []
                    let lane0 = CS > 1 ? j / CS : j * n
                    for x in sliceColumns(j) { for mm in 0..<n { elements.append(shadows[(r * tW + x) * LK + lane0 + mm]) } }
                    parts.append(cat(elements.reversed()))
                }
            }
            let rowBits = bitsFor(max(tH - 1, 1))
            if cfg.requantProductRegisters {
                // The row's and slice's select as a one-hot register, set a cycle ahead from the
                // residual read's row and slice (those of the next cycle): its multiplexer starts at
                // registers (on the UP5K it and t's carry chain were one path into the M product's
                // SB_MAC16s, issue 13). No cycle changes.
                let sel = m.reg("rq_row_select", width: parts.count, reset: 0)
                m.clocked("rq_row_select_q") { p in p.assign(sel, k(1, parts.count) << cat(rdRow.fit(rowBits), rdSlice)) }
                let zero = Expr.zeros(width: parts[0].width)
                let terms = parts.indices.map { mux(sel[$0...$0], parts[$0], zero) }
                rowAcc = m.wire("rq_row_acc", terms.dropFirst().reduce(terms[0]) { $0 | $1 })
            } else {
                rowAcc = m.wire("rq_row_acc", select(cat(row.fit(rowBits), slice), parts))
            }
            // the lane's channel in the kgroup, j·n + m, picks its residual byte
            laneBinding = .slice(m.wire("rq_lane_ch", cat((0..<n).reversed().map { sliceLane(slice, $0, width: lgBb) })), over: "l")
        } else {
            rowAcc = m.wire("rq_row_acc", select(row.fit(bitsFor(max(tH - 1, 1))), fields(acc["shadows"], width: tW * LK * accW)))
            laneBinding = .index("l")
        }
        // (with column slices, the residual words of the slice's columns)
        var resWords = res["data"]
        if CS > 1, let slice { resWords = m.wire("rq_res_words", select(slice.expr.fit(lgCS), fields(res["data"].expr, width: cols * 8 * B))) }
        let q = m.wire("rq_q", width: cols * n * 8)
        let lanePorts: [String: ArrayBinding] = S == 0 ? [:] : ["clk": .shared(clk.expr)]
        m.instanceArray(try requantLane(), name: "rq_lane", dimensions: [("x", cols), ("l", n)], connections: lanePorts.merging([
            "acc": .slice(rowAcc), "bias": .slice(biasLanes, over: "l"), "mult": .shared(mult),
            "shift": .shared(layer["sh"]), "res_word": .slice(resWords, over: "x"), "ch_b": .shared(chB), "lane": laneBinding,
            "res_en": .shared(layer["res"]), "act": .shared(layer["act"]), "q": .slice(q),
        ].merging(cfg.preluTable ? tablePorts : ["slope": .shared(layer["slope"])]) { a, _ in a }) { a, _ in a })
        // the write side of the byte lanes sees the row S cycles later, with its lanes' results
        let wrActive = m.wire("rq_wr_active", m.delayed("rq_wr_active", active.expr, by: S, reset: 0))
        let wrChB = m.wire("rq_wr_ch_b", m.delayed("rq_wr_ch_b", chB.expr, by: S))
        // The kgroup's lanes whose channels are in the pass, min(channels − g·lanesK, lanesK), found
        // once for every byte lane (each then compares its lane d with it, not g·lanesK + d with
        // the pass's channels: a wide add and compare per byte lane).
        let lanesW = bitsFor(LK)
        // (g·LK < the pass's channels, so the rest is as wide as they are)
        let rem = m.wire("rq_rem", seq["channels"].fit(ctx.passChannelsW) - timesConstant(rg, LK, ctx.passChannelsW))
        let lanesLeft = m.wire("rq_lanes_left", mux(greaterThan(rem.expr, constant: LK - 1), k(LK, lanesW), rem.fit(lanesW)))
        let wrLanesLeft = m.wire("rq_wr_lanes_left", m.delayed("rq_wr_lanes_left", lanesLeft.expr, by: S))
        let wrBaseS = m.wire("rq_wr_base_s", m.delayed("rq_wr_base", wrBase.expr, by: S))
        let sliceBinding: [String: ArrayBinding] = slice.map { ["slice": .shared(m.wire("rq_wr_slice", m.delayed("rq_wr_slice", $0.expr, by: S)).expr)] } ?? [:]
        m.instanceArray(try requantByte(), name: "rq_byte", dimensions: [("b", B)], connections: sliceBinding.merging([
            "byte_lane": .index("b"), "ch_b": .shared(wrChB), "rd_ch_b": .shared(chRB),
            "lanes_left": .shared(wrLanesLeft), "active": .shared(wrActive), "wr_base": .shared(wrBaseS), "rd_base": .shared(rdBase),
            "q": .shared(q), "we": .slice(outWr["we"]), "waddr": .slice(outWr["addr"]), "wdata": .slice(outWr["data"]),
            "res_raddr": .slice(resRd["addr"]),
        ]) { a, _ in a })
        m.allowPartlyReadInputs()
        return try m.build()
    }


    /// Bias lane `lane` (`<prefix>requant_bias`, one per bias RAM copy): at `trigger` (a kgroup's
    /// start; with requant slices, the cycle before each slice, `lane` then the slice's channel in
    /// the kgroup) reads the word of channel o = o0 + g·lanesK + lane (word 4o÷B − biasLo) and keeps
    /// its byte offset 4o mod B; `bias` is the channel's 32-bit bias from the read word.
    func requantBias() throws -> Module {
        let name = names.block("requant_bias")
        return try ctx.block(name, documentation: "Bias of lane `lane` (§7.5): channel o0 + g*\(LK) + lane, word 4o/\(B) - bias_lo (+ \(DB) in half 1), byte 4o mod \(B).") { r in
            _ = r.clock(); _ = r.reset()
            let lane = r.input("lane", width: bitsFor(max(LK - 1, 1))), trigger = r.input("trigger")
            let o0 = r.input("o0", width: ctx.chW), g = r.input("g", width: ctx.kgroupW), biasLo = r.input("bias_lo", width: ch.sequencer.bundle.field("bias_lo")!.width)
            let half = r.input("half")
            let awB = ctx.awB
            let rdAddr = r.output("rd_addr", width: awB)
            let rdata = r.input("rdata", width: 8 * B)
            let bias = r.output("bias", width: 32, signed: true)
            let o4 = r.wire("o4", (o0.zext(20) + timesConstant(g, LK, 20) + lane.zext(20)) << 2)
            // in the pass's half of the bias RAM (DB words each)
            r.assign(rdAddr, ((o4 >> lgB) - biasLo.zext(20) + mux(half, k(DB, 20), k(0, 20))).fit(awB))
            let off = r.reg("byte_off", width: lgBb, reset: 0)
            r.clocked("byte_off_q") { p in p.when(trigger) { p.assign(off, o4.fit(lgBb)) } }
            r.assign(bias, (rdata >> cat(off, k(0, 3))).trunc(32).asSigned)
        }
    }

    /// One requant lane (`<prefix>requant_lane`, tileW × lanesK of them): `requantizedOutput` of
    /// one accumulator exactly: 32-bit acc + bias, 48-bit product with the unsigned M (a
    /// (width + 1)-bit signed input, so the multiplier is no wider than its operands), the shift
    /// by Sh rounding half up, clamp, saturating residual add (byte ch_b + lane of the column's
    /// residual word), activation (none/ReLU/PReLU; with `preluTable` PReLU from the lane's copy of
    /// the host's table, written through `tbl_*`).
    func requantLane() throws -> Module {
        let name = names.block("requant_lane")
        let cuts = self.cuts
        return try ctx.block(name, documentation: "Requant lane (§7.5): acc + bias, * M, >>> (Sh - 1), + 1 >>> 1, clamp, + residual byte, activation\(cuts.isEmpty ? "" : "; \(cfg.requantPipelineDepth) pipeline registers").") { r in
            if !cuts.isEmpty && !cfg.requantProductRegisters { _ = r.clock() }
            /// `e`, registered when the lane is cut at `cut`.
            func stage(_ cut: RequantCut, _ name: String, _ e: Expr) -> Expr {
                guard cuts.contains(cut) else { return e }
                let q = r.reg(name, width: e.width, signed: e.isSigned)
                r.clocked("\(name)_q", resetless: true) { p in p.assign(q, e) }
                return q.expr
            }
            let acc = r.input("acc", width: accW, signed: true), bias = r.input("bias", width: 32, signed: true)
            let mult = r.input("mult", width: ch.layer.bundle.field("m")!.width + 1, signed: true)
            let shift = r.input("shift", width: ch.layer.bundle.field("sh")!.width)
            let resWord = r.input("res_word", width: 8 * B), chB = r.input("ch_b", width: lgBb), lane = r.input("lane", width: lgBb)
            let resEn = r.input("res_en"), act = r.input("act", width: ch.layer.bundle.field("act")!.width)
            let qOut = r.output("q", width: 8, signed: true)
            let byteMin = Expr.constant(-128, width: 8, signed: true), byteMax = Expr.constant(127, width: 8, signed: true)
            func clamp8(_ v: some ExprConvertible) -> Expr { mux(v.expr < -128, byteMin, mux(v.expr > 127, byteMax, v.expr.trunc(8))) }
            /// The byte a value past the 8-bit range saturates to, by its sign.
            func saturated(negative: Expr) -> Expr { mux(negative == 1, byteMin, byteMax) }
            let p48: Signal
            if cfg.requantProductRegisters {
                // (two SB_MAC16s, t's halves times the unsigned 16-bit M, t, M and each product in
                // the cell's registers — t's is the cut before the product — and their sum, t·M,
                // registered after them: a stage more, and no multiply outside the cells' registers)
                let clk = r.clock()
                let t = r.wire("t", acc.sext(32) + bias)
                let m16 = mult[0...15]
                let lo = MAC16Cell.product(in: r, "product_lo", a: t[0...15], b: m16, clock: clk, productRegister: true)
                let hi = MAC16Cell.product(in: r, "product_hi", a: t[16...31], b: m16, clock: clk, aSigned: true, productRegister: true)
                p48 = r.wire("p48", stage(.afterProduct, "p48_q", (hi.asSigned.sext(48) << 16) + lo.zext(48).asSigned))
                r.allowUnused(mult)  // (its sign bit: M is unsigned)
            } else {
                let t = r.wire("t", stage(.beforeProduct, "t_q", acc.sext(32) + bias))
                p48 = r.wire("p48", stage(.afterProduct, "p48_q", t.sext(48) * mult.sext(48)))
            }
            // (t·M + 2^(Sh−1)) >> Sh is (v + 1) >> 1 with v = t·M >> (Sh − 1), two floor divisions
            // (Sh ≥ 1): the rounding add comes after the shift, 11 bits wide rather than 50. Only v's
            // low 10 bits are formed, and whether v fits them — t·M's bits from Sh + 8 up all equal
            // its sign, against a thermometer mask of Sh — since a wider v saturates by its sign.
            let v = r.wire("v", ((p48.sext(49) << 1) >>> shift).trunc(10).asSigned)
            let ones = ~Expr.zeros(width: 48)
            let above = r.wire("above", (ones << 8) << shift)
            let fits = r.wire("fits", ((p48 ^ (p48 >>> 47)).asUnsigned & above) == 0)
            let shifted = r.wire("shifted", stage(.afterShift, "shifted_q", cat(fits, p48[47...47], v)))
            let rounded = r.wire("rounded", (shifted[0...9].asSigned.sext(11) + 1) >>> 1)
            // clamp8(rounded) with its bounds read from v, beside the rounding add rather than after
            // it (a compare after the add is a second carry chain: the UP5K's longest path, issue 13):
            // rounded = ⌊(v + 1)/2⌋ < −128 ⇔ v ≤ −258 (v[9] and not v[8] and not v[7:0] all ones),
            // > 127 ⇔ v ≥ 255 (not v[9] and (v[8] or v[7:0] all ones)).
            let vlo = shifted[0...7].reduceAnd()
            let below = r.wire("rounded_below", shifted[9...9] & ~shifted[8...8] & ~vlo)
            let above127 = r.wire("rounded_above", ~shifted[9...9] & (shifted[8...8] | vlo))
            let clamped = mux(below == 1, byteMin, mux(above127 == 1, byteMax, rounded.trunc(8)))
            let c1 = r.wire("c1", stage(.afterClamp, "c1_q",
                                        mux(shifted[11...11] == 1, clamped,
                                            saturated(negative: shifted[10...10]))))
            let resSel = r.wire("res_sel", (chB + lane).fit(lgBb))
            // (the residual byte arrives with the row: it waits for the cuts before its add)
            var resByteE = mux(resEn, select(resSel, fields(resWord, width: 8)).asSigned, Expr.constant(0, width: 8, signed: true))
            for c in [RequantCut.beforeProduct, .afterProduct, .afterShift, .afterClamp] where cuts.contains(c) {
                let q = r.reg("res_q\(c.rawValue)", width: 8, signed: true)
                r.clocked("res_q\(c.rawValue)_q", resetless: true) { [resByteE] p in p.assign(q, resByteE) }
                resByteE = q.expr
            }
            if cfg.requantProductRegisters {
                let q = r.reg("res_q_product", width: 8, signed: true)
                r.clocked("res_q_product_q", resetless: true) { [resByteE] p in p.assign(q, resByteE) }
                resByteE = q.expr
            }
            let resByte = r.wire("res", resByteE)
            // the saturating byte add: the 8-bit sum, saturated when both addends have one sign and
            // the sum the other (a 10-bit sum and two compares were two carry chains in series)
            let s8 = r.wire("s8", (c1 + resByte).trunc(8).asSigned)
            let overflow = r.wire("s8_overflow", (c1[7...7] == resByte[7...7]) & (s8[7...7] != c1[7...7]))
            let c2Next = r.wire("c2_next", mux(overflow == 1, saturated(negative: c1[7...7]), s8.expr))
            let c2 = r.wire("c2", stage(.afterResidual, "c2_q", c2Next.expr))
            // PReLU's negative outputs: from the host's table (its read register is the cut after
            // the residual add, so the entry arrives with c2), or c2·slope in logic
            let prelu: Expr
            if cfg.preluTable {
                let we = r.input("tbl_we"), index = r.input("tbl_index", width: 7), entry = r.input("tbl_entry", width: 8)
                // (read while the host is not writing, so never an entry in its write's cycle)
                let table = r.memory("prelu_table", width: 8, depth: 128, write: MemoryWritePort(enable: we.expr, address: index.expr, data: entry.expr),
                                     read: MemoryReadPort(enable: !we, address: c2Next[0...6]), readDuringWrite: .never)
                prelu = stage(.afterSlope, "pr_table_q", table.expr.asSigned)
            } else {
                // c2·slope as the shifted slopes of c2's bits (the top bit's negated), adders in
                // logic rather than a DSP block a lane for an 8-bit factor (docs/synthesis.md, "Presets")
                let slope = r.input("slope", width: ch.layer.bundle.field("slope")!.width)
                let sl = r.wire("pr_slope", slope.asSigned.sext(26))
                let zero = Expr.constant(0, width: 26, signed: true)
                let term = { (i: Int) -> Expr in mux(c2[i...i], sl << i, zero) }
                // (summed as a balanced tree, three adders deep rather than seven: the lane's last
                // stage, issue 13; 26-bit two's-complement sums, so the order does not change a bit)
                let scaled = r.wire("pr_product", ((term(0) + term(1)) + (term(2) + term(3))) + ((term(4) + term(5)) + (term(6) - term(7))))
                // (with the afterSlope cut the product and its factor c2 are registered together)
                let pr = r.wire("pr", (stage(.afterSlope, "pr_product_q", scaled.expr) + 128) >>> 8)
                r.allowUnused(pr)
                prelu = clamp8(pr)
            }
            let c3 = r.wire("c3", stage(.afterSlope, "c3_q", c2.expr))
            let neg = c3 < 0
            r.assign(qOut, stage(.afterActivation, "q_q",
                                 mux(act == 1 && neg, Expr.constant(0, width: 8, signed: true), mux(act == 2 && neg, prelu, c3.expr))))
            for w in [p48, v, rounded] { r.allowUnused(w) }
        }
    }

    /// Byte lane `byte_lane` of the output and residual buffers (`<prefix>requant_byte`, B of
    /// them): it holds channel ch_b-relative lane d = byte_lane − ch_b of every tile column, so it
    /// writes when d is a lane (< lanesK) whose channel is in the pass (and, with slices, in the
    /// row's slice: d ÷ n = slice), at the row's word (+1 when the byte lane precedes ch_b); the
    /// residual is read at the same rule from rd_ch_b.
    /// q: lane (x, l)'s result at element x·n + l (n = lanesK, or lanesK/s with slices); wdata:
    /// column c's byte at element c.
    func requantByte() throws -> Module {
        let name = names.block("requant_byte")
        return try ctx.block(name, documentation: "Byte lane byte_lane of the byte-sliced output and residual buffers (§6.4, §7.5).") { r in
            let awO = Memory.addressWidth(depth: 2 * tH * DO)
            let lgLK = bitsFor(max(LK - 1, 1))
            let bl = r.input("byte_lane", width: lgBb), chB = r.input("ch_b", width: lgBb), rdChB = r.input("rd_ch_b", width: lgBb)
            let lanesLeft = r.input("lanes_left", width: bitsFor(LK)), active = r.input("active")
            let wrBase = r.input("wr_base", width: 16), rdBase = r.input("rd_base", width: 16)
            let q = r.input("q", width: cols * n * 8)
            let we = r.output("we", width: CS > 1 ? tW : 1), waddr = r.output("waddr", width: awO), wdata = r.output("wdata", width: tW * 8)
            let resRaddr = r.output("res_raddr", width: awO)
            let d = r.wire("lane", bl - chB)
            var inLanes = LK >= B ? k(1, 1) : d < LK
            let slice: Signal? = RS > 1 ? r.input("slice", width: lgRS) : nil
            // (the slice's first lane slice·n and d's lane in it, when n is not a power of two)
            let wd = bitsFor(max(B, LK)) + 1
            let sliceBase: Expr? = slice.flatMap { s in CS == 1 && !nIsPowerOfTwo ? r.wire("slice_lane0", timesConstant(s, n, wd)).expr : nil }
            if let slice {
                // (with column slices the slice's lane is slice ÷ CS, and its columns are written alone)
                let w = max(lgBb, lgRS)
                if let base = sliceBase {
                    inLanes = inLanes && d.fit(wd) >= base && d.fit(wd) < base + n
                } else {
                    inLanes = inLanes && (CS > 1 ? d.fit(w) == (slice >> lgCS).fit(w) : (d >> lgN).fit(lgRS) == slice)
                }
            }
            // (lane d's channel o0 + g·lanesK + d is in the pass: d < the kgroup's lanes left)
            let wl = max(lgBb, bitsFor(LK)) + 1
            let rowWrite = active && inLanes && d.fit(wl) < lanesLeft.fit(wl)
            if let slice, CS > 1 {
                let group = slice.expr.fit(lgCS)
                r.assign(we, cat((0..<tW).reversed().map { c in rowWrite && group == c / cols }))
            } else {
                r.assign(we, rowWrite)
            }
            r.assign(waddr, mux(bl < chB, wrBase + 1, wrBase.expr).fit(awO))
            r.assign(resRaddr, mux(bl < rdChB, rdBase + 1, rdBase.expr).fit(awO))
            // column c's byte: its lane d
            let lanes = fields(q, width: 8)
            // (with column slices column c takes the slice's lane of its place in the column group)
            let bytes = (0..<tW).map { c in
                CS > 1 ? r.wire("wdata_\(c)", lanes[c % cols]).expr
                    : r.wire("wdata_\(c)", select(sliceBase.map { (d.fit(wd) - $0).fit(bitsFor(n - 1)) } ?? d.fit(RS > 1 ? max(lgN, 1) : lgLK),
                                                  Array(lanes[(c * n)..<((c + 1) * n)]))).expr
            }
            r.assign(wdata, cat(bytes.reversed()))
        }
    }
}
