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

    var port: DRAMPort

    init(job: LayerJob, plan: LayerPlan, memory: MemoryTiming, mode: SimulationMode, withData: Bool) {
        self.job = job; self.plan = plan; self.mode = mode; self.withData = withData
        cfg = plan.config; L = cfg.memLatency; B = cfg.memBytesPerCycle
        tiles = job.tileMask.activeTiles
        port = DRAMPort(timing: memory, config: cfg)
        if withData { dram = DataPath(job: job, plan: plan, mode: mode) }
    }

    /// Stepped data movement is on (one cycle per iteration, real buffers).
    private var stepsData: Bool { mode == .stepped && dram != nil }

    static let never = Int.max

    /// Runs the layer to completion; returns the cycle count.
    func run() -> Int {
        let maskWords = plan.maskWords
        // Phase MASK: Mw requests from cycle 0 on; it ends the cycle after the last datum arrives.
        burst(words: maskWords, cause: \.setup) { q, a in self.dram?.readMask(word: q, arrival: a) }
        if tiles.isEmpty { return t }
        for pass in plan.passes {
            let br = plan.biasWordRange(pass)
            let nb = br.count, nw = plan.weightWordCount(pass)
            dram?.beginPass(pass)
            burst(words: nb + nw, cause: \.weights) { q, a in
                if q < nb { self.dram?.readBias(word: br.lowerBound + q, arrival: a) }
                else { self.dram?.readWeight(pass: pass, word: q - nb, arrival: a) }
            }
            tilePhase(pass)
        }
        return t
    }

    /// A run of `words` read requests, presented from cycle t on and accepted as the port allows,
    /// followed by the wait for the last datum. `request(q, arrival)` moves read q's data (stepped mode).
    private func burst(words n: Int, cause: WritableKeyPath<StallCycles, Int>, request: (Int, Int) -> Void) {
        let start = t
        beatsRead += n
        if port.streams && !stepsData {
            // One read per cycle, the last datum L cycles after the last request.
            t += n + L
            stalls[keyPath: cause] += t - start
            return
        }
        var q = 0, lastArrival = t
        while q < n {
            if port.accepts(read: true, at: t) {
                lastArrival = port.acceptRead(at: t)
                if stepsData { request(q, lastArrival) }
                q += 1
            }
            if stepsData { dram!.deliver(at: t) }
            t += 1
        }
        if stepsData { while t <= lastArrival { dram!.deliver(at: t); t += 1 } }
        t = max(t, lastArrival + 1)
        stalls[keyPath: cause] += t - start
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
        var xfer = 0, xfRemaining = 0, xfIssued = 0, lastArrival = 0
        // Compute engine
        var cpTile = 0, cpRunning = false, cpG = 0, cpK = 0
        let never = Self.never

        while xfer < order.count {
            // ---- decisions for cycle t (state at the start of the cycle) ----
            var dur = never
            let (isStore, xt) = order[xfer]
            let xfIssuing = xfRemaining > 0
            var xfGrant = false
            // A request of the current transfer accepted in cycle t (read: its data's arrival cycle).
            var xfAccept = false, arrival = -1
            if xfIssuing {
                if port.streams {
                    dur = xfRemaining; xfAccept = true
                    arrival = t + L
                } else {
                    dur = 1
                    if port.accepts(read: !isStore, at: t) {
                        xfAccept = true
                        if !isStore { arrival = port.acceptRead(at: t) }
                    }
                }
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
                if xfAccept {
                    if isStore { d.storeRequest(tile: tiles[xt], index: xt, q: xfIssued) }
                    else { d.loadRequest(tile: tiles[xt], index: xt, q: xfIssued, arrival: arrival) }
                }
                if cpIssuing {
                    d.computeStep(tile: tiles[cpTile], index: cpTile, kgroup: cpG, step: cpK, at: t)
                }
                d.requantCycle(at: t)
                d.deliver(at: t)
            }

            // ---- advance the engines by delta ----
            if xfAccept {
                // `delta` requests accepted in [t, t + delta) (more than one only while the port streams).
                if xfIssued == 0 {
                    if isStore { trace[traceBase + xt].storeStart = t } else { trace[traceBase + xt].loadStart = t }
                }
                xfRemaining -= delta; xfIssued += delta
                if !isStore { lastArrival = arrival + delta - 1 }
                if xfRemaining == 0 {
                    if isStore {
                        storeEnd[xt] = t + delta
                        trace[traceBase + xt].storeEnd = t + delta
                    } else {
                        ready[xt] = lastArrival + 1
                        trace[traceBase + xt].loadEnd = lastArrival + 1
                    }
                    xfer += 1
                }
            } else if xfGrant {
                xfRemaining = isStore ? storeWords[xt] : loadWords[xt]; xfIssued = 0
                if isStore {
                    beatsWritten += xfRemaining
                    if let d = dram, mode == .fast { d.storeTileFast(tile: tiles[xt]) }
                } else {
                    beatsRead += xfRemaining
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
