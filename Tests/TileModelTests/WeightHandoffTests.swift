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

    /// oddConfig's weight buffer: 64 words per bank, a half of 32. One output channel of 3×3 over 8
    /// channels (CW = 1) is 9 words a kgroup: 3 kgroups fit a half, 7 the whole buffer.
    @Test func chainFollowsTheRule() throws {
        let cfg = try oddConfig()
        var rng = SplitMix64(seed: 3)
        // (kgroups of 3 channels) A: 2 kgroups, one pass in a half; B: 5 kgroups, one pass filling more
        // than a half; C: 9 kgroups, passes of 3 kgroups (prefetch, 3 passes); D: 1 kgroup.
        let jobs = [try job(&rng, cin: 8, cout: 6, config: cfg), try job(&rng, cin: 8, cout: 15, config: cfg),
                    try job(&rng, cin: 8, cout: 27, config: cfg), try job(&rng, cin: 8, cout: 3, config: cfg),
                    try job(&rng, cin: 8, cout: 6, config: cfg)]
        let plans = try jobs.map { try LayerPlan(job: $0, config: cfg) }
        #expect(plans.map(\.usesHalves) == [true, false, true, true, true])
        #expect(plans.map(\.passes.count) == [1, 1, 3, 1, 1])
        let h = WeightHandoff.chain(plans)
        // A cannot hand on to B (B needs both halves); B receives nothing and hands nothing on;
        // C starts in half 0, its passes use 0, 1, 0: D gets half 1, and E then half 0.
        #expect(h.map(\.preloaded) == [false, false, false, true, true])
        #expect(h.map(\.firstHalf) == [0, 0, 0, 1, 0])
        #expect(h.map { $0.next?.half } == [nil, nil, 1, 0, nil])
        // D's first pass: 3 channels × 9 taps × 1 word, and its 3·4 bias bytes in two 8-byte words.
        #expect(h[2].next?.weightWords == 27 && h[2].next?.biasWords == 2 && h[2].next?.wordsPerChannel == 9)
    }

    /// A linked sequence computes what each layer computes on its own (the reference conv), in the
    /// stepped and the fast model alike, under the fixed and a random memory profile.
    @Test(arguments: ["fixed", "random:1-9:0.3"])
    func linkedLayersMatchReference(profile: String) throws {
        let memory = try MemoryProfile(parsing: profile)
        for cfg in [try oddConfig(), HardwareConfig.small] {
            var rng = SplitMix64(seed: 17)
            let jobs = [try job(&rng, cin: 5, cout: 6, config: cfg), try job(&rng, cin: 8, cout: 27, config: cfg, residual: true),
                        try job(&rng, cin: 3, cout: 6, config: cfg, mask: .empty), try job(&rng, cin: 8, cout: 3, config: cfg, mask: .single),
                        try job(&rng, cin: 8, cout: 6, config: cfg, mask: .full)]
            let linked = try WeightHandoff.linked(jobs, config: cfg)
            #expect(linked.contains { $0.handoff.preloaded } && linked.contains { $0.handoff.next != nil })
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

    /// Worked by hand under the fixed profile (L = 3 on oddConfig, one read per cycle): a preloaded
    /// layer skips its first burst of n words, WEIGHTS(0) lasting its 3 cycles instead of n + L, and
    /// everything after moves earlier by n + L − 3; it reads n fewer words.
    @Test func preloadedLayerStartsEarlier() throws {
        let cfg = try oddConfig()
        var rng = SplitMix64(seed: 8)
        let a = try job(&rng, cin: 8, cout: 6, config: cfg), b = try job(&rng, cin: 8, cout: 6, config: cfg, mask: .full)
        let linked = try WeightHandoff.linked([a, b], config: cfg)
        let plan = try LayerPlan(job: b, config: cfg)
        let n = plan.biasWordRange(plan.passes[0]).count + plan.weightWordCount(plan.passes[0])
        let model = TileModel(config: cfg)
        let alone = try model.simulate(b, mode: .stepped).stats, pre = try model.simulate(linked[1], mode: .stepped).stats
        #expect(linked[1].handoff.preloaded)
        #expect(alone.cycles - pre.cycles == n + cfg.memLatency - 3)
        #expect(alone.dramBytesRead - pre.dramBytesRead == n * cfg.memBytesPerCycle)
        #expect(alone.stallCycles.weights - pre.stallCycles.weights == n + cfg.memLatency - 3)
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
        var big = try job(&rng, cin: 8, cout: 15, config: cfg)  // one pass of more than a half
        big.handoff.preloaded = true
        #expect(throws: AcceleratorSpecError.self) { try LayerPlan(job: big, config: cfg) }
        var small = try job(&rng, cin: 8, cout: 6, config: cfg)
        small.handoff.next = NextLayerWeights(plan: try LayerPlan(job: small, config: cfg), half: 0)  // the half in use
        #expect(throws: AcceleratorSpecError.self) { try LayerPlan(job: small, config: cfg) }
    }
}
