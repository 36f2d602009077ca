import Foundation
import ArgumentParser
import AcceleratorSpec
import TileModel
import SparseCNN
import Report
import RTLGen
import CoSim

/// `sparsetile cosim`: every layer through the Swift model and the Verilator-simulated RTL, compared exactly.
struct Cosim: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Co-simulate layers: the generated RTL under Verilator against the cycle-accurate model.",
        discussion: """
        Takes the same layer, network, image, mask and configuration options as `simulate`. For every
        layer it runs the model and the RTL (built once per configuration hash under .build-verilator/)
        and compares cycles, busy cycles and every stall counter, the per-tile trace, DRAM beats and
        the output bytes (and, for --network layers, SparseCNN's golden output). No tolerances: any
        difference is a mismatch, explained by the first differing tile, cycle, engine, stall cause
        and output coordinate; the exit status is then 1
        (3 when the RTL hung: `done` never rose before the watchdog). Prints both simulation speeds
        (simulated cycles per wall second) per layer and in total; --json/--csv record them.

        Example:
          sparsetile cosim --network srresnet --input-size 64x64 --density 0.3 --json out/cosim.json
        """)

    @OptionGroup var source: LayerSourceOptions
    @OptionGroup var memory: MemoryProfileOption
    @OptionGroup var xSeed: XSeedOption
    @Option(name: .long, help: "Only these layers (comma-separated names; network layer names or synthetic specs).")
    var layers: String?
    @Option(name: .long, help: "Directory for failing layers' FST waveform (<layer>.fst) and model/RTL trace CSVs.")
    var trace: String?
    @Option(name: .long, help: "Write the report JSON (docs/reports.md) with modelCycles, rtlCycles, outputsMatch, cyclesMatch, rtlBusyCycles, rtlStallCycles per layer and a cosim summary.")
    var json: String?
    @Option(name: .long, help: "Write the per-layer CSV (docs/reports.md) with the co-simulation columns.")
    var csv: String?
    @Option(name: .long, help: "Also write a self-checking Verilog testbench per layer into DIR/<layer>/ (for iverilog and other simulators).")
    var testbench: String?
    @Option(name: .long, help: "Layers co-simulated at a time (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(name: .customLong("inject-fault"), help: ArgumentHelp("Build the RTL with a deliberate fault, to prove the checks can fail: \(FaultInjection.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var fault: String = "none"

    // (before any work: a --network's int8 run can take minutes)
    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        try OutputPaths.check([("--json", json), ("--csv", csv)])
        try OutputPaths.checkDirectories([("--trace", trace), ("--testbench", testbench)])
        try source.checkInputs()
        let cfg = try source.hardwareConfig()
        let fi = try parseFault(fault)
        var entries = try source.jobs(config: cfg)
        let wanted = layers.map { Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) }
        var selected: [(LayerJob, QTensor?)] = []
        for e in entries { let j = try e.job(); if wanted == nil || wanted!.contains(j.name) { selected.append((j, e.golden)) } }
        entries = []
        guard !selected.isEmpty else { throw ValidationError("--layers \(layers ?? ""): no such layer") }

        let session = CoSimSession(config: cfg, fault: fi, memory: memory.profile, seed: source.seed, xSeed: xSeed.seed,
                                   jobs: selected)
        if let dir = testbench {
            let design = try session.design.generate(cfg, fi)
            for (j, _) in selected {
                let d = URL(fileURLWithPath: dir).appendingPathComponent(j.name)
                try Testbench(layer: j, config: cfg, top: design.top).write(to: d)
                let rtl = d.appendingPathComponent("rtl")
                try FileManager.default.createDirectory(at: rtl, withIntermediateDirectories: true)
                for f in design.files { try f.contents.write(to: rtl.appendingPathComponent(f.fileName), atomically: true, encoding: .utf8) }
            }
            print("testbenches: \(selected.count) in \(dir)/<layer>/ (iverilog -g2012 -o tb.vvp sparsetile_tb.sv rtl/*.sv && vvp tb.vvp)")
        }

        let outcome = try session.run(parallel: jobs, traceDirectory: trace.map { URL(fileURLWithPath: $0) })
        print(outcome.report.table())
        if let p = json { try write(outcome.report.json(), to: p) }
        if let p = csv { try write(outcome.report.csv(), to: p) }
        print(outcome.summaryLine)
        if !outcome.failed.isEmpty {
            // 3 when the RTL hung (watchdog), 1 for any other mismatch.
            throw ExitCode((outcome.hung ? ExitStatus.hung : .mismatch).rawValue)
        }
    }
}

