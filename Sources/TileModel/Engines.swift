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
    let L: Int, B: Int, P: Int
    /// The active tiles, in groups of the plan's slots (§3.1).
    let groups: [[(ty: Int, tx: Int)]]
    var dram: DataPath?

    // Global state
    var t = 0
    var stalls = StallCycles()
    var busy = 0
    var beatsRead = 0, beatsWritten = 0
    /// Of `beatsRead`: weight and bias words (this layer's and those it hands on).
    var weightBeatsRead = 0
    var trace: [TileEvent] = []
    var traceBase = 0

    var port: DRAMPort

    init(job: LayerJob, plan: LayerPlan, memory: MemoryTiming, mode: SimulationMode, withData: Bool) {
        self.job = job; self.plan = plan; self.mode = mode; self.withData = withData
        cfg = plan.config; L = cfg.memLatency; B = cfg.memBytesPerCycle; P = cfg.computePipelineDepth
        groups = plan.groups(of: plan.scanOrder(job.tileMask))
        port = DRAMPort(timing: memory, config: cfg)
        if withData { dram = DataPath(job: job, plan: plan, mode: mode) }
    }

    /// Stepped data movement is on (one cycle per iteration, real buffers).
    private var stepsData: Bool { mode == .stepped && dram != nil }

    static let never = Int.max

    /// A MASK or WEIGHTS read burst (§7.2): `n` read requests presented in order, accepted as the
    /// port allows. `locked`: presented and refused in the previous cycle, so presented again before
    /// any tile transfer (a request stays on the port until it is taken).
    struct Burst {
        let n: Int
        var q = 0
        var lastArrival = -1
        var locked = false
        /// Moves read q's data, arriving in the given cycle (stepped mode).
        let request: (Int, Int) -> Void
        var requesting: Bool { q < n }
    }

    /// Runs the layer to completion; returns the cycle count.
    func run() -> Int {
        // Phase MASK: Mw requests from cycle 0 on; it ends the cycle after the last datum arrives.
        var mask = Burst(n: plan.maskWords) { q, a in self.dram?.readMask(word: q, arrival: a) }
        beatsRead += mask.n
        finish(&mask, cause: \.setup, minCycles: 0)
        // Weight handoff (§7.2): the next layer's first pass loads during the last pass, like a
        // prefetch; what is left of it when the last pass ends loads before the layer ends.
        // (the burst starts with the last pass, or at once in a layer without tiles)
        var handOn: Burst? = nil
        if groups.isEmpty {
            if var h = plan.next.map(nextLayerBurst) { finish(&h, cause: \.weights, minCycles: 0) }
            return t
        }
        // A preloaded layer finds pass 0's bias and first kgroups in place: WEIGHTS(0) loads the rest.
        if plan.preloaded { dram?.preload(plan.passes[0]) }
        var weights = weightBurst(plan.passes[0], preloaded: plan.preloaded)
        for (i, pass) in plan.passes.enumerated() {
            // WEIGHTS: the rest of the pass's burst (all of it for the first pass; what the prefetch
            // did not finish for the others), at least 3 cycles (the scanner's pass start, §14), 4
            // with the take's geometry registered (§7.3).
            finish(&weights, cause: \.weights, minCycles: cfg.minWeightsCycles)
            dram?.beginPass(pass)
            // With prefetch, the next pass's weights load during this pass's tiles, in the port's
            // idle cycles; during the last pass, the next layer's first pass does.
            let hasNext = i + 1 < plan.passes.count
            var prefetch = hasNext ? (plan.prefetch ? weightBurst(plan.passes[i + 1]) : nil) : plan.next.map(nextLayerBurst)
            tilePhase(pass, prefetch: &prefetch)
            // A registered pass end (§14): the sequencer advances a cycle after the last store request.
            if cfg.registeredPassEnd { t += 1; stalls.drain += 1 }
            if hasNext { weights = prefetch ?? weightBurst(plan.passes[i + 1]) } else { handOn = prefetch }
        }
        if var h = handOn { finish(&h, cause: \.weights, minCycles: 0) }
        return t
    }

    /// The burst of pass `p`'s bias and weight words (into its bias half and its stretch of the ring);
    /// of a preloaded first pass only the weight words after the preloaded ones.
    private func weightBurst(_ p: OutputPass, preloaded: Bool = false) -> Burst {
        let br = plan.biasWordRange(p), skip = preloaded ? plan.preloadedWords : 0
        let nb = preloaded ? 0 : br.count, nw = plan.weightWordCount(p) - skip
        if !preloaded { dram?.beginWeights(p) }
        beatsRead += nb + nw
        weightBeatsRead += nb + nw
        return Burst(n: nb + nw) { q, a in
            if q < nb { self.dram?.readBias(pass: p, word: br.lowerBound + q, arrival: a) }
            else { self.dram?.readWeight(pass: p, word: skip + q - nb, arrival: a) }
        }
    }

    /// The burst of what this layer hands on of the next one (§7.2, weight handoff): into the ring beside the last pass.
    private func nextLayerBurst(_ n: NextLayerWeights) -> Burst {
        dram?.beginNextLayer(n)
        beatsRead += n.words
        weightBeatsRead += n.words
        return Burst(n: n.words) { q, a in self.dram?.readNextLayer(n, word: q, arrival: a) }
    }

    /// Presents the rest of burst `b`'s requests from cycle t on, accepted as the port allows, then
    /// waits for the last datum: the phase ends the cycle after it arrives, and lasts at least
    /// `minCycles` cycles. Its cycles count as stall `cause`.
    private func finish(_ b: inout Burst, cause: WritableKeyPath<StallCycles, Int>, minCycles: Int) {
        let start = t
        if port.streams && !stepsData {
            // One read per cycle, each datum L cycles after its request.
            if b.requesting {
                let k = b.n - b.q
                b.lastArrival = t + k - 1 + L; b.q = b.n; t += k
            }
            t = max(t, b.lastArrival + 1, start + minCycles)
            stalls[keyPath: cause] += t - start
            return
        }
        while b.requesting {
            if port.accepts(read: true, at: t) {
                b.lastArrival = port.acceptRead(at: t)
                if stepsData { b.request(b.q, b.lastArrival) }
                b.q += 1
            }
            if stepsData { dram!.deliver(at: t) }
            t += 1
        }
        let end = max(t, b.lastArrival + 1, start + minCycles)
        if stepsData { while t < end { dram!.deliver(at: t); t += 1 } }
        t = end
        b.locked = false
        stalls[keyPath: cause] += t - start
    }

    // MARK: Tile phase

    /// The DRAM transfers of a pass's `n` tile groups in the fixed order the port sequencer grants
    /// them: L0, L1, then L(i), S(i−2) for i = 2..N−1, then S(N−2), S(N−1).
    static func transferOrder(groups n: Int) -> [(store: Bool, tile: Int)] {
        var seq: [(Bool, Int)] = [(false, 0)]
        if n > 1 { seq.append((false, 1)) }
        if n > 2 { for i in 2..<n { seq.append((false, i)); seq.append((true, i - 2)) } }
        if n > 1 { seq.append((true, n - 2)) }
        seq.append((true, n - 1))
        return seq
    }

    /// The TILES phase of `pass`. `prefetch`: the next pass's weight burst, which takes the port in
    /// every cycle no tile transfer presents a request (§7.2): the transfer has priority unless the
    /// burst's request was refused in the previous cycle and is still on the port.
    ///
    /// Transfers move tile groups (§3.1): a load takes its group's tiles from the scanner one by
    /// one (the grant takes the first; a later one in the cycle of the previous tile's last request
    /// when that is at least two cycles after the previous take, else in a cycle of its own), then
    /// presents that tile's requests, or idles one cycle when it has none (§7.3); a store presents
    /// the requests of all its tiles in a row.
    private func tilePhase(_ pass: OutputPass, prefetch: inout Burst?) {
        let N = groups.count
        let T = plan.steps, Kc = plan.kgroupCycles, G = plan.kgroups(pass)
        let (shares, ringBlocks) = plan.haloPlacement(groups)
        // With the line buffer (§6.5) a tile's load brings the band's segments it uses first.
        let band = plan.lineBuffer ? plan.lineBand(groups) : nil
        let loadWords = groups.indices.map { i in
            groups[i].indices.map { k in
                (band?.tileWords(group: i, tile: k) ?? 0)
                    + plan.loadWords(ty: groups[i][k].ty, tx: groups[i][k].tx, pass: pass, shares: shares[i][k])
            }
        }
        let storeWords = groups.map { $0.reduce(0) { $0 + plan.storeWords(ty: $1.ty, tx: $1.tx, pass: pass) } }
        let order = Self.transferOrder(groups: N)
        // Per-group times, −1 while unknown.
        var ready = [Int](repeating: -1, count: N)        // load data in the input buffer from this cycle
        // (and in its consumer's hands, the compute or copy engine's, W cycles later: the write's
        // boundary registers, §7.3)
        let W = cfg.loadedDelay
        // Takes are at least TI cycles apart (the scanner's offer, and with boundary registers the
        // offered tile's geometry registered, §7.3).
        let TI = cfg.takeInterval
        func loaded(_ i: Int) -> Int { ready[i] < 0 ? -1 : ready[i] + W }
        var requantDone = [Int](repeating: -1, count: N)  // cycle after the last requant row
        var storeEnd = [Int](repeating: -1, count: N)     // cycle after the last store request
        traceBase = trace.count
        for (i, group) in groups.enumerated() {
            trace.append(TileEvent(pass: pass.index, index: i, ty: group[0].ty, tx: group[0].tx, loadStart: -1, loadEnd: -1,
                                   computeStart: -1, computeEnd: -1, storeStart: -1, storeEnd: -1))
        }
        // Port sequencer: transfer `xfer` of `order`, in state `xf`; `xfTile`: the load's tile whose
        // requests are presented; remaining requests of that tile (load) or of the store.
        // (`settle`: the cycle after a registered take, §7.3, which presents no request)
        enum Xfer { case wait, issue, take, idle, settle }
        // `lastTake`: the cycle the load last took a tile from the scanner.
        var xfer = 0, xf = Xfer.wait, xfTile = 0, xfRemaining = 0, xfIssued = 0, lastArrival = -1, granted = 0, lastTake = -TI
        // Compute engine
        var cpTile = 0, cpRunning = false, cpG = 0, cpK = 0
        let never = Self.never
        // Copy engine (§6.5): group `cyTile`'s halos from the line buffer into its input half.
        var cyTile = 0, cyRunning = false, cyRemaining = 0
        var copied = [Int](repeating: -1, count: N)  // the group's halos copied from this cycle
        let copyCycles = groups.map { $0.count * plan.lineCopyCycles }

        while xfer < order.count {
            // ---- decisions for cycle t (state at the start of the cycle) ----
            var dur = never
            let (isStore, xt) = order[xfer]
            let xfIssuing = xf == .issue
            var xfGrant = false
            // A request of the current transfer accepted in cycle t (read: its data's arrival cycle).
            var xfAccept = false, arrival = -1
            // The prefetch burst's request accepted in cycle t (ports that do not stream), with its arrival.
            var pfArrival = -1
            let pfActive = prefetch?.requesting ?? false
            if !port.streams && (xfIssuing || pfActive) {
                let slot = port.hasReadSlot(at: t), ready = port.timing.requestReady(cycle: t)
                let xfWants = xfIssuing && (isStore || slot)
                let pfPresents = pfActive && slot && (prefetch!.locked || !xfWants)
                if xfWants && !pfPresents && ready {
                    xfAccept = true
                    if !isStore { arrival = port.acceptRead(at: t) }
                }
                if pfPresents && ready { pfArrival = port.acceptRead(at: t) }
                if pfActive { prefetch!.locked = pfPresents && !ready }
            }
            switch xf {
            case .issue:
                if port.streams {
                    dur = xfRemaining; xfAccept = true
                    arrival = t + L
                } else {
                    dur = 1
                }
            case .take, .idle, .settle:
                dur = 1
            case .wait:
                // (a load reuses the input part of the group two before it, or three in a ring of three, §7.3)
                // (with the line buffer and no residual a load writes only the line buffer: it may start
                // once the group two before it is copied, whose rows it may overwrite, §6.5)
                let lag = plan.ringTiles, early = band != nil && !plan.hasResidual
                // (a load's grant takes a tile: `takeInterval` cycles after the previous take at the earliest)
                let free: Int = isStore ? requantDone[xt] : (xt < lag ? t : early ? copied[xt - lag] : requantDone[xt - lag])
                let eligible = isStore || free < 0 ? free : max(free, lastTake + TI)
                if eligible >= 0 && eligible <= t { xfGrant = true; dur = 1 }
                else if eligible >= 0 { dur = eligible - t }
            }
            // Copy engine: group i, once its load (the band's segments it uses first) has arrived and
            // group i − 2 is requantized (its input half is free).
            if cyRunning { dur = min(dur, cyRemaining) }
            else if band != nil && cyTile < N {
                // (the later of the two cycles, once both are known)
                let free = cyTile < 2 ? 0 : requantDone[cyTile - 2], ld = loaded(cyTile)
                let r = ld < 0 || free < 0 ? -1 : max(ld, free)
                if r >= 0 && r <= t {
                    // (its last word is written a cycle after its last read)
                    cyRunning = true; cyRemaining = copyCycles[cyTile]; copied[cyTile] = t + copyCycles[cyTile] + 1
                    dur = min(dur, cyRemaining)
                    if let d = dram, mode == .stepped { d.copyHalos(group: groups[cyTile], index: cyTile) }
                } else if r > t {
                    dur = min(dur, r - t)
                }
            }
            // Compute engine (with the line buffer a group's data is there once it is copied)
            if !cpRunning && cpTile < N {
                let i = cpTile
                let r = band == nil ? loaded(i) : copied[i]
                let s: Int = i < 2 ? 0 : storeEnd[i - 2]
                if r >= 0 && r <= t && s >= 0 && s <= t {
                    cpRunning = true; cpG = 0; cpK = 0
                    let e = t + (G - 1) * Kc + T - 1
                    requantDone[i] = e + P + cfg.requantCycles + cfg.requantPipelineDepth
                    trace[traceBase + i].computeStart = t
                } else if r > t {
                    dur = min(dur, r - t)
                } else if r >= 0 && s > t {
                    dur = min(dur, s - t)
                }
            }
            let cpIssuing = cpRunning && cpK < T
            if cpRunning { dur = min(dur, cpK < T ? T - cpK : Kc - cpK) }

            if pfActive && !port.streams { dur = min(dur, 1) }
            precondition(dur != never && dur > 0, "engines deadlocked at cycle \(t)")
            let delta = mode == .stepped ? 1 : dur

            // ---- the prefetch burst: its requests accepted in [t, t + delta) ----
            if pfActive {
                if port.streams {
                    // Every cycle no transfer issues: one read, its datum L cycles later.
                    if !xfIssuing {
                        let k = min(delta, prefetch!.n - prefetch!.q)
                        if stepsData { for j in 0..<k { prefetch!.request(prefetch!.q + j, t + j + L) } }
                        prefetch!.q += k
                        prefetch!.lastArrival = t + k - 1 + L
                    }
                } else if pfArrival >= 0 {
                    if stepsData { prefetch!.request(prefetch!.q, pfArrival) }
                    prefetch!.q += 1
                    prefetch!.lastArrival = pfArrival
                }
            }

            // ---- statistics for the delta cycles ----
            // (a load "holds the port sequencer" from its grant to its end, take and idle cycles included)
            let loadHolds = !isStore && (xf != .wait || xfGrant)
            if cpIssuing { busy += delta }
            else if cpRunning { stalls.requant += delta }
            else if cpTile >= N { stalls.drain += delta }
            else {
                let r = band == nil ? loaded(cpTile) : copied[cpTile]
                if r < 0 || r > t { stalls.load += delta }
                else if loadHolds { stalls.dram += delta }
                else { stalls.store += delta }
            }

            // ---- data movement (stepped: exactly one cycle) ----
            if let d = dram, mode == .stepped {
                if xfAccept {
                    if isStore { d.storeRequest(group: groups[xt], index: xt, q: xfIssued) }
                    else if let b = band, xfIssued < b.tileWords(group: xt, tile: xfTile) {
                        d.lineRequest(b, group: xt, tile: xfTile, q: xfIssued, arrival: arrival)
                    } else {
                        d.loadRequest(tile: groups[xt][xfTile], slot: plan.slot(xfTile), shares: shares[xt][xfTile], ringBlock: ringBlocks[xt],
                                      index: xt, q: xfIssued - (band?.tileWords(group: xt, tile: xfTile) ?? 0), arrival: arrival)
                    }
                }
                if cpIssuing {
                    d.computeStep(group: groups[cpTile], ringBlock: ringBlocks[cpTile], index: cpTile, kgroup: cpG, step: cpK, at: t)
                }
                d.requantCycle(at: t)
                d.deliver(at: t)
            }

            // ---- advance the engines by delta ----
            /// The load's data is usable from `readyAt`.
            func loadReady(_ at: Int) {
                // (with the line buffer and no residual, groups are loaded in order, a cycle apart at least)
                let lineOrder = band != nil && !plan.hasResidual
                let readyAt = lineOrder && xt > 0 ? max(at, ready[xt - 1] + 1) : at
                ready[xt] = readyAt
                // (a load of no requests starts at its grant; with the line buffer where it ends)
                if trace[traceBase + xt].loadStart < 0 { trace[traceBase + xt].loadStart = lineOrder ? readyAt - 1 : granted }
                trace[traceBase + xt].loadEnd = readyAt
            }
            /// The load's tile `k` is taken in cycle t: its requests follow, or one idle cycle when it
            /// has none; the last tile of a group of no requests makes the group ready from t + 1.
            func takeTile(_ k: Int, at c: Int) {
                xfTile = k; xfIssued = 0; lastTake = c
                xfRemaining = loadWords[xt][k]
                beatsRead += xfRemaining
                xf = xfRemaining > 0 ? (cfg.registeredTake ? .settle : .issue) : .idle
                // (the data of the group's earlier tiles may still be on its way, with the line buffer)
                if xfRemaining == 0 && k + 1 == groups[xt].count { loadReady(max(c + 1, lastArrival + 1)) }
            }
            switch xf {
            case .issue where xfAccept:
                // `delta` requests accepted in [t, t + delta) (more than one only while the port streams).
                if isStore {
                    if xfIssued == 0 { trace[traceBase + xt].storeStart = t }
                } else if trace[traceBase + xt].loadStart < 0 { trace[traceBase + xt].loadStart = t }
                xfRemaining -= delta; xfIssued += delta
                if !isStore { lastArrival = arrival + delta - 1 }
                if xfRemaining == 0 {
                    if isStore {
                        storeEnd[xt] = t + delta
                        trace[traceBase + xt].storeEnd = t + delta
                        xf = .wait; xfer += 1
                    } else if xfTile + 1 < groups[xt].count {
                        // The next tile is taken in the cycle of this tile's last request when the
                        // port sequencer can take it then (TI cycles after the previous take), else in a
                        // cycle of its own.
                        let last = t + delta - 1
                        if last >= lastTake + TI { takeTile(xfTile + 1, at: last) } else { xf = .take }
                    } else {
                        loadReady(lastArrival + 1)
                        xf = .wait; xfer += 1
                    }
                }
            case .issue:
                break
            case .take:
                if t >= lastTake + TI { takeTile(xfTile + 1, at: t) }
            case .settle:
                xf = .issue
            case .idle:
                // a tile of no requests (resident halos or the line buffer, no residual)
                if xfTile + 1 < groups[xt].count { xf = .take } else { xf = .wait; xfer += 1 }
            case .wait where xfGrant:
                if isStore {
                    xfRemaining = storeWords[xt]; xfIssued = 0
                    beatsWritten += xfRemaining
                    if let d = dram, mode == .fast { for tile in groups[xt] { d.storeTileFast(tile: tile) } }
                    xf = .issue
                } else {
                    lastArrival = -1; granted = t
                    takeTile(0, at: t)
                }
            case .wait:
                break
            }
            if cyRunning {
                cyRemaining -= delta
                if cyRemaining == 0 { cyRunning = false; cyTile += 1 }
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
