import Foundation
import Testing
import CoSim
import RTLGen
import TileModel
import AcceleratorSpec

@Suite("Model vs RTL comparison")
struct ComparisonTests {
    @Test func firstTraceMismatchNamesTileColumnEngineAndCycle() {
        let model = [TileEvent(csvRow: "0,0,0,0,44,59,59,95,114,118")!, TileEvent(csvRow: "0,1,1,0,58,73,95,131,136,140")!]
        var rtl = model
        rtl[1].computeStart = 96; rtl[1].computeEnd = 132; rtl[1].storeStart = 137
        let m = LayerComparison.firstTraceMismatch(model: model, rtl: rtl)
        #expect(m?.row == 1 && m?.ty == 1 && m?.tx == 0)
        #expect(m?.column == "computeStart" && m?.engine == "compute")
        #expect(m?.model == 95 && m?.rtl == 96 && m?.cycle == 95)
        rtl = model
        rtl[0].storeEnd = -1
        let s = LayerComparison.firstTraceMismatch(model: model, rtl: rtl)
        #expect(s?.engine == "store" && s?.rtl == nil && s?.cycle == 118)
        #expect(LayerComparison.firstTraceMismatch(model: model, rtl: Array(model.prefix(1)))?.row == 1)
        #expect(LayerComparison.firstTraceMismatch(model: model, rtl: model) == nil)
    }

    @Test func missingVerilatorExplainsHowToInstall() {
        let e = CoSimError.missingTool("verilator", install: "`sudo apt-get install verilator`")
        #expect(e.description.contains("verilator not found on PATH"))
        #expect(e.description.contains("apt-get install verilator"))
    }

    @Test func csrProgrammingFollowsTheRegisterMap() throws {
        let job = try SyntheticLayer(kernel: 3, stride: 2, inChannels: 6, outChannels: 10, height: 9, width: 7, residual: true)
            .job(config: StandIn.config, seed: 3)
        let plan = try LayerPlan(job: job, config: StandIn.config)
        let img = MemoryImage(job: job, plan: plan)
        let regs = Dictionary(uniqueKeysWithValues: try CSR.program(job: job, plan: plan, regions: img.regions).map { ($0.0, $0.1) })
        // The offsets and bit positions of docs/microarchitecture.md §8, written out here independently of the map.
        #expect(regs[0x02] == UInt32(3 | 2 << 4 | 1 << 6 | 1 << 8))  // LAYER0: K 3, S 2, ReLU, residual
        #expect(regs[0x03] == UInt32(9 | 7 << 16))  // LAYER1: H, W
        #expect(regs[0x04] == UInt32(6 | 10 << 16))  // LAYER2: Cin, Cout
        #expect(regs[0x05] == UInt32(20000 | 22 << 16))  // REQUANT: M, Sh
        #expect(regs[0x07] == UInt32(plan.passChannels))  // PASS
        #expect(regs[0x0D] == UInt32(img.regions.output) && regs[0x0C] == UInt32(img.regions.residual))  // BASE_OUTPUT, BASE_RESIDUAL
        let hj = try HarnessJob(job: job, config: StandIn.config, watchdog: 100)
        #expect(hj.tiles.count == plan.passes.count * job.tileMask.activeCount)
        #expect(hj.tiles.first?.computeCycles == plan.kgroups(plan.passes[0]) * plan.kgroupCycles)
        #expect(hj.jobFile.contains("word_bytes 8\nlatency 3\n"))
    }
}