/// Co-simulation of a list of layer jobs on one configuration, as `cosim` and `demo` run it:
/// sizes the design for the largest map, builds (or reuses) the Verilator simulator, runs every
/// layer on the model and the RTL, prints a line per layer and progress, and returns the report
/// rows with the co-simulation columns and the speed summary.
struct CoSimSession {
    let config: HardwareConfig
    let fault: FaultInjection
    let jobs: [(LayerJob, QTensor?)]
    /// The mask register's map limit: the largest output map side of the run, as a power of two ≥ 32.
    let maxMapSize: Int
    let design: DesignSource
    let simulator: CoSimulator

    init(config: HardwareConfig, fault: FaultInjection = .none, memory: MemoryProfile = .fixed, seed: UInt64 = 1,
         xSeed: Int? = nil, jobs: [(LayerJob, QTensor?)]) {
        self.config = config; self.fault = fault; self.jobs = jobs
        let side = jobs.map { max($0.0.outShape.height, $0.0.outShape.width) }.max() ?? 1
        var maxMap = 32
        while maxMap < side { maxMap *= 2 }
        maxMapSize = maxMap
        design = DesignSource.accelerator(maxMapSize: maxMap)
        simulator = CoSimulator(config: config, source: design, fault: fault, memory: memory, seed: seed, xSeed: xSeed)
    }

    /// The generator behind `design` (same configuration and limits): what `sparsetile generate
    /// --max-map-size N` writes.
    var generator: AcceleratorGenerator {
        get throws { try AcceleratorGenerator(config: config, limits: AcceleratorLimits(maxMapSize: maxMapSize)) }
    }

    struct Outcome {
        var results: [CoSimLayerResult]
        var failed: [String]
        var hung: Bool
        /// The model's per-layer rows with the co-simulation columns, and the `cosim` summary.
        var report: LayerReportSet
        var build: SimulatorBuild

        var summaryLine: String {
            let c = report.cosim!
            let speeds = String(format: "RTL %.3g cycles/s (%.1f s), model %.3g cycles/s (%.2f s)",
                                c.rtlCyclesPerSecond, c.rtlSeconds, c.modelCyclesPerSecond, c.modelSeconds)
            if failed.isEmpty {
                return "cosim: all \(results.count) layers match (cycles, stall counters, trace, DRAM beats, outputs); \(c.rtlCycles) cycles; \(speeds)"
            }
            return "cosim: MISMATCH in \(failed.count) of \(results.count) layers: \(failed.joined(separator: ", ")); \(speeds)"
        }
    }

    /// Progress weight of a layer: its estimated cycles (issued MACs / MACs per cycle) plus a fixed
    /// per-layer cost (process start, image files), so the time-left estimate follows the work.
    func weight(_ job: LayerJob) -> Double {
        let active = job.tileMask.activeCount
        let macs = Double(active * config.tileH * config.tileW) * Double(job.outChannels * job.kernel * job.kernel * job.inChannels)
        return macs / Double(config.macsPerCycle) + 20_000
    }

