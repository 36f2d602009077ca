/// The residual and output tile buffers (§6.4), double-buffered and byte-sliced: byte slice (c, b)
/// holds byte b of the words of tile column c, address (half·tileH + r)·DO + j. Residual: written a
/// word of one column per response, read one word per column per cycle at the byte lanes'
/// addresses. Output: written one byte lane per slice (a tile row of lanesK channels per cycle),
/// read one word per column per cycle. The slices of byte b share their addresses, so they are
/// one RAM per byte lane, tileW bytes wide, each column's byte written by its own enable — one
/// block RAM where tileW slices would each take one (`<prefix>tile_buffers`).
struct TileBuffers: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("tile_buffers"), documentation: "Residual and output tile buffers, a RAM per byte lane, a byte per tile column (§6.4).")
        let clk = m.clock()
        let resWr = m.ports(ch.inputWrite.name, ch.inputWrite.bundle.flipped)
        let resRd = m.ports(ch.residualRead.name, ch.residualRead.bundle.flipped)
        let res = m.ports(ch.residual.name, ch.residual.bundle)
        let outWr = m.ports(ch.outputWrite.name, ch.outputWrite.bundle.flipped)
        let outRd = m.ports(ch.outputRead.name, ch.outputRead.bundle.flipped)
        let out = m.ports(ch.output.name, ch.output.bundle)
        // (their readers — the store, the requant lanes' residual — read ahead of what they take,
        // and a read ahead may meet the next tile's requant or load writing that word; they drop
        // it: `.undefined`, no read-first logic, and the co-simulation's poisoned read shows that
        // nothing takes such a word, issue 13)
        let laneRam = try ctx.ram(depth: 2 * tH * DO, width: 8 * tW, readDuringWrite: .undefined, byteWrites: tW > 1)
        /// Byte-lane order (lane b: its columns' bytes) → the channels' column order (column c's word, byte b at c·B + b).
        func columnOrder(_ lanes: Signal) -> Expr {
            let f = fields(lanes, width: 8)
            return cat((0..<tW).flatMap { c in (0..<B).map { b in f[b * tW + c] } }.reversed())
        }
        // residual: a response writes byte b of its word into lane b's byte of its column
        let resWe = m.wire("res_buf_we", mux(resWr["valid"] && resWr["res"], onehot(resWr["bank"], width: tW), Expr.zeros(width: tW)))
        let resData = m.wire("res_buf_wdata", cat((0..<B).reversed().map { b in replicate(resWr["data"][(8 * b)...(8 * b + 7)], count: tW) }))
        let resLanes = m.wire("res_buf_rdata", width: B * tW * 8)
        m.instanceArray(laneRam, name: "res_buf", dimensions: [("b", B)], connections: [
            "clk": .shared(clk), "we": .shared(resWe), "waddr": .shared(resWr["addr"].fit(ctx.awO)), "wdata": .slice(resData),
            "re": .shared(resRd["en"]), "raddr": .slice(resRd["addr"]), "rdata": .slice(resLanes),
        ])
        m.assign(res["data"], columnOrder(resLanes))
        // output: byte lane b's columns, all at once, or with column slices each by its own enable
        let outWe = m.wire("out_buf_we", cfg.requantColumnSlices > 1 ? outWr["we"].expr
                               : cat((0..<B).reversed().map { b in replicate(outWr["we"][b...b], count: tW) }))
        let outLanes = m.wire("out_buf_rdata", width: B * tW * 8)
        m.instanceArray(laneRam, name: "out_buf", dimensions: [("b", B)], connections: [
            "clk": .shared(clk), "we": .slice(outWe), "waddr": .slice(outWr["addr"]), "wdata": .slice(outWr["data"]),
            "re": .shared(outRd["en"]), "raddr": .shared(outRd["addr"]), "rdata": .slice(outLanes),
        ])
        m.assign(out["data"], columnOrder(outLanes))
        m.allowPartlyReadInputs()  // in_wr's address is as wide as the wider of the two buffers
        return try m.build()
    }
}
