import AcceleratorSpec

/// CSR read mux and the statistics counters of §8/§9: cycles, compute-busy cycles, the seven stall
/// causes (setup, weights, load, store, dram, requant, drain; register `STALL_<CAUSE>`), DRAM beats.
/// Every offset of the read mux comes from the register map (`RegisterMap`).
extension AcceleratorBuilder {
    func csrReadAndCounters() {
        m.submodule("status_counters", documentation: "CSR read mux and the statistics counters (§8, §9).")
        let busy = m.wire("busy_w", phase != 0)
        let cycles = m.reg("stat_cycles", width: 64, reset: 0)
        let busyC = m.reg("stat_busy", width: 64, reset: 0)
        let names = ["setup", "weights", "load", "store", "dram", "requant", "drain"]
        let stalls = names.map { m.reg("stat_stall_\($0)", width: 32, reset: 0) }
        let beatsRd = m.reg("stat_beats_rd", width: 32, reset: 0), beatsWr = m.reg("stat_beats_wr", width: 32, reset: 0)
        let idleCp = !cpIssue
        let drain = m.wire("stall_is_drain", !cpRunning && !cpStart && !scanValid && cpTile == li)
        let loadWait = m.wire("stall_is_load", loadsDone <= cpTile)
        let dramBusy = m.wire("stall_is_dram", (xIssue && !xIsStore) || grantLoad)
        let conds: [Expr] = [
            inMask, inWeights,
            inTiles && !cpRunning && !cpStart && !drain && loadWait,
            inTiles && !cpRunning && !cpStart && !drain && !loadWait && !dramBusy,
            inTiles && !cpRunning && !cpStart && !drain && !loadWait && dramBusy,
            inTiles && idleCp && cpRunning,
            inTiles && !cpRunning && !cpStart && drain,
        ]
        m.clocked("stats") { p in
            p.when(startPulse) {
                p.assign(cycles, 0); p.assign(busyC, 0); p.assign(beatsRd, 0); p.assign(beatsWr, 0)
                for s in stalls { p.assign(s, 0) }
            }.elseWhen(busy) {
                p.assign(cycles, cycles + 1)
                p.when(cpIssue) { p.assign(busyC, busyC + 1) }
                for (i, s) in stalls.enumerated() { p.when(conds[i]) { p.assign(s, s + 1) } }
                p.when(memReqValid && memReqReady && !memReqWrite) { p.assign(beatsRd, beatsRd + 1) }
                p.when(memReqValid && memReqReady && memReqWrite) { p.assign(beatsWr, beatsWr + 1) }
            }
        }
        // What each register reads: RW registers their storage, RO registers these sources (placed
        // into their fields by the map), CTRL (W1SC) and unmapped offsets 0.
        var sources: [String: Expr] = [
            "STATUS": fieldWord("STATUS", ["busy": busy.expr, "done": doneR.expr, "error": errorR.expr]),
            "CYCLES_LO": cycles[0...31], "CYCLES_HI": cycles[32...63], "BUSY_LO": busyC[0...31], "BUSY_HI": busyC[32...63],
            "BEATS_RD": beatsRd.expr, "BEATS_WR": beatsWr.expr,
        ]
        for (n, s) in zip(names, stalls) { sources[RegisterMap.stallCounterPrefix + n.uppercased()] = s.expr }
        var table: [Int: Expr] = [:]
        for r in regs.registers {
            switch r.access {
            case .readWrite: table[r.offset] = csr[r.name]!.expr
            case .readOnly:
                guard let e = sources[r.name] else { preconditionFailure("no source for the read-only register \(r.name)") }
                table[r.offset] = e
            case .writeOneSelfClearing: break
            }
        }
        let values: [any ExprConvertible] = (0..<(1 << RegisterMap.addressBits)).map { table[$0] ?? k(0, RegisterMap.dataBits) }
        m.assign(csrRdata, select(csrAddr, values))
        m.assign(busyOut, busy)
        m.assign(doneOut, doneR)
        m.assign(evComputeStart, cpStart)
    }

    /// The word of register `register` with each field's value (from `values`, by field name) at the
    /// field's bits and zeros elsewhere (most significant part first, as Verilog `{…}`).
    func fieldWord(_ register: String, _ values: [String: Expr]) -> Expr {
        let r = regs[register]!
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