@Suite("Co-simulation of a layer job (stand-in RTL)", .enabled(if: haveVerilator))
struct CoSimLayerTests {
    /// The stand-in is not the accelerator: the comparison must fail, and say precisely where.
    @Test func mismatchIsDiagnosed() throws {
        let cfg = StandIn.config
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 8, outChannels: 4, height: 6, width: 6, residual: true)
            .job(config: cfg, seed: 5)
        let sim = CoSimulator(config: cfg, source: StandIn.source(), cache: StandIn.cache)
        let r = try sim.run(job)
        let c = r.comparison
        #expect(!c.matches)
        #expect(c.status == .done)
        // The stand-in copies PASS (= 4) words: 4·(L+2) cycles, 4 read and 4 write beats.
        #expect(c.rtlCycles == 4 * (cfg.memLatency + 2) && c.rtlCounterCycles == c.rtlCycles)
        #expect(!c.cyclesMatch && c.modelCycles == r.model.stats.cycles)
        #expect(c.rtlBeats == (4, 4))
        #expect(c.traceMismatch?.row == 0 && c.traceMismatch?.engine == "load" && c.traceMismatch?.column == "loadStart")
        // First differing output, found independently: output pixel p < 4 holds input pixel p's first 4 bytes.
        let model = r.model.output!.scalars
        var expectedFirst: Int? = nil
        for i in 0..<model.count {
            let p = i / 4, ch = i % 4
            let rtlValue = p < 4 ? job.input.scalars[p * 8 + ch] : job.residual!.scalars[i]
            if rtlValue != model[i] { expectedFirst = i; break }
        }
        let i = try #require(expectedFirst)
        let o = try #require(c.outputMismatch)
        #expect(o.y == (i / 4) / 6 && o.x == (i / 4) % 6 && o.c == i % 4)
        #expect(o.model == model[i])
        #expect(c.diagnosis.contains("cycles: model \(c.modelCycles), RTL \(c.rtlCycles)"))
        #expect(c.diagnosis.contains("first differing output at (y \(o.y), x \(o.x), c \(o.c))"))
        // …and the tile that produces it (full mask: every tile is active).
        #expect(o.tile?.ty == o.y / cfg.tileH && o.tile?.tx == o.x / cfg.tileW)
        #expect(c.diagnosis.contains("computed ["))
    }

    @Test func testbenchPassesAndFailsUnderIcarus() throws {
        guard Toolchain.find("iverilog") != nil else { return }
        let job = copyJob(n: 3)
        let B = 8
        var expected = Array(job.image[(40 * B)...])
        for w in 0..<3 { for j in 0..<B { expected[w * B + j] = job.image[(8 + w) * B + j] } }
        let design = try StandIn.source().generate(StandIn.config, .none)
        for (cycles, word, pass) in [(15, -1, true), (16, -1, false), (15, 1, false)] {
            var exp = expected
            if word >= 0 { exp[word * B] ^= 1 }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cosim-tb-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            try Testbench(job: job, expectedOutput: exp, expectedCycles: cycles, name: "copy", top: design.top).write(to: dir)
            let out = try Testbench.runIcarus(benchDir: dir, design: design)
            if pass {
                #expect(out.contains("PASS: 15 cycles"), "\(out)")
            } else {
                #expect(out.contains("FAIL"), "\(out)")
                #expect(!out.contains("PASS"))
                if word >= 0 { #expect(out.contains("first: word 1")) } else { #expect(out.contains("15 cycles, expected 16")) }
            }
        }
    }
}

