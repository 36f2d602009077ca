import Testing
import Foundation
import AcceleratorSpec

@Suite struct HardwareConfigTests {
    @Test func referenceConfigsValidate() throws {
        try HardwareConfig.small.validate()
        try HardwareConfig.default.validate()
        #expect(HardwareConfig.default.macsPerCycle == 4096)
        #expect(HardwareConfig.default.inputBankDepth == 128)
        #expect(HardwareConfig.default.weightBankDepth == 1024)
        #expect(HardwareConfig.default.outputWordsPerPixel == 16)
    }

    @Test func jsonRoundTrip() throws {
        for c in [HardwareConfig.small, .default] {
            let back = try HardwareConfig.fromJSON(c.canonicalJSON())
            #expect(back == c)
            #expect(try HardwareConfig.fromJSON(Data(c.prettyJSON().utf8)) == c)
        }
    }

    @Test func hashIsStableAndContentSensitive() throws {
        // Pinned: changing the canonical form or the hash breaks generated file names.
        #expect(HardwareConfig.default.contentHash == HardwareConfig.default.contentHash)
        #expect(HardwareConfig.default.contentHash.count == 16)
        #expect(HardwareConfig.small.contentHash != HardwareConfig.default.contentHash)
        var c = HardwareConfig.default
        c.memLatency += 1
        #expect(c.contentHash != HardwareConfig.default.contentHash)
        // Key order in the input does not matter.
        let shuffled = #"{"memLatency":20,"tileW":8,"tileShapes":4,"lineBufferBytes":524288,"tileH":8,"lanesK":8,"lanesC":8,"inputBufferBytes":524288,"weightBufferBytes":262144,"outputBufferBytes":65536,"memBytesPerCycle":32,"clockMHz":200}"#
        #expect(try HardwareConfig.fromJSON(Data(shuffled.utf8)).contentHash == HardwareConfig.default.contentHash)
        #expect(String(decoding: HardwareConfig.default.canonicalJSON(), as: UTF8.self) ==
                #"{"accumulatorWidth":32,"activationWidth":8,"clockMHz":200,"inputBufferBytes":524288,"lanesC":8,"lanesK":8,"lineBufferBytes":524288,"maxOutstandingReads":32,"memBytesPerCycle":32,"memLatency":20,"outputBufferBytes":65536,"tileH":8,"tileShapes":4,"tileW":8,"weightBufferBytes":262144,"weightWidth":8}"#)
        // One shape is not written, so configs of one shape keep the hash they had before shapes.
        #expect(!String(decoding: HardwareConfig.small.canonicalJSON(), as: UTF8.self).contains("tileShapes"))
    }

    @Test func validationErrorsNameTheField() throws {
        func err(_ edit: (inout HardwareConfig) -> Void) -> String {
            var c = HardwareConfig.default
            edit(&c)
            do { try c.validate(); return "" } catch { return "\(error)" }
        }
        #expect(err { $0.tileH = 0 }.contains("tileH"))
        #expect(err { $0.tileW = 33 }.contains("tileW"))
        #expect(err { $0.lanesK = -1 }.contains("lanesK"))
        #expect(err { $0.lanesC = 3 }.contains("lanesC"))
        #expect(err { $0.activationWidth = 4 }.contains("activationWidth"))
        #expect(err { $0.weightWidth = 16 }.contains("weightWidth"))
        #expect(err { $0.accumulatorWidth = 64 }.contains("accumulatorWidth"))
        #expect(err { $0.memBytesPerCycle = 24 }.contains("memBytesPerCycle"))
        #expect(err { $0.memBytesPerCycle = 4; $0.lanesC = 8 }.contains("multiple of lanesC"))
        #expect(err { $0.memLatency = 0 }.contains("memLatency"))
        #expect(err { $0.inputBufferBytes = 0 }.contains("inputBufferBytes"))
        #expect(err { $0.weightBufferBytes = 100 }.contains("weightBufferBytes"))
        #expect(err { $0.outputBufferBytes = -4 }.contains("outputBufferBytes"))
        #expect(err { $0.clockMHz = 0 }.contains("clockMHz"))
        #expect(throws: AcceleratorSpecError.self) { try HardwareConfig.fromJSON(Data(#"{"tileH": 8}"#.utf8)) }
        #expect(throws: AcceleratorSpecError.self) {
            try HardwareConfig.fromJSON(Data(#"{"tileH":0,"tileW":8,"lanesK":8,"lanesC":8,"inputBufferBytes":524288,"weightBufferBytes":262144,"outputBufferBytes":65536,"memBytesPerCycle":32,"memLatency":20}"#.utf8))
        }
    }
}

@Suite struct MemoryProfileTests {
    @Test func parsesAndPrints() throws {
        #expect(try MemoryProfile(parsing: "fixed") == .fixed)
        let p = try MemoryProfile(parsing: "random:5-40:0.1")
        #expect(p == .random(minLatency: 5, maxLatency: 40, stallProbability: 0.1))
        #expect(p.description == "random:5-40:0.1")
        #expect(try MemoryProfile(parsing: p.description) == p)
        #expect(p.stallThreshold == 6554)   // round(0.1 · 65536)
        for bad in ["", "random", "random:5-40", "random:0-4:0.1", "random:9-4:0.1", "random:5-40:1", "random:5-40:-0.1",
                    "random:a-b:0.1", "slow"] {
            #expect(throws: AcceleratorSpecError.self, "'\(bad)'") { try MemoryProfile(parsing: bad) }
        }
    }

