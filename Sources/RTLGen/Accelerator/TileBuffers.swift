/// The residual and output tile buffers (§6.4), double-buffered and byte-sliced: RAM (c, b) holds
/// byte b of the words of tile column c, address (half·tileH + r)·DO + j. Residual: written a word
/// of one column per response, read one word per column per cycle at the byte lanes' addresses.
/// Output: written one byte lane per RAM (a tile row of lanesK channels per cycle), read one word
/// per column per cycle (`<prefix>tile_buffers`).
struct TileBuffers: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("tile_buffers"), documentation: "Residual and output tile buffers, byte-sliced per tile column (§6.4).")
        let clk = m.clock()
        let resWr = m.ports(ch.inputWrite.name, ch.inputWrite.bundle.flipped)
        let resRd = m.ports(ch.residualRead.name, ch.residualRead.bundle.flipped)
        let res = m.ports(ch.residual.name, ch.residual.bundle)
        let outWr = m.ports(ch.outputWrite.name, ch.outputWrite.bundle.flipped)
        let outRd = m.ports(ch.outputRead.name, ch.outputRead.bundle.flipped)
        let out = m.ports(ch.output.name, ch.output.bundle)
        let byteRam = try ctx.ram(depth: 2 * tH * DO, width: 8)
        let resWe = m.wire("res_buf_we", mux(resWr["valid"] && resWr["res"], onehot(resWr["bank"], width: tW), Expr.zeros(width: tW)))
        m.instanceArray(byteRam, name: "res_buf", dimensions: [("c", tW), ("b", B)], connections: [
            "clk": .shared(clk), "we": .slice(resWe, over: "c"), "waddr": .shared(resWr["addr"].fit(ctx.awO)), "wdata": .slice(resWr["data"], over: "b"),
            "re": .shared(resRd["en"]), "raddr": .slice(resRd["addr"], over: "b"), "rdata": .slice(res["data"]),
        ])
        m.instanceArray(byteRam, name: "out_buf", dimensions: [("c", tW), ("b", B)], connections: [
            "clk": .shared(clk), "we": cfg.requantColumnSlices > 1 ? .slice(outWr["we"], over: "b", "c") : .slice(outWr["we"], over: "b"),
            "waddr": .slice(outWr["addr"], over: "b"),
            "wdata": .slice(outWr["data"], over: "b", "c"),
            "re": .shared(outRd["en"]), "raddr": .shared(outRd["addr"]), "rdata": .slice(out["data"]),
        ])
        m.allowPartlyReadInputs()  // in_wr's address is as wide as the wider of the two buffers
        return try m.build()
    }
}
