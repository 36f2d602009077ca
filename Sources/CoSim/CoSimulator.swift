import Foundation
import AcceleratorSpec
import RTLGen
import TileModel

/// One layer co-simulated: the model's run, the RTL's, and their comparison.
public struct CoSimLayerResult: Sendable {
    public var model: LayerSimulation
    public var rtl: HarnessResult
    public var comparison: LayerComparison
    /// Wall seconds of the model and of the RTL simulation (harness-measured clocking loop).
    public var modelSeconds: Double
    public var rtlSeconds: Double
}

/// Runs layer jobs through the Swift model and the Verilator build of the same configuration and
/// compares everything (docs/microarchitecture.md: cycles, busy and stall counters, trace, DRAM beats,
/// output bytes). Layers are programmed through the design source's register map.
public struct CoSimulator: Sendable {
    public var config: HardwareConfig
    public var source: DesignSource
    public var fault: FaultInjection
    public var cache: BuildCache
    /// Build with `--trace-fst` (needed for `--trace-fst` waveforms).
    public var traceFST: Bool
    /// The DRAM behind the memory port, the same for the model and the harness.
    public var memory: MemoryTiming
    /// The seed of the RTL's X values (`SimulatorBuild.xSeedArguments`); nil: Verilator's zeros.
    /// The model has no X: a result that changes with it is an RTL bug.
    public var xSeed: Int?

    public init(config: HardwareConfig, source: DesignSource = .accelerator, fault: FaultInjection = .none,
                cache: BuildCache = BuildCache(), traceFST: Bool = false,
                memory profile: MemoryProfile = .fixed, seed: UInt64 = 1, xSeed: Int? = nil) {
        self.config = config; self.source = source; self.fault = fault; self.cache = cache; self.traceFST = traceFST
        self.xSeed = xSeed
        memory = MemoryTiming(profile: profile, seed: seed, config: config)
    }

    /// Builds (or reuses) the simulator.
    public func build() throws -> SimulatorBuild {
        try cache.simulator(config: config, source: source, fault: fault, traceFST: traceFST)
    }

    /// The watchdog for a layer the model times at `modelCycles`: generous, but a hang is reported quickly.
    public static func watchdog(modelCycles: Int) -> Int { 2 * modelCycles + 10_000 }

    /// Co-simulates one layer. `golden` is SparseCNN's output when known. A preloaded layer (§7.2) starts
    /// after a warm-up run in the same simulation: `previous` (the layer that hands it its first pass)
    /// when given, else a run without tiles that loads the pass.
    public func run(_ job: LayerJob, after previous: LayerJob? = nil, golden: QTensor? = nil, waveform: URL? = nil,
                    keepDirectory: URL? = nil) throws -> CoSimLayerResult {
        let sim = try build()
        let plan = try LayerPlan(job: job, config: config)
        // (timed: the model's run of the layer the RTL runs; its dense baseline, which the RTL does not
        // run, is timed out)
        let tm = TileModel(config: config, memory: memory.profile, seed: memory.seed)
        let t0 = Date()
        let run = try tm.simulate(job, mode: .fast, outputs: true, dense: false)
        let modelSeconds = Date().timeIntervalSince(t0)
        let model = try tm.addingDenseBaseline(to: run, of: job)
        // (the warm-up run of a previous layer is clocked under the same watchdog)
        let before = try previous.map { try TileModel(config: config).simulate($0, mode: .fast, outputs: false, dense: false).stats.cycles } ?? 0
        let watchdog = Self.watchdog(modelCycles: max(model.stats.cycles, before))
        let hj = try previous.map {
            try HarnessJob(job: job, after: $0, config: config, memory: memory, watchdog: watchdog, registers: source.registers)
        } ?? HarnessJob(job: job, config: config, memory: memory, watchdog: watchdog, registers: source.registers)
        let rtl = try sim.run(hj, traceFST: waveform, keepDirectory: keepDirectory, xSeed: xSeed)
        let cmp = LayerComparison(name: job.name, plan: plan, model: model, rtl: rtl, golden: golden)
        return CoSimLayerResult(model: model, rtl: rtl, comparison: cmp, modelSeconds: modelSeconds, rtlSeconds: rtl.wallSeconds)
    }
}