    /// Uniform draws: every latency of the range occurs and none outside; the request channel
    /// refuses about P of the cycles.
    @Test func drawsFollowTheProfile() throws {
        let cfg = HardwareConfig.small
        let t = MemoryTiming(profile: try MemoryProfile(parsing: "random:3-6:0.25"), seed: 7, config: cfg)
        let lats = (0..<4000).map { t.latency(read: $0) }
        #expect(Set(lats) == [3, 4, 5, 6])
        let refused = (0..<40_000).filter { !t.requestReady(cycle: $0) }.count
        #expect(abs(Double(refused) / 40_000 - 0.25) < 0.01)
        let fixed = MemoryTiming.fixed(cfg)
        #expect((0..<100).allSatisfy { fixed.requestReady(cycle: $0) && fixed.latency(read: $0) == cfg.memLatency })
    }

    @Test func readWindowDefaultsAndValidates() throws {
        #expect(HardwareConfig.small.maxOutstandingReads == 16 && HardwareConfig.default.maxOutstandingReads == 32)
        #expect(HardwareConfig.defaultMaxOutstandingReads(memLatency: 100) == 128)
        var json = String(decoding: HardwareConfig.small.canonicalJSON(), as: UTF8.self)
        json = json.replacingOccurrences(of: "\"maxOutstandingReads\":16,", with: "")
        #expect(try HardwareConfig.fromJSON(Data(json.utf8)).maxOutstandingReads == 16)
        var c = HardwareConfig.small
        c.maxOutstandingReads = 0
        #expect(throws: AcceleratorSpecError.self) { try c.validate() }
    }
}

@Suite struct LayerJobTests {
    func job(K: Int = 3, S: Int = 1, H: Int = 3, W: Int = 3, cin: Int, cout: Int, residual: Bool, tile: Int = 2,
             mask: [Bool]? = nil, bias: [Int32]? = nil) throws -> LayerJob {
        try LayerJob(kernel: K, stride: S, inHeight: H, inWidth: W, inChannels: cin, outChannels: cout,
                     weights: (0..<(cout * K * K * cin)).map { Int8(truncatingIfNeeded: $0 + 1) },
                     bias: bias ?? (0..<cout).map { Int32($0) - 1 }, input: (0..<(H * W * cin)).map { Int8(truncatingIfNeeded: 100 + $0) },
                     residual: residual ? (0..<(((H + S - 1) / S) * ((W + S - 1) / S) * cout)).map { Int8(truncatingIfNeeded: -$0 - 1) } : nil,
                     multiplier: 1, shift: 1, activation: .none, tileH: tile, tileW: tile, tileMaskBits: mask)
    }

    /// Tiles 2x2, lanesK 2, lanesC 4, DRAM words of B = 4 bytes: small enough to lay out by hand.
    func wordOf4Config() throws -> HardwareConfig {
        try HardwareConfig(tileH: 2, tileW: 2, lanesK: 2, lanesC: 4, inputBufferBytes: 2 * 4 * 4 * 64,
                           weightBufferBytes: 2 * 4 * 64, outputBufferBytes: 2 * 4 * 4 * 4,
                           memBytesPerCycle: 4, memLatency: 1)
    }

