/// The line buffer (§6.5): tileH·tileW banks of DL words, a band of the layer's input map in map
/// coordinates, written one load response word at a time (`line_wr`), read one word per bank per
/// cycle by the copy engine (`<prefix>line_buffer`). Built only in a config that has one.
struct LineBufferBanks: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("line_buffer"), documentation: "Line buffer: tileH·tileW banks of the input map's band (§6.5).")
        let clk = m.clock()
        let rsp = m.ports(TopInterface.memoryResponsePort, TopInterface.memoryResponse(cfg).only("rdata").flipped)
        let wr = m.ports(ch.lineWrite.name, ch.lineWrite.bundle.flipped)
        let rd = m.ports(ch.lineRead.name, ch.lineRead.bundle.flipped)
        let data = m.ports(ch.lineData.name, ch.lineData.bundle)
        let n = ctx.nBanks
        let bankWe = m.wire("line_bank_we", mux(wr["valid"], onehot(wr["bank"], width: n), Expr.zeros(width: n)))
        m.instanceArray(try ctx.ram(depth: ctx.DL, width: 8 * B), name: "line_bank", dimensions: [("bank", n)], connections: [
            "clk": .shared(clk), "we": .slice(bankWe), "waddr": .shared(wr["addr"]), "wdata": .shared(rsp["rdata"]),
            "re": .shared(rd["en"]), "raddr": .slice(rd["addr"]), "rdata": .slice(data["data"]),
        ])
        return try m.build()
    }
}
