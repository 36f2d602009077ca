import AcceleratorSpec

/// The top sequencer (§14): phases IDLE → MASK → WEIGHTS → TILES → WEIGHTS … per pass, the pass
/// quantities (§4), and the MASK and WEIGHTS read bursts (§7.2) with their response beats
/// (`<prefix>layer_sequencer`).
struct LayerSequencer: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("layer_sequencer"), documentation: "Top sequencer (§14): phases, passes, the MASK and WEIGHTS bursts (§7.2).")
        _ = m.clock(); _ = m.reset()
        let csr = m.ports("csr", TopInterface.csr.only("we", "addr", "wdata").flipped)
        let rsp = m.ports("mem_rsp", TopInterface.memoryResponse(cfg).only("valid", "rdata").flipped)
        let regs = m.ports(ch.registers.name, ch.registers.bundle.only("base_mask", "base_bias", "base_weights").flipped)
        let layer = m.ports(ch.layer.name, ch.layer.bundle.only("cout", "k2cw", "mw", "pc", "error").flipped)
        let seq = m.ports(ch.sequencer.name, ch.sequencer.bundle)
        let burst = m.ports(ch.burst.name, ch.burst.bundle)
        let maskBeat = m.ports(ch.maskBeat.name, ch.maskBeat.bundle)
        let weightBeat = m.ports(ch.weightBeat.name, ch.weightBeat.bundle)
        let passDone = m.ports(ch.passDone.name, ch.passDone.bundle.flipped)

        let phase = m.reg("phase", width: 2, reset: 0)
        let doneR = m.reg("done_r", width: 1, reset: 0)
        let errorR = m.reg("error_r", width: 1, reset: 0)
        let inMask = phase == 1, inWeights = phase == 2
        let ctrl = ctx.regs["CTRL"]!, start = ctrl.field("start")!
        let startPulse = m.wire("start_pulse", csr["we"] && csr["addr"] == ctrl.offset && csr["wdata"][start.lsb] && phase == 0)

        // ---- pass quantities (§4), combinational from o0 ----
        let o0 = m.reg("pass_o0", width: 16, reset: 0)
        let o1 = m.wire("pass_o1", umin(layer["cout"].zext(17), o0.zext(17) + layer["pc"].zext(17)).trunc(16))
        let pCur = m.wire("pass_channels", o1 - o0)
        let pBiasLo = m.wire("pass_bias_lo", (o0.zext(18) << 2) >> lgB)
        let pNB = m.wire("pass_bias_words", ((((o1.zext(18) << 2) - 1) >> lgB) - pBiasLo + 1).zext(32))
        let pNW = m.wire("pass_weight_words", umul(pCur, layer["k2cw"], 32))
        let pLast = m.wire("pass_last", o1 == layer["cout"])
        let wBase = m.wire("pass_weight_base", regs["base_weights"] + umul(o0, layer["k2cw"], 32))
        let pBase = o0 >> lgB
        m.assign(seq["phase"], phase); m.assign(seq["start"], startPulse)
        m.assign(seq["done"], doneR); m.assign(seq["error"], errorR)
        m.assign(seq["o0"], o0); m.assign(seq["channels"], pCur)
        m.assign(seq["kgroups"], m.udiv("pass_gdiv", pCur.zext(17) + (LK - 1), k(LK, 17), qbits: 16).q)
        m.assign(seq["word_base"], pBase)
        m.assign(seq["words"], ((o1 - 1) >> lgB) - pBase + 1)
        m.assign(seq["o0_mod_b"], o0.fit(max(lgB, 1)).fit(16) & (B - 1))
        m.assign(seq["bias_lo"], pBiasLo)

        // ---- burst (MASK / WEIGHTS): requests offered until the last is taken, responses counted ----
        let bq = m.reg("burst_req", width: 32, reset: 0), br = m.reg("burst_rsp", width: 32, reset: 0)
        let n = m.wire("burst_len", mux(inMask, layer["mw"].zext(32), pNB + pNW))
        m.assign(burst["valid"], (inMask || inWeights) && bq < n)
        let burstAccept = m.wire("burst_accept", burst["valid"] && burst["ready"])
        m.assign(burst["addr"], mux(inMask, regs["base_mask"] + bq,
                                    mux(bq < pNB, regs["base_bias"] + pBiasLo.zext(32) + bq, wBase + (bq - pNB))))
        let beat = m.wire("burst_beat", (inMask || inWeights) && rsp["valid"])
        let beatLast = m.wire("burst_beat_last", beat && br == n - 1)
        m.assign(maskBeat["valid"], inMask && rsp["valid"]); m.assign(maskBeat["index"], br)
        m.assign(weightBeat["valid"], inWeights && rsp["valid"]); m.assign(weightBeat["bias"], br < pNB)
        m.assign(weightBeat["index"], br)
        let maskAny = m.reg("mask_any", width: 1, reset: 0)
        let maskAnyNow = m.wire("mask_any_now", maskAny || rsp["rdata"].reduceOr())
        m.clocked("top_fsm") { p in
            p.when(startPulse) {
                p.when(layer["error"]) {
                    p.assign(errorR, 1); p.assign(doneR, 1)
                }.otherwise {
                    p.assign(phase, 1); p.assign(doneR, 0); p.assign(errorR, 0)
                    p.assign(bq, 0); p.assign(br, 0); p.assign(maskAny, 0); p.assign(o0, 0)
                }
            }
            p.when(burstAccept) { p.assign(bq, bq + 1) }
            p.when(beat) { p.assign(br, br + 1) }
            p.when(maskBeat["valid"]) { p.assign(maskAny, maskAnyNow) }
            p.when(beatLast) {
                p.assign(bq, 0); p.assign(br, 0)
                p.when(inMask) {
                    p.when(maskAnyNow) { p.assign(phase, 2) }.otherwise { p.assign(phase, 0); p.assign(doneR, 1) }
                }.otherwise { p.assign(phase, 3) }
            }
            p.when(passDone["valid"]) {
                p.when(pLast) { p.assign(phase, 0); p.assign(doneR, 1) }
                    .otherwise { p.assign(phase, 2); p.assign(o0, o0 + layer["pc"]) }
            }
        }
        m.allowPartlyReadInputs()
        return try m.build()
    }
}
