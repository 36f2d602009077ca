/// Port sequencer (§7.1–§7.3): the fixed transfer order L0, L1, L2, S0, L3, S1, …, the load engine
/// (request walker + response walker: halo rows/cols/words with clipping, then residual words),
/// the store engine (pixel/word walker with byte strobes for the pass channels) and the DRAM port
/// (request mux, read window) (`<prefix>port_sequencer`).
///
/// It takes tiles from the scanner's `tile` stream, offers loaded tiles on `loaded` and freed
/// output halves on `stored` (each through a FIFO of 2), and stores a tile when `requantized`
/// offers it. The FIFOs never fill: a tile is loaded only when the tile two before it is
/// requantized, and its compute starts only when the tile two before it is stored, so at most two
/// loads (two stores) are ahead of the compute engine.
struct PortSequencer: AcceleratorEngine {
    let ctx: AcceleratorContext

    struct TileGeom { let y0: Expr; let ylo: Expr; let yhi: Expr; let x0: Expr; let xlo: Expr; let xhi: Expr; let vr: Expr; let vc: Expr }
    struct Walker { let inRes: Signal; let y: Signal; let x: Signal; let w: Signal; let r: Signal; let c: Signal; let j: Signal
        let ty: Signal; let tx: Signal; let last: Expr; let geom: TileGeom }

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("port_sequencer"), documentation: "Port sequencer (§7.1–§7.3): transfer order, load and store walkers, the DRAM port.")
        let clk = m.clock(), rst = m.reset()
        let req = m.ports("mem_req", TopInterface.memoryRequest(cfg))
        let rsp = m.ports("mem_rsp", TopInterface.memoryResponse(cfg).only("valid", "ready").flipped)
        let ev = m.ports("ev", TopInterface.events.only("load_start", "load_ready", "store_start", "store_end"))
        let regs = m.ports(ch.registers.name, ch.registers.bundle.only("base_input", "base_residual", "base_output").flipped)
        let layer = m.ports(ch.layer.name, ch.layer.bundle.only("s2", "h", "w", "ho", "wo", "pad", "cw", "cow", "hh", "hwid", "cscw", "res", "resident").flipped)
        let seq = m.ports(ch.sequencer.name, ch.sequencer.bundle.only("phase", "o0", "channels", "word_base", "words", "o0_mod_b").flipped)
        let burst = m.ports(ch.burst.name, ch.burst.bundle.flipped)
        let passDone = m.ports(ch.passDone.name, ch.passDone.bundle)
        let burstRsp = m.ports(ch.burstResponse.name, ch.burstResponse.bundle)
        let tile = m.ports(ch.tile.name, ch.tile.bundle.flipped)
        let loaded = m.ports(ch.loaded.name, ch.loaded.bundle)
        let stored = m.ports(ch.stored.name, ch.stored.bundle)
        let requantized = m.ports(ch.requantized.name, ch.requantized.bundle.flipped)
        let haloWr = m.ports(ch.haloWrite.name, ch.haloWrite.bundle)
        let resWr = m.ports(ch.residualWrite.name, ch.residualWrite.bundle)
        let outRd = m.ports(ch.outputRead.name, ch.outputRead.bundle)
        let out = m.ports(ch.output.name, ch.output.bundle.flipped)
        let status = m.ports(ch.transferStatus.name, ch.transferStatus.bundle)

        let inTiles = m.wire("in_tiles", seq["phase"] == 3)
        let dS2 = layer["s2"], dPad = layer["pad"], dCW = layer["cw"], dCOW = layer["cow"], dWo = layer["wo"], dRes = layer["res"]
        let pOW = seq["words"], pBase = seq["word_base"]
        // Resident halos (§7.3): after the first pass a load carries only its residual words, or none.
        let skipHalo = m.wire("ld_skip_halo", layer["resident"] && seq["o0"] != 0)
        let noneLoad = m.wire("ld_none", skipHalo && !dRes)

        /// Halo origin, in-map halo ranges and valid output rows/cols of tile (ty, tx) (18-bit signed values as bits).
        func tileGeom(_ name: String, ty: some ExprConvertible, tx: some ExprConvertible, xShift: Int = 0) -> TileGeom {
            func side(_ s: String, _ t: Expr, _ tile: Int, _ inSize: Signal, _ halo: Signal, _ outSize: Signal, shift: Int = 0) -> (Expr, Expr, Expr, Expr) {
                let o = m.wire("\(name)_\(s)o", umul(t, k(tile, 18), 18))
                let start = m.wire("\(name)_\(s)0", ctx.faultShifted(mux(dS2, o << 1, o) - dPad.fit(18), by: shift))
                let lo = m.wire("\(name)_\(s)lo", mux(start.asSigned < 0, k(0, 18), start))
                let end = start + halo.fit(18)
                let hi = m.wire("\(name)_\(s)hi", mux(end.asSigned > inSize.fit(18).asSigned, inSize.fit(18), end))
                let rem = outSize.fit(18) - o
                let v = m.wire("\(name)_v\(s)", mux(rem > tile, k(tile, 18), rem))
                for w in [o, start, lo, hi, v] { m.allowUnused(w) }
                return (start.expr, lo.expr, hi.expr, v.expr)
            }
            let (y0, ylo, yhi, vr) = side("y", ty.expr, tH, layer["h"], layer["hh"], layer["ho"])
            let (x0, xlo, xhi, vc) = side("x", tx.expr, tW, layer["w"], layer["hwid"], dWo, shift: xShift)
            return TileGeom(y0: y0, ylo: ylo, yhi: yhi, x0: x0, xlo: xlo, xhi: xhi, vr: vr, vc: vc)
        }

        /// The load walker: the current element of a tile load (halo words, then residual words).
        func loadWalker(_ name: String, initNow: Expr, initTy: Expr, initTx: Expr, step: Expr) -> Walker {
            let ty = m.reg("\(name)_ty", width: cntW, reset: 0), tx = m.reg("\(name)_tx", width: cntW, reset: 0)
            let inRes = m.reg("\(name)_in_res", width: 1, reset: 0)
            let y = m.reg("\(name)_y", width: 18, reset: 0), x = m.reg("\(name)_x", width: 18, reset: 0)
            let w = m.reg("\(name)_w", width: 16, reset: 0)
            let r = m.reg("\(name)_r", width: 18, reset: 0), c = m.reg("\(name)_c", width: 18, reset: 0)
            let j = m.reg("\(name)_j", width: 16, reset: 0)
            let g = tileGeom("\(name)_g", ty: ty, tx: tx, xShift: ctx.faultHaloColumnShift)
            let gi = tileGeom("\(name)_gi", ty: initTy, tx: initTx, xShift: ctx.faultHaloColumnShift)
            let wLast = m.wire("\(name)_w_last", w == dCW - 1)
            let xLast = m.wire("\(name)_x_last", x + 1 == g.xhi)
            let yLast = m.wire("\(name)_y_last", y + 1 == g.yhi)
            let jLast = m.wire("\(name)_j_last", j == pOW - 1)
            let cLast = m.wire("\(name)_c_last", c + 1 == g.vc)
            let rLast = m.wire("\(name)_r_last", r + 1 == g.vr)
            let haloLast = wLast && xLast && yLast
            let last = m.wire("\(name)_last", mux(inRes, jLast && cLast && rLast, haloLast && !dRes)).expr
            m.clocked("\(name)_walk") { p in
                p.when(initNow) {
                    // (after the first pass of resident halos a load starts at its residual words)
                    p.assign(ty, initTy.fit(cntW)); p.assign(tx, initTx.fit(cntW)); p.assign(inRes, skipHalo)
                    p.assign(y, gi.ylo); p.assign(x, gi.xlo); p.assign(w, 0); p.assign(r, 0); p.assign(c, 0); p.assign(j, 0)
                }.elseWhen(step) {
                    p.when(!inRes) {
                        p.when(wLast) {
                            p.assign(w, 0)
                            p.when(xLast) {
                                p.assign(x, g.xlo)
                                p.when(yLast) {
                                    p.assign(inRes, 1); p.assign(r, 0); p.assign(c, 0); p.assign(j, 0)
                                }.otherwise { p.assign(y, y + 1) }
                            }.otherwise { p.assign(x, x + 1) }
                        }.otherwise { p.assign(w, w + 1) }
                    }.otherwise {
                        p.when(jLast) {
                            p.assign(j, 0)
                            p.when(cLast) { p.assign(c, 0); p.assign(r, r + 1) }.otherwise { p.assign(c, c + 1) }
                        }.otherwise { p.assign(j, j + 1) }
                    }
                }
            }
            return Walker(inRes: inRes, y: y, x: x, w: w, r: r, c: c, j: j, ty: ty, tx: tx, last: last, geom: g)
        }

        // ---- transfer order ----
        let xState = m.reg("xfer_issue", width: 1, reset: 0)
        let xIsStore = m.reg("xfer_is_store", width: 1, reset: 0)
        let xFirst = m.reg("xfer_first", width: 1, reset: 0)
        // A load of no requests: its issue state lasts one cycle and presents nothing.
        let xNone = m.reg("xfer_none", width: 1, reset: 0)
        let li = m.reg("loads_granted", width: cntW, reset: 0)
        let si = m.reg("stores_granted", width: cntW, reset: 0)
        let lastWasLoad = m.reg("last_was_load", width: 1, reset: 0)
        let loadsDone = m.reg("loads_done", width: cntW, reset: 0)
        // The tiles of the transfers in flight (a ring of 4, slot = tile number mod 4): packed
        // registers, slot i at element i.
        let ringTyR = m.reg("ring_ty", width: 4 * cntW, reset: 0), ringTxR = m.reg("ring_tx", width: 4 * cntW, reset: 0)
        let ringTy = fields(ringTyR, width: cntW), ringTx = fields(ringTxR, width: cntW)
        let readSlot = m.wire("mem_read_slot")

        let wantStore = m.wire("xfer_want_store", mux(tile["valid"], li >= 3 && lastWasLoad, k(1, 1)))
        // A load of tile n reuses the halo half of tile n − 2: it waits until that tile is requantized.
        // Loads and stores alternate after L2, so when a load is considered at most one requantized
        // tile (tile li − 2) is not yet stored: it is the one `requantized` offers.
        let eligLoad = m.wire("xfer_elig_load", li <= si + 1 || requantized["valid"])
        let eligStore = m.wire("xfer_elig_store", requantized["valid"])
        let grant = m.wire("xfer_grant", ctx.faultLateGrant(in: m, inTiles && !xState && mux(wantStore, eligStore, eligLoad)))
        let grantLoad = m.wire("grant_load", grant && !wantStore)
        let grantStore = m.wire("grant_store", grant && wantStore)
        let grantNone = m.wire("grant_none", grantLoad && noneLoad)  // complete at the grant: loaded now
        m.assign(tile["ready"], grantLoad)
        m.assign(requantized["ready"], grantStore)
        let issueLoad = m.wire("issue_load", inTiles && xState && !xIsStore && !xNone)
        let issueStore = m.wire("issue_store", inTiles && xState && xIsStore)
        // A transfer's request is presented in every cycle of its issue state (a load's only while a
        // read slot is free) and advances its walker when the port accepts it. The burst (MASK,
        // WEIGHTS, and the next pass's weights during TILES) takes the port when no transfer
        // presents, or when its own request was refused in the previous cycle (it stays until taken).
        let burstLocked = m.reg("burst_locked", width: 1, reset: 0)
        let burstTurn = m.wire("burst_turn", readSlot && (burstLocked || !((issueLoad && readSlot) || issueStore)))
        m.assign(burst["ready"], req["ready"] && burstTurn)
        let burstPresent = m.wire("burst_presented", burst["valid"] && burstTurn)
        let loadValid = m.wire("ldq_req_valid", issueLoad && readSlot && !burstPresent)
        let storeValid = m.wire("st_req_valid", issueStore && !burstPresent)
        let loadAccept = m.wire("ldq_accept", ctx.faultIgnoreReady(loadValid, ready: req["ready"]))
        let storeAccept = m.wire("st_accept", storeValid && req["ready"])

        // ---- load request walker ----
        let lq = loadWalker("ldq", initNow: grantLoad.expr, initTy: tile["ty"].expr, initTx: tile["tx"].expr, step: loadAccept.expr)
        let resA = m.wire("ldq_res_addr", regs["base_residual"] + umul(umul(umul(lq.ty, k(tH, 32), 32) + lq.r.fit(32), dWo, 32)
            + umul(lq.tx, k(tW, 32), 32) + lq.c.fit(32), dCOW, 32) + pBase.fit(32) + lq.j.fit(32))
        let haloA = m.wire("ldq_halo_addr", regs["base_input"] + umul(umul(lq.y, layer["w"], 32) + lq.x.fit(32), dCW, 32) + lq.w.fit(32))
        let loadAddr = m.wire("ldq_addr", mux(lq.inRes, resA, haloA))
        let ldLast = m.wire("ldq_last_req", loadAccept && lq.last)

        // ---- load response walker ----
        let rActive = m.reg("ldr_active", width: 1, reset: 0)
        // Responses come back in request order; each read in flight is tagged burst or tile when accepted.
        let tagValid = m.wire("rsp_tag_valid"), tagBurst = m.wire("rsp_tag_burst")
        let beat = m.wire("ldr_rsp", rsp["valid"] && tagValid && !tagBurst)
        m.assign(burstRsp["valid"], rsp["valid"] && tagValid && tagBurst)
        let rspLastW = m.wire("ldr_rsp_last_w")
        let nextIdx = m.wire("ldr_next_index", (loadsDone + 1).trunc(2))
        let fromRing = m.wire("ldr_init_ring", rspLastW && li > loadsDone + 1)
        let fromGrant = m.wire("ldr_init_grant", !fromRing && grantLoad && !noneLoad && (!rActive || rspLastW))
        let lr = loadWalker("ldr", initNow: (fromRing || fromGrant),
                            initTy: mux(fromRing, select(nextIdx, ringTy), tile["ty"]), initTx: mux(fromRing, select(nextIdx, ringTx), tile["tx"]),
                            step: beat.expr)
        m.assign(rspLastW, beat && lr.last)
        let evLoadReadyR = m.reg("ev_load_ready_r", width: 1, reset: 0)
        m.clocked("ldr_state") { p in
            p.assign(evLoadReadyR, rspLastW || grantNone)
            p.when(fromRing || fromGrant) { p.assign(rActive, 1) }.elseWhen(rspLastW) { p.assign(rActive, 0) }
            p.when(!inTiles) { p.assign(rActive, 0) }
        }
        // Halo write: bank ((hy÷S) mod tileH, (hx÷S) mod tileW), address (rs·CS + cs)·CW + w (§6.2)
        let hy = m.wire("ldr_hy", (lr.y - lr.geom.y0).fit(8)), hx = m.wire("ldr_hx", (lr.x - lr.geom.x0).fit(8))
        let (qy, by) = m.udiv("ldr_ydiv", mux(dS2, hy >> 1, hy), k(tH, 8), qbits: 8)
        let (qx, bx) = m.udiv("ldr_xdiv", mux(dS2, hx >> 1, hx), k(tW, 8), qbits: 8)
        let rs = m.wire("ldr_rs", mux(dS2, cat(qy.fit(7), hy[0]), qy.fit(8)))
        let cs = m.wire("ldr_cs", mux(dS2, cat(qx.fit(7), hx[0]), qx.fit(8)))
        let hAddr = m.wire("ldr_halo_addr", umul(rs, layer["cscw"], 32) + umul(cs, dCW, 32) + lr.w.fit(32))
        m.assign(haloWr["valid"], beat && !lr.inRes)
        m.assign(haloWr["bank"], umul(by, k(tW, 8), 8) + bx.fit(8))
        m.assign(haloWr["addr"], mux(loadsDone[0], hAddr + DI, hAddr).fit(ctx.awI))
        // Residual write: memory (c, b) holds byte b of words of tile column c; address (half·tileH + r)·DO + j.
        let awO = ctx.awO
        m.assign(resWr["valid"], beat && lr.inRes)
        m.assign(resWr["col"], lr.c.fit(8))
        m.assign(resWr["addr"], (umul(mux(loadsDone[0], lr.r.fit(16) + tH, lr.r.fit(16)), k(DO, 16), 16) + lr.j.fit(16)).fit(awO))

        // ---- store walker ----
        let sty = m.reg("st_ty", width: cntW, reset: 0), stx = m.reg("st_tx", width: cntW, reset: 0)
        let sHalf = m.reg("st_half", width: 1, reset: 0)
        let sr = m.reg("st_r", width: 18, reset: 0), sc = m.reg("st_c", width: 18, reset: 0), sj = m.reg("st_j", width: 16, reset: 0)
        let sg = tileGeom("st_g", ty: sty, tx: stx)
        let sIdx = m.wire("st_ring_index", si.trunc(2))
        let sjLast = m.wire("st_j_last", sj == pOW - 1), scLast = m.wire("st_c_last", sc + 1 == sg.vc)
        let srLast = m.wire("st_r_last", sr + 1 == sg.vr)
        let stLast = m.wire("st_last", sjLast && scLast && srLast)
        // next element (the output buffer is read one cycle ahead of the request: element 0 in the grant
        // cycle, then the next element when a request is accepted, the same one again when it is not)
        let nj = m.wire("st_next_j", mux(sjLast, k(0, 16), sj + 1))
        let nc = m.wire("st_next_c", mux(sjLast, mux(scLast, k(0, 18), sc + 1), sc))
        let nr = m.wire("st_next_r", mux(sjLast && scLast, sr + 1, sr))
        let colW = bitsFor(max(tW - 1, 1))
        let rdR = m.wire("st_rd_r", mux(grantStore, k(0, 18), mux(storeAccept, nr, sr)).fit(8))
        let rdC = m.wire("st_rd_c", mux(grantStore, k(0, 18), mux(storeAccept, nc, sc)).fit(colW))
        let rdJ = m.wire("st_rd_j", mux(grantStore, k(0, 16), mux(storeAccept, nj, sj)))
        let rdHalf = m.wire("st_rd_half", mux(grantStore, si[0], sHalf))
        m.assign(outRd["addr"], (umul(mux(rdHalf, rdR.fit(16) + tH, rdR.fit(16)), k(DO, 16), 16) + rdJ).fit(awO))
        m.assign(outRd["en"], grantStore || issueStore)
        let rdCol = m.reg("st_rd_col", width: colW, reset: 0)
        let storeAddr = m.wire("st_addr", regs["base_output"] + umul(umul(umul(sty, k(tH, 32), 32) + sr.fit(32), dWo, 32)
            + umul(stx, k(tW, 32), 32) + sc.fit(32), dCOW, 32) + pBase.fit(32) + sj.fit(32))
        // strobe: byte b of pass word j holds channel j·B + b − (o0 mod B) of the pass
        let o0ModB = seq["o0_mod_b"], pCur = seq["channels"]
        let strobe = cat((0..<B).reversed().map { b -> any ExprConvertible in
            let chn = umul(sj, k(B, 24), 24) + b
            return chn >= o0ModB.fit(24) && chn < o0ModB.fit(24) + pCur.fit(24)
        })
        m.clocked("st_walk") { p in
            p.assign(rdCol, rdC)
            p.when(grantStore) {
                p.assign(sty, select(sIdx, ringTy)); p.assign(stx, select(sIdx, ringTx)); p.assign(sHalf, si[0])
                p.assign(sr, 0); p.assign(sc, 0); p.assign(sj, 0)
            }.elseWhen(storeAccept) { p.assign(sr, nr); p.assign(sc, nc); p.assign(sj, nj) }
        }
        let outWord = m.wire("st_wdata", select(rdCol, fields(out["data"], width: 8 * B)))
        if tW == 1 { m.allowUnused(rdCol) }  // one tile column: nothing to select

        // ---- sequencer state ----
        let evStoreEndR = m.reg("ev_store_end_r", width: 1, reset: 0)
        let stLastReq = m.wire("st_last_req", storeAccept && stLast)
        m.assign(passDone["valid"], stLastReq && si == li && !tile["valid"])
        m.clocked("xfer_seq") { p in
            p.assign(evStoreEndR, stLastReq)
            p.when(grantLoad) {
                // slot li mod 4 takes the granted tile
                let slot = li.trunc(2)
                p.assign(ringTyR, cat((0..<4).reversed().map { i -> any ExprConvertible in mux(slot == i, tile["ty"], ringTy[i]) }))
                p.assign(ringTxR, cat((0..<4).reversed().map { i -> any ExprConvertible in mux(slot == i, tile["tx"], ringTx[i]) }))
                p.assign(li, li + 1); p.assign(lastWasLoad, 1); p.assign(xIsStore, 0); p.assign(xState, 1); p.assign(xFirst, 1)
                p.assign(xNone, noneLoad)
            }
            p.when(grantStore) {
                p.assign(si, si + 1); p.assign(lastWasLoad, 0); p.assign(xIsStore, 1); p.assign(xState, 1); p.assign(xFirst, 1)
            }
            p.when(loadAccept || storeAccept) { p.assign(xFirst, 0) }
            p.when(ldLast || stLastReq) { p.assign(xState, 0) }
            p.when(xNone) { p.assign(xState, 0); p.assign(xNone, 0) }
            p.when(rspLastW || grantNone) { p.assign(loadsDone, loadsDone + 1) }
            p.when(!inTiles) {
                p.assign(xState, 0); p.assign(li, 0); p.assign(si, 0); p.assign(lastWasLoad, 0)
                p.assign(loadsDone, 0); p.assign(xNone, 0)
            }
        }
        // ---- loaded tiles and freed output halves, offered to the compute engine ----
        let tileFifo = try ctx.block(names.block("tile_fifo")) {
            try StreamFifo(name: names.block("tile_fifo"), payload: ch.tileCoordinates, depth: 2).module()
        }
        let tokenFifo = try ctx.tokenFifo()
        let clear = m.wire("xfer_clear", !inTiles)
        m.instance(tileFifo, name: "u_loaded_fifo", connections: [
            "clk": clk, "rst": rst, "clear": clear, "in_valid": rspLastW || grantNone,
            "in_ty": mux(grantNone, tile["ty"], lr.ty.expr), "in_tx": mux(grantNone, tile["tx"], lr.tx.expr),
            "out_valid": loaded["valid"], "out_ty": loaded["ty"], "out_tx": loaded["tx"], "out_ready": loaded["ready"],
        ])
        m.instance(tokenFifo, name: "u_stored_fifo", connections: [
            "clk": clk, "rst": rst, "clear": clear, "in_valid": stLastReq, "out_valid": stored["valid"], "out_ready": stored["ready"],
        ])
        // a load holds the sequencer from its grant to its end, an idle cycle of no request included
        m.assign(status["load_busy"], (xState && !xIsStore) || grantLoad)
        m.assign(status["drained"], li == loadsDone && !loaded["valid"])

        // ---- DRAM port: request channel (valid/ready), read responses in order, always accepted ----
        m.assign(req["valid"], burstPresent || loadValid || storeValid)
        m.assign(req["write"], storeValid)
        m.assign(req["addr"], mux(burstPresent, burst["addr"], mux(xIsStore, storeAddr, loadAddr)))
        m.assign(req["wdata"], mux(storeValid, outWord, Expr.zeros(width: 8 * B)))
        m.assign(req["wstrb"], mux(storeValid, strobe, Expr.zeros(width: B)))
        m.clocked("burst_lock") { p in p.assign(burstLocked, burstPresent && !req["ready"]) }
        // Reads in flight: accepted, data not yet returned; a read is presented only below the limit.
        let maxOut = cfg.maxOutstandingReads
        let inFlight = m.reg("mem_reads_in_flight", width: bitsFor(maxOut), reset: 0)
        let readAccept = m.wire("mem_read_accept", req["valid"] && req["ready"] && !req["write"])
        m.clocked("mem_read_window") { p in
            p.when(readAccept && !rsp["valid"]) { p.assign(inFlight, inFlight + 1) }
                .elseWhen(!readAccept && rsp["valid"]) { p.assign(inFlight, inFlight - 1) }
        }
        m.assign(readSlot, inFlight < maxOut)
        let tagFifo = try ctx.block(names.block("read_tag_fifo")) {
            try StreamFifo(name: names.block("read_tag_fifo"), payload: [.init("burst", doc: "a burst read (else a tile load)")], depth: maxOut)
                .module(documentation: "Tags of the reads in flight, in request order (\(maxOut) entries): which engine each response goes to.")
        }
        m.instance(tagFifo, name: "u_read_tag_fifo", connections: [
            "clk": clk, "rst": rst, "clear": k(0, 1), "in_valid": readAccept, "in_burst": burstPresent,
            "out_valid": tagValid, "out_burst": tagBurst, "out_ready": rsp["valid"],
        ])
        m.assign(rsp["ready"], k(1, 1))
        m.assign(ev["load_start"], (loadAccept && xFirst) || grantNone)
        m.assign(ev["store_start"], storeAccept && xFirst)
        m.assign(ev["load_ready"], evLoadReadyR)
        m.assign(ev["store_end"], evStoreEndR)
        m.allowPartlyReadInputs()
        return try m.build()
    }
}

extension AcceleratorContext {
    /// The token FIFO of 2 (`<prefix>token_fifo`): the `stored` and `requantized` streams.
    func tokenFifo() throws -> Module {
        try block(names.block("token_fifo")) { try StreamFifo(name: names.block("token_fifo"), payload: [], depth: 2).module() }
    }
}