    /// An image of some regions holds exactly those regions of the whole image, zeros elsewhere.
    @Test func partialImagesHoldTheirRegions() throws {
        let config = try wordOf4Config()
        let j = try job(cin: 5, cout: 3, residual: true, mask: [true, false, false, true], bias: [-2, 258, 7])
        let plan = try LayerPlan(job: j, config: config)
        let full = MemoryImage(job: j, plan: plan), B = full.wordBytes, r = full.regions
        func expectOnly(_ c: MemoryImage.Contents, _ words: [Range<Int>]) {
            let img = MemoryImage(job: j, plan: plan, contents: c)
            #expect(img.regions == r)
            for w in 0..<r.end {
                let bytes = Array(img.bytes[(w * B)..<((w + 1) * B)])
                #expect(bytes == (words.contains { $0.contains(w) } ? Array(full.bytes[(w * B)..<((w + 1) * B)]) : [0, 0, 0, 0]), "\(c) word \(w)")
            }
        }
        expectOnly(.parameters, [r.bias..<r.input])
        expectOnly(.output, [r.output..<r.end])
    }

    /// Hand-checked mask pitch (§6.1): a 5x6 output in 2x2 tiles is 3 tile rows of 3 tiles; each row
    /// takes 4 bits (the least power of two ≥ 3), so tile (ty, tx) is bit 4·ty + tx and the mask
    /// 3·4 = 12 bits, one word of 32.
    @Test func maskRowsStartAtAPowerOfTwo() throws {
        let config = try wordOf4Config()
        // active: (0,0), (1,2), (2,1) in a 3x3 grid of tiles
        let bits = [true, false, false, false, false, true, false, true, false]
        let j = try job(H: 5, W: 6, cin: 4, cout: 2, residual: false, mask: bits)
        let plan = try LayerPlan(job: j, config: config)
        #expect(plan.tilesHigh == 3 && plan.tilesWide == 3)
        #expect(plan.maskPitchLog2 == 2 && plan.maskWords == 1)
        #expect(plan.maskIndex(ty: 1, tx: 2) == 6 && plan.maskIndex(ty: 2, tx: 1) == 9)
        let img = MemoryImage(job: j, plan: plan)
        // bits 0, 6, 9: 0b10_0100_0001
        #expect(Array(img.bytes[0..<4]) == [0b0100_0001, 0b10, 0, 0])
    }

    /// Hand-checked: B = 4, 3x3 input of 5 channels (CW 2), 3 output channels, residual, tiles 2x2 → 2x2 tiles.
    @Test func memoryImageLayout() throws {
        let config = try wordOf4Config()
        let j = try job(cin: 5, cout: 3, residual: true, mask: [true, false, false, true], bias: [-2, 258, 7])
        let plan = try LayerPlan(job: j, config: config)
        let img = MemoryImage(job: j, plan: plan)
        let r = img.regions
        // mask 1 word; bias 3 words; weights 3·9·2 = 54; input 9·2 = 18; residual 9·1 = 9; output 9.
        #expect(r == MemoryRegions(mask: 0, bias: 1, weights: 4, input: 58, residual: 76, output: 85, end: 94))
        #expect(Array(img.bytes[0..<4]) == [0b1001, 0, 0, 0])
        #expect(Array(img.bytes[4..<16]) == [0xFE, 0xFF, 0xFF, 0xFF, 0x02, 0x01, 0, 0, 7, 0, 0, 0])
        // Weight (o 0, tap 0): c 0..4 = 1,2,3,4 | 5,0,0,0; tap 1 starts at word 6.
        #expect(Array(img.bytes[16..<24]) == [1, 2, 3, 4, 5, 0, 0, 0])
        #expect(Array(img.bytes[24..<28]) == [6, 7, 8, 9])
        // Input pixel (0,1) = values 105..109 at word 58 + 2.
        #expect(Array(img.bytes[(60 * 4)..<(62 * 4)]) == [105, 106, 107, 108, 109, 0, 0, 0])
        // Residual pixel 0 = -1,-2,-3, pad 0; output pre-initialised with the same.
        #expect(Array(img.bytes[(76 * 4)..<(77 * 4)]) == [0xFF, 0xFE, 0xFD, 0])
        #expect(Array(img.bytes[(85 * 4)..<(86 * 4)]) == [0xFF, 0xFE, 0xFD, 0])
        #expect(img.output(plan: plan) == j.residual)
        // Plan: halo 4x4, RS = CS = 2 slots per bank; tile (0,0) loads rows/cols 0..2 (halo −1..2) → 9 pixels × 2 words + 4 residual words.
        #expect(plan.haloH == 4 && plan.rowSlots == 2 && plan.colSlots == 2 && plan.inputBankWords == 8)
        #expect(plan.loadWords(ty: 0, tx: 0, pass: plan.passes[0]) == 9 * 2 + 4)
        #expect(plan.loadWords(ty: 1, tx: 1, pass: plan.passes[0]) == 2 * 2 * 2 + 1)
        #expect(plan.storeWords(ty: 1, tx: 1, pass: plan.passes[0]) == 1)
        #expect(plan.inputBank(hy: 3, hx: 2) == (1, 0))
        #expect(plan.inputAddress(hy: 3, hx: 2, word: 1) == (1 * 2 + 1) * 2 + 1)
    }