@Suite("Regression matrix, sharding, JUnit")
struct RegressionTests {
    @Test func matrixIsDeterministicAndCoversTheIssueList() throws {
        let a = Regression(suite: .default, seed: 9).cases(), b = Regression(suite: .default, seed: 9).cases()
        #expect(a.map(\.id) == b.map(\.id) && a.map(\.seed) == b.map(\.seed))
        #expect(Set(a.map(\.id)).count == a.count)
        let r = Regression(suite: .default)
        // The FPGA presets come last, on the smoke shapes and masks (issue 13); the formulas below
        // are the suite's own configurations'.
        let own = Array(r.configs.dropLast(r.presets.count))
        let ownCases = a.filter { c in !r.presets.contains { c.id.hasPrefix($0.name + "/") || c.id.hasPrefix($0.name + "@") } }
        #expect(r.presets.map(\.name) == HardwareConfig.presets.map(\.name))
        for p in r.presets {
            let mine = a.filter { $0.id.hasPrefix(p.name + "/") || $0.id.hasPrefix(p.name + "@") }
            #expect(!mine.isEmpty && mine.allSatisfy { $0.config == p.config }, "\(p.name)")
            #expect(Set(mine.map(\.shape.name)) == Set(Regression(suite: .smoke).shapes.map(\.name)), "\(p.name)")
        }
        // (every layer at every mask, and again between two others, handing weights on, at two masks, §7.2)
        // ... and the layers that take output pairs (§3.3) again at every pair shape.
        func pairing(_ c: HardwareConfig) -> Int {
            r.shapes.filter { LayerPlan.pairsOutputs(kernel: $0.kernel, stride: $0.stride, inChannels: $0.inChannels,
                                                     outChannels: $0.outChannels, outWidth: $0.width, config: c) }.count
        }
        // ... and every layer of two or more channels computing a channel window (§4) at two masks
        let windowed = r.shapes.filter { $0.outChannels >= 2 }.count * 2
        #expect(ownCases.count == own.reduce(0) { $0 + $1.shapes.count * ((r.shapes.count + pairing($1)) * (r.masks.count + 2) + windowed) })
        #expect(try a.filter(\.channelWindow).allSatisfy { c in
            let p = try LayerPlan(job: c.job(), config: c.config)
            return p.window != 0..<p.layerCout && p.passes.first?.firstChannel == p.window.lowerBound && p.passes.last?.endChannel == p.window.upperBound
        })
        // Every config of two or more output lanes pairs some layer, and those cases plan with pairs.
        for c in own where c.lanesK >= 2 { #expect(pairing(c) > 0, "\(c.hash)") }
        for k in a where !k.config.shapes.contains(k.tileShape) {
            #expect(try LayerPlan(job: k.job(), config: k.config).outputPairs, "\(k.id)")
        }
        let handoffs = try ownCases.filter(\.handoff).map { try $0.jobs() }
        #expect(handoffs.count == ownCases.filter { !$0.channelWindow }.count / (r.masks.count + 2) * 2)
        // In most of them the layer is preloaded by the previous one and hands its first pass on to the next one.
        let both = handoffs.filter { $0.previous != nil && $0.job.handoff.preloaded && $0.job.handoff.next != nil }
        #expect(both.count * 2 > handoffs.count, "\(both.count) of \(handoffs.count) handoff cases hand on both ways")
        // ... among them layers of several passes (the handoff during the last of them).
        #expect(try a.filter(\.handoff).contains { c in
            let (p, j) = try c.jobs()
            return try p != nil && LayerPlan(job: j, config: c.config).passes.count > 1
        })
        // Every tile shape of a config with several (§3.1).
        #expect(r.configs.contains { $0.tileShapes == 3 } && Set(a.map(\.tileShape.height)).isSuperset(of: [8, 4, 2]))
        #expect(Set(r.shapes.map(\.kernel)) == [1, 3, 5, 7] && Set(r.shapes.map(\.stride)) == [1, 2])
        // Every config runs some layer with packed taps (§3.2); the 8x8 one packs a 7x7 stride-2 layer of 3 channels.
        for c in own {
            #expect(r.shapes.contains { LayerPlan.packsTaps(kernel: $0.kernel, stride: $0.stride, inChannels: $0.inChannels, config: c) }, "\(c.hash)")
        }
        // Some groups hold fewer tiles than the slots, the input buffer holding fewer tiles' halos (§3.1).
        #expect(try a.contains { c in let p = try LayerPlan(job: c.job(), config: c.config); return p.groupSize < p.slots && p.groupSize > 1 })
        // Full masks alone keep halos resident in the halves and in the quarters (§4).
        let residencies = Set(try own.flatMap { c in try r.shapes.map { try LayerPlan(job: $0.job(config: c), config: c).haloResidency } })
        #expect(residencies == [.none, .halves, .quarters])
        let conv1 = try #require(r.shapes.first { $0.kernel == 7 && $0.stride == 2 && $0.inChannels == 3 })
        #expect(LayerPlan.packsTaps(kernel: 7, stride: 2, inChannels: conv1.inChannels, config: try #require(r.configs.first { $0.tileH == 8 })))
        // Few input channels and maps of one or a few tiles (issue 12's layers).
        #expect(Set(r.shapes.map(\.inChannels)).isSuperset(of: [1, 3, 4]))
        for (h, w) in [(7, 7), (14, 14), (5, 9)] { #expect(r.shapes.contains { $0.height == h && $0.width == w }, "\(h)x\(w)") }
        #expect(r.shapes.contains { $0.residual } && r.shapes.contains { !$0.residual })
        #expect(r.shapes.contains { $0.height == 1 && $0.width == 1 })
        // The same case gives the same job; another seed another one.
        let j1 = try a[5].job(), j2 = try b[5].job()
        #expect(j1.input.scalars == j2.input.scalars && j1.tileMask == j2.tileMask)
        let c = Regression(suite: .default, seed: 10).cases()[5]
        #expect(try c.job().input.scalars != j1.input.scalars)
        #expect(Regression(suite: .smoke).cases().count < a.count && a.count < Regression(suite: .full).cases().count)
        // Every case of the default and full suites fits its configuration (nothing is skipped).
        for k in Regression(suite: .full).cases() { _ = try LayerPlan(job: k.job(), config: k.config) }
    }

    @Test func masksAreWhatTheyClaim() throws {
        #expect(MaskKind.empty.bits(tilesHigh: 2, tilesWide: 3, seed: 1) == Array(repeating: false, count: 6))
        #expect(MaskKind.singleTile.bits(tilesHigh: 2, tilesWide: 3, seed: 1).filter { $0 }.count == 1)
        #expect(MaskKind.checkerboard.bits(tilesHigh: 2, tilesWide: 3, seed: 1) == [true, false, true, false, true, false])
        let r = MaskKind.random(0.5).bits(tilesHigh: 20, tilesWide: 20, seed: 3).filter { $0 }.count
        #expect((150...250).contains(r))
        // The camera mask is real: partial, and the same every time.
        let cam = try MaskKind.image(0.3).tileMask(mapHeight: 24, mapWidth: 20, tileH: 4, tileW: 4, seed: 1)
        #expect(cam.activeCount > 0 && cam.activeCount < cam.bits.count)
        #expect(cam == (try MaskKind.image(0.3).tileMask(mapHeight: 24, mapWidth: 20, tileH: 4, tileW: 4, seed: 2)))
        // Real masks through both networks: partial, deterministic, and where the case's map is a layer's
        // own map (ResNet-18 at 64x64: a 4x4 layer; SRResNet at 16x16: 16x16) exactly SparseCNN's pixel mask.
        let def = Regression(suite: .default).masks
        #expect(def.contains(MaskKind.network("resnet18", 0.3)) && def.contains(MaskKind.network("srresnet", 0.3)))
        for (net, side) in [("resnet18", 4), ("srresnet", 16)] {
            let kind = MaskKind.network(net, 0.3)
            let m = try kind.tileMask(mapHeight: side, mapWidth: side, tileH: 2, tileW: 2, seed: 1)
            let size = NetworkMasks.inputSize(net)
            let img = try Image.load(path: Image.bundledDefaultPath).resized(height: size.height, width: size.width)
            let plan = try Network.named(net).plan(height: size.height, width: size.width)
            let map = try GradientEnergyPredictor().importance(for: img.rgbTensor())
            let layer = try #require(try SparsityController(layers: plan.convLayers, map: map, tiling: TilingPolicy()).masks(density: 0.3)
                .first { $0.pixelMask.height == side && $0.pixelMask.width == side })
            #expect(m == (try TileMask(reducing: layer.pixelMask, tileHeight: 2, tileWidth: 2)), "\(net)")
            #expect(m.activeCount > 0 && m.activeCount < m.bits.count, "\(net)")
            // Other map sizes are resampled from a covering layer; still real (partial) masks.
            let odd = try kind.tileMask(mapHeight: 5, mapWidth: 11, tileH: 2, tileW: 2, seed: 1)
            #expect(odd.mapHeight == 5 && odd.mapWidth == 11 && odd.activeCount > 0 && odd.activeCount < odd.bits.count, "\(net)")
            #expect(odd == (try kind.tileMask(mapHeight: 5, mapWidth: 11, tileH: 2, tileW: 2, seed: 9)))
        }
    }

    @Test func shardsPartitionTheCases() throws {
        let cases = Regression(suite: .full, seed: 2).cases(), all = cases.map(\.id)
        var seen: [String] = []
        for i in 1...4 { seen += Regression.shard(cases, index: i, count: 4).map(\.id) }
        #expect(seen.count == all.count && Set(seen) == Set(all))
        let s2 = Regression.shard(cases, index: 2, count: 4).map(\.id)
        #expect(s2 == Regression.shard(Regression(suite: .full, seed: 3).cases(), index: 2, count: 4).map(\.id))
        #expect(abs(s2.count - all.count / 4) <= 1)
        // Shards mix masks and configurations.
        #expect(Set(s2.map { $0.split(separator: "/").last! }).count > 1)
        #expect(Set(s2.map { $0.split(separator: "/").first! }).count > 1)
        #expect(try Regression.parseShard("3/8") == (3, 8))
        #expect(throws: CoSimError.self) { try Regression.parseShard("0/8") }
        #expect(throws: CoSimError.self) { try Regression.parseShard("9/8") }
    }

    @Test func runnerKeepsOrderAndJUnitCounts() {
        let cases = Regression(suite: .smoke).cases()
        let outcomes = Regression.run(cases, jobs: 2, execute: { c in
            let s: RegressionOutcome.Status = c.id.hasSuffix("empty") ? .fail : c.id.hasSuffix("single") ? .skipped : .pass
            return RegressionOutcome(caseID: c.id, configHash: c.config.contentHash, status: s, message: "x < y & z")
        })
        #expect(outcomes.map(\.caseID) == cases.map(\.id))
        let xml = Regression.junit(outcomes, suiteName: "smoke", seconds: 1.5)
        let fails = outcomes.filter { $0.status == .fail }.count
        #expect(xml.contains("tests=\"\(cases.count)\" failures=\"\(fails)\" errors=\"0\""))
        #expect(xml.contains("x &lt; y &amp; z"))
        #expect(xml.components(separatedBy: "<testcase ").count - 1 == cases.count)
        let table = Regression.summary(outcomes, seconds: 1.5)
        #expect(table.contains("total") && table.contains("wall time 1.5 s"))
    }
}

