/// Top sequencer (§14) and the weight loader: the MASK and WEIGHTS read bursts (§7.2),
/// the weight buffer (lanesK banks, §6.3) and the bias RAM (one copy per lane).
extension AcceleratorBuilder {
    func topSequencer() throws {
        m.submodule("layer_sequencer", documentation: "Top sequencer (§14): phases, passes, the MASK and WEIGHTS bursts (§7.2).")
        phase = m.reg("phase", width: 2, reset: 0)
        doneR = m.reg("done_r", width: 1, reset: 0)
        errorR = m.reg("error_r", width: 1, reset: 0)
        let ctrl = regs["CTRL"]!, start = ctrl.field("start")!
        startPulse = m.wire("start_pulse", csrWe && csrAddr == ctrl.offset && csrWdata[start.lsb] && phase == 0)

        // ---- pass quantities (§4), combinational from o0 ----
        o0 = m.reg("pass_o0", width: 16, reset: 0)
        let o1 = m.wire("pass_o1", umin(dCout.zext(17), o0.zext(17) + dPc.zext(17)).trunc(16))
        pCur = m.wire("pass_channels", o1 - o0)
        pG = m.wire("pass_kgroups", m.udiv("pass_gdiv", pCur.zext(17) + (LK - 1), k(LK, 17), qbits: 16).q)
        pBase = m.wire("pass_word_base", o0 >> lgB)
        pOW = m.wire("pass_words", ((o1 - 1) >> lgB) - pBase + 1)
        pO0modB = m.wire("pass_o0_mod_b", o0.fit(max(lgB, 1)).fit(16) & (B - 1))
        pBiasLo = m.wire("pass_bias_lo", (o0.zext(18) << 2) >> lgB)
        pNB = m.wire("pass_bias_words", ((((o1.zext(18) << 2) - 1) >> lgB) - pBiasLo + 1).zext(32))
        pNW = m.wire("pass_weight_words", umul(pCur, dK2CW, 32))
        pLast = m.wire("pass_last", o1 == dCout)
        let wBase = m.wire("pass_weight_base", rBase[2] + umul(o0, dK2CW, 32))

        // ---- burst (MASK / WEIGHTS) ----
        let bq = m.reg("burst_req", width: 32, reset: 0), br = m.reg("burst_rsp", width: 32, reset: 0)
        let n = m.wire("burst_len", mux(inMask, dMw.zext(32), pNB + pNW))
        readSlot = m.wire("mem_read_slot")
        let burstReq = m.wire("burst_req_valid", (inMask || inWeights) && bq < n && readSlot)
        let burstAccept = m.wire("burst_req_accept", burstReq && memReqReady)
        let burstAddr = m.wire("burst_req_addr",
            mux(inMask, rBase[0] + bq,
                mux(bq < pNB, rBase[1] + pBiasLo.zext(32) + bq, wBase + (bq - pNB))))
        let rsp = m.wire("burst_rsp_valid", (inMask || inWeights) && memRspValid)
        let rspLast = m.wire("burst_rsp_last", rsp && br == n - 1)
        burstReqValidW = burstReq; burstReqAddrW = burstAddr
        maskRspW = m.wire("mask_rsp", inMask && memRspValid)
        maskRspIndexW = br
        let maskAny = m.reg("mask_any", width: 1, reset: 0)
        let maskAnyNow = m.wire("mask_any_now", maskAny || memRspRdata.reduceOr())
        passEnd = m.wire("pass_end")
        m.clocked("top_fsm") { p in
            p.when(startPulse) {
                p.when(dError) {
                    p.assign(errorR, 1); p.assign(doneR, 1)
                }.otherwise {
                    p.assign(phase, 1); p.assign(doneR, 0); p.assign(errorR, 0)
                    p.assign(bq, 0); p.assign(br, 0); p.assign(maskAny, 0); p.assign(o0, 0)
                }
            }
            p.when(burstAccept) { p.assign(bq, bq + 1) }
            p.when(rsp) { p.assign(br, br + 1) }
            p.when(maskRspW) { p.assign(maskAny, maskAnyNow) }
            p.when(rspLast) {
                p.assign(bq, 0); p.assign(br, 0)
                p.when(inMask) {
                    p.when(maskAnyNow) { p.assign(phase, 2) }.otherwise { p.assign(phase, 0); p.assign(doneR, 1) }
                }.otherwise { p.assign(phase, 3) }
            }
            p.when(passEnd) {
                p.when(pLast) { p.assign(phase, 0); p.assign(doneR, 1) }
                    .otherwise { p.assign(phase, 2); p.assign(o0, o0 + dPc) }
            }
        }

        m.submodule("weight_buffer", documentation: "Weight buffer (lanesK banks, §6.3) and the bias RAM (one copy per lane).")
        // ---- weight buffer: word q of the pass → bank (q ÷ K²CW) mod lanesK, address (q ÷ (K²CW·lanesK))·K²CW + q mod K²CW ----
        let wq = m.reg("wl_word", width: 24, reset: 0), wbank = m.reg("wl_bank", width: bitsFor(LK), reset: 0)
        let wgbase = m.reg("wl_group_base", width: 32, reset: 0)
        let wWrite = m.wire("wl_weight_write", inWeights && memRspValid && br >= pNB)
        let bWrite = m.wire("wl_bias_write", inWeights && memRspValid && br < pNB)
        m.clocked("wl_counters") { p in
            p.when(!inWeights) { p.assign(wq, 0); p.assign(wbank, 0); p.assign(wgbase, 0) }
            p.when(wWrite) {
                p.when(wq == dK2CW - 1) {
                    p.assign(wq, 0)
                    p.when(wbank == LK - 1) { p.assign(wbank, 0); p.assign(wgbase, wgbase + dK2CW.zext(32)) }
                        .otherwise { p.assign(wbank, wbank + 1) }
                }.otherwise { p.assign(wq, wq + 1) }
            }
        }
        let awW = Memory.addressWidth(depth: DW)
        let wAddr = m.wire("wl_addr", (wgbase + wq.zext(32)).fit(awW))
        weightRdAddrW = m.wire("weight_rd_addr", width: awW)
        weightRdEnW = m.wire("weight_rd_en")
        let bankWe = m.wire("weight_bank_we", mux(wWrite, onehot(wbank, width: LK), Expr.zeros(width: LK)))
        weightRdata = m.wire("weight_rdata", width: LK * 8 * B)
        m.instanceArray(try ram(depth: DW, width: 8 * B), name: "weight_bank", dimensions: [("l", LK)], connections: [
            "clk": .shared(clk), "we": .slice(bankWe), "waddr": .shared(wAddr), "wdata": .shared(memRspRdata),
            "re": .shared(weightRdEnW), "raddr": .shared(weightRdAddrW), "rdata": .slice(weightRdata),
        ])
        // ---- bias RAM: pass bias words, one copy per lane (each lane reads its own channel's word) ----
        let awB = Memory.addressWidth(depth: DB)
        biasRdEnW = m.wire("bias_rd_en")
        biasRdAddrW = m.wire("bias_rd_addr", width: LK * awB)
        biasRdata = m.wire("bias_rdata", width: LK * 8 * B)
        m.instanceArray(try ram(depth: DB, width: 8 * B), name: "bias_ram", dimensions: [("l", LK)], connections: [
            "clk": .shared(clk), "we": .shared(bWrite), "waddr": .shared(br.fit(awB)), "wdata": .shared(memRspRdata),
            "re": .shared(biasRdEnW), "raddr": .slice(biasRdAddrW), "rdata": .slice(biasRdata),
        ])
    }
}
