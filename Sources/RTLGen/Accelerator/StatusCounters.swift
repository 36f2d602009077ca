import AcceleratorSpec

/// CSR read mux and the statistics counters of §8/§9: cycles, compute-busy cycles, the seven stall
/// causes (setup, weights, load, store, dram, requant, drain; register `STALL_<CAUSE>`, 0 when the
/// config leaves them out, `Mechanism.stallCounters`), DRAM beats (0 without `Mechanism.beatCounters`);
/// CYCLES and BUSY 64 bits wide, or 32 that stop at their largest value (`Mechanism.wideCounters`).
/// Every offset of the read mux comes from the register map (`RegisterMap`).
struct StatusCounters: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("status_counters"), documentation: "CSR read mux and the statistics counters (§8, §9).")
        _ = m.clock(); _ = m.reset()
        let csr = m.ports(TopInterface.csrPort, TopInterface.csr.only("addr", "rdata").flipped)
        let req = m.ports(TopInterface.memoryRequestPort, TopInterface.memoryRequest(cfg).only("valid", "write", "ready").observed)
        let busyOut = m.output("busy"), doneOut = m.output("done")
        // (the RW registers, which read back unless the config leaves that out, §2)
        let regs = cfg.has(.registerReadBack) ? m.ports(ch.registers.name, ch.registers.bundle.flipped) : nil
        let seq = m.ports(ch.sequencer.name, ch.sequencer.bundle.only("phase", "start", "done", "error").flipped)
        let tile = m.ports(ch.tile.name, ch.tile.bundle.only("valid").observed)
        let loaded = m.ports(ch.computeInput.name, ch.computeInput.bundle.only("valid").observed)
        // (with a line buffer, a group loaded but not yet copied is still to be computed, §6.5)
        let copyStatus = ctx.hasLine ? m.ports(ch.copyStatus.name, ch.copyStatus.bundle.only("idle").flipped) : nil
        let xfer = m.ports(ch.transferStatus.name, ch.transferStatus.bundle.flipped)
        let cp = m.ports(ch.computeStatus.name, ch.computeStatus.bundle.flipped)
        let phase = seq["phase"]
        let inMask = phase == 1, inWeights = phase == 2, inTiles = phase == 3
        let cpRunning = cp["running"], cpStart = cp["start"], cpIssue = cp["issue"]

        let busy = m.wire("busy_w", phase != 0)
        // (32 bits that stop at 2^32 − 1 without wide counters, §2, §9)
        let wide = cfg.has(.wideCounters), counterW = wide ? 64 : 32
        let cycles = m.reg("stat_cycles", width: counterW, reset: 0)
        let busyC = m.reg("stat_busy", width: counterW, reset: 0)
        // (the stop from the increment's carry out, c + 1 ≥ 2^32, not an AND of the 32 bits: the
        // carry chain forms it anyway, issue 13)
        func counted(_ c: Signal) -> Expr {
            if wide { return c + 1 }
            let next = c.zext(counterW + 1) + 1
            return mux(next[counterW], c.expr, next.trunc(counterW))
        }
        let causes = ["setup", "weights", "load", "store", "dram", "requant", "drain"]
        // (without the stall counters, §2, their registers read 0)
        let stalls = cfg.has(.stallCounters) ? causes.map { m.reg("stat_stall_\($0)", width: 32, reset: 0) } : []
        // (without the beat counters, §2, BEATS_RD and BEATS_WR read 0)
        let beats = cfg.has(.beatCounters) ? (rd: m.reg("stat_beats_rd", width: 32, reset: 0), wr: m.reg("stat_beats_wr", width: 32, reset: 0)) : nil
        if beats == nil { for s in [req["valid"], req["write"], req["ready"]] { m.allowUnused(s) } }
        var conds: [Expr] = []
        if stalls.isEmpty {
            // (their causes' inputs stay on the engine's ports: the top wires every engine alike)
            for s in [tile["valid"], loaded["valid"], xfer["load_busy"], xfer["drained"], cpRunning, cpStart] { m.allowUnused(s) }
            if let copyStatus { m.allowUnused(copyStatus["idle"]) }
        } else {
            // drain: no tile left to compute (none offered, none granted and not yet computed)
            let drained = !cpRunning && !cpStart && !tile["valid"] && xfer["drained"]
            let drain = m.wire("stall_is_drain", copyStatus.map { drained && $0["idle"] } ?? drained)
            let loadWait = m.wire("stall_is_load", !loaded["valid"])
            let dramBusy = m.wire("stall_is_dram", xfer["load_busy"])
            conds = [
                inMask, inWeights,
                inTiles && !cpRunning && !cpStart && !drain && loadWait,
                inTiles && !cpRunning && !cpStart && !drain && !loadWait && !dramBusy,
                inTiles && !cpRunning && !cpStart && !drain && !loadWait && dramBusy,
                inTiles && !cpIssue && cpRunning,
                inTiles && !cpRunning && !cpStart && drain,
            ]
        }
        m.clocked("stats") { p in
            p.when(seq["start"]) {
                p.assign(cycles, 0); p.assign(busyC, 0)
                if let beats { p.assign(beats.rd, 0); p.assign(beats.wr, 0) }
                for s in stalls { p.assign(s, 0) }
            }.elseWhen(busy) {
                p.assign(cycles, counted(cycles))
                p.when(cpIssue) { p.assign(busyC, counted(busyC)) }
                for (i, s) in stalls.enumerated() { p.when(conds[i]) { p.assign(s, s + 1) } }
                if let beats {
                    p.when(req["valid"] && req["ready"] && !req["write"]) { p.assign(beats.rd, beats.rd + 1) }
                    p.when(req["valid"] && req["ready"] && req["write"]) { p.assign(beats.wr, beats.wr + 1) }
                }
            }
        }
        // What each register reads: RW registers their storage (or 0, the config leaving out their read-back), RO registers these sources (placed
        // into their fields by the map), CTRL (W1SC), write ports (WP) and unmapped offsets 0.
        var sources: [String: Expr] = [
            "STATUS": fieldWord("STATUS", ["busy": busy.expr, "done": seq["done"].expr, "error": seq["error"].expr]),
            "CYCLES_LO": cycles[0...31], "CYCLES_HI": wide ? cycles[32...63] : k(0, 32),
            "BUSY_LO": busyC[0...31], "BUSY_HI": wide ? busyC[32...63] : k(0, 32),
            "BEATS_RD": beats?.rd.expr ?? k(0, 32), "BEATS_WR": beats?.wr.expr ?? k(0, 32),
        ]
        for (i, n) in causes.enumerated() { sources[RegisterMap.stallCounterPrefix + n.uppercased()] = stalls.isEmpty ? k(0, 32) : stalls[i].expr }
        var table: [Int: Expr] = [:]
        for r in ctx.regs.registers {
            switch r.access {
            case .readWrite:
                // (unimplemented bits read 0; all of them without read-back, §2: the mux then has only the RO words)
                if let regs { table[r.offset] = regs[r.name.lowercased()].fit(RegisterMap.dataBits) }
            case .readOnly:
                guard let e = sources[r.name] else { preconditionFailure("no source for the read-only register \(r.name)") }
                table[r.offset] = e
            case .writeOneSelfClearing, .writePort: break
            }
        }
        let values: [any ExprConvertible] = (0..<(1 << RegisterMap.addressBits)).map { table[$0] ?? k(0, RegisterMap.dataBits) }
        m.assign(csr["rdata"], select(csr["addr"], values))
        m.assign(busyOut, busy)
        m.assign(doneOut, seq["done"])
        return try m.build()
    }

    /// The word of register `register` with each field's value (from `values`, by field name) at the
    /// field's bits and zeros elsewhere (most significant part first, as Verilog `{…}`).
    func fieldWord(_ register: String, _ values: [String: Expr]) -> Expr {
        let r = ctx.regs[register]!
        var parts: [any ExprConvertible] = []
        var next = r.width  // the bit above the part emitted last
        for f in r.fields.reversed() {
            if f.msb + 1 < next { parts.append(Expr.zeros(width: next - f.msb - 1)) }
            parts.append(values[f.name]!)
            next = f.lsb
        }
        if next > 0 { parts.append(Expr.zeros(width: next)) }
        if r.width < RegisterMap.dataBits { parts.insert(Expr.zeros(width: RegisterMap.dataBits - r.width), at: 0) }
        return cat(parts)
    }
}
