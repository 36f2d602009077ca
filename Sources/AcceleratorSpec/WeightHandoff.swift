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
    ///
    /// With `masks` (each layer's tile mask), a layer whose last pass leaves the DRAM port idle also
    /// hands on, **two ahead**, the first kgroups of layer i + 2 when layer i + 1 would otherwise keep
    /// the port busier than its compute (`PortLoad`): layer i + 1 then hands on only the rest of
    /// them. Two ahead needs layer i + 1 to be one pass of whole kgroups with layer i + 2's weight
    /// layout (its words and i + 2's are then one run of the ring) and both first passes to fit the
    /// ring beside each other.
    /// `next` carries counts only; `NextLayerWeights.withData` adds the words.
    public static func chain(_ plans: [LayerPlan], masks: [TileMask]? = nil) -> [WeightHandoff] {
        precondition(masks.map { $0.count == plans.count } ?? true, "one tile mask per plan")
        var out = [WeightHandoff](repeating: WeightHandoff(), count: plans.count)
        // (a config that leaves the handoff out runs each layer on its own)
        if let c = plans.first?.config, !c.has(.weightHandoff) { return out }
        // Weight words of layer i's first pass already handed on two ahead (by layer i − 2).
        var early = [Int](repeating: 0, count: plans.count)
        // (a channel-window run, §4, neither hands on nor receives: its first pass is not its weights' first)
        func whole(_ p: LayerPlan) -> Bool { p.window.count == p.layerCout }
        for i in plans.indices where i + 1 < plans.count && whole(plans[i]) && whole(plans[i + 1]) {
            let a = plans[i].with(handoff: out[i])
            guard var n = NextLayerWeights(plan: plans[i + 1], after: a, firstWord: early[i + 1]) else { continue }
            if let masks, i + 2 < plans.count, whole(plans[i + 2]) {
                let x = twoAheadKgroups(a, plans[i + 1], plans[i + 2], handing: n, masks: (masks[i], masks[i + 1]))
                if x > 0 {
                    n = n.appending(kgroups: x, of: plans[i + 2])
                    early[i + 2] = n.followingWords
                }
            }
            out[i].next = n
            // (its first words, when layer i − 1 handed them on two ahead, and then those of this burst)
            out[i + 1] = WeightHandoff(preloadedWords: n.firstWord + n.ownWords, ringBase: n.passBase, biasHalf: n.biasHalf)
        }
        return out
    }

    /// How many kgroups of `c`'s first pass `a` hands on two ahead, beside `b`'s (`n`): enough that
    /// `b`'s port words no longer exceed its compute cycles, as many as `a`'s idle port cycles carry,
    /// at most all (`b` still hands on `c`'s bias words); 0 when the ring or the layouts do not allow it.
    static func twoAheadKgroups(_ a: LayerPlan, _ b: LayerPlan, _ c: LayerPlan, handing n: NextLayerWeights,
                                masks: (TileMask, TileMask)) -> Int {
        let cfg = a.config, lk = cfg.lanesK, DW = cfg.weightBankDepth
        let b0 = b.passes[0], c0 = c.passes[0], k2cw = c.tapWords
        guard b.passes.count == 1, !b.prefetch, b0.channels % lk == 0, b.tapWords == k2cw,
              n.firstWord == 0, n.ownWords == b.weightWordCount(b0) else { return 0 }
        let kgroupWords = lk * k2cw, cKgroups = c.kgroups(c0)
        // the ring: a's last pass, b's pass and the kgroups handed now; then b's pass and all of c's
        let fit = min((DW - a.ringWords(a.passes[a.passes.count - 1]) - b.ringWords(b0)) / k2cw,
                      (DW - b.ringWords(b0)) / k2cw >= cKgroups ? cKgroups : 0)
        let la = PortLoad(a, tiles: a.scanOrder(masks.0)), lb = PortLoad(b, tiles: b.scanOrder(masks.1))
        let idleA = la.idleCycles - n.words
        let excessB = c.biasWordRange(c0).count + cKgroups * kgroupWords - lb.idleCycles
        guard idleA >= kgroupWords, excessB > 0 else { return 0 }
        return max(0, min(fit, idleA / kgroupWords, (excessB + kgroupWords - 1) / kgroupWords))
    }

    /// `jobs` as they run back to back: each with its handoff (`chain`), the next layer's words included.
    public static func linked(_ jobs: [LayerJob], config: HardwareConfig) throws -> [LayerJob] {
        let plans = try jobs.map { try LayerPlan(job: $0, config: config) }
        let handoffs = chain(plans, masks: jobs.map(\.tileMask))
        return try jobs.indices.map { i in
            var j = jobs[i]
            j.handoff = handoffs[i]
            if let n = handoffs[i].next {
                j.handoff.next = try n.withData(of: jobs[i + 1], following: n.followingWords > 0 ? jobs[i + 2] : nil, config: config)
            }
            return j
        }
    }
}

