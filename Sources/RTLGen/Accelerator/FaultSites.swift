/// The places where a `FaultInjection` changes the accelerator (docs/accelerator-rtl.md, "Fault
/// injection"). Each helper returns its input unchanged (and creates no signal) for `.none` and
/// for the other faults, so the correct design is byte-identical to a build without these hooks;
/// the engines call them at exactly one place each.
extension AcceleratorBuilder {
    /// `.haloOffByOne`: added to the halo column origin x0 of the load engine's walkers
    /// (PortSequencer.loadWalker), so the load requests and the placement of the responses both
    /// start one column to the right (the first halo column is never loaded, one past the tile is).
    var faultHaloColumnShift: Int { fault == .haloOffByOne ? 1 : 0 }

    /// `start` shifted by `shift` columns (unchanged when 0).
    func faultShifted(_ start: Expr, by shift: Int) -> Expr {
        shift == 0 ? start : start + k(shift, start.width)
    }

    /// The accumulator's add `a + b` (ComputeEngine stage 2). `.droppedCarry`: the sum is formed
    /// as two halves, bits [15:0] and [accW−1:16], and the carry out of bit 15 is lost.
    /// (With a 16-bit accumulator there is no upper half and the fault is void.)
    func faultAccumulate(_ a: Expr, _ b: Expr) -> Expr {
        guard fault == .droppedCarry, a.width > 16 else { return a + b }
        let hi = a[16...(a.width - 1)] + b[16...(b.width - 1)]
        let lo = a[0...15] + b[0...15]
        return cat(hi, lo).asSigned
    }

    /// The port sequencer's grant condition. `.lateHandshake`: a transfer is granted only when
    /// the condition also held in the previous cycle, i.e. one cycle after it could have been.
    func faultLateGrant(_ grantable: Expr) -> Expr {
        guard fault == .lateHandshake else { return grantable }
        let before = m.reg("fault_late_grantable", width: 1, reset: 0)
        m.clocked("fault_late_handshake") { p in p.assign(before, grantable) }
        return grantable && before
    }

    /// What the mask scanner registers and clears under `.skippedTile` (nil for other faults).
    struct FaultSkip {
        /// Registered as `scan_valid` / `scan_index` instead of the plain encoder's result.
        let valid: Expr, next: Expr
        /// Clear bit `bit` of pending word `word` this cycle.
        let clearNow: Expr, word: Expr, mask: Expr
    }

    /// `.skippedTile`: in the cycle after the first load grant of a pass the scanner's encoder
    /// points at the pass's second active tile; that tile is cleared from the pending bits and the
    /// scanner registers the tile after it (a second two-level encoder), so the second active tile
    /// of every pass is never loaded, computed or stored.
    func faultSkippedTile(pendings: [Signal], found: Expr, word: Signal, bit: Expr, next: Signal) -> FaultSkip? {
        guard fault == .skippedTile else { return nil }
        let wb = 8 * B, lgWb = log2Exact(wb), idxW = word.width
        let firstDone = m.reg("fault_skip_first_done", width: 1, reset: 0)
        let arm = m.reg("fault_skip_arm", width: 1, reset: 0)
        m.clocked("fault_skip") { p in
            p.assign(arm, grantLoad && !firstDone)
            p.when(grantLoad) { p.assign(firstDone, 1) }
            p.when(!inTiles) { p.assign(firstDone, 0); p.assign(arm, 0) }
        }
        let one = cat(Expr.zeros(width: wb - 1), k(1, 1))
        let mask = m.wire("fault_skip_mask", ~(one << bit.fit(lgWb)))
        let rest = pendings.enumerated().map { w, pw in m.wire("fault_skip_rest_\(w)", mux(word == w, pw & mask, pw)) }
        let restAny = cat(rest.reversed().map { $0.reduceOr() as any ExprConvertible })
        let (any2, w2) = m.lowestSetBit("fault_skip_word", restAny)
        let w2W = m.wire("fault_skip_word_index", w2.fit(idxW))
        let bits2 = m.wire("fault_skip_word_bits", select(w2W, rest))
        let (_, b2) = m.lowestSetBit("fault_skip_bit", bits2)
        let j2 = m.wire("fault_skip_next", cat(w2W, b2.fit(lgWb)))
        return FaultSkip(valid: mux(arm, any2, found), next: mux(arm, j2, next), clearNow: arm && found, word: word.expr, mask: mask.expr)
    }
}
