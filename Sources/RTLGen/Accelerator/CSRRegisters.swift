import AcceleratorSpec

/// The layer registers written by the host (§8): one register per RW register of the map, in
/// offset order, written when the host addresses it (`<prefix>csr_regs`).
struct CSRRegisters: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("csr_regs"), documentation: "Layer registers written by the host (§8).")
        _ = m.clock(); _ = m.reset()
        let csr = m.ports(TopInterface.csrPort, TopInterface.csr.only("we", "addr", "wdata").flipped)
        let out = m.ports(ch.registers.name, ch.registers.bundle)
        for r in ctx.regs.registers where r.access == .readWrite {
            let q = m.reg("csr_\(r.name.lowercased())", width: r.width, reset: Int(r.reset))
            let value = r.width == RegisterMap.dataBits ? csr["wdata"].expr : csr["wdata"][0...(r.width - 1)]
            m.clocked("csr_\(r.name.lowercased())_write") { p in
                p.when(csr["we"] && (csr["addr"] == r.offset)) { p.assign(q, value) }
            }
            m.assign(out[r.name.lowercased()], q)
        }
        m.allowPartlyReadInputs()
        return try m.build()
    }
}
