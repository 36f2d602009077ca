import AcceleratorSpec

/// The copy engine (§6.5): with the line buffer, moves each loaded tile group's halos from the
/// line buffer into the group's half of the input buffer, one word into every bank a cycle, and
/// offers the group to the compute engine (`copied`) (`<prefix>copy_engine`). Built only in a
/// config that has a line buffer; a layer without it (`layer.line` = 0) passes `loaded` through.
///
/// Group i starts when `loaded` offers it, the previous copy has issued its last read and group
/// i − 2 is requantized (`requant_done` counted in the pass: its input half is free). Its tiles come
/// from the scanner's `tile` stream as the port sequencer took them (a FIFO). A tile takes
/// `region` cycles: word q = (rs·CS + cs)·CW + w of its slot's region, read in every line bank at
/// the map position that bank holds in that row and column slot, rotated by the tile's origin
/// against its slot, written to every input bank the next cycle; the group is offered in the cycle
/// of its last write.
struct CopyEngine: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("copy_engine"), documentation: "Copy engine (§6.5): halos from the line buffer into the input buffer.")
        let clk = m.clock(), rst = m.reset()
        let layer = layerRecord(in: m, reading: ["s2", "s2x", "cw", "cscw", "shape", "region", "line", "lcsw", "lnb"])
        let seq = m.ports(ch.sequencer.name, ch.sequencer.bundle.only("phase").flipped)
        let tile = m.ports(ch.tile.name, ch.tile.bundle.observed)
        let loaded = m.ports(ch.loaded.name, ch.loaded.bundle.flipped)
        let copied = m.ports(ch.copied.name, ch.copied.bundle)
        let status = m.ports(ch.copyStatus.name, ch.copyStatus.bundle)
        let rqDone = m.ports(ch.requantDone.name, ch.requantDone.bundle.flipped)
        let rd = m.ports(ch.lineRead.name, ch.lineRead.bundle)
        let data = m.ports(ch.lineData.name, ch.lineData.bundle.flipped)
        let wr = m.ports(ch.copyWrite.name, ch.copyWrite.bundle)
        let inTiles = m.wire("in_tiles", seq["phase"] == 3)
        let line = layer["line"]
        let dS2 = layer["s2"], dS2x = layer["s2x"], dCW = layer["cw"], dShape = layer["shape"]
        if ctx.levels == 1 { m.allowUnused(dShape) }  // (one tile shape: the origins are the tile's)
        let maxQ = ctx.maxSlots, sb = bitsFor(max(maxQ - 1, 1)), lgH = log2Exact(tH), lgW = log2Exact(tW)

        // ---- the tiles the loads took, in order ----
        let fifoTy = m.wire("cy_fifo_ty", width: tileCoordW), fifoTx = m.wire("cy_fifo_tx", width: tileCoordW)
        let fifoLast = m.wire("cy_fifo_last"), fifoValid = m.wire("cy_fifo_valid"), pop = m.wire("cy_tile_pop")
        let tileFifo = try ctx.block(names.block("copy_tile_fifo")) {
            try StreamFifo(name: names.block("copy_tile_fifo"), payload: ch.tileCoordinates + [.init("last", doc: "the group's last tile")], depth: 3 * maxQ)
                .module(documentation: "Tiles the loads took whose halos are not yet copied, in order (§6.5).")
        }
        m.instance(tileFifo, name: "u_tile_fifo", connections: [
            "clk": clk, "rst": rst, "clear": !inTiles, "in_valid": tile["valid"] && tile["ready"] && inTiles && line, "in_ty": tile["ty"], "in_tx": tile["tx"],
            "in_last": tile["last"], "out_valid": fifoValid, "out_ty": fifoTy, "out_tx": fifoTx, "out_last": fifoLast, "out_ready": pop,
        ])
        m.allowUnused(fifoValid)

        // ---- sequencing ----
        let busy = m.reg("cy_busy", width: 1, reset: 0)
        let groups = m.reg("cy_groups", width: cntW, reset: 0)       // groups started in the pass
        let doneGroups = m.reg("cy_copied", width: cntW, reset: 0)   // groups copied (their last write done)
        let requant = m.reg("cy_requantized", width: cntW, reset: 0)
        let slot = m.reg("cy_slot", width: sb, reset: 0)
        let q = m.reg("cy_q", width: haloW, reset: 0)
        let rs = m.reg("cy_rs", width: 8, reset: 0), csw = m.reg("cy_csw", width: haloW, reset: 0), cs = m.reg("cy_cs", width: 8, reset: 0)
        let w = m.reg("cy_w", width: ctx.cwW, reset: 0)
        let halfFree = m.wire("cy_half_free", groups < 2 || requant + 1 >= groups)
        let start = m.wire("cy_start", inTiles && line && !busy && loaded["valid"] && halfFree)
        // (a read issues in the start cycle too: the registers hold the next read's position, zero at a start)
        let run = m.wire("cy_run", busy || start)
        let qE = m.wire("cy_q_eff", mux(start, k(0, haloW), q)), rsE = m.wire("cy_rs_eff", mux(start, k(0, 8), rs))
        let csE = m.wire("cy_cs_eff", mux(start, k(0, 8), cs)), cswE = m.wire("cy_csw_eff", mux(start, k(0, haloW), csw))
        let wE = m.wire("cy_w_eff", mux(start, k(0, ctx.cwW), w)), slotE = m.wire("cy_slot_eff", mux(start, k(0, sb), slot))
        let groupE = m.wire("cy_group_eff", mux(start, groups, groups - 1).fit(2))   // the group being copied, mod 4 (its half)
        let wLast = m.wire("cy_w_last", wE + 1 == dCW)
        let csLast = m.wire("cy_cs_last", cswE + dCW.fit(haloW) == layer["cscw"])
        let tileLast = m.wire("cy_tile_last", run && qE + 1 == layer["region"])
        let groupLast = m.wire("cy_group_last", tileLast && fifoLast)
        m.assign(pop, tileLast)
        m.clocked("cy_fsm") { p in
            p.when(start) { p.assign(groups, groups + 1) }
            p.when(run) {
                p.assign(busy, 1)
                p.when(tileLast) {
                    p.assign(q, 0); p.assign(rs, 0); p.assign(cs, 0); p.assign(csw, 0); p.assign(w, 0); p.assign(slot, slotE + 1)
                    p.when(groupLast) { p.assign(busy, 0) }
                }.otherwise {
                    p.assign(q, qE + 1); p.assign(slot, slotE); p.assign(rs, rsE); p.assign(cs, csE); p.assign(csw, cswE)
                    p.when(wLast) {
                        p.assign(w, 0)
                        p.when(csLast) { p.assign(cs, 0); p.assign(csw, 0); p.assign(rs, rsE + 1) }
                            .otherwise { p.assign(cs, csE + 1); p.assign(csw, cswE + dCW.fit(haloW)) }
                    }.otherwise { p.assign(w, wE + 1) }
                }
            }
            p.when(rqDone["valid"]) { p.assign(requant, requant + 1) }
            p.when(!inTiles) { p.assign(busy, 0); p.assign(groups, 0); p.assign(requant, 0) }
        }

        // ---- read addresses: per line bank, the map position it holds in row slot rs, column slot cs ----
        let y0 = m.wire("cy_y0", ctx.tileOrigin(dShape, fifoTy, tile: tH, 18))   // the halo's first engine row, ty·h
        let x0 = m.wire("cy_x0", ctx.tileOrigin(dShape, fifoTx, tile: tW, 18))
        let bi = m.wire("cy_row_block", mux(dS2, rsE >> 1, rsE.expr)), phy = m.wire("cy_row_phase", dS2 && rsE[0])
        let ci = m.wire("cy_col_block", mux(dS2x, csE >> 1, csE.expr)), phx = m.wire("cy_col_phase", dS2x && csE[0])
        let rowTerms: [Expr] = (0..<tH).map { bl in
            // engine row ey ≡ bl (mod tileH) in [y0 + bi·tileH, y0 + (bi + 1)·tileH); its row block mod NB
            let off = (k(bl, 18) - y0).fit(max(lgH, 1)).fit(18)
            let ey = m.wire("cy_ey\(bl)", y0 + (bi.fit(18) << lgH) + (lgH == 0 ? k(0, 18) : off))
            let rb = m.udiv("cy_rb\(bl)", ey >> lgH, layer["lnb"], qbits: bitsFor((ctx.limits.maxMapSize + 16) / tH + 1)).r
            let slotRow = mux(dS2, cat(rb.fit(15), phy), rb.fit(16))
            return m.wire("cy_row_term\(bl)", umul(slotRow, layer["lcsw"], 24)).expr
        }
        let colTerms: [Expr] = (0..<tW).map { bc in
            let off = (k(bc, 18) - x0).fit(max(lgW, 1)).fit(18)
            let ex = m.wire("cy_ex\(bc)", x0 + (ci.fit(18) << lgW) + (lgW == 0 ? k(0, 18) : off))
            let cb = ex >> lgW
            let slotCol = mux(dS2x, cat(cb.fit(15), phx), cb.fit(16))
            return m.wire("cy_col_term\(bc)", umul(slotCol, dCW, 24) + wE.fit(24)).expr
        }
        m.assign(rd["en"], run)
        m.assign(rd["addr"], cat((0..<ctx.nBanks).reversed().map { b in (rowTerms[b / tW] + colTerms[b % tW]).fit(ctx.awL) }))

        // ---- the write, a cycle later: every input bank, rotated from the line banks ----
        let (oy, ox) = ctx.slotOrigin(dShape, slotE, 8)
        let rotY = m.reg("cy_rot_y", width: max(lgH, 1), reset: 0), rotX = m.reg("cy_rot_x", width: max(lgW, 1), reset: 0)
        let wValid = m.reg("cy_wr_valid", width: 1, reset: 0), wAddr = m.reg("cy_wr_addr", width: ctx.awI, reset: 0)
        let wGroupLast = m.reg("cy_wr_group_last", width: 1, reset: 0)
        let base = ctx.haloPartBase(resident: k(0, 2), group: groupE)
        m.clocked("cy_write") { p in
            p.assign(wValid, run); p.assign(wGroupLast, groupLast)
            p.assign(wAddr, (base.fit(haloW) + umul(slotE, layer["region"], haloW) + qE.fit(haloW)).fit(ctx.awI))
            // input bank row r takes line bank row (r − rotY) mod tileH: rotY = (qy·h − y0) mod tileH
            p.assign(rotY, (oy.fit(18) - y0).fit(max(lgH, 1))); p.assign(rotX, (ox.fit(18) - x0).fit(max(lgW, 1)))
            p.when(!inTiles) { p.assign(wValid, 0); p.assign(wGroupLast, 0) }
        }
        let words = fields(data["data"], width: 8 * B)
        // (two stages of named wires: the rows rotated, then the columns)
        let byRow: [[Expr]] = (0..<tH).map { r in
            (0..<tW).map { c in
                tH == 1 ? words[c] : m.wire("cy_rot_row\(r)_\(c)", select(rotY, (0..<tH).map { s in words[((r - s + tH) % tH) * tW + c] })).expr
            }
        }
        let rotated: [Expr] = (0..<ctx.nBanks).map { b in
            let r = b / tW, c = b % tW
            return tW == 1 ? byRow[r][0] : m.wire("cy_rot\(r)_\(c)", select(rotX, (0..<tW).map { s in byRow[r][(c - s + tW) % tW] })).expr
        }
        m.assign(wr["valid"], wValid)
        m.assign(wr["addr"], wAddr)
        m.assign(wr["data"], cat(rotated.reversed()))
        if tH == 1 { m.allowUnused(rotY) }
        if tW == 1 { m.allowUnused(rotX) }

        // ---- offered to the compute engine: copied groups, or loaded ones when the layer has no line buffer ----
        let copiedValid = m.wire("cy_copied_valid"), copiedReady = m.wire("cy_copied_ready")
        m.instance(try ctx.tokenFifo(), name: "u_copied_fifo", connections: [
            "clk": clk, "rst": rst, "clear": !inTiles, "in_valid": wValid && wGroupLast, "out_valid": copiedValid, "out_ready": copiedReady,
        ])
        m.assign(copiedReady, line && copied["ready"])
        m.assign(copied["valid"], mux(line, copiedValid, loaded["valid"]))
        m.assign(loaded["ready"], mux(line, start, copied["ready"]))
        m.clocked("cy_count") { p in
            p.when(wValid && wGroupLast) { p.assign(doneGroups, doneGroups + 1) }
            p.when(!inTiles) { p.assign(doneGroups, 0) }
        }
        m.assign(status["groups"], doneGroups)
        // (a group copied and not yet taken by the compute engine is still to be computed)
        m.assign(status["idle"], !busy && !wValid && !(line && (loaded["valid"] || copiedValid)))
        m.allowPartlyReadInputs()
        return try m.build()
    }
}
