import AcceleratorSpec
import Foundation
import RTLGen
import Testing
import TileModel

/// Naive conv + `requantizedOutput`, independent of the model and of the RTL.
func naiveReference(_ job: LayerJob) -> QTensor {
    let K = job.kernel, S = job.stride, pad = (K - 1) / 2
    let inp = job.input, f = job.filter
    let oh = (inp.height + S - 1) / S, ow = (inp.width + S - 1) / S
    var out = QTensor(shape: TensorShape(height: oh, width: ow, channels: f.outChannels), repeating: 0)
    let m = job.tileMask
    for y in 0..<oh { for x in 0..<ow { for o in 0..<f.outChannels {
        if !m[y / m.tileHeight, x / m.tileWidth] { out[y, x, o] = job.residual?[y, x, o] ?? 0; continue }
        var acc: Int32 = 0
        for ky in 0..<K { for kx in 0..<K {
            let iy = y * S - pad + ky, ix = x * S - pad + kx
            if iy < 0 || iy >= inp.height || ix < 0 || ix >= inp.width { continue }
            for c in 0..<inp.channels { acc += Int32(inp[iy, ix, c]) * Int32(f[o, ky, kx, c]) }
        } }
        out[y, x, o] = requantizedOutput(accumulator: acc, bias: job.bias[o], requantization: job.requantization,
                                         residual: job.residual?[y, x, o], activation: job.activation)
    } } }
    return out
}

func smokeJob(seed: UInt64, K: Int, S: Int, H: Int, W: Int, cin: Int, cout: Int, residual: Bool,
              config: HardwareConfig, activation: Activation, density: Double = 0.6) throws -> LayerJob {
    var rng = SplitMix64(seed: seed)  // SparseCNN's generator (the same sequence as the former AccelRNG)
    let oh = (H + S - 1) / S, ow = (W + S - 1) / S
    let th = (oh + config.tileH - 1) / config.tileH, tw = (ow + config.tileW - 1) / config.tileW
    var bits = (0..<(th * tw)).map { _ in Double.random(in: 0..<1, using: &rng) < density }
    if !bits.contains(true) { bits[0] = true }
    func i8(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8.random(in: -128...127, using: &rng) } }
    return try LayerJob(
        name: "smoke_k\(K)s\(S)", kernel: K, stride: S, inHeight: H, inWidth: W,
        inChannels: cin, outChannels: cout, weights: i8(cout * K * K * cin),
        bias: (0..<cout).map { _ in Int32.random(in: -5000...5000, using: &rng) }, input: i8(H * W * cin),
        residual: residual ? i8(oh * ow * cout) : nil,
        multiplier: Int32.random(in: 1000...30000, using: &rng), shift: Int32.random(in: 14...20, using: &rng),
        activation: activation, tileH: config.tileH, tileW: config.tileW, tileMaskBits: bits, pixelMaskBits: nil)
}

struct AcceleratorRun {
    let rtl: AcceleratorHarness.Result
    let model: LayerSimulation
    let rtlOutput: QTensor
    let reference: QTensor
    let rtlTrace: [[Int]]
    let modelTrace: [[Int]]
}

/// Runs `job` through the Verilated accelerator and the model.
func runOnAccelerator(_ job: LayerJob, config: HardwareConfig) throws -> AcceleratorRun {
    let plan = try LayerPlan(job: job, config: config)
    try AcceleratorLimits.standard.check(plan)
    var image = MemoryImage(job: job, plan: plan)
    let exe = try AcceleratorHarness.build(config: config)
    let model = try TileModel(config: config).simulate(job, mode: .stepped, outputs: true, dense: false)
    let rtl = try AcceleratorHarness.run(exe: exe, L: config.memLatency, B: config.memBytesPerCycle, image: image.bytes,
                                         csrs: try AcceleratorHarness.csrs(job: job, plan: plan, regions: image.regions),
                                         maxCycles: model.stats.cycles * 2 + 1000)
    image.bytes = rtl.memory
    // Rebuild the §10 trace from the pulses.
    func times(_ k: String) -> [Int] { rtl.events.filter { $0.0 == k }.map(\.1) }
    let ls = times("load_start"), lr = times("load_ready"), cs = times("compute_start"), ss = times("store_start"), se = times("store_end")
    var rt: [[Int]] = []
    for i in 0..<ls.count {
        rt.append([ls[i], i < lr.count ? lr[i] : -1, i < cs.count ? cs[i] : -1, i < ss.count ? ss[i] : -1, i < se.count ? se[i] : -1])
    }
    let mt = model.trace.map { [$0.loadStart, $0.loadEnd, $0.computeStart, $0.storeStart, $0.storeEnd] }
    return AcceleratorRun(rtl: rtl, model: model, rtlOutput: image.output(plan: plan), reference: naiveReference(job),
                          rtlTrace: rt, modelTrace: mt)
}

