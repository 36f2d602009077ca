/// How a layer meets its neighbours when a network runs layer after layer (docs/microarchitecture.md
/// §7.2, "Weight handoff"): the next layer's first pass loads its bias and weights into the free half
/// of the buffers during this layer's last pass, so that layer starts computing without a WEIGHTS burst.
///
/// The default is a layer on its own: nothing preloaded, pass 0 in half 0, nothing handed on.
public struct WeightHandoff: Hashable, Sendable {
    /// Pass 0's bias and weight words are already in half `firstHalf` of the weight buffer and the
    /// bias RAM when the layer starts (the previous layer loaded them): WEIGHTS(0) loads nothing.
    public var preloaded: Bool
    /// The half pass 0 uses; pass p uses `(firstHalf + p) mod 2` (a layer whose passes use halves).
    public var firstHalf: Int
    /// The next layer's first pass, loaded during this layer's last pass (register PASS.next).
    public var next: NextLayerWeights?

    public init(preloaded: Bool = false, firstHalf: Int = 0, next: NextLayerWeights? = nil) {
        self.preloaded = preloaded; self.firstHalf = firstHalf; self.next = next
    }

    /// The handoffs of layers run back to back, in order; `plans[i]` is layer i's plan (any tile
    /// shape: the passes do not depend on it). Layer i hands its successor's first pass on
    /// when its own last pass leaves a half free and that pass fits a half (`LayerPlan.usesHalves` of
    /// both); the successor then starts preloaded, in the half its predecessor's last pass did not use.
    /// `next` carries counts only; `NextLayerWeights.withData` adds the words.
    public static func chain(_ plans: [LayerPlan]) -> [WeightHandoff] {
        var out = [WeightHandoff](repeating: WeightHandoff(), count: plans.count)
        for i in plans.indices {
            guard i + 1 < plans.count, plans[i].usesHalves, plans[i + 1].usesHalves else { continue }
            let last = (out[i].firstHalf + plans[i].passes.count - 1) % 2
            out[i].next = NextLayerWeights(plan: plans[i + 1], half: 1 - last)
            out[i + 1].preloaded = true
            out[i + 1].firstHalf = 1 - last
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
            if let n = handoffs[i].next { j.handoff.next = n.withData(of: jobs[i + 1], plan: plans[i + 1]) }
            return j
        }
    }
}

/// The next layer's first pass as the current layer loads it (§7.2): its bias words then its weight
/// words, in DRAM order, into `half`; word q of the weights goes to bank (q ÷ wordsPerChannel) mod lanesK.
public struct NextLayerWeights: Hashable, Sendable {
    /// The half of the weight buffer and bias RAM they go to (the one the last pass does not use).
    public var half: Int
    public var biasWords: Int
    public var weightWords: Int
    /// Weight words per output channel of the next layer, K·KW·CW (register NEXT_LAYOUT.k2cw).
    public var wordsPerChannel: Int
    /// The pass's weight bytes as the bound counts them, channels·K²·Cin (§9): they move in this layer's run.
    public var compulsoryBytes: Int
    /// The `biasWords + weightWords` words as they are in the next layer's image (B bytes each); empty
    /// when only the timing is wanted (the memory image then holds zeros in their place).
    public var bytes: [UInt8]

    /// The counts of `plan`'s first pass, going to `half`.
    public init(plan: LayerPlan, half: Int) {
        let p = plan.passes[0]
        self.half = half
        biasWords = plan.biasWordRange(p).count
        weightWords = plan.weightWordCount(p)
        wordsPerChannel = plan.kernel * plan.kernelWidth * plan.inWords
        compulsoryBytes = plan.firstPassWeightBytes
        bytes = []
    }

    public var words: Int { biasWords + weightWords }

    /// The same with the words of `job` (laid out by `plan`) filled in.
    public func withData(of job: LayerJob, plan: LayerPlan) -> NextLayerWeights {
        let img = MemoryImage(job: job, plan: plan)
        let B = img.wordBytes, r = img.regions
        var n = self
        n.bytes = Array(img.bytes[(r.bias * B)..<((r.bias + biasWords) * B)])
            + Array(img.bytes[(r.weights * B)..<((r.weights + weightWords) * B)])
        return n
    }
}