    /// Hand-checked tap packing (§3.2, §5): lanesC 4, B 4; a 2x3 input of 1 channel, K 3, stride 1,
    /// pad 1: input word (y', x) holds pixels (y'−1, x), (y', x), (y'+1, x) (zeros outside), weight
    /// word (o, kx) holds taps ky = 0, 1, 2.
    @Test func packedMemoryImage() throws {
        let config = try wordOf4Config()
        let j = try job(H: 2, W: 3, cin: 1, cout: 1, residual: false)
        let plan = try LayerPlan(job: j, config: config)
        #expect(plan.tapsPacked && plan.mapHeight == 2 && plan.mapWidth == 3 && plan.mapChannels == 3 && plan.steps == 3)
        #expect(plan.kernelHeight == 1 && plan.strideY == 1 && plan.padY == 0 && plan.kernelWidth == 3 && plan.padX == 1)
        let img = MemoryImage(job: j, plan: plan)
        let r = img.regions
        // mask 1, bias 1, weights 1·3 columns, input 2·3 words, output 6
        #expect(r == MemoryRegions(mask: 0, bias: 1, weights: 2, input: 5, residual: 11, output: 11, end: 17))
        // weights 1…9 as [ky][kx]: column kx is word 2 + kx
        #expect(Array(img.bytes[(2 * 4)..<(5 * 4)]) == [1, 4, 7, 0, 2, 5, 8, 0, 3, 6, 9, 0])
        // input 100…105 as [y][x]
        #expect(Array(img.bytes[(5 * 4)..<(11 * 4)]) == [0, 100, 103, 0, 0, 101, 104, 0, 0, 102, 105, 0,
                                                          100, 103, 0, 0, 101, 104, 0, 0, 102, 105, 0, 0])
        // the registers: H is the input words' height, Cin their channels, `packed` set
        let regs = try RegisterMap.standard.layerProgram(job: j, plan: plan, regions: r)
        let layer0 = try #require(regs.first { $0.register == "LAYER0" }).value
        #expect(layer0 >> 11 & 1 == 1)
        #expect(try #require(regs.first { $0.register == "LAYER2" }).value & 0xFFFF == 3)
    }

    @Test func passSplitAndFitErrors() throws {
        // 3x3x16 → CW 1 with B 16; weight bank depth 20 holds 2 kgroups of 9 words, but 9 channels need
        // 5 kgroups: several passes, each with half a bank (10 words: 1 kgroup) → passes of lanesK,
        // alternating halves with prefetch (§4). Banks of 20 would fit 2 kgroups per pass without it.
        let config = try HardwareConfig(tileH: 2, tileW: 2, lanesK: 2, lanesC: 4, inputBufferBytes: 2 * 4 * 16 * 16,
                                        weightBufferBytes: 2 * 16 * 20, outputBufferBytes: 2 * 4 * 16 * 2,
                                        memBytesPerCycle: 16, memLatency: 2)
        let j = try job(H: 5, W: 5, cin: 16, cout: 9, residual: false)
        let plan = try LayerPlan(job: j, config: config)
        #expect(plan.passChannels == 2 && plan.prefetch)
        #expect(plan.passes.map(\.channels) == [2, 2, 2, 2, 1])
        // each pass right after the previous one in the ring of 20 words (9 words a pass), bias halves alternating
        #expect(plan.passes.map { plan.weightBase($0) } == [0, 9, 18, 7, 16])
        #expect(plan.passes.map { plan.biasHalf($0) } == [0, 1, 0, 1, 0])
        #expect(plan.kgroups(plan.passes[4]) == 1)
        // Banks of 17 words: one kgroup (9) does not fit half (8), so the passes use the whole buffer,
        // one kgroup each, without prefetch.
        var noHalf = config
        noHalf.weightBufferBytes = 2 * 16 * 17
        let whole = try LayerPlan(job: j, config: noHalf)
        #expect(!whole.prefetch && whole.passes.map(\.channels) == [2, 2, 2, 2, 1])
        #expect(whole.passes.map { whole.weightBase($0) } == [0, 9, 1, 10, 2])
        // One pass (Cout 4 = 2 kgroups in 18 words ≤ 20): the whole buffer, no prefetch.
        let one = try LayerPlan(job: try job(H: 5, W: 5, cin: 16, cout: 4, residual: false), config: config)
        #expect(one.passes.count == 1 && !one.prefetch)
        // Too small a weight buffer for one kgroup.
        var small = config
        small.weightBufferBytes = 2 * 16 * 8
        #expect(throws: AcceleratorSpecError.self) { try LayerPlan(job: j, config: small) }
        do { _ = try LayerPlan(job: j, config: small) } catch { #expect("\(error)".contains("weight-buffer")) }
        // Input buffer too small: needs RS·CS·CW = 4 words per bank.
        var tiny = config
        tiny.inputBufferBytes = 2 * 4 * 16 * 2
        do { _ = try LayerPlan(job: j, config: tiny); Issue.record("expected doesNotFit") }
        catch { #expect("\(error)".contains("input buffer") && "\(error)".contains("short by")) }
        // Accumulator overflow: 16-bit accumulators cannot hold 3·3·16·128².
        var narrow = config
        narrow.accumulatorWidth = 16
        do { _ = try LayerPlan(job: j, config: narrow); Issue.record("expected overflow") }
        catch { #expect("\(error)".contains("accumulator")) }
    }

    @Test func shapeMismatchesAreRejected() throws {
        #expect(throws: (any Error).self) { try job(cin: 2, cout: 2, residual: false, mask: [true]) }  // 2x2 tiles over 3x3
        let j = try job(cin: 2, cout: 2, residual: false)
        #expect(throws: AcceleratorSpecError.self) { try LayerPlan(job: j, config: .small) }  // tile 2 vs 4 (one shape)
        #expect(throws: Never.self) { try LayerPlan(job: j, config: .default) }  // 2x2 is one of the default's shapes
    }
}

/// A layer SparseCNN ran with a channel mask cannot become an accelerator job (yet): it says so.
@Suite struct ChannelMaskJobTests {
    @Test func recordsWithChannelMasksAreRefused() throws {
        let net = Network.srresnet()
        let plan = try net.plan(height: 16, width: 16)
        let input = FloatTensor(shape: TensorShape(height: 16, width: 16, channels: 3), repeating: 0.5)
        let q = try QuantizedNetwork(plan: plan, parameters: NetworkParameters.heInit(net, seed: 1), calibrationInput: input)
        let first = plan.convLayers[1]
        let tiles = TileMask(mapHeight: 16, mapWidth: 16, tileHeight: 8, tileWidth: 8, repeating: false)
        var bits = [Bool](repeating: false, count: first.outputShape.channels); bits[0] = true
        let run = try q.run(input, tileMasks: [first.name: tiles], channelMasks: [first.name: try ChannelMask(bits: bits)])
        let rec = try #require(run.records.first { $0.name == first.name })
        #expect { try LayerJob(record: rec, tileMask: tiles) } throws: { "\($0)".contains("channel mask") }
        // Without one it is an ordinary job.
        let plain = try q.run(input, tileMasks: [first.name: tiles])
        _ = try LayerJob(record: try #require(plain.records.first { $0.name == first.name }), tileMask: tiles)
    }
}

/// Config JSON is strict: a misspelt key is an error naming it, never silently a default.
@Suite struct StrictConfigJSONTests {
    @Test func unknownKeysAreErrorsThatNameThem() throws {
        var d = try JSONSerialization.jsonObject(with: HardwareConfig.default.canonicalJSON()) as! [String: Any]
        #expect(try HardwareConfig.fromJSON(JSONSerialization.data(withJSONObject: d)) == HardwareConfig.default)
        d["clockMhz"] = 100
        #expect { try HardwareConfig.fromJSON(JSONSerialization.data(withJSONObject: d)) } throws: {
            "\($0)".contains("\"clockMhz\"") && "\($0)".contains("did you mean \"clockMHz\"")
        }
        d["clockMhz"] = nil; d["bogus"] = 1
        #expect { try HardwareConfig.fromJSON(JSONSerialization.data(withJSONObject: d)) } throws: { "\($0)".contains("\"bogus\"") }
    }
}
