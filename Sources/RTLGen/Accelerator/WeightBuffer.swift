/// The weight buffer (lanesK banks, §6.3) and the bias RAM (one copy per requant lane of a column,
/// so every lane reads its own channel's bias word) (`<prefix>weight_buffer`).
struct WeightBuffer: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("weight_buffer"), documentation: "Weight buffer (lanesK banks, §6.3) and the bias RAM (one copy per lane).")
        let clk = m.clock(); _ = m.reset()
        let rsp = m.ports(TopInterface.memoryResponsePort, TopInterface.memoryResponse(cfg).only("rdata").flipped)
        let beat = m.ports(ch.weightBeat.name, ch.weightBeat.bundle.flipped)
        let rd = m.ports(ch.weightRead.name, ch.weightRead.bundle.flipped)
        let weights = m.ports(ch.weights.name, ch.weights.bundle)
        let biasRd = m.ports(ch.biasRead.name, ch.biasRead.bundle.flipped)
        let bias = m.ports(ch.bias.name, ch.bias.bundle)
        let k2cw = beat["k2cw"]

        // ---- weight word q of the burst → bank (q ÷ K²CW) mod lanesK, ring address base + (q ÷ (K²CW·lanesK))·K²CW
        //      + q mod K²CW, modulo DW (§6.3). The counters restart at a burst's first beat. ----
        let wq = m.reg("wl_word", width: ctx.cwW, reset: 0), wbank = m.reg("wl_bank", width: bitsFor(LK), reset: 0)
        let wgbase = m.reg("wl_group_base", width: 32, reset: 0)
        let first = beat["first"]
        let cq = m.wire("wl_cur_word", mux(first, k(0, ctx.cwW), wq)), cbank = m.wire("wl_cur_bank", mux(first, k(0, wbank.width), wbank))
        let cgbase = m.wire("wl_cur_group_base", mux(first, k(0, 32), wgbase))
        let wWrite = m.wire("wl_weight_write", beat["valid"] && !beat["bias"])
        let bWrite = m.wire("wl_bias_write", beat["valid"] && beat["bias"])
        m.clocked("wl_counters") { p in
            p.when(beat["valid"] && first) { p.assign(wq, 0); p.assign(wbank, 0); p.assign(wgbase, 0) }
            p.when(wWrite) {
                p.when(cq == beat["word_last"]) {
                    p.assign(wq, 0)
                    p.when(cbank == LK - 1) { p.assign(wbank, 0); p.assign(wgbase, cgbase + k2cw.zext(32)) }
                        .otherwise { p.assign(wbank, cbank + 1) }
                }.otherwise { p.assign(wq, cq + 1) }
            }
        }
        let wAddr = m.wire("wl_addr", ctx.ringSum((cgbase + cq.zext(32)).fit(ctx.awW), beat["base"]))
        let bankWe = m.wire("weight_bank_we", mux(wWrite, onehot(cbank, width: LK), Expr.zeros(width: LK)))
        // (the banks and the bias RAM are written only where no pass reads: never a word in its
        // write's cycle, §6.3)
        m.instanceArray(try ctx.ram(depth: DW, width: 8 * B, readDuringWrite: .never), name: "weight_bank", dimensions: [("l", LK)], connections: [
            "clk": .shared(clk), "we": .slice(bankWe), "waddr": .shared(wAddr), "wdata": .shared(rsp["rdata"]),
            "re": .shared(rd["en"]), "raddr": .shared(rd["addr"]), "rdata": .slice(weights["data"]),
        ])
        // ---- bias RAM: the pass's bias words in its half (DB words each), one copy per requant
        //      lane of a column (lanesK, or lanesK/s with requant slices) ----
        let bAddr = m.wire("bias_wr_addr", (beat["index"] + mux(beat["half"], k(DB, burstW), k(0, burstW))).fit(ctx.awB))
        m.instanceArray(try ctx.ram(depth: 2 * DB, width: 8 * B, readDuringWrite: .never), name: "bias_ram", dimensions: [("l", cfg.requantLanesPerColumn)], connections: [
            "clk": .shared(clk), "we": .shared(bWrite), "waddr": .shared(bAddr), "wdata": .shared(rsp["rdata"]),
            "re": .shared(biasRd["en"]), "raddr": .slice(biasRd["addr"]), "rdata": .slice(bias["data"]),
        ])
        m.allowPartlyReadInputs()
        return try m.build()
    }
}
