/// The double-buffered halo input buffer (§6.2): tileH·tileW banks of 2·DI words, written one
/// response word at a time by the load walker, read one word per bank per step by the compute
/// engine (`<prefix>halo_buffer`).
struct HaloBuffer: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("halo_buffer"), documentation: "Double-buffered halo input buffer: tileH·tileW banks (§6.2).")
        let clk = m.clock()
        let wr = m.ports(ch.inputWrite.name, ch.inputWrite.bundle.flipped)
        let rd = m.ports(ch.haloRead.name, ch.haloRead.bundle.flipped)
        let halo = m.ports(ch.halo.name, ch.halo.bundle)
        let n = ctx.nBanks
        let loadWe = mux(wr["valid"] && !wr["res"], onehot(wr["bank"], width: n), Expr.zeros(width: n))
        if ctx.hasLine {
            // The copy engine writes every bank at once (§6.5); loads then write only residual words.
            let copy = m.ports(ch.copyWrite.name, ch.copyWrite.bundle.flipped)
            let bankWe = m.wire("halo_bank_we", mux(copy["valid"], replicate(k(1, 1), count: n), loadWe))
            let waddr = m.wire("halo_bank_waddr", mux(copy["valid"], copy["addr"], wr["addr"].fit(ctx.awI)))
            let wdata = m.wire("halo_bank_wdata", mux(copy["valid"], copy["data"], cat((0..<n).map { _ in wr["data"] })))
            m.instanceArray(try ctx.ram(depth: 2 * DI, width: 8 * B), name: "halo_bank", dimensions: [("bank", n)], connections: [
                "clk": .shared(clk), "we": .slice(bankWe), "waddr": .shared(waddr), "wdata": .slice(wdata),
                "re": .shared(rd["en"]), "raddr": .slice(rd["addr"]), "rdata": .slice(halo["data"]),
            ])
        } else {
            let bankWe = m.wire("halo_bank_we", loadWe)
            // (without halo reuse and at one tile shape a load writes only its own tile's half, which
            // the compute engine does not read until it is loaded: no word is read in its write's
            // cycle, §6.2; with halo reuse the rings write blocks beside the ones being read, and with
            // tile groups (several shapes) the co-simulation's assertion met such a read (random
            // suite, seed 31: 5 cases of 300 at a 2×1 shape): both keep the old-data rule)
            let rule: Memory.ReadDuringWrite = cfg.has(.haloReuse) || cfg.tileShapes > 1 ? .oldData : .never
            m.instanceArray(try ctx.ram(depth: 2 * DI, width: 8 * B, readDuringWrite: rule), name: "halo_bank", dimensions: [("bank", n)], connections: [
                "clk": .shared(clk), "we": .slice(bankWe), "waddr": .shared(wr["addr"].fit(ctx.awI)), "wdata": .shared(wr["data"]),
                "re": .shared(rd["en"]), "raddr": .slice(rd["addr"]), "rdata": .slice(halo["data"]),
            ])
        }
        m.allowPartlyReadInputs()  // in_wr's address is as wide as the wider of the two buffers
        return try m.build()
    }
}
