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

    private func tilePhase(_ pass: OutputPass) {
        let N = tiles.count
        let T = plan.steps, Kc = plan.kgroupCycles, G = plan.kgroups(pass)
        let loadWords = tiles.map { plan.loadWords(ty: $0.ty, tx: $0.tx, pass: pass) }
        let storeWords = tiles.map { plan.storeWords(ty: $0.ty, tx: $0.tx, pass: pass) }
        // Per-tile times, Int.max / -1 while unknown.
        var ready = [Int](repeating: -1, count: N)        // load data usable from this cycle
        var requantDone = [Int](repeating: -1, count: N)  // cycle after the last requant row
        var storeEnd = [Int](repeating: -1, count: N)     // cycle after the last store request
        traceBase = trace.count
        for (i, tile) in tiles.enumerated() {
            trace.append(TileEvent(pass: pass.index, index: i, ty: tile.ty, tx: tile.tx, loadStart: -1, loadEnd: -1,
                                   computeStart: -1, computeEnd: -1, storeStart: -1, storeEnd: -1))
        }
        // Load engine
        var ldNext = 0, ldTile = -1, ldRemaining = 0, ldIssued = 0
        // Compute engine
        var cpTile = 0, cpRunning = false, cpG = 0, cpK = 0
        // Store engine
        var stNext = 0, stTile = -1, stRemaining = 0, stIssued = 0
        let never = Self.never

        while stNext < N {
            // ---- decisions for cycle t (state at the start of the cycle) ----
            var dur = never
            // Load engine
            let ldIssuing = ldRemaining > 0
            var ldAccept = false
            if ldIssuing {
                dur = min(dur, ldRemaining)
            } else if ldNext < N {
                let free: Int = ldNext < 2 ? t : requantDone[ldNext - 2]
                if free >= 0 && free <= t { ldAccept = true; dur = 1 }
                else if free >= 0 { dur = min(dur, free - t) }
            }
            // Store engine (the port goes to the load engine first)
            let stWants = stRemaining > 0
            let stIssuing = stWants && !ldIssuing
            var stAccept = false
            if stIssuing {
                dur = min(dur, stRemaining)
            } else if !stWants && stNext < N {
                let r = requantDone[stNext]
                if r >= 0 && r <= t { stAccept = true; dur = 1 }
                else if r >= 0 { dur = min(dur, r - t) }
            }
            // Compute engine
            var cpStart = false
            if !cpRunning && cpTile < N {
                let i = cpTile
                let r = ready[i]
                let s: Int = i < 2 ? 0 : storeEnd[i - 2]
                if r >= 0 && r <= t && s >= 0 && s <= t {
                    cpStart = true
                    cpRunning = true; cpG = 0; cpK = 0
                    let e = t + (G - 1) * Kc + T - 1
                    requantDone[i] = e + P + cfg.tileH
                    trace[traceBase + i].computeStart = t
                } else if r > t {
                    dur = min(dur, r - t)
                } else if s > t {
                    dur = min(dur, s - t)
                }
            }
            _ = cpStart
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
                else if stWants && ldIssuing { stalls.dram += delta }
                else { stalls.store += delta }
            }

            // ---- data movement (stepped: exactly one cycle) ----
            if let d = dram, mode == .stepped {
                if ldIssuing { d.loadRequest(tile: tiles[ldTile], index: ldTile, q: ldIssued, at: t) }
                if stIssuing { d.storeRequest(tile: tiles[stTile], index: stTile, q: stIssued) }
                if cpIssuing {
                    d.computeStep(tile: tiles[cpTile], index: cpTile, kgroup: cpG, step: cpK, at: t)
                }
                d.requantCycle(at: t)
                d.deliver(at: t)
            }

            // ---- advance the engines by delta ----
            if ldIssuing {
                ldRemaining -= delta; ldIssued += delta
                if ldRemaining == 0 {
                    ready[ldTile] = t + delta + L
                    trace[traceBase + ldTile].loadEnd = t + delta + L
                    ldNext += 1
                }
            } else if ldAccept {
                ldTile = ldNext; ldRemaining = loadWords[ldTile]; ldIssued = 0
                beatsRead += ldRemaining
                trace[traceBase + ldTile].loadStart = t + 1
            }
            if stIssuing {
                if stIssued == 0 { trace[traceBase + stTile].storeStart = t }
                stRemaining -= delta; stIssued += delta
                if stRemaining == 0 {
                    storeEnd[stTile] = t + delta
                    trace[traceBase + stTile].storeEnd = t + delta
                    stNext += 1
                }
            } else if stAccept {
                stTile = stNext; stRemaining = storeWords[stTile]; stIssued = 0
                beatsWritten += stRemaining
                if let d = dram, mode == .fast { d.storeTileFast(tile: tiles[stTile]) }
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
