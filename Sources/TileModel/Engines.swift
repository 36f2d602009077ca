import AcceleratorSpec

/// Timing of one layer run: the engines of docs/microarchitecture.md as small state machines.
///
/// One loop serves both modes: each iteration decides what every engine does in cycle `t` from
/// the state at the start of the cycle, then advances `delta` cycles — 1 in stepped mode, the
/// smallest number of cycles before any engine's action can change in fast mode.
final class LayerEngines {
    let plan: LayerPlan
    let job: LayerJob
    let mode: SimulationMode
    /// When false, no data moves (timing only).
    let withData: Bool
    let cfg: HardwareConfig
    let L: Int, B: Int, P = LayerPlan.pipelineDepth
    let tiles: [(ty: Int, tx: Int)]
    var dram: DataPath?

    // Global state
    var t = 0
    var stalls = StallCycles()
    var busy = 0
    var beatsRead = 0, beatsWritten = 0
    var trace: [TileEvent] = []
    var traceBase = 0

    init(job: LayerJob, plan: LayerPlan, mode: SimulationMode, withData: Bool) {
        self.job = job; self.plan = plan; self.mode = mode; self.withData = withData
        cfg = plan.config; L = cfg.memLatency; B = cfg.memBytesPerCycle
        tiles = job.tileMask.activeTiles
        if withData { dram = DataPath(job: job, plan: plan, mode: mode) }
    }

    static let never = Int.max

    /// Runs the layer to completion; returns the cycle count.
    func run() -> Int {
        let maskWords = plan.maskWords
        // Phase MASK: Mw requests in cycles [0, Mw), last data at Mw−1+L.
        burst(words: maskWords, cause: \.setup) { q in self.dram?.readMask(word: q, at: self.t) }
        if tiles.isEmpty { return t }
        for pass in plan.passes {
            let br = plan.biasWordRange(pass)
            let nb = br.count, nw = plan.weightWordCount(pass)
            dram?.beginPass(pass)
            burst(words: nb + nw, cause: \.weights) { q in
                if q < nb { self.dram?.readBias(word: br.lowerBound + q, at: self.t) }
                else { self.dram?.readWeight(pass: pass, word: q - nb, at: self.t) }
            }
            tilePhase(pass)
        }
        return t
    }

    /// A run of `words` read requests (one per cycle) followed by the L-cycle wait for the last datum.
    private func burst(words n: Int, cause: WritableKeyPath<StallCycles, Int>, request: (Int) -> Void) {
        let end = t + n + L
        beatsRead += n
        if mode == .fast || dram == nil {
            stalls[keyPath: cause] += end - t
            t = end
            return
        }
        var q = 0
        while t < end {
            if q < n { request(q); q += 1 }
            dram!.deliver(at: t)
            stalls[keyPath: cause] += 1
            t += 1
        }
    }

    // MARK: Tile phase

    /// The DRAM transfers of a pass in the fixed order the port sequencer grants them:
    /// L0, L1, then L(i), S(i−2) for i = 2..N−1, then S(N−2), S(N−1).
    static func transferOrder(tiles n: Int) -> [(store: Bool, tile: Int)] {
        var seq: [(Bool, Int)] = [(false, 0)]
        if n > 1 { seq.append((false, 1)) }
        if n > 2 { for i in 2..<n { seq.append((false, i)); seq.append((true, i - 2)) } }
        if n > 1 { seq.append((true, n - 2)) }
        seq.append((true, n - 1))
        return seq
    }

