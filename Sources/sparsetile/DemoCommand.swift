import ArgumentParser
import Foundation
import AcceleratorSpec
import SparseCNN
import Report
import CoSim

/// `sparsetile demo`: the whole story on the bundled image — masks, RTL, co-simulation of every
/// layer in Verilator against the model and SparseCNN, and the HTML/CSV/JSON report.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The main job: SRResNet masks on the bundled image, the RTL, every layer co-simulated in Verilator, the report.",
        discussion: """
        On the bundled camera.png at --input-size (default 64x64) through SRResNet with masks at pixel
        density --density, on the default hardware config (or --config/--tile/--lanes-k/--lanes-c):

          1. masks: like `sparsetile masks`, into OUT/masks/ (summary.json, <layer>.pixel.npy, .tile.npy, .overlay.png);
          2. RTL: like `sparsetile generate --max-map-size N`, into OUT/rtl/ (the design that is co-simulated);
          3. co-simulation: every conv layer, with the masks of step 1, on the Swift model and on the RTL
             under Verilator, compared exactly with each other and with SparseCNN's int8 output
             (like `sparsetile cosim`; the Verilator build is cached in .build-verilator/);
          4. report: OUT/report.html (self-contained), OUT/layers.csv and OUT/layers.json (docs/reports.md,
             with the co-simulation columns and both simulators' speeds).

        Exit status 1 when any layer mismatched (3 when the RTL hung).
        """
    )

    @Option(name: .customLong("input-size"), help: "Size HxW the bundled image is scaled to.")
    var inputSize: String = "64x64"
    @Option(help: "Pixel density of every conv layer's mask, in (0, 1].")
    var density: Double = 0.3
    @Option(help: "Input image (PNG, PPM/PGM or .npy). Default: the bundled camera.png.")
    var image: String?
    @Option(help: "Seed of the He-initialised weights.")
    var seed: UInt64 = 1
    @OptionGroup var hw: HardwareOptions
    @Option(name: .customLong("synth-json"), help: "Synthesis results of the config (from `sparsetile synth --json`) to show in the report.")
    var synthJSON: String?
    @Option(help: "Output directory.")
    var out: String = "sparsetile-out"
    @Option(help: "Layers co-simulated at a time (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard density > 0, density <= 1 else { throw ValidationError("--density \(density) must be in (0, 1]") }
        do { _ = try ImageSize(parsing: inputSize) } catch { throw ValidationError("--input-size: \(error)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        try OutputPaths.checkDirectories([("--out", out)])
        try InputPaths.check([("--image", image, .file), ("--synth-json", synthJSON, .file)])
        let start = Date()
        func step(_ s: String) {
            FileHandle.standardError.write(Data((String(format: "[demo %6.1fs] ", Date().timeIntervalSince(start)) + s + "\n").utf8))
        }
        let size = try ImageSize(parsing: inputSize)
        let cfg = try hw.resolve()
        let outDir = URL(fileURLWithPath: out).standardizedFileURL
        let maskDir = outDir.appendingPathComponent("masks"), rtlDir = outDir.appendingPathComponent("rtl")
        let html = outDir.appendingPathComponent("report.html").path
        let csv = outDir.appendingPathComponent("layers.csv").path, json = outDir.appendingPathComponent("layers.json").path
        let (synth, synthWarnings) = try NetworkReportPage.synthesis(synthJSON, config: cfg)

        // 1. Masks, written like `sparsetile masks` and read back for the co-simulation.
        step("1/4 masks: srresnet at \(size.height)x\(size.width), pixel density \(density), \(cfg.tileH)x\(cfg.tileW) tiles → \(maskDir.path)")
        let summary: MaskRunSummary
        do {
            summary = try runMasks(MaskRunOptions(
                network: "srresnet", imagePath: image, inputSize: size, target: .density(density),
                tiling: TilingPolicy(tileHeight: cfg.tileH, tileWidth: cfg.tileW, reduction: .max), seed: seed,
                outputDirectory: maskDir.path)) { line in
                    // The steps, not the per-layer lines of the int8 runs (they take a second).
                    if !line.hasPrefix(" ") { step("     \(line)") }
                }
        } catch let e as SparseCNNError { throw MasksError(description: e.description) }
        print(String(format: "masks: %d conv layers, pixel density %.3f, tile density %.3f, MACs %.1f%% of dense; %@",
                     summary.layers.count, summary.totals.pixelDensity, summary.totals.tileDensity,
                     100 * summary.totals.macFraction, summary.quality?.text ?? "quality not measured"))
        step("     int8 srresnet with these masks: golden outputs of every conv layer")
        let w = try NetworkWorkload(network: "srresnet", image: image, size: size, density: density, maskDir: maskDir.path,
                                    weights: nil, seed: seed, config: cfg)
        let layerJobs = try withWeightHandoff(w.jobs, config: cfg).map { (try $0.job(), $0.golden) }
        let session = CoSimSession(config: cfg, jobs: layerJobs)

        // 2. The RTL of the configuration, as co-simulated.
        let generator = try session.generator
        let files = try generator.write(to: rtlDir)
        step("2/4 RTL: \(files.count) files (top \(generator.top), max map \(session.maxMapSize)) → \(rtlDir.path)")

        // 3. Every layer on the model and in Verilator.
        step("3/4 co-simulation of \(layerJobs.count) layers (model vs RTL vs SparseCNN), \(jobs) at a time")
        let outcome = try session.run(parallel: jobs)
        let set = outcome.report
        print(set.table())

        // 4. Report.
        step("4/4 report")
        let c = set.cosim!
        var warnings = synthWarnings
        if !outcome.failed.isEmpty {
            warnings.insert("Co-simulation MISMATCH in \(outcome.failed.count) of \(layerJobs.count) layers: \(outcome.failed.joined(separator: ", "))", at: 0)
        }
        let synthCommand = "sparsetile synth --target xilinx --rtl-dir \(rtlDir.path) --json \(outDir.appendingPathComponent("synth.json").path)"
        let page = try NetworkReportPage.page(
            workload: w, report: set, imageLabel: image ?? "bundled camera.png",
            masksLabel: "importance map, pixel density \(density) (\(maskDir.lastPathComponent)/)",
            extraFacts: [("co-simulation", outcome.failed.isEmpty ? "all \(layerJobs.count) layers match RTL = model = SparseCNN" : "MISMATCH in \(outcome.failed.count)"),
                         ("RTL", "\(rtlDir.lastPathComponent)/: \(files.joined(separator: ", "))")],
            synthesis: synth, warnings: warnings, synthCommand: synthCommand)
        try write(page.render(), to: html)
        try write(set.csv(), to: csv)
        try write(set.json(), to: json)

        print(outcome.summaryLine)
        let t = set.totals
        print(String(format: "at %.0f MHz: %.3f ms sparse vs %.3f ms dense (speed-up %.2fx), PE utilization %.1f%%, cycles/bound %.3f",
                     cfg.clockMHz, t.milliseconds, t.denseMilliseconds, t.speedup, 100 * t.peUtilization, t.cyclesOverBound))
        print(String(format: "simulation speed: RTL (Verilator) %.3g cycles/s, model %.3g cycles/s", c.rtlCyclesPerSecond, c.modelCyclesPerSecond))
        print("""
        demo outputs in \(outDir.path)/:
          report.html   the report (open in a browser; self-contained)
          layers.csv    per-layer rows (docs/reports.md) with modelCycles, rtlCycles, outputsMatch, cyclesMatch
          layers.json   the same rows, totals and the cosim summary
          masks/        summary.json, <layer>.pixel.npy, .tile.npy, .overlay.png
          rtl/          the generated Verilog and manifest.json
        """)
        print(String(format: "demo: %.1f s wall", Date().timeIntervalSince(start)))
        if !outcome.failed.isEmpty { throw ExitCode((outcome.hung ? ExitStatus.hung : .mismatch).rawValue) }
    }
}
