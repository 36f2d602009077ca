/// Port sequencer (§7.3): the fixed transfer order L0, L1, L2, S0, L3, S1, …, the load engine
/// (request walker + response walker: halo rows/cols/words with clipping, then residual words),
/// the store engine (pixel/word walker with byte strobes for the pass channels), the double-
/// buffered halo input buffer (§6.2) and the residual/output buffers (§6.4, byte-sliced: one
/// memory per tile column and byte lane, so the requant engine writes a whole tile row per cycle).
extension AcceleratorBuilder {
    struct TileGeom { let y0: Expr; let ylo: Expr; let yhi: Expr; let x0: Expr; let xlo: Expr; let xhi: Expr; let vr: Expr; let vc: Expr }

    /// Halo origin, in-map halo ranges and valid output rows/cols of tile (ty, tx) (18-bit signed values as bits).
    func tileGeom(_ name: String, ty: some ExprConvertible, tx: some ExprConvertible, xShift: Int = 0) -> TileGeom {
        func side(_ s: String, _ t: Expr, _ tile: Int, _ inSize: Signal, _ halo: Signal, _ outSize: Signal, shift: Int = 0) -> (Expr, Expr, Expr, Expr) {
            let o = m.wire("\(name)_\(s)o", umul(t, k(tile, 18), 18))
            let start = m.wire("\(name)_\(s)0", faultShifted(mux(dS2, o << 1, o) - dPad.fit(18), by: shift))
            let lo = m.wire("\(name)_\(s)lo", mux(start.asSigned < 0, k(0, 18), start))
            let end = start + halo.fit(18)
            let hi = m.wire("\(name)_\(s)hi", mux(end.asSigned > inSize.fit(18).asSigned, inSize.fit(18), end))
            let rem = outSize.fit(18) - o
            let v = m.wire("\(name)_v\(s)", mux(rem > tile, k(tile, 18), rem))
            for w in [o, start, lo, hi, v] { m.allowUnused(w) }
            return (start.expr, lo.expr, hi.expr, v.expr)
        }
        let (y0, ylo, yhi, vr) = side("y", ty.expr, tH, dH, dHH, dHo)
        let (x0, xlo, xhi, vc) = side("x", tx.expr, tW, dW, dHW, dWo, shift: xShift)
        return TileGeom(y0: y0, ylo: ylo, yhi: yhi, x0: x0, xlo: xlo, xhi: xhi, vr: vr, vc: vc)
    }

    struct Walker { let inRes: Signal; let y: Signal; let x: Signal; let w: Signal; let r: Signal; let c: Signal; let j: Signal
        let ty: Signal; let tx: Signal; let last: Expr; let geom: TileGeom }