/// The real accelerator (enabled once RTLGen's generator is merged).
@Suite("Accelerator co-simulation", .enabled(if: haveVerilator && AcceleratorRTL.isAvailable), .serialized)
struct AcceleratorTests {
    static let cache = StandIn.cache

    static func smoke(fault: FaultInjection, memory: MemoryProfile = .fixed) -> [RegressionOutcome] {
        let cases = Regression(suite: .smoke, seed: 1).cases()
        return Regression.run(cases, jobs: 2, execute: {
            Regression.execute($0, source: Regression.design, fault: fault, cache: cache, memory: memory)
        })
    }

    /// A profile with long, random latencies and a request channel that refuses one cycle in three.
    static let backpressure = try! MemoryProfile(parsing: "random:3-30:0.33")

    /// Cycles, trace, DRAM beats, the CYCLES register and the output bytes match the model on every smoke case.
    @Test func smokeSuitePasses() {
        let o = Self.smoke(fault: .none)
        let bad = o.filter { $0.status != .pass }
        #expect(bad.isEmpty, "\(bad.map { "\($0.caseID) \($0.status): \($0.message)" }.joined(separator: "\n"))")
        #expect(o.allSatisfy { $0.timingMatches == true && $0.outputsMatch == true })
    }

    /// The regression can fail: every injected fault is caught by the smoke suite (at least one
    /// mismatch), in the part of the comparison the fault belongs to; `.none`, built and run the same
    /// way, is the control and passes every case. Each fault is one Verilator build per smoke config.
    @Test(.enabled(if: FaultInjection.allCases.allSatisfy(AcceleratorRTL.supports)), arguments: FaultInjection.allCases)
    func faultIsCaught(_ fault: FaultInjection) throws {
        // The faulty design says so in every file.
        let files = try AcceleratorRTL.generate(config: Regression(suite: .smoke).configs[0], fault: fault,
                                                limits: AcceleratorLimits(maxMapSize: 32)).files
        #expect(files.allSatisfy { $0.contents.contains("// fault \(fault.rawValue):") } == (fault != .none))
        let o = Self.smoke(fault: fault)
        #expect(!o.contains { $0.status == .error || $0.status == .skipped },
                "\(o.filter { $0.status == .error || $0.status == .skipped }.map { "\($0.caseID): \($0.message)" })")
        let fails = o.filter { $0.status == .fail }
        switch fault {
        case .none:
            #expect(fails.isEmpty, "\(fails.map { "\($0.caseID): \($0.message)" }.joined(separator: "\n"))")
        case .haloOffByOne, .skippedTile:
            // Wrong data in (or no data for) some tiles, and a different number of load requests or tiles.
            #expect(fails.contains { $0.outputsMatch == false }, "fault \(fault.rawValue): no output mismatch")
            #expect(fails.contains { $0.timingMatches == false }, "fault \(fault.rawValue): no timing mismatch")
        case .droppedCarry:
            // Pure datapath: the outputs differ, the timing never does.
            #expect(fails.contains { $0.outputsMatch == false }, "fault \(fault.rawValue): no output mismatch")
            #expect(o.allSatisfy { $0.timingMatches == true })
        case .lateHandshake:
            // Pure timing: every output is right, the cycles/trace differ.
            #expect(fails.contains { $0.timingMatches == false }, "fault \(fault.rawValue): no timing mismatch")
            #expect(o.allSatisfy { $0.outputsMatch == true })
        case .ignoresReady:
            // Invisible while the port is always ready (the fixed profile)…
            #expect(fails.isEmpty, "\(fails.map { "\($0.caseID): \($0.message)" }.joined(separator: "\n"))")
        }
        if fault == .ignoresReady || fault == .none {
            // …and caught under backpressure, where `.none` still passes every case.
            let b = Self.smoke(fault: fault, memory: Self.backpressure)
            let bFails = b.filter { $0.status != .pass }
            #expect(fault == .none ? bFails.isEmpty : !bFails.isEmpty,
                    "fault \(fault.rawValue) under \(Self.backpressure): \(bFails.map { "\($0.caseID): \($0.message)" }.prefix(3))")
        } else {
            #expect(fault == .none || !fails.isEmpty, "fault \(fault.rawValue) was not caught by the smoke suite")
        }
    }

    @Test func workedExampleTestbenchUnderIcarus() throws {
        guard Toolchain.find("iverilog") != nil else { return }
        let cfg = Regression.config(tile: (2, 2), lanesK: 2, lanesC: 4, bytes: 8, latency: 2)
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 8, outChannels: 4, height: 4, width: 4, residual: true)
            .job(config: cfg, seed: 1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cosim-tb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let design = try AcceleratorRTL.generate(config: cfg, fault: .none, limits: AcceleratorLimits(maxMapSize: 32))
        #expect(design.top == AcceleratorNames(config: cfg).top)
        try Testbench(layer: job, config: cfg, top: design.top).write(to: dir)
        let out = try Testbench.runIcarus(benchDir: dir, design: design)
        let model = try TileModel(config: cfg).cycles(job)
        #expect(!out.contains("cycles, expected"), "\(out)")   // the bench counted the model's \(model) cycles
        #expect(!out.contains("hang"), "\(out)")
        #expect(out.contains("PASS: \(model) cycles"), "\(out)")
    }

    /// The testbench of a preloaded layer (§7.2) runs its warm-up first, then counts the layer's own cycles.
    @Test func preloadedLayerTestbenchUnderIcarus() throws {
        guard Toolchain.find("iverilog") != nil else { return }
        let cfg = Regression.config(tile: (2, 2), lanesK: 2, lanesC: 4, bytes: 8, latency: 2)
        let layers = try (1...2).map { try SyntheticLayer(kernel: 3, stride: 1, inChannels: 8, outChannels: 4, height: 4, width: 4, residual: false)
            .job(config: cfg, seed: UInt64($0)) }
        let job = try WeightHandoff.linked(layers, config: cfg)[1]
        #expect(job.handoff.preloaded)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cosim-tb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let design = try AcceleratorRTL.generate(config: cfg, fault: .none, limits: AcceleratorLimits(maxMapSize: 32))
        try Testbench(layer: job, config: cfg, top: design.top).write(to: dir)
        let out = try Testbench.runIcarus(benchDir: dir, design: design)
        let model = try TileModel(config: cfg).cycles(job)
        #expect(model < (try TileModel(config: cfg).cycles(layers[1])), "preloading saves cycles")
        #expect(out.contains("PASS: \(model) cycles"), "\(out)")
    }
}
