import Foundation
import ArgumentParser
import AcceleratorSpec
import TileModel
import Report
import SparseCNN

/// `sparsetile simulate`: runs layers through the cycle-accurate model and prints the per-layer table.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run layers through the cycle-accurate model: cycles, bound, stalls, DRAM traffic, speed-up.",
        discussion: """
        --network resnet18|srresnet|FILE.json|FILE.onnx runs the int8 network on --image (default: the bundled
        camera.png, resized to --input-size), takes each conv layer's tile mask from --mask-dir
        (<layer>.tile.npy as written by `sparsetile masks` when its tiles are the config's, else
        reduced from <layer>.pixel.npy at the config's tiles) or
        from the importance map at --density, simulates every recorded conv layer and checks the
        model's outputs against SparseCNN's bit for bit.
        --layer specs (k3s1c64x64@128x128, suffix r for residual) and --synthetic resnet18|srresnet
        run network-shaped layers with random tensors and random tile masks of --density.
        """)

    @OptionGroup var source: LayerSourceOptions
    @OptionGroup var memory: MemoryProfileOption
    // (not `--mode`: that is the mask mode of the layer source options, pixel or regional)
    @Option(name: .customLong("model-mode"), help: "The model's mode: fast (event-level, its outputs from SparseCNN's kernels) or stepped (every cycle, the datapath's own buffers and MACs); same cycles.")
    var modelMode: String = "fast"
    @Option(name: .long, help: "Write the JSON report here.")
    var json: String?
    @Option(name: .long, help: "Write the per-layer CSV here.")
    var csv: String?
    @Option(name: .long, help: "Write per-layer tile traces (<layer>.jsonl and <layer>.csv) into this directory.")
    var trace: String?
    @Option(name: .customLong("scalesim-out"), help: "Also write SCALE-Sim v2's COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv (its column names; docs/reports.md) into this directory.")
    var scalesimOut: String?
    @Option(name: .long, help: "Layers simulated at a time (default: the machine's cores).")
    var jobs: Int = ParallelWork.defaultJobs

    // (before any work: a --network's int8 run can take minutes)
    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard SimulationMode(rawValue: modelMode) != nil else { throw ValidationError("--model-mode \(modelMode): fast or stepped") }
    }

    func run() throws {
        try OutputPaths.check([("--json", json), ("--csv", csv)])
        try OutputPaths.checkDirectories([("--trace", trace), ("--scalesim-out", scalesimOut)])
        try source.checkInputs()
        let cfg = try source.hardwareConfig()
        guard let simMode = SimulationMode(rawValue: modelMode) else { throw ValidationError("--model-mode \(modelMode): fast or stepped") }

        let entries = try source.jobs(config: cfg)

        let model = TileModel(config: cfg, memory: memory.profile, seed: source.seed)
        let traceDir = trace
        if let dir = traceDir { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let run = try ModelRun(entries, model: model, mode: simMode, jobs: jobs, each: { i, job, r in
            guard let dir = traceDir else { return }
            let base = URL(fileURLWithPath: dir).appendingPathComponent(String(format: "%03d_", i) + job.name)
            try (r.trace.map(\.jsonLine).joined(separator: "\n") + "\n").write(to: base.appendingPathExtension("jsonl"), atomically: true, encoding: .utf8)
            try ([TileEvent.csvHeader] + r.trace.map(\.csvRow)).joined(separator: "\n").appending("\n")
                .write(to: base.appendingPathExtension("csv"), atomically: true, encoding: .utf8)
        })
        let (stats, checked, mismatched) = (run.stats, run.checked, run.mismatched)
        let report = LayerReportSet(config: cfg, stats: stats)
        print("config \(cfg.contentHash): tile \(cfg.tileH)x\(cfg.tileW), lanesK \(cfg.lanesK), lanesC \(cfg.lanesC), B \(cfg.memBytesPerCycle), L \(cfg.memLatency), memory \(memory.profile)"
              + (cfg.lineBufferBytes > 0 ? ", line buffer \(cfg.lineBufferBytes / 1024) KiB" : ""))
        print(report.table())
        if checked > 0 {
            print(mismatched.isEmpty ? "outputs: all \(checked) conv layers equal SparseCNN's int8 outputs bit for bit"
                                     : "outputs: MISMATCH with SparseCNN in \(mismatched.count) of \(checked) layers: \(mismatched.joined(separator: ", "))")
        }
        if let p = json { try write(report.json(), to: p) }
        if let p = csv { try write(report.csv(), to: p) }
        if let dir = scalesimOut {
            try ScaleSim.writeReports(stats, config: cfg, to: dir)
            print("wrote COMPUTE_REPORT.csv and BANDWIDTH_REPORT.csv (SCALE-Sim v2 columns) to \(dir)")
        }
    }
}