    /// The load walker: the current element of a tile load (halo words, then residual words).
    func loadWalker(_ name: String, initNow: Expr, initTy: Expr, initTx: Expr, step: Expr) -> Walker {
        let ty = m.reg("\(name)_ty", width: cntW, reset: 0), tx = m.reg("\(name)_tx", width: cntW, reset: 0)
        let inRes = m.reg("\(name)_in_res", width: 1, reset: 0)
        let y = m.reg("\(name)_y", width: 18, reset: 0), x = m.reg("\(name)_x", width: 18, reset: 0)
        let w = m.reg("\(name)_w", width: 16, reset: 0)
        let r = m.reg("\(name)_r", width: 18, reset: 0), c = m.reg("\(name)_c", width: 18, reset: 0)
        let j = m.reg("\(name)_j", width: 16, reset: 0)
        let g = tileGeom("\(name)_g", ty: ty, tx: tx, xShift: faultHaloColumnShift)
        let gi = tileGeom("\(name)_gi", ty: initTy, tx: initTx, xShift: faultHaloColumnShift)
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
                p.assign(ty, initTy.fit(cntW)); p.assign(tx, initTx.fit(cntW)); p.assign(inRes, 0)
                p.assign(y, gi.ylo); p.assign(x, gi.xlo); p.assign(w, 0)
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

    func portSequencer() throws {
        m.submodule("port_sequencer", documentation: "Port sequencer (§7.1–§7.3): transfer order, load and store walkers, the DRAM port.")
        let xState = m.reg("xfer_issue", width: 1, reset: 0)
        xIssue = xState
        xIsStore = m.reg("xfer_is_store", width: 1, reset: 0)
        let xFirst = m.reg("xfer_first", width: 1, reset: 0)
        li = m.reg("loads_granted", width: cntW, reset: 0)
        let si = m.reg("stores_granted", width: cntW, reset: 0)
        let lastWasLoad = m.reg("last_was_load", width: 1, reset: 0)
        loadsDone = m.reg("loads_done", width: cntW, reset: 0)
        storesDone = m.reg("stores_done", width: cntW, reset: 0)
        rqDone = m.wire("requant_done_tiles", width: cntW)
        ringTyR = m.reg("ring_ty", width: 4 * cntW, reset: 0)
        ringTxR = m.reg("ring_tx", width: 4 * cntW, reset: 0)

        let wantStore = m.wire("xfer_want_store", mux(scanValid, li >= 3 && lastWasLoad, k(1, 1)))
        let eligLoad = m.wire("xfer_elig_load", li < 2 || rqDone + 1 >= li)
        let eligStore = m.wire("xfer_elig_store", rqDone > si)
        let grant = m.wire("xfer_grant", faultLateGrant(inTiles && !xState && mux(wantStore, eligStore, eligLoad)))
        m.assign(grantLoad, grant && !wantStore)
        grantStore = m.wire("grant_store", grant && wantStore)
        let issueLoad = m.wire("issue_load", inTiles && xState && !xIsStore)
        let issueStore = m.wire("issue_store", inTiles && xState && xIsStore)
        // A transfer's request is presented in every cycle of its issue state (a load's only while a
        // read slot is free) and advances its walker when the port accepts it.
        let loadValid = m.wire("ldq_req_valid", issueLoad && readSlot)
        let loadAccept = m.wire("ldq_accept", faultIgnoreReady(loadValid, ready: memReqReady))
        let storeAccept = m.wire("st_accept", issueStore && memReqReady)

        // ---- load request walker ----
        let lq = loadWalker("ldq", initNow: grantLoad.expr, initTy: scanTy.expr, initTx: scanTx.expr, step: loadAccept.expr)
        let resA = m.wire("ldq_res_addr", rBase[4] + umul(umul(umul(lq.ty, k(tH, 32), 32) + lq.r.fit(32), dWo, 32)
            + umul(lq.tx, k(tW, 32), 32) + lq.c.fit(32), dCOW, 32) + pBase.fit(32) + lq.j.fit(32))
        let haloA = m.wire("ldq_halo_addr", rBase[3] + umul(umul(lq.y, dW, 32) + lq.x.fit(32), dCW, 32) + lq.w.fit(32))
        let loadAddr = m.wire("ldq_addr", mux(lq.inRes, resA, haloA))
        let ldLast = m.wire("ldq_last_req", loadAccept && lq.last)

        // ---- load response walker ----
        let rActive = m.reg("ldr_active", width: 1, reset: 0)
        let rsp = m.wire("ldr_rsp", inTiles && memRspValid)
        let rspLastW = m.wire("ldr_rsp_last_w")
        let nextIdx = m.wire("ldr_next_index", (loadsDone + 1).trunc(2))
        let fromRing = m.wire("ldr_init_ring", rspLastW && li > loadsDone + 1)
        let fromGrant = m.wire("ldr_init_grant", !fromRing && grantLoad && (!rActive || rspLastW))
        let lr = loadWalker("ldr", initNow: (fromRing || fromGrant),
                            initTy: mux(fromRing, select(nextIdx, ringTy), scanTy!), initTx: mux(fromRing, select(nextIdx, ringTx), scanTx!),
                            step: rsp.expr)
        m.assign(rspLastW, rsp && lr.last)
        evLoadReadyR = m.reg("ev_load_ready_r", width: 1, reset: 0)
        m.clocked("ldr_state") { p in
            p.assign(evLoadReadyR, rspLastW)
            p.when(fromRing || fromGrant) { p.assign(rActive, 1) }.elseWhen(rspLastW) { p.assign(rActive, 0) }
            p.when(!inTiles) { p.assign(rActive, 0) }
        }
        // Halo write: bank ((hy÷S) mod tileH, (hx÷S) mod tileW), address (rs·CS + cs)·CW + w (§6.2)
        let hy = m.wire("ldr_hy", (lr.y - lr.geom.y0).fit(8)), hx = m.wire("ldr_hx", (lr.x - lr.geom.x0).fit(8))
        let (qy, by) = m.udiv("ldr_ydiv", mux(dS2, hy >> 1, hy), k(tH, 8), qbits: 8)
        let (qx, bx) = m.udiv("ldr_xdiv", mux(dS2, hx >> 1, hx), k(tW, 8), qbits: 8)
        let rs = m.wire("ldr_rs", mux(dS2, cat(qy.fit(7), hy[0]), qy.fit(8)))
        let cs = m.wire("ldr_cs", mux(dS2, cat(qx.fit(7), hx[0]), qx.fit(8)))
        let awI = Memory.addressWidth(depth: 2 * DI)
        let hAddr = m.wire("ldr_halo_addr", umul(rs, dCSCW, 32) + umul(cs, dCW, 32) + lr.w.fit(32))
        let hAddrH = m.wire("ldr_halo_addr_h", mux(loadsDone[0], hAddr + DI, hAddr).fit(awI))
        let bankIdx = m.wire("ldr_bank", (umul(by, k(tW, 8), 8) + bx.fit(8)))
        let haloWrite = m.wire("ldr_halo_write", rsp && !lr.inRes)
        inRdEnW = m.wire("in_rd_en")
        m.submodule("halo_buffer", documentation: "Double-buffered halo input buffer: tileH·tileW banks (§6.2).")
        let nBanks = tH * tW
        let bankWe = m.wire("halo_bank_we", mux(haloWrite, onehot(bankIdx, width: nBanks), Expr.zeros(width: nBanks)))
        inRdAddrW = m.wire("in_rd_addr", width: nBanks * awI)
        inRdata = m.wire("halo_rdata", width: nBanks * 8 * B)
        m.instanceArray(try ram(depth: 2 * DI, width: 8 * B), name: "halo_bank", dimensions: [("bank", nBanks)], connections: [
            "clk": .shared(clk), "we": .slice(bankWe), "waddr": .shared(hAddrH), "wdata": .shared(memRspRdata),
            "re": .shared(inRdEnW), "raddr": .slice(inRdAddrW), "rdata": .slice(inRdata),
        ])
        m.submodule("port_sequencer")
        // Residual / output buffers: memory (c, b) holds byte b of words of tile column c; address (half·tileH + r)·DO + j.
        let awO = Memory.addressWidth(depth: 2 * tH * DO)
        let resWrite = m.wire("ldr_res_write", rsp && lr.inRes)
        let resAddr = m.wire("ldr_res_addr", (umul(mux(loadsDone[0], lr.r.fit(16) + tH, lr.r.fit(16)), k(DO, 16), 16) + lr.j.fit(16)).fit(awO))
        let resCol = m.wire("ldr_res_col", lr.c.fit(8))
        resRdEnW = m.wire("res_rd_en")
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
        let rdR = m.wire("st_rd_r", mux(grantStore, k(0, 18), mux(storeAccept, nr, sr)).fit(8))
        let rdC = m.wire("st_rd_c", mux(grantStore, k(0, 18), mux(storeAccept, nc, sc)).fit(bitsFor(max(tW - 1, 1))))
        let rdJ = m.wire("st_rd_j", mux(grantStore, k(0, 16), mux(storeAccept, nj, sj)))
        let rdHalf = m.wire("st_rd_half", mux(grantStore, si[0], sHalf))
        let outRdAddr = m.wire("out_rd_addr", (umul(mux(rdHalf, rdR.fit(16) + tH, rdR.fit(16)), k(DO, 16), 16) + rdJ).fit(awO))
        let outRdEn = m.wire("out_rd_en", grantStore || issueStore)
        let rdCol = m.reg("st_rd_col", width: bitsFor(max(tW - 1, 1)), reset: 0)
        let storeAddr = m.wire("st_addr", rBase[5] + umul(umul(umul(sty, k(tH, 32), 32) + sr.fit(32), dWo, 32)
            + umul(stx, k(tW, 32), 32) + sc.fit(32), dCOW, 32) + pBase.fit(32) + sj.fit(32))
        // strobe: byte b of pass word j holds channel j·B + b − (o0 mod B) of the pass
        let strobe = cat((0..<B).reversed().map { b -> any ExprConvertible in
            let ch = umul(sj, k(B, 24), 24) + b
            return ch >= pO0modB.fit(24) && ch < pO0modB.fit(24) + pCur.fit(24)
        })
        m.clocked("st_walk") { p in
            p.assign(rdCol, rdC)
            p.when(grantStore) {
                p.assign(sty, select(sIdx, ringTy)); p.assign(stx, select(sIdx, ringTx)); p.assign(sHalf, si[0])
                p.assign(sr, 0); p.assign(sc, 0); p.assign(sj, 0)
            }.elseWhen(storeAccept) { p.assign(sr, nr); p.assign(sc, nc); p.assign(sj, nj) }
        }
        m.submodule("tile_buffers", documentation: "Residual and output tile buffers, byte-sliced per tile column (§6.4).")
        // RAM (c, b) holds byte b of the words of tile column c. Residual: written a word of one
        // column per response, read one word per column per cycle at the byte lanes' addresses.
        // Output: written one byte lane per RAM (a tile row of lanesK channels per cycle), read one
        // word per column per cycle.
        let byteRam = try ram(depth: 2 * tH * DO, width: 8)
        let resWe = m.wire("res_buf_we", mux(resWrite, onehot(resCol, width: tW), Expr.zeros(width: tW)))
        resRdAddrW = m.wire("res_rd_addr", width: B * awO)
        resRdata = m.wire("res_rdata", width: tW * B * 8)
        m.instanceArray(byteRam, name: "res_buf", dimensions: [("c", tW), ("b", B)], connections: [
            "clk": .shared(clk), "we": .slice(resWe, over: "c"), "waddr": .shared(resAddr), "wdata": .slice(memRspRdata, over: "b"),
            "re": .shared(resRdEnW), "raddr": .slice(resRdAddrW, over: "b"), "rdata": .slice(resRdata),
        ])
        outWeW = m.wire("out_we", width: B)
        outWAddrW = m.wire("out_wr_addr", width: B * awO)
        outWDataW = m.wire("out_wr_data", width: B * tW * 8)
        let outRdata = m.wire("out_rdata", width: tW * B * 8)
        m.instanceArray(byteRam, name: "out_buf", dimensions: [("c", tW), ("b", B)], connections: [
            "clk": .shared(clk), "we": .slice(outWeW, over: "b"), "waddr": .slice(outWAddrW, over: "b"),
            "wdata": .slice(outWDataW, over: "b", "c"),
            "re": .shared(outRdEn), "raddr": .shared(outRdAddr), "rdata": .slice(outRdata),
        ])
        m.submodule("port_sequencer")
        let outWord = m.wire("st_wdata", select(rdCol, fields(outRdata, width: 8 * B)))

        // ---- sequencer state ----
        evStoreEndR = m.reg("ev_store_end_r", width: 1, reset: 0)
        let stLastReq = m.wire("st_last_req", storeAccept && stLast)
        m.assign(passEnd, stLastReq && si == li && !scanValid)
        m.clocked("xfer_seq") { p in
            p.assign(evStoreEndR, stLastReq)
            p.when(grantLoad) {
                // slot li mod 4 takes the granted tile
                let slot = li.trunc(2)
                p.assign(ringTyR, cat((0..<4).reversed().map { i -> any ExprConvertible in mux(slot == i, scanTy, ringTy[i]) }))
                p.assign(ringTxR, cat((0..<4).reversed().map { i -> any ExprConvertible in mux(slot == i, scanTx, ringTx[i]) }))
                p.assign(li, li + 1); p.assign(lastWasLoad, 1); p.assign(xIsStore, 0); p.assign(xState, 1); p.assign(xFirst, 1)
            }
            p.when(grantStore) {
                p.assign(si, si + 1); p.assign(lastWasLoad, 0); p.assign(xIsStore, 1); p.assign(xState, 1); p.assign(xFirst, 1)
            }
            p.when(loadAccept || storeAccept) { p.assign(xFirst, 0) }
            p.when(ldLast || stLastReq) { p.assign(xState, 0) }
            p.when(stLastReq) { p.assign(storesDone, storesDone + 1) }
            p.when(rspLastW) { p.assign(loadsDone, loadsDone + 1) }
            p.when(!inTiles) {
                p.assign(xState, 0); p.assign(li, 0); p.assign(si, 0); p.assign(lastWasLoad, 0)
                p.assign(loadsDone, 0); p.assign(storesDone, 0)
            }
        }
        // ---- DRAM port: request channel (valid/ready), read responses in order, always accepted ----
        m.assign(memReqValid, burstReqValidW || loadValid || issueStore)
        m.assign(memReqWrite, issueStore)
        m.assign(memReqAddr, mux(burstReqValidW, burstReqAddrW, mux(xIsStore, storeAddr, loadAddr)))
        m.assign(memReqWdata, mux(issueStore, outWord, Expr.zeros(width: 8 * B)))
        m.assign(memReqWstrb, mux(issueStore, strobe, Expr.zeros(width: B)))
        // Reads in flight: accepted, data not yet returned; a read is presented only below the limit.
        let maxOut = cfg.maxOutstandingReads
        let inFlight = m.reg("mem_reads_in_flight", width: bitsFor(maxOut), reset: 0)
        let readAccept = m.wire("mem_read_accept", memReqValid && memReqReady && !memReqWrite)
        m.clocked("mem_read_window") { p in
            p.when(readAccept && !memRspValid) { p.assign(inFlight, inFlight + 1) }
                .elseWhen(!readAccept && memRspValid) { p.assign(inFlight, inFlight - 1) }
        }
        m.assign(readSlot, inFlight < maxOut)
        m.assign(memRspReady, k(1, 1))
        m.assign(evLoadStart, loadAccept && xFirst)
        m.assign(evStoreStart, storeAccept && xFirst)
        m.assign(evLoadReady, evLoadReadyR)
        m.assign(evStoreEnd, evStoreEndR)
    }
}
