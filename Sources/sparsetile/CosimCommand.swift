import Foundation
import ArgumentParser
import AcceleratorSpec
import TileModel
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
        and compares cycles, the per-tile trace, DRAM beats and the output bytes (and, for --network
        layers, SparseCNN's golden output). No tolerances: any difference is a mismatch, explained by
        the first differing tile, cycle, engine and output coordinate; the exit status is then 1
        (3 when the RTL hung: `done` never rose before the watchdog).
        """)

    @OptionGroup var source: LayerSourceOptions
    @Option(name: .long, help: "Only these layers (comma-separated names; network layer names or synthetic specs).")
    var layers: String?
    @Option(name: .long, help: "Directory for failing layers' FST waveform (<layer>.fst) and model/RTL trace CSVs.")
    var trace: String?
    @Option(name: .long, help: "Write the simulate JSON schema with modelCycles, rtlCycles, outputsMatch, cyclesMatch per layer.")
    var json: String?
    @Option(name: .long, help: "Also write a self-checking Verilog testbench per layer into DIR/<layer>/ (for iverilog and other simulators).")
    var testbench: String?
    @Option(name: .customLong("inject-fault"), help: ArgumentHelp("Build the RTL with a deliberate fault, to prove the checks can fail: \(FaultInjection.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var fault: String = "none"

    func run() throws {
        let cfg = try source.hardwareConfig()
        let fi = try parseFault(fault)
        var entries = try source.jobs(config: cfg)
        let wanted = layers.map { Set($0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }) }
        var jobs: [(LayerJob, QTensor?)] = []
        for e in entries { let j = try e.job(); if wanted == nil || wanted!.contains(j.name) { jobs.append((j, e.golden)) } }
        entries = []
        guard !jobs.isEmpty else { throw ValidationError("--layers \(layers ?? ""): no such layer") }

        // Size the mask register for the largest map of this run (a power of two, at least 32).
        let side = jobs.map { max($0.0.outShape.height, $0.0.outShape.width) }.max() ?? 1
        var maxMap = 32
        while maxMap < side { maxMap *= 2 }
        let design = DesignSource.accelerator(maxMapSize: maxMap)

        if let dir = testbench {
            for (j, _) in jobs {
                let d = URL(fileURLWithPath: dir).appendingPathComponent(j.name)
                try Testbench(layer: j, config: cfg).write(to: d)
                if let files = try? design.generate(cfg, fi) {
                    let rtl = d.appendingPathComponent("rtl")
                    try FileManager.default.createDirectory(at: rtl, withIntermediateDirectories: true)
                    for f in files { try f.contents.write(to: rtl.appendingPathComponent(f.fileName), atomically: true, encoding: .utf8) }
                }
            }
            print("testbenches: \(jobs.count) in \(dir)/<layer>/ (iverilog -g2012 -o tb.vvp sparsetile_tb.sv rtl/*.sv && vvp tb.vvp)")
        }

        let sim = CoSimulator(config: cfg, source: design, fault: fi)
        print("config \(cfg.contentHash): tile \(cfg.tileH)x\(cfg.tileW), lanesK \(cfg.lanesK), lanesC \(cfg.lanesC), B \(cfg.memBytesPerCycle), L \(cfg.memLatency)\(fi == .none ? "" : ", FAULT \(fi.rawValue)")")
        let build = try sim.build()
        print(build.reused ? "verilator build: cached \(build.directory.path)" : String(format: "verilator build: %.1f s → %@", build.buildSeconds, build.directory.path))

        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        print(pad("layer", 24) + pad("model cycles", 14) + pad("RTL cycles", 14) + pad("match", 8) + pad("RTL cyc/s", 12) + pad("model cyc/s", 13))
        var results: [CoSimLayerResult] = []
        var failed: [String] = []
        for (job, golden) in jobs {
            let r = try sim.run(job, golden: golden)
            let c = r.comparison
            results.append(r)
            let rate = { (cycles: Int, s: Double) in s > 0 ? String(format: "%.3g", Double(cycles) / s) : "-" }
            print(pad(String(job.name.suffix(24)), 24) + pad("\(c.modelCycles)", 14) + pad("\(c.rtlCycles)", 14)
                  + pad(c.matches ? "yes" : "NO", 8) + pad(rate(c.rtlCycles, r.rtlSeconds), 12) + pad(rate(c.modelCycles, r.modelSeconds), 13))
            if !c.matches {
                failed.append(job.name)
                print(c.diagnosis)
                if let dir = trace { try writeFailure(job: job, result: r, into: URL(fileURLWithPath: dir), simulator: sim) }
            }
        }
        let report = LayerReportSet(config: cfg, stats: results.map(\.model.stats))
        print(report.table())
        if let p = json { try Self.json(report: report, results: results).write(toFile: p, atomically: true, encoding: .utf8) }
        if failed.isEmpty {
            print("cosim: all \(results.count) layers match (cycles, trace, DRAM beats, outputs)")
        } else {
            print("cosim: MISMATCH in \(failed.count) of \(results.count) layers: \(failed.joined(separator: ", "))")
            // 3 when the RTL hung (watchdog), 1 for any other mismatch.
            throw ExitCode(results.contains { $0.comparison.status == .hang } ? 3 : 1)
        }
    }

    /// Reruns a failing layer with a waveform build and writes `<layer>.fst`, `<layer>.model.csv`, `<layer>.rtl.csv`.
    func writeFailure(job: LayerJob, result r: CoSimLayerResult, into dir: URL, simulator: CoSimulator) throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let header = TraceRow.columns.joined(separator: ",")
        try ([header] + r.model.trace.map { TraceRow($0).csvRow }).joined(separator: "\n").appending("\n")
            .write(to: dir.appendingPathComponent("\(job.name).model.csv"), atomically: true, encoding: .utf8)
        try ([header] + r.rtl.trace.map(\.csvRow)).joined(separator: "\n").appending("\n")
            .write(to: dir.appendingPathComponent("\(job.name).rtl.csv"), atomically: true, encoding: .utf8)
        let wave = dir.appendingPathComponent("\(job.name).fst")
        var waveSim = simulator
        waveSim.traceFST = true
        _ = try waveSim.run(job, waveform: wave)
        print("  waveform: \(wave.path)")
    }

    /// The simulate JSON schema with the co-simulation fields added to every layer.
    static func json(report: LayerReportSet, results: [CoSimLayerResult]) throws -> String {
        guard var doc = try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any],
              var layers = doc["layers"] as? [[String: Any]] else { return report.json() }
        for (i, r) in results.enumerated() where i < layers.count {
            let c = r.comparison
            layers[i]["modelCycles"] = c.modelCycles
            layers[i]["rtlCycles"] = c.rtlCycles
            layers[i]["outputsMatch"] = c.outputsMatch
            layers[i]["cyclesMatch"] = c.cyclesMatch
            layers[i]["traceMatch"] = c.traceMatch
            layers[i]["dramBeatsMatch"] = c.beatsMatch
            if let g = c.modelMatchesGolden { layers[i]["goldenMatch"] = g }
            if !c.matches { layers[i]["mismatch"] = c.diagnosis }
        }
        doc["layers"] = layers
        doc["cosim"] = ["layers": results.count, "mismatches": results.filter { !$0.comparison.matches }.count]
        let data = try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