/// What the current layer loads of the next layer's first pass (§7.2): its bias words (into bias half
/// `biasHalf`), then weight words in DRAM order, whole kgroups — the next layer's from `firstWord` on
/// (0, unless the layer before handed on its first kgroups two ahead), then, two ahead, the first
/// `followingWords` of the layer after it, which continue the same ring layout. Burst weight word q
/// goes to bank (q ÷ wordsPerChannel) mod lanesK at ring address ringBase + (q ÷ (wordsPerChannel·lanesK))·wordsPerChannel
/// + q mod wordsPerChannel, modulo DW.
public struct NextLayerWeights: Hashable, Sendable {
    /// Ring address of the burst's first weight word: the next layer's first pass, right after this
    /// layer's last pass, plus the kgroups of it already in (`firstWord`).
    public var ringBase: Int
    /// Ring address of the next layer's first pass.
    public var passBase: Int
    /// The bias-RAM half its bias words go to (the one this layer's last pass does not use).
    public var biasHalf: Int
    public var biasWords: Int
    /// Weight words of the burst: the next layer's (`ownWords`), then the layer after it's (`followingWords`).
    public var weightWords: Int
    /// The next layer's first weight word in the burst (whole kgroups before it came two ahead).
    public var firstWord: Int
    /// Weight words of the layer after next at the end of the burst (two ahead; 0: none).
    public var followingWords: Int
    /// Weight words per output channel of the next layer, K·KW·CW (register NEXT_LAYOUT.k2cw).
    public var wordsPerChannel: Int
    /// The handed-on weights' bytes as the bound counts them, channels·K²·Cin (§9): they move in this layer's run.
    public var compulsoryBytes: Int
    /// The `biasWords + weightWords` words as they are in the next layers' images (B bytes each); empty
    /// when only the timing is wanted (the memory image then holds zeros in their place).
    public var bytes: [UInt8]

    /// What `current` (its handoff as planned) hands on of `next`'s first pass: the bias words and the
    /// kgroups from word `firstWord` on that fit the ring beside `current`'s last pass; nil when not one kgroup fits.
    public init?(plan next: LayerPlan, after current: LayerPlan, firstWord: Int = 0) {
        let cfg = current.config, last = current.passes[current.passes.count - 1], p0 = next.passes[0]
        let used = current.ringWords(last), k2cw = next.tapWords
        let first = firstWord / (cfg.lanesK * k2cw)
        let kgroups = min(next.kgroups(p0) - first, (cfg.weightBankDepth - used) / k2cw - first)
        // (none left: the weights all came two ahead, the bias words still come here)
        guard kgroups >= 1 || (first > 0 && first == next.kgroups(p0) && (cfg.weightBankDepth - used) / k2cw >= first) else { return nil }
        let channels = max(0, min(kgroups * cfg.lanesK, p0.channels - first * cfg.lanesK))
        passBase = (current.weightBase(last) + used) % cfg.weightBankDepth
        ringBase = (passBase + first * k2cw) % cfg.weightBankDepth
        biasHalf = 1 - current.biasHalf(last)
        biasWords = next.biasWordRange(p0).count
        self.firstWord = first * cfg.lanesK * k2cw
        weightWords = channels * k2cw
        followingWords = 0
        wordsPerChannel = k2cw
        compulsoryBytes = channels * next.kernel * next.kernel * next.cin / next.columnsPerOutput  // (output pairs: each weight twice, §3.3)
        bytes = []
    }

    /// The same burst with the first `kgroups` kgroups of `following`'s first pass at its end (two ahead).
    public func appending(kgroups: Int, of following: LayerPlan) -> NextLayerWeights {
        var n = self
        let channels = min(kgroups * following.config.lanesK, following.passes[0].channels)
        n.followingWords = channels * following.tapWords
        n.weightWords += n.followingWords
        n.compulsoryBytes += channels * following.kernel * following.kernel * following.cin / following.columnsPerOutput
        return n
    }

    /// The next layer's weight words in the burst.
    public var ownWords: Int { weightWords - followingWords }

    /// Given counts (the warm-up run's, or a test's).
    public init(ringBase: Int, biasHalf: Int, biasWords: Int, weightWords: Int, wordsPerChannel: Int, compulsoryBytes: Int = 0) {
        self.ringBase = ringBase; passBase = ringBase; self.biasHalf = biasHalf; self.biasWords = biasWords; self.weightWords = weightWords
        firstWord = 0; followingWords = 0
        self.wordsPerChannel = wordsPerChannel; self.compulsoryBytes = compulsoryBytes; bytes = []
    }

    public var words: Int { biasWords + weightWords }

    /// The same with the words filled in: `job`'s (the next layer) and, two ahead, `following`'s.
    public func withData(of job: LayerJob, following: LayerJob? = nil, config: HardwareConfig) throws -> NextLayerWeights {
        func image(_ j: LayerJob) throws -> (bytes: [UInt8], regions: MemoryRegions, B: Int) {
            let img = MemoryImage(job: j, plan: try LayerPlan(job: j, config: config), contents: .parameters)
            return (img.bytes, img.regions, img.wordBytes)
        }
        let (b, r, B) = try image(job)
        var n = self
        n.bytes = Array(b[(r.bias * B)..<((r.bias + biasWords) * B)])
            + Array(b[((r.weights + firstWord) * B)..<((r.weights + firstWord + ownWords) * B)])
        if followingWords > 0 {
            guard let following else { throw AcceleratorSpecError.invalidLayer("\(job.name): the handoff carries weights of the layer after it, which is missing") }
            let (fb, fr, _) = try image(following)
            n.bytes += Array(fb[(fr.weights * B)..<((fr.weights + followingWords) * B)])
        }
        return n
    }
}
