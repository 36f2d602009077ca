/// The places where a `FaultInjection` changes the accelerator (docs/accelerator-rtl.md, "Fault
/// injection"). Each helper returns its input unchanged (and creates no signal) for `.none` and
/// for the other faults, so the correct design is byte-identical to a build without these hooks;
/// the engines call them at exactly one place each.
extension AcceleratorContext {
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
    func faultLateGrant(in m: ModuleBuilder, _ grantable: Expr) -> Expr {
        guard fault == .lateHandshake else { return grantable }
        let before = m.reg("fault_late_grantable", width: 1, reset: 0)
        m.clocked("fault_late_handshake") { p in p.assign(before, grantable) }
        return grantable && before
    }

    /// When the load engine's request counts as accepted (PortSequencer): `valid && ready`.
    /// `.ignoresReady`: on `valid` alone, so a request the memory refused is lost.
    func faultIgnoreReady(_ valid: Signal, ready: some ExprConvertible) -> Expr {
        fault == .ignoresReady ? valid.expr : valid && ready.expr
    }

    /// The current mask word's pending bits after a grant (MaskScanner). `.skippedTile`: at the
    /// first load grant of a pass the next pending tile of the same word is cleared too, so the
    /// scanner registers the tile after it and the pass's second active tile is never loaded,
    /// computed or stored (when it shares the first tile's mask word: always for maps of up to
    /// 8·B tiles, as in the regression).
    func faultSkipSecondTile(in m: ModuleBuilder, _ pending: Signal, granted: Signal, inTiles: Expr) -> Expr {
        guard fault == .skippedTile else { return pending.expr }
        let firstDone = m.reg("fault_skip_first_done", width: 1, reset: 0)
        m.clocked("fault_skip") { p in
            p.when(granted) { p.assign(firstDone, 1) }
            p.when(!inTiles) { p.assign(firstDone, 0) }
        }
        // x & (x − 1) clears the lowest set bit
        let one = cat(Expr.zeros(width: pending.width - 1), k(1, 1))
        return mux(firstDone, pending, pending & (pending - one))
    }

    /// The tile list's next entry after `next` (MaskScanner, tile lists): `next + 1`.
    /// `.skippedTile`: at `fill`, the pass's first offer, one more, so the pass's second entry is
    /// never offered (nor loaded, computed or stored); the count is unchanged.
    func faultListStep(_ next: Signal, fill: Signal) -> Expr {
        fault == .skippedTile ? next + mux(fill, k(2, 2), k(1, 2)) : next + 1
    }
}