    private func tilePhase(_ pass: OutputPass) {
        let N = tiles.count
        let T = plan.steps, Kc = plan.kgroupCycles, G = plan.kgroups(pass)
        let loadWords = tiles.map { plan.loadWords(ty: $0.ty, tx: $0.tx, pass: pass) }
        let storeWords = tiles.map { plan.storeWords(ty: $0.ty, tx: $0.tx, pass: pass) }
        let order = Self.transferOrder(tiles: N)
        // Per-tile times, −1 while unknown.
        var ready = [Int](repeating: -1, count: N)        // load data usable from this cycle
        var requantDone = [Int](repeating: -1, count: N)  // cycle after the last requant row
        var storeEnd = [Int](repeating: -1, count: N)     // cycle after the last store request
        traceBase = trace.count
        for (i, tile) in tiles.enumerated() {
            trace.append(TileEvent(pass: pass.index, index: i, ty: tile.ty, tx: tile.tx, loadStart: -1, loadEnd: -1,
                                   computeStart: -1, computeEnd: -1, storeStart: -1, storeEnd: -1))
        }
        // Port sequencer: transfer `xfer` of `order`; remaining requests (0 = not granted yet).
        var xfer = 0, xfRemaining = 0, xfIssued = 0
        // Compute engine
        var cpTile = 0, cpRunning = false, cpG = 0, cpK = 0
        let never = Self.never

        while xfer < order.count {
            // ---- decisions for cycle t (state at the start of the cycle) ----
            var dur = never
            let (isStore, xt) = order[xfer]
            let xfIssuing = xfRemaining > 0
            var xfGrant = false
            if xfIssuing {
                dur = xfRemaining
            } else {
                let eligible: Int = isStore ? requantDone[xt] : (xt < 2 ? t : requantDone[xt - 2])
                if eligible >= 0 && eligible <= t { xfGrant = true; dur = 1 }
                else if eligible >= 0 { dur = eligible - t }
            }
            // Compute engine
            if !cpRunning && cpTile < N {
                let i = cpTile
                let r = ready[i]
                let s: Int = i < 2 ? 0 : storeEnd[i - 2]
                if r >= 0 && r <= t && s >= 0 && s <= t {
                    cpRunning = true; cpG = 0; cpK = 0
                    let e = t + (G - 1) * Kc + T - 1
                    requantDone[i] = e + P + cfg.tileH
                    trace[traceBase + i].computeStart = t
                } else if r > t {
                    dur = min(dur, r - t)
                } else if r >= 0 && s > t {
                    dur = min(dur, s - t)
                }
            }
            let cpIssuing = cpRunning && cpK < T
            if cpRunning { dur = min(dur, cpK < T ? T - cpK : Kc - cpK) }

            precondition(dur != never && dur > 0, "engines deadlocked at cycle \(t)")
            let delta = mode == .stepped ? 1 : dur

            // ---- statistics for the delta cycles ----
            if cpIssuing { busy += delta }
            else if cpRunning { stalls.requant += delta }
            else if cpTile >= N { stalls.drain += delta }
            else {
                let r = ready[cpTile]
                if r < 0 || r > t { stalls.load += delta }
                else if !isStore && (xfIssuing || xfGrant) { stalls.dram += delta }
                else { stalls.store += delta }
            }

            // ---- data movement (stepped: exactly one cycle) ----
            if let d = dram, mode == .stepped {
                if xfIssuing {
                    if isStore { d.storeRequest(tile: tiles[xt], index: xt, q: xfIssued) }
                    else { d.loadRequest(tile: tiles[xt], index: xt, q: xfIssued, at: t) }
                }
                if cpIssuing {
                    d.computeStep(tile: tiles[cpTile], index: cpTile, kgroup: cpG, step: cpK, at: t)
                }
                d.requantCycle(at: t)
                d.deliver(at: t)
            }

            // ---- advance the engines by delta ----
            if xfIssuing {
                xfRemaining -= delta; xfIssued += delta
                if xfRemaining == 0 {
                    if isStore {
                        storeEnd[xt] = t + delta
                        trace[traceBase + xt].storeEnd = t + delta
                    } else {
                        ready[xt] = t + delta + L
                        trace[traceBase + xt].loadEnd = t + delta + L
                    }
                    xfer += 1
                }
            } else if xfGrant {
                xfRemaining = isStore ? storeWords[xt] : loadWords[xt]; xfIssued = 0
                if isStore {
                    beatsWritten += xfRemaining
                    trace[traceBase + xt].storeStart = t + 1
                    if let d = dram, mode == .fast { d.storeTileFast(tile: tiles[xt]) }
                } else {
                    beatsRead += xfRemaining
                    trace[traceBase + xt].loadStart = t + 1
                }
            }
            if cpRunning {
                cpK += delta
                if cpK == Kc {
                    cpK = 0; cpG += 1
                    if cpG == G {
                        cpRunning = false
                        trace[traceBase + cpTile].computeEnd = t + delta
                        cpTile += 1
                    }
                }
            }
            t += delta
        }
    }
}