@Suite(.serialized, .enabled(if: HDLTools.haveVerilator))
struct AcceleratorSmokeTests {
    func check(_ job: LayerJob, config: HardwareConfig) throws {
        let r = try runOnAccelerator(job, config: config)
        let s = r.model.stats
        print("[\(job.name)] RTL cycles \(r.rtl.cycles), model cycles \(s.cycles); Verilator \(String(format: "%.0f", Double(r.rtl.cycles) / max(r.rtl.seconds, 1e-9))) cycles/s")
        #expect(r.rtl.cycles == s.cycles, "cycles: RTL \(r.rtl.cycles) vs model \(s.cycles)")
        if let first = zip(r.rtlTrace, r.modelTrace).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("trace differs first at tile \(first.offset): RTL \(first.element.0) vs model \(first.element.1)")
        }
        #expect(r.rtlTrace.count == r.modelTrace.count, "trace records: RTL \(r.rtlTrace.count) vs model \(r.modelTrace.count)")
        let diff = zip(r.rtlOutput.scalars, r.reference.scalars).enumerated().filter { $0.element.0 != $0.element.1 }
        #expect(diff.isEmpty, "\(diff.count) output bytes differ from the reference; first at \(diff.first.map { "\($0.offset): RTL \($0.element.0) ref \($0.element.1)" } ?? "")")
        #expect(r.model.output?.scalars == r.reference.scalars, "model output differs from the reference")
        func reg(_ name: String) -> Int { Int(r.rtl.csr[name] ?? UInt32.max) }
        #expect(reg("CYCLES_LO") == s.cycles && reg("CYCLES_HI") == 0, "CYCLES CSR")
        #expect(reg("BUSY_LO") == s.computeBusyCycles, "BUSY CSR \(reg("BUSY_LO")) vs \(s.computeBusyCycles)")
        let st = s.stallCycles
        let stalls = [st.setup, st.weights, st.load, st.store, st.dram, st.requant, st.drain]
        let rtlStalls = ["SETUP", "WEIGHTS", "LOAD", "STORE", "DRAM", "REQUANT", "DRAIN"].map { reg("STALL_" + $0) }
        #expect(rtlStalls == stalls, "stalls (setup, weights, load, store, dram, requant, drain): RTL \(rtlStalls) vs model \(stalls)")
        #expect(reg("BEATS_RD") * config.memBytesPerCycle == s.dramBytesRead, "read beats")
        #expect(reg("BEATS_WR") * config.memBytesPerCycle == s.dramBytesWritten, "write beats")
        #expect(reg("STATUS") == 0b010, "STATUS: done, not busy, no error")
    }

    @Test func smallK3S1Residual() throws {
        try check(try smokeJob(seed: 1, K: 3, S: 1, H: 8, W: 8, cin: 8, cout: 8, residual: true, config: .small, activation: .relu), config: .small)
    }

    @Test func smallK3S2() throws {
        try check(try smokeJob(seed: 2, K: 3, S: 2, H: 8, W: 8, cin: 8, cout: 8, residual: false, config: .small, activation: .none), config: .small)
    }
}

extension AcceleratorSmokeTests {
    @Test func smallEdgeTilesPReLUTwoWordChannels() throws {
        // 10x7 map (clipped edge tiles), Cin 20 (2 words, 5 chunks), Cout 24 (pass bytes span 2 words), residual, PReLU.
        try check(try smokeJob(seed: 3, K: 3, S: 1, H: 10, W: 7, cin: 20, cout: 24, residual: true, config: .small,
                               activation: .prelu(slope: 77)), config: .small)
    }

    @Test func smallK5S2AndK1() throws {
        try check(try smokeJob(seed: 4, K: 5, S: 2, H: 11, W: 9, cin: 6, cout: 5, residual: false, config: .small, activation: .relu), config: .small)
        try check(try smokeJob(seed: 5, K: 1, S: 1, H: 9, W: 6, cin: 16, cout: 12, residual: true, config: .small, activation: .none), config: .small)
    }

    /// A weight buffer of 32 words per bank forces several output-channel passes (WEIGHTS/TILES per pass).
    @Test func multiPass() throws {
        var c = HardwareConfig.small
        c.weightBufferBytes = 4 * 16 * 32
        try c.validate()
        let job = try smokeJob(seed: 6, K: 3, S: 1, H: 8, W: 9, cin: 20, cout: 10, residual: true, config: c, activation: .relu)
        #expect(try LayerPlan(job: job, config: c).passes.count > 1)
        try check(try smokeJob(seed: 6, K: 3, S: 1, H: 8, W: 9, cin: 20, cout: 10, residual: true, config: c, activation: .relu), config: c)
    }
}
