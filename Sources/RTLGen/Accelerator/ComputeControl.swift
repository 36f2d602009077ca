import AcceleratorSpec

/// Compute engine control (§7.4): tile and step sequencing, stage 0 of the P = 3 pipeline (the halo
/// bank and weight bank read addresses per §6.2/§6.3, the out-of-map flags) (`<prefix>compute_control`).
///
/// A tile group (§3.1; one tile at one shape) starts when `loaded` offers it and, from the third
/// group on, `stored` offers the output half it will write (the store of the group two before it is
/// complete): both are taken in the start cycle. The group's tiles come from the port sequencer's
/// ring (`group`).
struct ComputeControl: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("compute_control"), documentation: "Compute engine (§7.4): tile and step sequencing, halo and weight read addresses.")
        _ = m.clock(); _ = m.reset()
        let layer = layerRecord(in: m, reading: ["kw", "s2", "s2x", "h", "w", "pad", "padx", "resident", "cw", "nc", "grouped", "nj", "t_last", "kc_last", "k2cw", "cscw", "shape", "region", "nsh", "rowring", "res"])
        let seq = m.ports(ch.sequencer.name, ch.sequencer.bundle.only("phase", "kgroups", "half", "wbase").flipped)
        // (with a line buffer a group is ready once copied, §6.5)
        let loaded = m.ports(ch.computeInput.name, ch.computeInput.bundle.flipped)
        let stored = m.ports(ch.stored.name, ch.stored.bundle.flipped)
        let groupRd = m.ports(ch.groupRead.name, ch.groupRead.bundle)
        let group = m.ports(ch.group.name, ch.group.bundle.flipped)
        let haloRd = m.ports(ch.haloRead.name, ch.haloRead.bundle)
        let weightRd = m.ports(ch.weightRead.name, ch.weightRead.bundle)
        let stepOut = m.ports(ch.step.name, ch.step.bundle)
        let status = m.ports(ch.computeStatus.name, ch.computeStatus.bundle)
        let ev = m.ports(TopInterface.eventsPort, TopInterface.events.only("compute_start"))
        let inTiles = m.wire("in_tiles", seq["phase"] == 3)
        // (rows: s2, pad, kernel rows T ÷ (KW·NC): 1 with packed taps, §3.2; columns: KW, s2x, padx: K + 1, 2 with output pairs, §3.3)
        let dS2 = layer["s2"], dS2x = layer["s2x"], dKW = layer["kw"], dCW = layer["cw"], dPad = layer["pad"], dPadX = layer["padx"]
        let pG = seq["kgroups"]

        let cpTile = m.reg("cp_tile", width: cntW, reset: 0)
        let cpRunning = m.reg("cp_running", width: 1, reset: 0)
        let cpG = m.reg("cp_kgroup", width: ctx.kgroupW, reset: 0), cpK = m.reg("cp_k", width: ctx.stepW, reset: 0)
        let chunk = m.reg("cp_chunk", width: ctx.ncW, reset: 0), kx = m.reg("cp_kx", width: 4, reset: 0), ky = m.reg("cp_ky", width: 4, reset: 0)
        // grouped lanes (§3.4): output subgroup j, innermost; the chunk then steps a word (GL chunks) at a time
        // (j < GL, the group's lanes: as wide as that, read at 8 bits)
        let sub = m.reg("cp_sub", width: LayerPlan.laneGroups(cfg).map { bitsFor($0.lanes - 1) } ?? 1, reset: 0)
        // cp_tile = 0 and cp_tile < 2, kept beside the counter (the start's path, issue 13)
        let cpFirst = m.reg("cp_tile_first", width: 1, reset: 1), cpEarly = m.reg("cp_tile_early", width: 1, reset: 1)
        let idle = m.wire("cp_idle", inTiles && !cpRunning)
        let halfFree = m.wire("cp_half_free", cpEarly || stored["valid"])
        m.assign(loaded["ready"], idle && halfFree)
        m.assign(stored["ready"], idle && loaded["valid"] && !cpEarly)
        let cpStart = m.wire("cp_start", idle && loaded["valid"] && halfFree)
        let runE = m.wire("cp_run_eff", cpRunning || cpStart)
        // (the step counters are zero whenever the engine is idle, cleared at a tile's end and
        // outside TILES, so a tile's first step reads them as they are: the start decision stays
        // off the address and counter paths, issue 13)
        let kE = m.wire("cp_k_eff", cpK), gE = m.wire("cp_g_eff", cpG)
        let chE = m.wire("cp_chunk_eff", chunk)
        let subE = m.wire("cp_sub_eff", sub.fit(8))
        let shiftLC = lgB - lgLC
        let grouped = layer["grouped"]
        // the tap's last chunk: NC − 1, or with grouped lanes the last word's (its word is CW − 1)
        let lastChunk = m.wire("cp_last_chunk", mux(grouped, (chE >> shiftLC).fit(ctx.cwW) == layer["cw"] - 1, chE == layer["nc"] - 1))
        let kxE = m.wire("cp_kx_eff", kx), kyE = m.wire("cp_ky_eff", ky)
        let cpIssue = m.wire("cp_issue", runE && kE <= layer["t_last"])
        let slotEnd = m.wire("cp_slot_end", runE && kE == layer["kc_last"])
        let tileEnd = m.wire("cp_tile_end", slotEnd && gE + 1 == pG)
        // the step moves to the next tap: the next column kx + 1, or the next row (kx wraps)
        let tapAdvance = m.wire("cp_tap_advance", runE && !slotEnd && subE + 1 == layer["nj"] && lastChunk)
        let nextRow = m.wire("cp_next_row", tapAdvance && kxE == dKW - 1)
        let nextColumn = m.wire("cp_next_column", tapAdvance && !(kxE == dKW - 1))
        m.clocked("cp_fsm") { p in
            p.when(runE) {
                p.when(slotEnd) {
                    p.assign(cpK, 0); p.assign(chunk, 0); p.assign(sub, 0); p.assign(kx, 0); p.assign(ky, 0)
                    p.when(tileEnd) { p.assign(cpRunning, 0); p.assign(cpTile, cpTile + 1); p.assign(cpFirst, 0); p.assign(cpEarly, cpFirst); p.assign(cpG, 0) }
                        .otherwise { p.assign(cpRunning, 1); p.assign(cpG, gE + 1) }
                }.otherwise {
                    p.assign(cpK, kE + 1); p.assign(cpRunning, 1); p.assign(cpG, gE)
                    p.when(subE + 1 != layer["nj"]) {
                        p.assign(sub, (subE + 1).fit(sub.width)); p.assign(chunk, chE); p.assign(kx, kxE); p.assign(ky, kyE)
                    }.elseWhen(lastChunk) {
                        p.assign(sub, 0); p.assign(chunk, 0)
                        p.when(kxE == dKW - 1) { p.assign(kx, 0); p.assign(ky, kyE + 1) }.otherwise { p.assign(kx, kxE + 1); p.assign(ky, kyE) }
                    }.otherwise {
                        p.assign(sub, 0); p.assign(chunk, chE + mux(grouped, k(1 << shiftLC, ctx.ncW), k(1, ctx.ncW))); p.assign(kx, kxE); p.assign(ky, kyE)
                    }
                }
            }
            p.when(!inTiles) {
                p.assign(cpTile, 0); p.assign(cpFirst, 1); p.assign(cpEarly, 1); p.assign(cpRunning, 0)
                p.assign(cpK, 0); p.assign(chunk, 0); p.assign(sub, 0); p.assign(kx, 0); p.assign(ky, 0); p.assign(cpG, 0)
            }
        }
        m.assign(status["running"], cpRunning); m.assign(status["start"], cpStart); m.assign(status["issue"], cpIssue)
        m.assign(ev["compute_start"], cpStart)

        // ---- stage 0: bank addresses and out-of-map flags ----
        // The group being started or computed is group cp_tile: its tiles from the ring (§3.1).
        let dShape = layer["shape"], levels = ctx.levels
        m.assign(groupRd["index"], cpTile.trunc(2))
        // each slot: {used, shares, row, column}
        let gTiles = fields(group["tiles"], width: 2 * tileCoordW + 2)
        let gTy = gTiles.map { $0[tileCoordW...(2 * tileCoordW - 1)] }, gTx = gTiles.map { $0[0...(tileCoordW - 1)] }
        let gUsed = gTiles.map { $0[(2 * tileCoordW + 1)...(2 * tileCoordW + 1)] }
        let gShares = m.wire("cp_group_shares", cat(gTiles.reversed().map { $0[(2 * tileCoordW)...(2 * tileCoordW)] }))
        // The halo row a = ky (÷ 2 at stride 2) as a = qa·tileH + ra, and the column b = kx (÷ 2) as
        // qb·tileW + rb, kept by counters that step with the taps (no divider, issue 13); with them the
        // products the bank addresses need, qa·(row stride), qa·(ring block), qb·CW, qb·(ring block),
        // kept by adding the factor when the quotient steps (no multiplier).
        // (the ring's quantities derive from the layer record alone: registers, `layerConstant`)
        let ring = m.wire("cp_ring", m.layerConstant("cp_ring_layer", ctx.haloRing(shape: dShape, nsh: layer["nsh"])))
        let rows = layer["rowring"]
        let colRing = m.wire("cp_column_ring", ring && !rows), rowRing = m.wire("cp_row_ring", ring && rows)
        let (blockWords, tileWords, ringSize) = ctx.ringConstants(in: m, "cp", rows: rows.expr, s2: dS2.expr, s2x: dS2x.expr, cw: dCW.expr,
                                                                  cscw: layer["cscw"].expr, region: layer["region"].expr,
                                                                  three: ctx.ringOfThree(res: layer["res"], region: layer["region"]))
        // (a row slot of the column ring holds the ring's 2 or 3 tiles' CS·CW words)
        let rowStride = m.wire("cp_row_stride", m.layerConstant("cp_row_stride_layer",
            mux(ring && !rows, ringSize.expr, layer["cscw"].fit(haloW))))
        let rowAxis = tapAxis(m, "cp_row", n: tH, reset: (runE && slotEnd) || !inTiles, step: nextRow && (!dS2 || kyE[0]),
                              factors: [rowStride.expr, blockWords.expr], keepsNext: [1])
        let colAxis = tapAxis(m, "cp_col", n: tW, reset: (runE && slotEnd) || nextRow || !inTiles, step: nextColumn && (!dS2x || kxE[0]),
                              factors: [dCW.fit(haloW), blockWords.expr], keepsNext: [1])
        let raW = m.wire("cp_ra", rowAxis.r), rbW = m.wire("cp_rb", colAxis.r)
        let wIdx = m.wire("cp_word", (chE >> shiftLC).fit(haloW))
        let byteOff = m.wire("cp_byte_off", shiftLC == 0 ? k(0, 8) : (chE.fit(shiftLC).fit(8) << lgLC))
        let half = cpTile[0]
        // The rings (§6.2): the group's tile has its first block at ring offset `cp_ring_offset` (bank
        // words; the port sequencer keeps the same sequence for the loads). Column ring: column block
        // qq is at (qq·S·CW + offset) mod the ring's size (2 or 3 tiles' CS·CW words, a ring of three),
        // the words of a row slot. Row ring: row block qq at (qq·SY·CS·CW + offset) mod 2 or 3 tiles'
        // RS·CS·CW, the column slots as in a region.
        // The offset is a register that holds, while the engine is idle, the offset of the group it
        // starts next, so that a start only keeps it (the start decision stays off the bank terms'
        // path, issue 13): idle, it is found from the last started group's offset and whether the
        // group cp_tile's first tile shares (0 for the pass's first group); at a group's end, from
        // its own and whether its successor's first tile shares (`next_shares`: that tile was taken
        // before its load, which the successor's start waits for).
        let ringOffsetR = m.reg("cp_ring_offset", width: haloW, reset: 0)
        let lastOffsetR = m.reg("cp_ring_offset_last", width: haloW, reset: 0)
        let ringOffset = m.wire("cp_ring_offset_eff", ringOffsetR)
        let after = { (offset: Expr, shares: Expr) -> Expr in
            ctx.ringOffset(after: offset, first: k(0, 1), shares: shares, blockWords: blockWords.expr, tileWords: tileWords.expr, size: ringSize.expr)
        }
        m.clocked("cp_ring_offset_q") { p in
            p.when(cpStart) { p.assign(lastOffsetR, ringOffsetR) }
                .elseWhen(cpRunning) { p.when(tileEnd) { p.assign(ringOffsetR, after(ringOffsetR.expr, group["next_shares"].expr)) } }
                .otherwise { p.assign(ringOffsetR, mux(cpFirst, k(0, haloW), after(lastOffsetR.expr, gShares[0...0]))) }
        }
        // j·R for the slot indices j of the larger shapes (a slot's region, §6.2): adders, shared by the banks
        let regionTimes = { (j: Expr) -> Expr in timesSmall(layer["region"], j, maxFactor: max((1 << (levels - 1)) - 1, 1), haloW) }
        /// The axis's term of a bank whose PE's slot row (column) is q + carry, for carry 0 and 1:
        /// formed once per axis, so that a bank only selects one by its carry — the selection from r
        /// comes after the adders and the ring's wrap, not before them (issue 13). The slot's term,
        /// (2·qq + parity)·stride at stride 2, qq·stride at stride 1; in the ring along this axis,
        /// block qq's address, then the slot's phase (stride 2).
        func axisTerms(_ name: String, axis: TapAxis, parity: Expr, s2: Signal, stride: Signal, ringOffset: Expr, inRing: Signal) -> (Expr, Expr) {
            let terms = (0...1).map { c in
                let slotRow = m.wire("\(name)_slot_term\(c)", slotTerm(qTimesStride: axis.products[0], stride: stride.expr.fit(haloW), carry: k(c, 1),
                                                                        parity: parity, s2: s2.expr))
                let block = m.wire("\(name)_ring_block\(c)", ctx.ringWrap((c == 1 ? axis.nextProducts[1]! : axis.products[1]) + ringOffset,
                                                                           size: ringSize.expr))
                return m.wire("\(name)_term\(c)", mux(inRing, block + mux(s2 && parity, stride.fit(haloW), k(0, haloW)), slotRow.expr)).expr
            }
            return (terms[0], terms[1])
        }
        /// Bank row (column) `b` is read by PE row (column) p = (b − r) mod n; at the layer's shape that
        /// PE is local row p mod h of slot row p ÷ h: its row slot is q + [p mod h + r ≥ n], its region
        /// term (p ÷ h)·(slots per row, for rows)·R (§6.2). `terms`: the axis's terms for carry 0
        /// and 1. Also returns, per shape, the PE's slot row (column) p ÷ h and its local row
        /// (column) p mod h.
        func bankTerms(_ name: String, _ b: Int, n: Int, r: Signal, terms: (Expr, Expr), regionScale: Bool) -> (term: Expr, slot: [Expr], local: [Expr]) {
            let p = m.wire("\(name)_pe", mux(k(b, 8) < r, k(b + n, 8) - r, k(b, 8) - r))
            m.allowUnused(p)  // its low bits only, below n
            var slotTerms: [Expr] = [], carries: [Expr] = [], slots: [Expr] = [], locals: [Expr] = []
            for l in 0..<levels {
                let h = n >> l
                let (ql, ll) = m.udiv("\(name)_l\(l)", p, k(h, 8), qbits: max(l, 1))
                carries.append(ll.fit(8) + r >= n)
                slotTerms.append(regionScale ? regionTimes(ql) << l : regionTimes(ql))
                slots.append(ql); locals.append(ll)
            }
            let carry = m.wire("\(name)_carry", ctx.byShape(dShape, carries))
            let term = mux(carry, terms.1, terms.0)
            return (levels == 1 ? term : term + ctx.byShape(dShape, slotTerms), slots, locals)
        }
        let rowAxisTerms = axisTerms("cp_row", axis: rowAxis, parity: kyE[0], s2: dS2, stride: rowStride, ringOffset: ringOffset.expr, inRing: rowRing)
        let colAxisTerms = axisTerms("cp_col", axis: colAxis, parity: kxE[0], s2: dS2x, stride: dCW, ringOffset: ringOffset.expr, inRing: colRing)
        var rowTerm: [Expr] = [], colTerm: [Expr] = [], rowSlot: [[Expr]] = [], colSlot: [[Expr]] = [], colLocal: [[Expr]] = []
        for by in 0..<tH {
            let b = bankTerms("cp_r\(by)", by, n: tH, r: raW, terms: rowAxisTerms, regionScale: true)
            rowTerm.append(b.term); rowSlot.append(b.slot)
        }
        for bx in 0..<tW {
            let b = bankTerms("cp_c\(bx)", bx, n: tW, r: rbW, terms: colAxisTerms, regionScale: false)
            colTerm.append(b.term); colSlot.append(b.slot); colLocal.append(b.local)
        }
        // Halo reuse (§6.2): a PE whose tile shares its first nsh halo columns with the tile in the slot
        // to its left reads halo column hx < nsh as that tile's column hx + w·SX: the same bank, the
        // left slot's region (−R) and the column slot of (lx + w + rb) instead of (lx + rb).
        var altTerm: [Expr] = [], altColumn: [Expr] = []
        for bx in 0..<tW {
            var alts: [Expr] = [k(0, haloW)], shared: [Expr] = [k(0, 1)]
            for l in 1..<max(levels, 1) {
                let w = tW >> l, ql = colSlot[bx][l], ll = colLocal[bx][l]
                let carry = ll.fit(8) + (w + 0) + rbW >= tW
                let slotCol = m.wire("cp_c\(bx)_l\(l)_shared_slot_term", slotTerm(qTimesStride: colAxis.products[0], stride: dCW.fit(haloW), carry: carry,
                                                                                       parity: kxE[0], s2: dS2x.expr))
                alts.append(slotCol.expr + regionTimes(ql.fit(8) - 1))
                let hx = mux(dS2x, ll.fit(8) << 1, ll.fit(8)) + kxE.fit(8)
                shared.append(ql != 0 && hx < layer["nsh"].fit(8))
            }
            altTerm.append(m.wire("cp_c\(bx)_shared_term", ctx.byShape(dShape, alts)).expr)
            altColumn.append(m.wire("cp_c\(bx)_shared", ctx.byShape(dShape, shared)).expr)
        }
        // per bank: the slot of the PE that reads it shares (group_share), and its column is a shared one
        var useAlt: [Expr] = []
        for by in 0..<tH { for bx in 0..<tW {
            var perLevel: [Expr] = [k(0, 1)]
            for l in 1..<max(levels, 1) {
                let slotIndex = m.wire("cp_b\(by)_\(bx)_l\(l)_slot", cat(rowSlot[by][l].fit(l), colSlot[bx][l].fit(l)))
                perLevel.append((gShares >> slotIndex)[0...0])
            }
            useAlt.append(m.wire("cp_b\(by)_\(bx)_shared", altColumn[bx] && ctx.byShape(dShape, perLevel)).expr)
        } }
        // The address stage (§7.4; with boundary registers): the bank terms, the word and the part
        // base are registered and summed into the RAMs' addresses the next cycle; everything the
        // step carries to the PE array follows a cycle later too (`stage`).
        let A = cfg.computeAddressStages
        func stage(_ name: String, _ e: some ExprConvertible, reset: Int? = nil) -> Expr { m.delayed(name, e.expr, by: A, reset: reset) }
        let rowTerms = m.wire("cp_row_terms", stage("cp_row_terms", cat(rowTerm.reversed())))
        let colTerms = m.wire("cp_col_terms", stage("cp_col_terms", cat(colTerm.reversed())))
        let altTerms = m.wire("cp_col_alt_terms", stage("cp_col_alt_terms", cat(altTerm.reversed())))
        let useAlts = m.wire("cp_col_alt_use", stage("cp_col_alt_use", cat(useAlt.reversed())))
        let issueA = m.wire("cp_issue_read", stage("cp_issue", cpIssue && inTiles, reset: 0))
        m.assign(haloRd["en"], issueA)
        let haloBase = m.wire("cp_halo_base", stage("cp_halo_base", mux(ring, k(0, ctx.awI), ctx.haloPartBase(resident: layer["resident"], group: cpTile))))
        m.instanceArray(try haloReadAddress(), name: "halo_read_addr", dimensions: [("by", tH), ("bx", tW)], connections: [
            "row_term": .slice(rowTerms, over: "by"), "col_term": .slice(colTerms, over: "bx"),
            "col_alt": .slice(altTerms, over: "bx"), "use_alt": .slice(useAlts),
            "word": .shared(m.wire("cp_word_read", stage("cp_word", wIdx))), "base": .shared(haloBase),
            "addr": .slice(haloRd["addr"]),
        ])
        m.assign(weightRd["en"], issueA)
        // in the pass's stretch of the weight-bank ring (§6.3): g·K·KW·CW + tap·CW + word, the two
        // products kept by adding K·KW·CW at each kgroup and CW at each tap (no multiplier)
        let awW = ctx.awW
        let wKgroupR = m.reg("cp_w_kgroup", width: awW), wTapR = m.reg("cp_w_tap", width: awW)
        m.allowUnused(layer["k2cw"])  // (its bits below the weight bank's address width: the sum is modulo that)
        let wKgroup = m.wire("cp_w_kgroup_eff", wKgroupR)
        let wTap = m.wire("cp_w_tap_eff", wTapR)
        m.clocked("cp_w_q", resetless: true) { p in
            p.when(!inTiles || tileEnd) { p.assign(wKgroupR, 0); p.assign(wTapR, 0) }
                .elseWhen(runE && slotEnd) { p.assign(wKgroupR, wKgroup + layer["k2cw"].fit(awW)); p.assign(wTapR, 0) }
                .elseWhen(tapAdvance) { p.assign(wKgroupR, wKgroup); p.assign(wTapR, wTap + dCW.fit(awW)) }
                .otherwise { p.assign(wKgroupR, wKgroup); p.assign(wTapR, wTap) }
        }
        let wLocal = m.wire("cp_weight_local", stage("cp_weight_local", (wKgroup + wTap + wIdx.fit(awW)).fit(awW)))
        m.assign(weightRd["addr"], ctx.ringSum(wLocal, seq["wbase"]))
        // Out-of-map flags: at shape l, PE (py, px) computes local pixel (py mod h, px mod w) of the tile
        // in slot (py ÷ h)·2^l + px ÷ w; an empty slot (≥ the group's tiles) computes zeros.
        // (signed, as wide as the coordinates get: a tile's origin below 2·(maxMapSize + tile side)
        // at stride 2, its pixels and taps up to 2·tile side + 15 on; the map side at most 2·maxMapSize)
        let cw = bitsFor(2 * ctx.limits.maxMapSize + 4 * max(tH, tW) + 16) + 1
        m.allowUnused(layer["h"]); m.allowUnused(layer["w"])  // (bits above 2·maxMapSize: a layer error, §3)
        // Local row (column) c of the tile is in the map when 0 ≤ a + c·(1 + s2) < size, a = origin + ky.
        // A config sized for cells (`sizedForCells`) forms a once, and for c > 0 compares it with
        // −c·(1 + s2) by a gate (on a's offset binary) and with size − c·(1 + s2), a layer constant:
        // one adder and one comparison a row (issue 13). Any other forms each row's a + c·(1 + s2) and
        // compares that with 0 and size: an adder more, the comparisons a LUT level shallower.
        var limits: [String: Expr] = [:]  // (size − c·(1 + s2), one register per axis and c)
        func inside(_ a: Expr, _ local: Int, _ s2: Signal, _ size: Signal, _ name: String) -> Expr {
            if local == 0 { return !(a.asSigned < 0) && a.asSigned < size.fit(cw).asSigned }
            let offset = a ^ (1 << (cw - 1))
            let notBelow = { (c: Int) -> Expr in greaterThan(offset, constant: (1 << (cw - 1)) - c - 1) }
            let key = "\(name)_limit"
            // (one subtraction of the stride's offset, not a choice of two subtractions)
            let limit = limits[key] ?? m.layerConstant(key, size.fit(cw) - mux(s2, k(2 * local, cw), k(local, cw)))
            limits[key] = limit
            return mux(s2, notBelow(2 * local), notBelow(local)) && a.asSigned < limit.asSigned
        }
        var okByLevel: [[Expr]] = Array(repeating: [], count: levels)
        // (sized for cells at one tile shape, with an address stage: the slot's coordinates a are
        // staged, and the rows' and the columns' flags and each PE's their product are formed after
        // the stage — the group slot's multiplexer and a's adder in one cycle, the comparisons in
        // the next, where both were one path, the UP5K's longest, issue 13)
        let flagsStaged = ctx.sizedForCells && A > 0 && levels == 1
        var stagedPeOk: Expr? = nil
        // (sized for cells: a = origin·(1 + s2) + (k − pad), the tap's offset from the pad formed
        // beside the slot's origin rather than after it — modulo 2^cw the same bits, an adder fewer
        // on the path from the group slot to the flags, the UP5K's longest, issue 13)
        let kyRel = ctx.sizedForCells ? m.wire("cp_ky_rel", kyE.fit(cw) - dPad.fit(cw)).expr : nil
        let kxRel = ctx.sizedForCells ? m.wire("cp_kx_rel", kxE.fit(cw) - dPadX.fit(cw)).expr : nil
        for l in 0..<levels {
            let h = tH >> l, w = tW >> l
            var rowOk: [[Expr]] = [], colOk: [[Expr]] = []
            for q in 0..<(1 << (2 * l)) {
                let oy = timesConstant(gTy[q], h, cw), ox = timesConstant(gTx[q], w, cw)
                let used = levels == 1 ? k(1, 1) : gUsed[q]
                if let kyRel, let kxRel {
                    let yaSum = mux(dS2, oy << 1, oy) + kyRel, xaSum = mux(dS2x, ox << 1, ox) + kxRel
                    let ya = m.wire("cp_l\(l)_s\(q)_ya", flagsStaged ? stage("cp_l\(l)_s\(q)_ya", yaSum) : yaSum)
                    let xa = m.wire("cp_l\(l)_s\(q)_xa", flagsStaged ? stage("cp_l\(l)_s\(q)_xa", xaSum) : xaSum)
                    rowOk.append((0..<h).map { ly in m.wire("cp_l\(l)_s\(q)_row\(ly)", used && inside(ya.expr, ly, dS2, layer["h"], "cp_row\(ly)")).expr })
                    colOk.append((0..<w).map { lx in m.wire("cp_l\(l)_s\(q)_col\(lx)", inside(xa.expr, lx, dS2x, layer["w"], "cp_col\(lx)")).expr })
                } else {
                    let y0 = m.wire("cp_l\(l)_s\(q)_y0", mux(dS2, oy << 1, oy) - dPad.fit(cw))
                    let x0 = m.wire("cp_l\(l)_s\(q)_x0", mux(dS2x, ox << 1, ox) - dPadX.fit(cw))
                    let at = { (origin: Expr, local: Int, kk: Signal, s2: Signal, size: Signal) -> Expr in
                        let v = origin + (mux(s2, k(2 * local, cw), k(local, cw)) + kk.fit(cw))
                        return !(v.asSigned < 0) && v.asSigned < size.fit(cw).asSigned
                    }
                    rowOk.append((0..<h).map { ly in m.wire("cp_l\(l)_s\(q)_row\(ly)", used && at(y0.expr, ly, kyE, dS2, layer["h"])).expr })
                    colOk.append((0..<w).map { lx in m.wire("cp_l\(l)_s\(q)_col\(lx)", at(x0.expr, lx, kxE, dS2x, layer["w"])).expr })
                }
            }
            if flagsStaged {
                stagedPeOk = cat((0..<(tH * tW)).reversed().map { i -> any ExprConvertible in rowOk[0][i / tW] && colOk[0][i % tW] })
            }
            for py in 0..<tH { for px in 0..<tW {
                let q = (py / h) * (1 << l) + px / w
                okByLevel[l].append(rowOk[q][py % h] && colOk[q][px % w])
            } }
        }
        if levels == 1 { m.allowUnused(group["tiles"]) }  // one slot: never used-or-not
        let peOk = (0..<(tH * tW)).map { i in ctx.byShape(dShape, (0..<levels).map { okByLevel[$0][i] }) }
        // ---- stage-1 control registers: the step channel ----
        let p1Valid = m.reg("p1_valid", width: 1, reset: 0)
        let p1First = m.reg("p1_first", width: 1), p1Last = m.reg("p1_last", width: 1), p1LastG = m.reg("p1_last_g", width: 1)
        let p1G = m.reg("p1_g", width: ctx.kgroupW), p1Half = m.reg("p1_half", width: 1), p1Off = m.reg("p1_byte_off", width: 8)
        let p1Grouped = m.reg("p1_grouped", width: 1), p1Sub = m.reg("p1_sub", width: 8)
        let p1Ra = m.reg("p1_ra", width: 8), p1Rb = m.reg("p1_rb", width: 8)
        let p1PeOk = m.reg("p1_pe_ok", width: tH * tW)
        m.clocked("pipe_stage0") { p in
            p.assign(p1Valid, issueA && inTiles)
        }
        // (a lane's first step: the first NJ steps, one per subgroup; k = 0 when lanes do not group)
        let stepFields: [(Signal, Expr)] = [
            (p1First, kE < layer["nj"].fit(ctx.stepW)), (p1Last, kE == layer["t_last"]), (p1LastG, gE + 1 == pG), (p1G, gE.expr), (p1Half, half),
            (p1Off, byteOff.expr), (p1Ra, raW.expr), (p1Rb, rbW.expr), (p1Grouped, grouped.expr), (p1Sub, subE.expr), (p1PeOk, cat(peOk.reversed())),
        ]
        let staged = stepFields.map { (r, e) in (r.name == p1PeOk.name ? stagedPeOk : nil) ?? stage("cp_step_\(r.name)", e) }
        m.clocked("pipe_stage0_data", resetless: true) { p in
            for ((r, _), e) in zip(stepFields, staged) { p.assign(r, e) }
        }
        for (f, r) in [("valid", p1Valid), ("first", p1First), ("last", p1Last), ("last_g", p1LastG), ("g", p1G), ("half", p1Half),
                       ("byte_off", p1Off), ("grouped", p1Grouped), ("sub", p1Sub), ("ra", p1Ra), ("rb", p1Rb), ("pe_ok", p1PeOk)] {
            m.assign(stepOut[f], r)
        }
        m.allowPartlyReadInputs()
        return try m.build()
    }

    /// One axis of the halo (rows or columns) as the taps walk it: the halo row (column) a = q·n + r,
    /// r kept by a counter instead of a divider, and the products q·f of each factor f, which are all
    /// the addresses need of q, kept by adding f when r wraps, instead of multipliers (issue 13).
    /// `reset` zeroes them for the next cycle (they are zero whenever the engine is idle), `step`
    /// moves a on.
    /// `keepsNext`: the factors whose (q + 1)·factor is kept too, in a register of its own (the
    /// bank terms' sum with a carry then starts at a register, issue 13).
    struct TapAxis {
        let r: Expr
        /// q·factor, per factor (`haloW` bits).
        let products: [Expr]
        /// (q + 1)·factor, per factor in `keepsNext`.
        let nextProducts: [Int: Expr]
    }

    func tapAxis(_ m: ModuleBuilder, _ name: String, n: Int, reset: Expr, step: Expr, factors: [Expr], keepsNext: [Int] = []) -> TapAxis {
        // (r < n: as wide as that, read at 8 bits, so that its comparisons are as narrow)
        let rR = m.reg("\(name)_r", width: bitsFor(n - 1))
        let pR = factors.indices.map { m.reg("\(name)_q_times\($0)", width: haloW) }
        let nR = Dictionary(uniqueKeysWithValues: keepsNext.map { ($0, m.reg("\(name)_q1_times\($0)", width: haloW)) })
        let r = m.wire("\(name)_r_eff", rR.fit(8))
        let prods = pR.indices.map { i in m.wire("\(name)_q_times\(i)_eff", pR[i]) }
        let wraps = m.wire("\(name)_wraps", r + 1 == n)
        m.clocked("\(name)_q", resetless: true) { p in
            p.when(reset) {
                p.assign(rR, 0); for x in pR { p.assign(x, 0) }
                for i in keepsNext { p.assign(nR[i]!, factors[i].fit(haloW)) }
            }.elseWhen(step) {
                p.assign(rR, mux(wraps, k(0, 8), r + 1).fit(rR.width))
                for (i, x) in pR.enumerated() { p.assign(x, mux(wraps, prods[i] + factors[i].fit(haloW), prods[i])) }
                for i in keepsNext { let x = nR[i]!; p.assign(x, mux(wraps, x + factors[i].fit(haloW), x.expr)) }
            }.otherwise {
                p.assign(rR, r.fit(rR.width)); for (i, x) in pR.enumerated() { p.assign(x, prods[i]) }
                for i in keepsNext { p.assign(nR[i]!, nR[i]!) }
            }
        }
        return TapAxis(r: r.expr, products: prods.map(\.expr), nextProducts: nR.mapValues(\.expr))
    }

    /// slot·stride for the slot qq = q + carry of an axis: (2·qq + parity)·stride at stride 2 (the
    /// phase of the slot), qq·stride at stride 1 — from q·stride by adders.
    func slotTerm(qTimesStride: Expr, stride: Expr, carry: Expr, parity: Expr, s2: Expr) -> Expr {
        let qq = qTimesStride.fit(haloW) + mux(carry, stride.fit(haloW), k(0, haloW))
        return mux(s2, (qq << 1) + mux(parity, stride.fit(haloW), k(0, haloW)), qq)
    }

    /// Read address of halo bank (by, bx) at stage 0 (§6.2): row term + column term + word, from the
    /// first word of the group's part of the bank (of the bank, with the column ring)
    /// (`<prefix>halo_read_addr`, one per bank); the column term of a shared halo column (halo
    /// reuse) when `use_alt`.
    func haloReadAddress() throws -> Module {
        let aw = ctx.awI
        return try ctx.block(names.block("halo_read_addr"), documentation: "Halo bank read address (§6.2): the group's part base (0 with the column ring) + row term + column term (or, for a shared halo column, the left slot's) + word.") { r in
            let rowTerm = r.input("row_term", width: haloW), colTerm = r.input("col_term", width: haloW)
            let colAlt = r.input("col_alt", width: haloW), useAlt = r.input("use_alt", width: 1)
            let word = r.input("word", width: haloW), base = r.input("base", width: aw)
            let addr = r.output("addr", width: aw)
            let sum = r.wire("sum", rowTerm + mux(useAlt, colAlt, colTerm) + word + base.fit(haloW))
            r.assign(addr, sum.fit(aw))
            r.allowUnused(sum)
        }
    }
}
