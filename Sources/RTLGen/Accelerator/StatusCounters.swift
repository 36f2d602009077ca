/// CSR read mux and the statistics counters of §8/§9: cycles, compute-busy cycles, the seven stall
/// causes at 0x14…0x1A in the order STALL_SETUP … STALL_DRAIN of `StallCycles`
/// (setup, weights, load, store, dram, requant, drain), DRAM beats.
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
        let status = cat(Expr.zeros(width: 29), errorR, doneR, busy)
        var table: [Int: Expr] = [
            0x01: status, 0x02: rLayer0.expr, 0x03: rLayer1.expr, 0x04: rLayer2.expr, 0x05: rRequant.expr, 0x06: rPrelu.expr,
            0x07: rPass.expr, 0x10: cycles[0...31], 0x11: cycles[32...63], 0x12: busyC[0...31], 0x13: busyC[32...63],
            0x1B: beatsRd.expr, 0x1C: beatsWr.expr,
        ]
        for (i, b) in rBase.enumerated() { table[0x08 + i] = b.expr }
        for (i, s) in stalls.enumerated() { table[0x14 + i] = s.expr }
        let values: [any ExprConvertible] = (0..<64).map { table[$0] ?? k(0, 32) }
        m.assign(csrRdata, select(csrAddr, values))
        m.assign(busyOut, busy)
        m.assign(doneOut, doneR)
        m.assign(evComputeStart, cpStart)
    }
}