    /// Builds, then runs every layer with `parallel` workers (largest layers first, so the workers
    /// finish together); prints a line per layer as it finishes (stdout) and progress (stderr).
    /// Results come back in layer order.
    func run(parallel: Int = 1, traceDirectory: URL? = nil, log: @escaping @Sendable (String) -> Void = { print($0) }) throws -> Outcome {
        log("config \(config.contentHash): tile \(config.tileH)x\(config.tileW), lanesK \(config.lanesK), lanesC \(config.lanesC), B \(config.memBytesPerCycle), L \(config.memLatency), memory \(simulator.memory.profile)\(fault == .none ? "" : ", FAULT \(fault.rawValue)")")
        let cacheDir = simulator.cache.root.appendingPathComponent(BuildCache.key(config: config, fault: fault, source: design.name, traceFST: false))
        progress("Verilator: building or reusing the simulator in \(cacheDir.path) (a first build takes minutes; later runs reuse it)")
        let build = try simulator.build()
        log(build.reused ? "verilator build: cached \(build.directory.path)" : String(format: "verilator build: %.1f s → %@", build.buildSeconds, build.directory.path))

        @Sendable func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        let workers = max(1, min(parallel, jobs.count))
        log(pad("layer", 24) + pad("model cycles", 14) + pad("RTL cycles", 14) + pad("match", 8) + pad("RTL cyc/s", 12) + pad("model cyc/s", 13)
            + (workers > 1 ? "   (\(workers) layers at a time, lines in completion order)" : ""))
        let weights = jobs.map { weight($0.0) }
        let total = weights.reduce(0, +)
        let order = workers > 1 ? jobs.indices.sorted { weights[$0] > weights[$1] } : Array(jobs.indices)
        let tally = Tally()
        let start = Date()
        let (jobs, simulator) = (self.jobs, self.simulator)
        let results = try ParallelWork.map(jobs.count, jobs: workers, order: order, { i in
            try simulator.run(jobs[i].0, golden: jobs[i].1)
        }, finished: { i, result in
            let job = jobs[i].0
            tally.done += 1; tally.weight += weights[i]
            switch result {
            case .success(let r):
                let c = r.comparison
                if !c.matches { tally.failed += 1 }
                let rate = { (cycles: Int, s: Double) in s > 0 ? String(format: "%.3g", Double(cycles) / s) : "-" }
                log(pad(String(job.name.suffix(24)), 24) + pad("\(c.modelCycles)", 14) + pad("\(c.rtlCycles)", 14)
                    + pad(c.matches ? "yes" : "NO", 8) + pad(rate(c.rtlCycles, r.rtlSeconds), 12) + pad(rate(c.modelCycles, r.modelSeconds), 13))
                if !c.matches { log(c.diagnosis) }
            case .failure(let e):
                tally.failed += 1
                log("\(job.name): error: \(e)")
            }
            let el = Date().timeIntervalSince(start)
            let left = tally.weight > 0 ? el / tally.weight * (total - tally.weight) : 0
            FileHandle.standardError.write(Data(String(format: "[cosim] %d/%d layers, %.1fs elapsed, ~%.0fs left%@\n", tally.done, jobs.count, el, left,
                                                       tally.failed == 0 ? "" : ", \(tally.failed) MISMATCHED").utf8))
        })
        var failed: [String] = []
        for (i, r) in results.enumerated() where !r.comparison.matches {
            failed.append(jobs[i].0.name)
            if let dir = traceDirectory { try writeFailure(job: jobs[i].0, result: r, into: dir, log: log) }
        }
        let rows = zip(results, LayerReportSet(config: config, stats: results.map(\.model.stats)).layers).map { r, row in
            Self.row(row, r)
        }
        var set = LayerReportSet(config: config, layers: rows)
        set.cosim = CoSimSummary(layers: rows, verilatorBuildSeconds: build.buildSeconds, verilatorBuildReused: build.reused)
        return Outcome(results: results, failed: failed, hung: results.contains { $0.comparison.status == .hang },
                       report: set, build: build)
    }

    /// A report row with the co-simulation columns filled from `r`.
    static func row(_ base: LayerReport, _ r: CoSimLayerResult) -> LayerReport {
        var row = base
        let c = r.comparison
        row.modelCycles = c.modelCycles
        row.rtlCycles = c.rtlCycles
        row.outputsMatch = c.outputsMatch
        row.cyclesMatch = c.cyclesMatch && c.counterMatches
        row.traceMatch = c.traceMatch
        row.dramBeatsMatch = c.beatsMatch
        row.stallCyclesMatch = c.stallCountersMatch
        row.rtlBusyCycles = c.rtlCounters.busy
        row.rtlStallCycles = c.rtlCounters.stalls
        row.goldenMatch = c.modelMatchesGolden
        row.modelSeconds = r.modelSeconds
        row.rtlSeconds = r.rtlSeconds
        if !c.matches { row.mismatch = c.diagnosis.isEmpty ? "status \(c.status)" : c.diagnosis }
        return row
    }

    func progress(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    /// Reruns a failing layer with a waveform build and writes `<layer>.fst`, `<layer>.model.csv`, `<layer>.rtl.csv`.
    func writeFailure(job: LayerJob, result r: CoSimLayerResult, into dir: URL, log: @Sendable (String) -> Void) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let header = TileEvent.csvHeader
        try ([header] + r.model.trace.map(\.csvRow)).joined(separator: "\n").appending("\n")
            .write(to: dir.appendingPathComponent("\(job.name).model.csv"), atomically: true, encoding: .utf8)
        try ([header] + r.rtl.trace.map(\.csvRow)).joined(separator: "\n").appending("\n")
            .write(to: dir.appendingPathComponent("\(job.name).rtl.csv"), atomically: true, encoding: .utf8)
        let wave = dir.appendingPathComponent("\(job.name).fst")
        var waveSim = simulator
        waveSim.traceFST = true
        _ = try waveSim.run(job, waveform: wave)
        log("  waveform: \(wave.path)")
    }
}

/// Progress of `CoSimSession.run`: layers done, their weight, how many failed (changed only in
/// `ParallelWork.map`'s `finished`, one call at a time).
final class Tally: @unchecked Sendable {
    var done = 0, weight = 0.0, failed = 0
}
