import Testing
import AcceleratorSpec
import SparseCNN
@testable import TileModel

/// The weight handoff between consecutive layers (docs/microarchitecture.md §7.2).
@Suite struct WeightHandoffTests {
    /// A layer of `cout` 3×3 output channels over `cin` inputs on an 8×8 map.
    func job(_ rng: inout SplitMix64, cin: Int, cout: Int, config: HardwareConfig, mask: MaskKind = .random,
             residual: Bool = false) throws -> LayerJob {
        try randomJob(&rng, K: 3, S: 1, H: 8, W: 8, cin: cin, cout: cout, residual: residual, config: config, mask: mask)
    }

    /// oddConfig's weight buffer: a ring of 64 words per bank. One output channel of 3×3 over 8
    /// channels (CW = 1) is 9 words: a kgroup of 3 channels 9 words per bank, 7 kgroups the whole ring.
    @Test func chainFollowsTheRule() throws {
        let cfg = try oddConfig()
        var rng = SplitMix64(seed: 3)
        // A: 2 kgroups, one pass (18 words); B: 5 kgroups, one pass of more than half the ring (45);
        // C: 9 kgroups, passes of 3 kgroups (27 each, prefetching, 3 passes); D: 1 kgroup; E: 2.
        let jobs = [try job(&rng, cin: 8, cout: 6, config: cfg), try job(&rng, cin: 8, cout: 15, config: cfg),
                    try job(&rng, cin: 8, cout: 27, config: cfg), try job(&rng, cin: 8, cout: 3, config: cfg),
                    try job(&rng, cin: 8, cout: 6, config: cfg)]
        let plans = try jobs.map { try LayerPlan(job: $0, config: cfg) }
        #expect(plans.map { $0.passes.count } == [1, 1, 3, 1, 1])
        let h = WeightHandoff.chain(plans)
        // (words per bank; the handed-on DRAM words are channels · 9) A at 0..17 leaves 46 words: all
        // of B (45; 15 channels, 135 words) follows at 18. B at 18..62 leaves 19: two of C's three
        // first-pass kgroups (2·3 channels · 9 = 54 words) at 63. C's passes at 63, 26 and 53
        // (mod 64); its last leaves 37: all of D at 16 (53 + 27 − 64), then E at 25. Bias halves alternate
        // with every pass: C's three passes end in its own half 0 + 2, so D gets 1.
        #expect(h.map(\.preloadedWords) == [0, 135, 54, 27, 54])
        #expect(h.map(\.ringBase) == [0, 18, 63, 16, 25])
        #expect(h.map(\.biasHalf) == [0, 1, 0, 1, 0])
        #expect(h.map { $0.next?.weightWords } == [135, 54, 27, 54, nil])
        #expect(h.map { $0.next?.ringBase } == [18, 63, 16, 25, nil])
        // D's bias: 3 channels · 4 bytes in two 8-byte words; its k2cw 9.
        #expect(h[2].next?.biasWords == 2 && h[2].next?.wordsPerChannel == 9)
        let c = plans[2].with(handoff: h[2])
        #expect(c.passes.map { c.weightBase($0) } == [63, 26, 53])
    }

