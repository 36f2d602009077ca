import AcceleratorSpec

/// The top sequencer (§14): phases IDLE → MASK → WEIGHTS → TILES → WEIGHTS … per pass (and a last
/// WEIGHTS for the rest of a weight handoff), the pass quantities (§4), and the MASK and WEIGHTS read
/// bursts (§7.2) with their response beats (`<prefix>layer_sequencer`).
struct LayerSequencer: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("layer_sequencer"), documentation: "Top sequencer (§14): phases, passes, the MASK and WEIGHTS bursts (§7.2).")
        _ = m.clock(); _ = m.reset()
        let csr = m.ports(TopInterface.csrPort, TopInterface.csr.only("we", "addr", "wdata").flipped)
        let rsp = m.ports(TopInterface.memoryResponsePort, TopInterface.memoryResponse(cfg).only("rdata").flipped)
        let regs = m.ports(ch.registers.name, ch.registers.bundle.only("base_mask", "base_bias", "base_weights",
                                                                         "next_bias", "next_weights", "next_words", "next_layout",
                                                                         "ring", "preload", "next_ring", "channels",
                                                                         "pass_words", "pass_ring_words", "kgroups", "window_words", "window_end_words").flipped)
        // (without the handoff or the prefetch, §2, their bursts' quantities are not built; next_half
        // only with the handoff, whose burst alone reads it)
        let handsOn = cfg.has(.weightHandoff), prefetches = cfg.has(.weightPrefetch)
        let layer = layerRecord(in: m, reading: ["cout", "k2cw", "mw", "pc", "prefetch", "preloaded", "half0", "next"]
                                    + (handsOn ? ["next_half"] : []) + (cfg.tileList ? ["mtiles"] : []) + ["error"])
        let seq = m.ports(ch.sequencer.name, ch.sequencer.bundle)
        let burst = m.ports(ch.burst.name, ch.burst.bundle)
        let maskBeat = m.ports(ch.maskBeat.name, ch.maskBeat.bundle)
        let weightBeat = m.ports(ch.weightBeat.name, ch.weightBeat.bundle)
        let passDone = m.ports(ch.passDone.name, ch.passDone.bundle.flipped)
        let burstRsp = m.ports(ch.burstResponse.name, ch.burstResponse.bundle.flipped)

        let phase = m.reg("phase", width: 2, reset: 0)
        let doneR = m.reg("done_r", width: 1, reset: 0)
        let errorR = m.reg("error_r", width: 1, reset: 0)
        let inMask = phase == 1, inWeights = phase == 2, inTiles = phase == 3
        let ctrl = ctx.regs["CTRL"]!, start = ctrl.field("start")!
        let startPulse = m.wire("start_pulse", csr["we"] && csr["addr"] == ctrl.offset && csr["wdata"][start.lsb] && phase == 0)
        let cout = layer["cout"], pc = layer["pc"], k2cw = layer["k2cw"]
        func field(_ r: String, _ f: String) -> Expr { regs[r.lowercased()][ctx.field(r, f).bits] }
        /// Register `register` as a DRAM word address or word count, at the port's addressBits (§2:
        /// the register's other bits are not read).
        func address(_ register: String) -> Expr { regs[register].fit(addrW) }
        // Weight handoff (§7.2): pass 0's bias and first PRELOAD.words weight words preloaded; the next
        // layer's first pass (NEXT_*) loads during the last pass, and the layer ends when it is in.
        let preloaded = layer["preloaded"], half0 = layer["half0"], nextOn = layer["next"]
        let nextHalf: Expr = handsOn ? layer["next_half"].expr : k(0, 1)
        // The channel window (§4, CHANNELS): the first pass starts at `first`, the last ends at `end`.
        // (at the channel counters' width, `chW`: a window past it is a layer error, §2)
        let chW = ctx.chW, sumW = max(chW, ctx.passChannelsW) + 1
        let chFirst = m.wire("channels_first", field("CHANNELS", "first").fit(chW)), chEnd = m.wire("channels_end", field("CHANNELS", "end").fit(chW))
        m.allowUnused(cout)  // (the window's end bounds the passes; Cout sets the pixel words, layer_params)
        m.allowUnused(pc)  // (its bits past passChannelsW: a layer error)
        func passEnd(_ first: some ExprConvertible) -> Expr {
            umin(chEnd.zext(sumW), first.fit(sumW) + pc.fit(ctx.passChannelsW).zext(sumW)).trunc(chW)
        }

        // ---- the current pass (§4), combinational from o0 ----
        let o0 = m.reg("pass_o0", width: chW, reset: 0)
        let half = m.reg("pass_half", width: 1, reset: 0)
        // ring address of the pass's first weight word; the next pass's follows its G·K²CW words (§6.3)
        let wbase = m.reg("pass_ring_base", width: ctx.awW, reset: 0)
        // (the pass's end o1 = passEnd(o0) and its weight words before o0 are registers, set with o0:
        // the burst's length is then a shorter path from registers, issue 13)
        let o1 = m.reg("pass_o1", width: chW, reset: 0)
        // (without the prefetch and the handoff, the iCE40 presets, the next pass's end is a
        // register too, passEnd(o1) a cycle after o1: a pass's step reads it no sooner — the first
        // pass's in MASK's second cycle — and its words' subtractions start at registers, issue 13)
        let nextO1Staged = !prefetches && !handsOn
        let nextO1 = m.wire("pass_next_o1", nextO1Staged ? m.delayed("pass_next_o1", passEnd(o1), by: 1) : passEnd(o1))
        /// The words of a pixel pass [first, end) spans, less one: (end − 1)÷B − first÷B.
        func passWordsLast(_ first: some ExprConvertible, _ end: some ExprConvertible) -> Expr {
            ((end.expr - 1) >> lgB) - (first.expr >> lgB)
        }
        let pWords = m.reg("pass_words", width: ctx.passWordsW, reset: 0)
        // (and the words less one, set with them: the walkers' last word of a pixel compares with a
        // register, not with a subtraction — the take's path, issue 13)
        let pWordsLast = m.reg("pass_words_last", width: ctx.passWordsW, reset: (1 << ctx.passWordsW) - 1)
        /// The pass [first, end)'s words per pixel, and less one, into their registers.
        func assignPassWords(_ p: ProcessBuilder, _ first: some ExprConvertible, _ end: some ExprConvertible) {
            p.assign(pWords, (passWordsLast(first, end) + 1).fit(ctx.passWordsW))
            p.assign(pWordsLast, passWordsLast(first, end).fit(ctx.passWordsW))
        }
        let pCur = m.wire("pass_channels", (o1 - o0).fit(ctx.passChannelsW))
        // (whether the pass is the last, o1 = the window's end, is a register set with o1)
        let pLastR = m.reg("pass_last_r", width: 1, reset: 0)
        let pLast = m.wire("pass_last", pLastR)
        m.assign(seq["phase"], phase); m.assign(seq["start"], startPulse)
        m.assign(seq["done"], doneR); m.assign(seq["error"], errorR)
        m.assign(seq["o0"], o0); m.assign(seq["channels"], pCur)
        // (the pass quantities that take a product or a quotient come from the host: KGROUPS, PASS_*,
        // WINDOW_*; the passes before the last have pc channels, §4)
        let kgroups = m.wire("pass_kgroups", mux(pLast, field("KGROUPS", "last"), field("KGROUPS", "full")).fit(ctx.kgroupW))
        m.assign(seq["kgroups"], kgroups)
        // (a pass that is not the last is followed: its weights take PASS_RING_WORDS of the ring)
        let ringAfter = m.wire("pass_ring_after", ctx.ringSum(wbase, regs["pass_ring_words"].fit(ctx.awW)))
        // weight words in DRAM before channel o0: first·K·KW·CW + (o0 − first)·K·KW·CW, by adding PASS_WORDS a pass
        let o0Words = m.reg("pass_o0_words", width: addrW, reset: 0)
        m.assign(seq["words"], pWords); m.assign(seq["words_last"], pWordsLast)
        m.assign(seq["o0_mod_b"], o0.fit(ctx.lgBb) & (B - 1))
        m.assign(seq["bias_lo"], (o0.zext(chW + 2) << 2) >> lgB)
        m.assign(seq["half"], half); m.assign(seq["wbase"], wbase)

        // ---- the burst's pass: the current one in WEIGHTS, the next one during TILES (prefetch, §7.2);
        //      during the last pass, and after it (`handoff_tail`), the next layer's first pass ----
        let tail = m.reg("handoff_tail", width: 1, reset: 0)
        let bNext = m.wire("burst_next_layer", tail || (inTiles && pLast && nextOn))
        /// A quantity of the burst's pass: the next layer's first (`next`), else in TILES the next
        /// pass's (`prefetch`), in WEIGHTS the current one's (`current`). A config without the
        /// handoff or the prefetch (§2) has no burst of that kind: its alternative is not built.
        func ofBurstPass(next: some ExprConvertible, prefetch: some ExprConvertible, current: some ExprConvertible) -> Expr {
            let ofPass = prefetches ? mux(inTiles, prefetch, current) : current.expr
            return handsOn ? mux(bNext, next, ofPass) : ofPass
        }
        // (the bias words of channel c from c·4 ÷ B; the burst's c is o0 in WEIGHTS, o1 = o0 + pc in TILES)
        func biasLo(_ c: Signal) -> Expr { (c.zext(chW + 2) << 2) >> lgB }
        // pass 0's WEIGHTS of a preloaded layer: no bias words, the weight words after the preloaded ones
        // (o0 = the window's first channel, a flag set with o0: the first pass)
        let passFirst = m.reg("pass_first", width: 1, reset: 0)
        let skipPreloaded = m.wire("burst_skips_preloaded", !tail && preloaded && passFirst)
        let pre0 = m.wire("burst_rest_of_preloaded", inWeights && skipPreloaded)
        let skip = field("PRELOAD", "words").fit(addrW)
        // bo0·K·KW·CW (in TILES bo0 = o1: o0 + pc, or the window's end in the last pass)
        /// The bias and weight words of the burst of channels [c0, c1), whose weights start c0Words
        /// into the layer's (c0·K·KW·CW), less the preloaded ones when `rest`: (c1 − c0)·K·KW·CW,
        /// which is the window's end words less c0's for the window's last pass (c1 = end) and
        /// PASS_WORDS for any other (c1 − c0 = pc): a choice, not a comparison of DRAM word counts.
        func burstWords(_ c0: some ExprConvertible, _ c1: some ExprConvertible, _ c0Words: some ExprConvertible, rest: some ExprConvertible) -> (bias: Expr, weights: Expr) {
            // (4·c1 − 1)÷B − 4·c0÷B + 1 int32 bias words; with B ≤ 4 a word holds at most one,
            // and that is (c1 − c0)·4/B, one subtraction)
            let all = lgB <= 2 ? ((c1.expr.zext(chW + 2) - c0.expr.zext(chW + 2)) << (2 - lgB))
                : ((((c1.expr.zext(chW + 2) << 2) - 1) >> lgB) - ((c0.expr.zext(chW + 2) << 2) >> lgB) + 1)
            let bias = mux(rest, k(0, burstW), all.fit(burstW))
            let words = mux(c1.expr == chEnd, address("window_end_words") - c0Words.fit(addrW), address("pass_words")).fit(burstW)
            return (bias, words - mux(rest, skip.fit(burstW), k(0, burstW)))
        }
        // The burst's length is a register (a short path to the burst's handshake, issue 13): the
        // current pass's WEIGHTS burst, set at the start and at each pass from the previous TILES';
        // the prefetch of the next pass during TILES, set entering TILES.
        let nbW = m.reg("burst_bias_words_w", width: burstW, reset: 0), nW = m.reg("burst_len_w", width: burstW, reset: 0)
        // (without the prefetch, §2, a pass's burst is found at the pass change itself, and the first
        // pass's in MASK's second cycle: no T registers; `ofBurstPass` then never reads them)
        let nbTR: Signal? = prefetches ? m.reg("burst_bias_words_t", width: burstW, reset: 0) : nil
        let nTR: Signal? = prefetches ? m.reg("burst_len_t", width: burstW, reset: 0) : nil
        let nbT = nbTR ?? nbW, nT = nTR ?? nW
        // The first pass's end, words and WEIGHTS burst as a pass change's (issue 13: not a second
        // copy of that logic from the window's first channel): START sets o1 to the window's first
        // channel and o0's DRAM words to the window's less PASS_WORDS, MASK's first cycle steps the
        // pass as a pass's end does, with the burst's length from the prefetch's formula (into the T
        // registers, which MASK's later cycles copy to the W ones — MASK lasts at least two cycles —
        // or, without the prefetch, in MASK's second cycle into the W ones at once). A layer
        // of a config with the weight handoff, whose first pass may be preloaded, takes them from
        // layer constants of the window.
        let firstStep: Signal? = handsOn ? nil : m.reg("pass_first_step", width: 1, reset: 0)
        // (MASK's first cycle, or its second when the next pass's end is registered)
        let firstStepNow: Expr? = firstStep.map { f in nextO1Staged ? f && m.delayed("pass_first_step_armed", f.expr, by: 1, reset: 0) : f.expr }
        let firstConstants: (bias: Expr, weights: Expr)? = handsOn ? {
            let first = burstWords(chFirst, passEnd(chFirst), address("window_words"), rest: preloaded)
            return (m.layerConstant("burst_first_bias", first.bias), m.layerConstant("burst_first_weights", first.weights))
        }() : nil
        let prefetch = burstWords(o1, nextO1, mux(pLast, address("window_end_words"), o0Words + address("pass_words")), rest: k(0, 1))
        let nextBias = field("NEXT_WORDS", "bias").fit(burstW), nextWeights = field("NEXT_WORDS", "weights").fit(burstW)
        let bNB = m.wire("burst_bias_words", ofBurstPass(next: nextBias, prefetch: nbT, current: nbW))
        // The weights' and the bias's DRAM bases, each phase's from registers and the phase's
        // choice after the adders: a burst's first request reads them (issue 13). The weights':
        // base + bo0·K·KW·CW (+ the preloaded words skipped), bo0 = o0 in WEIGHTS, in TILES o1,
        // whose words are o0's + PASS_WORDS, or the window's end in the last pass.
        let weightsW = m.wire("burst_weight_base_w", address("base_weights") + o0Words + mux(skipPreloaded, skip, k(0, addrW)))
        let weightsT: Expr = prefetches
            ? m.wire("burst_weight_base_t", address("base_weights") + mux(pLast, address("window_end_words"), o0Words + address("pass_words"))).expr
            : k(0, addrW)
        let bBase = m.wire("burst_weight_base", ofBurstPass(next: address("next_weights"), prefetch: weightsT, current: weightsW))
        // where its first weight word goes in the ring
        let bRing = m.wire("burst_ring_base", ofBurstPass(next: field("NEXT_RING", "base").fit(ctx.awW), prefetch: ringAfter,
                                                          current: mux(pre0, ctx.ringSum(wbase, field("RING", "skip").fit(ctx.awW)), wbase.expr)))
        let bBiasBase = m.wire("burst_bias_base", ofBurstPass(next: address("next_bias"), prefetch: address("base_bias") + biasLo(o1).fit(addrW),
                                                             current: address("base_bias") + biasLo(o0).fit(addrW)))
        let bHalf = m.wire("burst_half", ofBurstPass(next: nextHalf, prefetch: !half, current: half))

        // ---- burst: requests offered until the last is taken, responses counted ----
        let bq = m.reg("burst_req", width: burstW, reset: 0), br = m.reg("burst_rsp_count", width: burstW, reset: 0)
        // The burst's last datum arrived (a prefetch that finished during TILES); cleared entering TILES.
        let bdone = m.reg("burst_done", width: 1, reset: 0)
        // Cycles spent in WEIGHTS so far, up to minWeightsCycles − 1: a pass's TILES start at least
        // that many cycles after its WEIGHTS start, when the scanner has read the pass's first mask
        // word (3, §14) and, with boundary registers, the port sequencer registered its geometry (§7.3).
        let wLast = cfg.minWeightsCycles - 1, wcW = bitsFor(wLast)
        let wcnt = m.reg("weights_cycles", width: wcW, reset: 0)
        m.allowUnused(layer["mw"])  // (at most the mask RAM's words, which the burst's counters hold)
        let mwLen = layer["mw"].fit(burstW)
        let nextLen = handsOn ? m.layerConstant("burst_next_len", nextBias + nextWeights).expr : k(0, burstW)
        let n = m.wire("burst_len", mux(inMask, mwLen, ofBurstPass(next: nextLen, prefetch: nT, current: nW)))
        // Requests left (bq < n) as one comparison per length, selected by the phase: the compare
        // starts at registers rather than at the length's multiplexer (the burst's valid feeds the
        // port's turn, the read tags and the request's address select, issue 13).
        let more = m.wire("burst_more", mux(inMask, bq < mwLen, ofBurstPass(next: bq < nextLen, prefetch: bq < nT, current: bq < nW)))
        // n − 1 from registers and constants (the burst's last beat is on the phase's path); without
        // the prefetch (the iCE40 presets, whose clock is slow) the last beat is br + 1 = n, the
        // response counter's own increment, and no n − 1 is kept
        let nWm1: Signal? = prefetches ? m.reg("burst_len_w_m1", width: burstW, reset: 0) : nil
        let nTm1: Signal? = prefetches ? m.reg("burst_len_t_m1", width: burstW, reset: 0) : nil
        let nm1: Signal? = nWm1.map { nWm1 in
            m.wire("burst_len_m1", mux(inMask, m.layerConstant("burst_mask_len_m1", mwLen - 1),
                                       ofBurstPass(next: handsOn ? m.layerConstant("burst_next_len_m1", nextBias + nextWeights - 1).expr : k(0, burstW),
                                                   prefetch: nTm1!, current: nWm1)))
        }
        let prefetching = m.wire("burst_prefetch", inTiles && !bdone && mux(pLast, nextOn, layer["prefetch"]))
        m.assign(burst["valid"], (inMask || (inWeights && !bdone) || prefetching) && more)
        let burstAccept = m.wire("burst_accept", burst["valid"] && burst["ready"])
        // The burst's address from an incrementer (issue 13): a burst's first request reads its start
        // (the mask's base, else the bias's, or the weights' when it has no bias words); the later
        // ones a segment's base (registered at the first accept: the start, or the weights' after
        // the last bias word) plus an offset that each accept moves a word on.
        // (`burst_first_req` is bq = 0, a flag: set with bq's clear, cleared by an accept; the
        // comparisons with the bias words one per phase, selected after them, like `burst_more`)
        let bFirstReq = m.reg("burst_first_req", width: 1, reset: 1)
        // (`burst_first_rsp` likewise br = 0: set with br's clear, cleared by a beat; the weight
        // loader restarts its counters at it)
        let bFirstRsp = m.reg("burst_first_rsp", width: 1, reset: 1)
        let bSegBase = m.reg("burst_segment_base", width: addrW, reset: 0), bOff = m.reg("burst_segment_offset", width: burstW, reset: 0)
        let noBias = m.wire("burst_no_bias", ofBurstPass(next: nextBias == 0, prefetch: nbT == 0, current: nbW == 0))
        let lastBias = m.wire("burst_last_bias", !inMask && ofBurstPass(next: bq + 1 == nextBias, prefetch: bq + 1 == nbT, current: bq + 1 == nbW))
        let bStart = m.wire("burst_start_addr", mux(inMask, address("base_mask"), mux(noBias, bBase, bBiasBase)))
        m.assign(burst["addr"], mux(bFirstReq, bStart, bSegBase + bOff.fit(addrW)))
        let beat = burstRsp["valid"]
        let beatLast = m.wire("burst_beat_last", beat && (nm1.map { br == $0 } ?? (br + 1 == n)))
        m.assign(maskBeat["valid"], inMask && beat); m.assign(maskBeat["index"], br)
        m.assign(weightBeat["valid"], !inMask && beat); m.assign(weightBeat["bias"], br < bNB)
        m.assign(weightBeat["index"], br); m.assign(weightBeat["first"], bFirstRsp); m.assign(weightBeat["half"], bHalf)
        m.assign(weightBeat["k2cw"], mux(bNext, field("NEXT_LAYOUT", "k2cw").fit(ctx.cwW), k2cw))
        // (a channel's last word as layer constants: the loader's wrap compares with a register)
        let k2cwLast = m.layerConstant("burst_k2cw_last_layer", k2cw - 1)
        m.assign(weightBeat["word_last"], handsOn ? mux(bNext, m.layerConstant("burst_next_k2cw_last", field("NEXT_LAYOUT", "k2cw").fit(ctx.cwW) - 1), k2cwLast) : k2cwLast)
        m.assign(weightBeat["base"], bRing)
        // Whether the layer has an active tile: a set bit among the mask words so far, or with a tile
        // list (§6.1) entries in it (an entry may be all zeros: tile (0, 0)).
        let maskAny: Signal? = cfg.tileList ? nil : m.reg("mask_any", width: 1, reset: 0)
        let maskAnyNow = m.wire("mask_any_now", maskAny.map { $0 || rsp["rdata"].reduceOr() } ?? (layer["mtiles"] != 0))
        // (a burst of no words, the rest of a first pass preloaded whole, is in at once)
        let burstIn = m.wire("burst_in", bdone || beatLast || (!inMask && n == 0))
        let toTiles = m.wire("weights_done", inWeights && !tail && burstIn && wcnt == wLast)
        m.clocked("top_fsm") { p in
            p.when(startPulse) {
                p.when(layer["error"].reduceOr()) {
                    p.assign(errorR, 1); p.assign(doneR, 1)
                }.otherwise {
                    p.assign(phase, 1); p.assign(doneR, 0); p.assign(errorR, 0)
                    p.assign(bq, 0); p.assign(bFirstReq, 1); p.assign(br, 0); p.assign(bFirstRsp, 1); if let maskAny { p.assign(maskAny, 0) }; p.assign(o0, chFirst); p.assign(passFirst, 1)
                    if let firstStep {
                        p.assign(o1, chFirst); p.assign(pLastR, 0); p.assign(o0Words, address("window_words") - address("pass_words")); p.assign(firstStep, 1)
                    } else {
                        p.assign(o1, passEnd(chFirst)); assignPassWords(p, chFirst, passEnd(chFirst))
                        p.assign(pLastR, passEnd(chFirst) == chEnd)
                        p.assign(o0Words, address("window_words"))
                    }
                    p.assign(half, half0)
                    p.assign(wbase, field("RING", "base").fit(ctx.awW)); p.assign(bdone, 0); p.assign(tail, 0)
                }
            }
            p.when(burstAccept) {
                p.assign(bq, bq + 1); p.assign(bFirstReq, 0)
                p.when(lastBias) { p.assign(bSegBase, bBase); p.assign(bOff, 0) }
                    .elseWhen(bFirstReq) { p.assign(bSegBase, bStart); p.assign(bOff, 1) }
                    .otherwise { p.assign(bOff, bOff + 1) }
            }
            p.when(beat) { p.assign(br, br + 1); p.assign(bFirstRsp, 0) }
            if let maskAny { p.when(maskBeat["valid"]) { p.assign(maskAny, maskAnyNow) } }
            p.when(beatLast) {
                p.assign(bq, 0); p.assign(bFirstReq, 1); p.assign(br, 0); p.assign(bFirstRsp, 1)
                p.when(inMask) {
                    // no active tile: the layer ends, or first loads the next layer's first pass
                    p.when(maskAnyNow) { p.assign(phase, 2) }
                        .elseWhen(nextOn) { p.assign(phase, 2); p.assign(tail, 1); p.assign(bdone, 0) }
                        .otherwise { p.assign(phase, 0); p.assign(doneR, 1) }
                }.otherwise { p.assign(bdone, 1) }
            }
            p.assign(wcnt, mux(inWeights, mux(wcnt == wLast, k(wLast, wcW), wcnt + 1), k(0, wcW)))
            // (the first pass's burst is loaded in MASK, which lasts at least two cycles, from the
            // layer's registered constants, and its length less one a cycle later: the paths from
            // the channel window end at registers, issue 13)
            if let (firstBias, firstWeights) = firstConstants {
                p.when(inMask) { p.assign(nbW, firstBias); p.assign(nW, firstBias + firstWeights); if let nWm1 { p.assign(nWm1, nW - 1) } }
            }
            if let firstStep, let firstStepNow {
                p.when(inMask && firstStepNow) {
                    p.assign(firstStep, 0)
                    p.assign(o0, o1); p.assign(o1, nextO1); assignPassWords(p, o1, nextO1)
                    p.assign(pLastR, nextO1 == chEnd); p.assign(o0Words, o0Words + address("pass_words"))
                    if let nbTR, let nTR { p.assign(nbTR, prefetch.bias); p.assign(nTR, prefetch.bias + prefetch.weights) }
                    else { p.assign(nbW, prefetch.bias); p.assign(nW, prefetch.bias + prefetch.weights) }
                }
                if let nbTR, let nTR, let nWm1 {
                    p.when(inMask && !firstStep) { p.assign(nbW, nbTR); p.assign(nW, nTR); p.assign(nWm1, nTR - 1) }
                }
            }
            // (the prefetch's length less one a cycle after its length: its first datum arrives
            // L + 1 cycles after its first request, in TILES)
            if let nTm1 { p.when(inTiles) { p.assign(nTm1, nT - 1) } }
            p.when(toTiles) {
                p.assign(phase, 3); p.assign(bdone, 0)
                if let nbTR, let nTR { p.assign(nbTR, prefetch.bias); p.assign(nTR, prefetch.bias + prefetch.weights) }
            }
            p.when(inWeights && tail && burstIn) { p.assign(phase, 0); p.assign(doneR, 1); p.assign(tail, 0) }
            p.when(passDone["valid"]) {
                p.when(pLast && nextOn && !burstIn) { p.assign(phase, 2); p.assign(tail, 1) }
                    .elseWhen(pLast) { p.assign(phase, 0); p.assign(doneR, 1) }
                    .otherwise { p.assign(phase, 2); p.assign(o0, o1); p.assign(passFirst, 0); p.assign(o1, nextO1); assignPassWords(p, o1, nextO1)
                        p.assign(pLastR, nextO1 == chEnd)
                        p.assign(half, !half); p.assign(wbase, ringAfter)
                        p.assign(o0Words, o0Words + address("pass_words"))
                        // (the next pass's burst: the prefetch's, or without it found now from the same formula)
                        if let nbTR, let nTR, let nWm1, let nTm1 { p.assign(nbW, nbTR); p.assign(nW, nTR); p.assign(nWm1, nTm1) }
                        else { p.assign(nbW, prefetch.bias); p.assign(nW, prefetch.bias + prefetch.weights) } }
            }
        }
        m.allowPartlyReadInputs()
        return try m.build()
    }
}
