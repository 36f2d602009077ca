/// How a layer meets its neighbours when a network runs layer after layer (docs/microarchitecture.md
/// §7.2, "Weight handoff"). The weight buffer is a ring: pass p of a layer holds its words from ring
/// address `weightBase(p)` on, the next pass (and the next layer's first) right after it. During a
/// layer's last pass the next layer's bias words and as many of its first-pass kgroups as the rest
/// of the ring holds load in the port's idle cycles; that layer then starts with them in place and
/// loads only the rest.
///
/// The default is a layer on its own: nothing preloaded, pass 0 at ring address 0, nothing handed on.
public struct WeightHandoff: Hashable, Sendable {
    /// Weight words of pass 0 already in the ring when the layer starts (whole kgroups, in DRAM order),
    /// and then its bias words too (the previous layer loaded them); 0: nothing preloaded.
    public var preloadedWords: Int
    /// Ring address of pass 0's first weight word.
    public var ringBase: Int
    /// The bias-RAM half of pass 0; pass p uses half (biasHalf + p) mod 2.
    public var biasHalf: Int
    /// The next layer's first pass (or its first kgroups), loaded during this layer's last pass.
    public var next: NextLayerWeights?

    public init(preloadedWords: Int = 0, ringBase: Int = 0, biasHalf: Int = 0, next: NextLayerWeights? = nil) {
        self.preloadedWords = preloadedWords; self.ringBase = ringBase; self.biasHalf = biasHalf; self.next = next
    }

    /// Pass 0's bias and first weight words are in the buffers when the layer starts.
    public var preloaded: Bool { preloadedWords > 0 }

    /// The handoffs of layers run back to back, in order (`plans[i]` of layer i, any tile shape: the
    /// passes do not depend on it). Layer i + 1's first pass starts in the ring right after layer i's
    /// last pass; layer i hands on its bias words and the kgroups of it that fit the rest of the ring,
    /// DW − (words of i's last pass), when that is at least one (`NextLayerWeights(plan:after:)`).
    /// `next` carries counts only; `NextLayerWeights.withData` adds the words.
    public static func chain(_ plans: [LayerPlan]) -> [WeightHandoff] {
        var out = [WeightHandoff](repeating: WeightHandoff(), count: plans.count)
        // (a channel-window run, §4, neither hands on nor receives: its first pass is not its weights' first)
        func whole(_ p: LayerPlan) -> Bool { p.window.count == p.layerCout }
        for i in plans.indices where i + 1 < plans.count && whole(plans[i]) && whole(plans[i + 1]) {
            let a = plans[i].with(handoff: out[i])
            guard let n = NextLayerWeights(plan: plans[i + 1], after: a) else { continue }
            out[i].next = n
            out[i + 1] = WeightHandoff(preloadedWords: n.weightWords, ringBase: n.ringBase, biasHalf: n.biasHalf)
        }
        return out
    }

    /// `jobs` as they run back to back: each with its handoff (`chain`), the next layer's words included.
    public static func linked(_ jobs: [LayerJob], config: HardwareConfig) throws -> [LayerJob] {
        let plans = try jobs.map { try LayerPlan(job: $0, config: config) }
        let handoffs = chain(plans)
        return try jobs.indices.map { i in
            var j = jobs[i]
            j.handoff = handoffs[i]
            if let n = handoffs[i].next { j.handoff.next = try n.withData(of: jobs[i + 1], config: config) }
            return j
        }
    }
}

/// What the current layer loads of the next layer's first pass (§7.2): its bias words (into bias half
/// `biasHalf`), then its first weight words in DRAM order, whole kgroups; weight word q goes to bank
/// (q ÷ wordsPerChannel) mod lanesK at ring address ringBase + (q ÷ (wordsPerChannel·lanesK))·wordsPerChannel
/// + q mod wordsPerChannel, modulo DW.
public struct NextLayerWeights: Hashable, Sendable {
    /// Ring address of the next layer's first pass: right after this layer's last pass.
    public var ringBase: Int
    /// The bias-RAM half its bias words go to (the one this layer's last pass does not use).
    public var biasHalf: Int
    public var biasWords: Int
    /// Weight words handed on: whole kgroups of its first pass, from the first, in DRAM order.
    public var weightWords: Int
    /// Weight words per output channel of the next layer, K·KW·CW (register NEXT_LAYOUT.k2cw).
    public var wordsPerChannel: Int
    /// The handed-on weights' bytes as the bound counts them, channels·K²·Cin (§9): they move in this layer's run.
    public var compulsoryBytes: Int
    /// The `biasWords + weightWords` words as they are in the next layer's image (B bytes each); empty
    /// when only the timing is wanted (the memory image then holds zeros in their place).
    public var bytes: [UInt8]

    /// What `current` (its handoff as planned) hands on of `next`'s first pass: the bias words and the
    /// kgroups that fit the ring beside `current`'s last pass; nil when not one kgroup fits.
    public init?(plan next: LayerPlan, after current: LayerPlan) {
        let cfg = current.config, last = current.passes[current.passes.count - 1], p0 = next.passes[0]
        let used = current.ringWords(last), k2cw = next.tapWords
        let kgroups = min(next.kgroups(p0), (cfg.weightBankDepth - used) / k2cw)
        guard kgroups >= 1 else { return nil }
        let channels = min(kgroups * cfg.lanesK, p0.channels)
        ringBase = (current.weightBase(last) + used) % cfg.weightBankDepth
        biasHalf = 1 - current.biasHalf(last)
        biasWords = next.biasWordRange(p0).count
        weightWords = channels * k2cw
        wordsPerChannel = k2cw
        compulsoryBytes = channels * next.kernel * next.kernel * next.cin / next.columnsPerOutput  // (output pairs: each weight twice, §3.3)
        bytes = []
    }

    /// Given counts (the warm-up run's, or a test's).
    public init(ringBase: Int, biasHalf: Int, biasWords: Int, weightWords: Int, wordsPerChannel: Int, compulsoryBytes: Int = 0) {
        self.ringBase = ringBase; self.biasHalf = biasHalf; self.biasWords = biasWords; self.weightWords = weightWords
        self.wordsPerChannel = wordsPerChannel; self.compulsoryBytes = compulsoryBytes; bytes = []
    }

    public var words: Int { biasWords + weightWords }

    /// The same with the words of `job` filled in.
    public func withData(of job: LayerJob, config: HardwareConfig) throws -> NextLayerWeights {
        let img = MemoryImage(job: job, plan: try LayerPlan(job: job, config: config), contents: .parameters)
        let B = img.wordBytes, r = img.regions
        var n = self
        n.bytes = Array(img.bytes[(r.bias * B)..<((r.bias + biasWords) * B)])
            + Array(img.bytes[(r.weights * B)..<((r.weights + weightWords) * B)])
        return n
    }
}