    /// Two ahead (§7.2): three 64-channel 3×3 layers on 2×2 tiles, as in SRResNet's body: A without a
    /// residual leaves the port idle, B with one keeps it busy. With the masks, A hands on all of B's
    /// first pass and kgroups of C's; B hands on C's bias and the rest. Checked against the layout
    /// C reads (`weightAddress`, its own pass-0 ring base): every weight word of C's first pass is in
    /// its bank at its address after A's and B's bursts, placed by the burst rule (word q of a burst
    /// to bank (q ÷ k2cw) mod lanesK, address ringBase + (q ÷ (k2cw·lanesK))·k2cw + q mod k2cw).
    @Test func twoAheadPutsTheLayerAfterNextWhereItReadsIt() throws {
        let cfg = HardwareConfig.defaultWithoutLineBuffer
        var rng = SplitMix64(seed: 23)
        let shape = TileShape(height: 2, width: 2)
        let jobs = try [false, true, false].map { res in
            try randomJob(&rng, K: 3, S: 1, H: 64, W: 64, cin: 64, cout: 64, residual: res, config: cfg, mask: .random, shape: shape)
        }
        let plans = try jobs.map { try LayerPlan(job: $0, config: cfg) }
        let loads = zip(plans, jobs).map { PortLoad($0, tiles: $1.tileMask.activeTiles) }
        #expect(loads[0].idleCycles > 0 && loads[1].idleCycles < loads[0].idleCycles)
        #expect(WeightHandoff.chain(plans).allSatisfy { $0.next?.followingWords ?? 0 == 0 })   // without masks: one ahead
        let linked = try WeightHandoff.linked(jobs, config: cfg)
        let (na, nb) = (try #require(linked[0].handoff.next), try #require(linked[1].handoff.next))
        let c = try LayerPlan(job: linked[2], config: cfg), p0 = c.passes[0]
        let kgroupWords = cfg.lanesK * c.tapWords
        #expect(na.followingWords > 0 && na.followingWords % kgroupWords == 0)
        #expect(na.ownWords == plans[1].weightWordCount(plans[1].passes[0]))
        #expect(nb.firstWord == na.followingWords && nb.firstWord + nb.ownWords == c.weightWordCount(p0) && nb.followingWords == 0)
        #expect(c.preloadedWords == c.weightWordCount(p0) && linked[1].handoff.preloadedWords == na.ownWords)
        // the ring after both bursts, (bank, address) → word
        let B = cfg.memBytesPerCycle, DW = cfg.weightBankDepth, lk = cfg.lanesK
        var ring: [Int: ArraySlice<UInt8>] = [:]
        for n in [na, nb] {
            for q in 0..<n.weightWords {
                let o = q / n.wordsPerChannel
                let addr = (n.ringBase + (o / lk) * n.wordsPerChannel + q % n.wordsPerChannel) % DW
                ring[(o % lk) * DW + addr] = n.bytes[((n.biasWords + q) * B)..<((n.biasWords + q + 1) * B)]
            }
        }
        // C's words as its compute reads them: DRAM order [Cout][ky][kx][CW] from its memory image
        let img = MemoryImage(job: linked[2], plan: c, contents: .parameters)
        for q in 0..<c.weightWordCount(p0) {
            let oLocal = q / c.tapWords, rem = q % c.tapWords, tap = rem / c.inWords
            let addr = (c.weightBase(p0) + c.weightAddress(oLocal: oLocal, ky: tap / c.kernelWidth, kx: tap % c.kernelWidth,
                                                           word: rem % c.inWords)) % DW
            let want = img.bytes[((img.regions.weights + q) * B)..<((img.regions.weights + q + 1) * B)]
            #expect(ring[(oLocal % lk) * DW + addr].map(Array.init) == Array(want), "word \(q)")
            if ring[(oLocal % lk) * DW + addr].map(Array.init) != Array(want) { break }
        }
        // and C's bias words are B's burst's
        #expect(Array(nb.bytes[0..<(nb.biasWords * B)]) == Array(img.bytes[(img.regions.bias * B)..<((img.regions.bias + nb.biasWords) * B)]))
    }

    /// A linked sequence computes what each layer computes on its own (the reference conv), in the
    /// stepped and the fast model alike, under the fixed and a random memory profile.
    @Test(arguments: ["fixed", "random:1-9:0.3"])
    func linkedLayersMatchReference(profile: String) throws {
        let memory = try MemoryProfile(parsing: profile)
        for cfg in [try oddConfig(), HardwareConfig.small] {
            var rng = SplitMix64(seed: 17)
            let jobs = [try job(&rng, cin: 5, cout: 15, config: cfg), try job(&rng, cin: 8, cout: 27, config: cfg, residual: true),
                        try job(&rng, cin: 3, cout: 6, config: cfg, mask: .empty), try job(&rng, cin: 8, cout: 3, config: cfg, mask: .single),
                        try job(&rng, cin: 8, cout: 6, config: cfg, mask: .full)]
            let linked = try WeightHandoff.linked(jobs, config: cfg)
            #expect(linked.contains { $0.handoff.preloaded } && linked.contains { $0.handoff.next != nil })
            if cfg.weightBankDepth == 64 {
                // 27 channels after 15 (45 of 64 words per bank): 2 of its 3 first-pass kgroups fit
                let partial = try linked.filter { j in
                    let p = try LayerPlan(job: j, config: cfg)
                    return p.preloaded && p.preloadedWords < p.weightWordCount(p.passes[0])
                }
                #expect(!partial.isEmpty, "no first pass preloaded in part")
            }
            let model = TileModel(config: cfg, memory: memory, seed: 5)
            for j in linked {
                let fast = try model.simulate(j, mode: .fast), stepped = try model.simulate(j, mode: .stepped)
                let expected = referenceOutput(j)
                #expect(stepped.output == expected, "stepped output differs: \(j.name)")
                #expect(fast.output == expected, "fast output differs: \(j.name)")
                #expect(stepped.stats == fast.stats && stepped.trace == fast.trace, "\(j.name)")
            }
        }
    }

    /// Worked by hand under the fixed profile (L = 3 on oddConfig, one read per cycle): a layer
    /// preloaded whole skips its first burst of n words, WEIGHTS(0) lasting its 3 cycles instead of
    /// n + L; one preloaded in part loads the rest, r words, in r + L. Everything after moves earlier
    /// by the difference, and the layer reads the preloaded words fewer.
    @Test func preloadedLayerStartsEarlier() throws {
        let cfg = try oddConfig()
        var rng = SplitMix64(seed: 8)
        // (18 words, then 15 channels (45 words: whole), then 27 channels (19 words free: 2 of 3 kgroups))
        let jobs = [try job(&rng, cin: 8, cout: 6, config: cfg), try job(&rng, cin: 8, cout: 15, config: cfg, mask: .full),
                    try job(&rng, cin: 8, cout: 27, config: cfg, mask: .full)]
        let linked = try WeightHandoff.linked(jobs, config: cfg)
        let model = TileModel(config: cfg)
        for i in [1, 2] {
            let plan = try LayerPlan(job: jobs[i], config: cfg), p0 = plan.passes[0]
            let nb = plan.biasWordRange(p0).count, nw = plan.weightWordCount(p0), pre = linked[i].handoff.preloadedWords
            let before = nb + nw + cfg.memLatency, after = pre == nw ? 3 : nw - pre + cfg.memLatency
            // (the same place in the ring and the same handoff on in both runs)
            var alone = linked[i]; alone.handoff.preloadedWords = 0
            let a = try model.simulate(alone, mode: .stepped).stats, b = try model.simulate(linked[i], mode: .stepped).stats
            #expect(pre == (i == 1 ? 135 : 54))
            #expect(a.cycles - b.cycles == before - after, "\(jobs[i].name)")
            #expect(a.dramBytesRead - b.dramBytesRead == (nb + pre) * cfg.memBytesPerCycle)
            #expect(a.stallCycles.weights - b.stallCycles.weights == before - after)
        }
    }

    /// A layer with no active tile still hands on: MASK (Mw + L), then the n words, the last arriving
    /// L cycles after its request.
    @Test func emptyLayerHandsOn() throws {
        let cfg = try oddConfig()
        var rng = SplitMix64(seed: 9)
        let a = try job(&rng, cin: 8, cout: 6, config: cfg, mask: .empty), b = try job(&rng, cin: 8, cout: 6, config: cfg)
        let linked = try WeightHandoff.linked([a, b], config: cfg)
        let next = try #require(linked[0].handoff.next)
        let plan = try LayerPlan(job: a, config: cfg)
        let s = try TileModel(config: cfg).simulate(linked[0], mode: .stepped).stats
        #expect(s.cycles == plan.maskWords + cfg.memLatency + next.words + cfg.memLatency)
        #expect(s.stallCycles.weights == next.words + cfg.memLatency)
    }

    /// The plan refuses a handoff the buffers cannot hold.
    @Test func impossibleHandoffIsRejected() throws {
        let cfg = try oddConfig()
        var rng = SplitMix64(seed: 4)
        var a = try job(&rng, cin: 8, cout: 6, config: cfg)
        a.handoff.preloadedWords = 10  // not whole kgroups (27 words each)
        #expect(throws: AcceleratorSpecError.self) { try LayerPlan(job: a, config: cfg) }
        a.handoff = WeightHandoff(ringBase: 64)  // outside the ring
        #expect(throws: AcceleratorSpecError.self) { try LayerPlan(job: a, config: cfg) }
        // the next layer's words where this layer's last pass is
        a.handoff = WeightHandoff(next: NextLayerWeights(ringBase: 0, biasHalf: 1, biasWords: 1, weightWords: 9, wordsPerChannel: 9))
        #expect(throws: AcceleratorSpecError.self) { try LayerPlan(job: a, config: cfg) }
        // more than the 46 words beside it: 6 kgroups of 9
        a.handoff = WeightHandoff(next: NextLayerWeights(ringBase: 18, biasHalf: 1, biasWords: 1, weightWords: 6 * 27, wordsPerChannel: 9))
        #expect(throws: AcceleratorSpecError.self) { try LayerPlan(job: a, config: cfg) }
        a.handoff = WeightHandoff(next: NextLayerWeights(ringBase: 18, biasHalf: 1, biasWords: 1, weightWords: 5 * 27, wordsPerChannel: 9))
        #expect(throws: Never.self) { try LayerPlan(job: a, config: cfg) }
    }
}
