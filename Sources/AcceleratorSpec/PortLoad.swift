/// A plan's last pass, counted rather than simulated: the compute engine's cycles and the words its
/// tile transfers move on the DRAM port (§7.3). The weight handoff (`WeightHandoff.chain`) uses the
/// difference, the port cycles a pass leaves idle, to decide which layer's run carries which
/// layer's weights; the cycle-accurate model does the timing.
public struct PortLoad: Hashable, Sendable {
    /// Compute-engine cycles: groups × kgroups × kgroup slot.
    public var computeCycles: Int
    /// Load and store requests of the pass's tile groups (halos after reuse, residuals, outputs).
    public var transferWords: Int

    public init(_ plan: LayerPlan, tiles: [(ty: Int, tx: Int)]) {
        let p = plan.passes[plan.passes.count - 1]
        let groups = plan.groups(of: tiles)
        computeCycles = groups.count * plan.kgroups(p) * plan.kgroupCycles
        let shares = plan.haloPlacement(groups).shares
        transferWords = zip(groups, shares).reduce(0) { sum, gs in
            zip(gs.0, gs.1).reduce(sum) { s, e in
                s + plan.loadWords(ty: e.0.ty, tx: e.0.tx, pass: p, shares: e.1) + plan.storeWords(ty: e.0.ty, tx: e.0.tx, pass: p)
            }
        }
    }

    /// Port cycles the pass leaves to other traffic (negative: the transfers alone outlast the compute).
    public var idleCycles: Int { computeCycles - transferWords }
}
