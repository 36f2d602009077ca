import Foundation
import ArgumentParser
import SparseCNN
import Report

/// `sparsetile report`: one self-contained HTML page of a network run on the model.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Run a network through the cycle-accurate model and write a self-contained HTML report (plus CSV/JSON).",
        discussion: """
        Runs the int8 network on --image (default: the bundled camera.png at --input-size), takes
        each conv layer's masks from the importance map at --density (or --mask-dir), simulates
        every conv layer on the configuration, checks the outputs against SparseCNN and writes
        --html: input image and per-layer mask overlays, cycles by phase against the physical
        bound, PE utilization, speed-up over dense, MACs dense vs sparse, the hardware config
        (and --synth-json results), totals at the configured clock. Columns: docs/reports.md.

        Example:
          sparsetile report --network srresnet --input-size 64x64 --density 0.3 --html out/report.html --csv out/layers.csv
        """)

    @Option(help: "resnet18, srresnet, a network .json file or an .onnx model.")
    var network: String
    @Option(help: "Input image (PNG, PPM/PGM or .npy). Default: the bundled camera.png.")
    var image: String?
    @Option(name: .customLong("input-size"), help: "Resize the image to HxW. Default: 224x224 for resnet18, 128x128 for srresnet, else the image's size.")
    var inputSize: String?
    @Option(help: "Pixel density of every conv layer's mask, in (0, 1] (the tile density with --mode regional).")
    var density: Double = 0.3
    @Option(help: MaskMode.help)
    var mode: MaskMode = .pixel
    @Option(name: .customLong("mask-dir"), help: "Directory of <layer>.pixel.npy and/or <layer>.tile.npy masks (from `sparsetile masks`); tile masks of other tiles are reduced again from the pixel masks.")
    var maskDir: String?
    @Option(name: .customLong("quality-json"), help: "A `sparsetile quality --json` result to chart in the HTML report (PSNR against MACs).")
    var qualityJSON: String?
    @Option(help: "Layers simulated at a time (default: the machine's cores).")
    var jobs: Int = ParallelWork.defaultJobs
    @Option(help: ArgumentHelp(weightsHelp))
    var weights: String?
    @Option(help: "Seed of the He-initialised weights.")
    var seed: UInt64 = 1
    @OptionGroup var hw: HardwareOptions
    @Option(help: "Write the HTML report here.")
    var html: String
    @Option(help: "Write the per-layer CSV here.")
    var csv: String?
    @Option(help: "Write the JSON report here.")
    var json: String?
    @Option(name: .customLong("synth-json"), help: "Synthesis results (from `sparsetile synth --json`) to show in the report.")
    var synthJSON: String?

    func validate() throws {
        guard density > 0, density <= 1 else { throw ValidationError("--density \(density) must be in (0, 1]") }
        // (before the network's int8 run, which can take minutes)
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        try OutputPaths.check([("--html", html), ("--csv", csv), ("--json", json)])
        try InputPaths.check([("--image", image, .file), ("--mask-dir", maskDir, .folder), ("--weights", weights, .folder),
                              ("--quality-json", qualityJSON, .file), ("--synth-json", synthJSON, .file)])
        let cfg = try hw.resolve()
        // (read before the long work, so that a bad file stops the run at once)
        let quality = try qualityJSON.map { path in
            do { return try JSONDecoder().decode(QualitySweep.Result.self, from: Data(contentsOf: URL(fileURLWithPath: path))) }
            catch { throw InputFileError(description: "--quality-json \(path): not a `sparsetile quality --json` result (\(error))") }
        }
        let start = Date()
        func log(_ s: String) { FileHandle.standardError.write((String(format: "[%6.1fs] ", Date().timeIntervalSince(start)) + s + "\n").data(using: .utf8)!) }
        let size = try inputSize.map { try ImageSize(parsing: $0) } ?? (network.hasPrefix("srresnet") ? ImageSize(height: 128, width: 128) : nil)
        log("running \(network) (int8) for masks and golden outputs")
        let w = try NetworkWorkload(network: network, image: image, size: size, density: density, mode: mode, maskDir: maskDir,
                                    weights: weights, seed: seed, config: cfg)
        let model = TileModel(config: cfg)
        let progress = ProgressReporter(label: "layers"), done = ParallelWork.Counter(), total = w.jobs.count
        let run = try ModelRun(withWeightHandoff(w.jobs, config: cfg), model: model, jobs: jobs,
                               finished: { progress.update(done: done.increment(), total: total, what: $0) })
        let (stats, mismatched) = (run.stats, run.mismatched)
        let set = LayerReportSet(config: cfg, stats: stats)
        print("config \(cfg.contentHash): tile \(cfg.tileH)x\(cfg.tileW), lanesK \(cfg.lanesK), lanesC \(cfg.lanesC), B \(cfg.memBytesPerCycle), L \(cfg.memLatency)")
        print(set.table())
        if !w.plan.hostOps.isEmpty { print(hostOpsLine(w.plan.hostOps)) }

        log("drawing mask overlays")
        let (synth, synthWarnings) = try NetworkReportPage.synthesis(synthJSON, config: cfg)
        var warnings = mismatched.isEmpty ? [] : ["Model outputs differ from SparseCNN's int8 outputs in \(mismatched.count) layers: \(mismatched.joined(separator: ", "))"]
        warnings += synthWarnings
        let page = try NetworkReportPage.page(
            workload: w, report: set, imageLabel: image ?? "bundled camera.png",
            masksLabel: maskDir.map { "from \($0)" } ?? "importance map, \(mode == .regional ? "regional, tile" : "pixel") density \(density)",
            extraFacts: [("outputs", mismatched.isEmpty ? "all \(stats.count) layers equal SparseCNN bit for bit" : "MISMATCH in \(mismatched.count)")]
                + (w.plan.hostOps.isEmpty ? [] : [("host ops", hostOpsText(w.plan.hostOps))]),
            synthesis: synth, warnings: warnings)
        var withBudget = page
        withBudget.budget = try maskDir.flatMap { try Self.budget(ofMaskDir: $0) }
        withBudget.quality = quality
        try write(withBudget.render(), to: html)
        if let p = csv { try write(set.csv(), to: p) }
        if let p = json { try write(set.json(), to: p) }
        print(mismatched.isEmpty ? "outputs: all \(stats.count) conv layers equal SparseCNN's int8 outputs bit for bit"
                                 : "outputs: MISMATCH in \(mismatched.count) layers: \(mismatched.joined(separator: ", "))")
        print("wrote \([html, csv, json].compactMap { $0 }.joined(separator: ", "))")
        if !mismatched.isEmpty { throw ExitCode(ExitStatus.mismatch.rawValue) }
    }
}

extension ReportCommand {
    /// The cycle budget recorded in a mask directory's summary.json, if it holds one.
    static func budget(ofMaskDir dir: String) throws -> MaskRunSummary.Budget? {
        let path = (dir as NSString).appendingPathComponent("summary.json")
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        struct Header: Decodable { var budget: MaskRunSummary.Budget? }
        do { return try JSONDecoder().decode(Header.self, from: data).budget }
        catch { throw InputFileError(description: "\(path): not a `sparsetile masks` summary (\(error))") }
    }
}

/// The HTML report of a network run (input image, mask overlays, charts, hardware, synthesis):
/// shared by `report` and `demo`.
enum NetworkReportPage {
    /// Reads `sparsetile synth --json` output; warns when it is of another configuration.
    static func synthesis(_ path: String?, config cfg: HardwareConfig) throws -> (SynthResult?, [String]) {
        guard let path else { return (nil, []) }
        let s: SynthResult
        do { s = try JSONDecoder().decode(SynthResult.self, from: Data(contentsOf: URL(fileURLWithPath: path))) }
        catch { throw InputFileError(description: "--synth-json \(path): not a `sparsetile synth --json` result (\(error))") }
        if let h = s.configHash, h != cfg.contentHash {
            return (s, ["The synthesis results are of config \(h) (top \(s.top)), not of this report's config \(cfg.contentHash)."])
        }
        return (s, [])
    }

    /// Each conv layer's mask over the (at most 160 pixels wide) input image.
    static func thumbnails(_ w: NetworkWorkload) throws -> [MaskThumbnail] {
        var thumbs: [MaskThumbnail] = []
        let thumbImage = w.image.width > 160 ? try w.image.resized(height: w.image.height * 160 / w.image.width, width: 160) : w.image
        let refined = w.refinedPixelMasks(w.tileMasks)
        for l in w.convLayers {
            guard let tm = w.tileMasks[l.name] else { continue }
            let pm = refined[l.name]
            let shown = pm ?? PixelMask(height: tm.mapHeight, width: tm.mapWidth, repeating: true)
            thumbs.append(MaskThumbnail(layer: l.name, pixelDensity: pm?.density, tileDensity: tm.density,
                                        png: try thumbImage.overlay(shown, tileMask: tm).pngBytes()))
        }
        return thumbs
    }

    static func page(workload w: NetworkWorkload, report set: LayerReportSet, imageLabel: String, masksLabel: String,
                     extraFacts: [(String, String)], synthesis: SynthResult?, warnings: [String],
                     synthCommand: String = HTMLReport.defaultSynthCommand) throws -> HTMLReport {
        let cfg = set.config
        var page = HTMLReport(
            title: "SparseTile report — \(w.networkName) on \(cfg.tileH)×\(cfg.tileW) tiles, \(cfg.lanesK)×\(cfg.lanesC) lanes",
            facts: [("network", w.networkName), ("input", "\(w.image.height)×\(w.image.width)"), ("image", imageLabel),
                    ("masks", masksLabel), ("conv layers", "\(set.layers.count)")] + extraFacts,
            report: set, inputImagePNG: try w.image.pngBytes(), masks: try thumbnails(w), synthesis: synthesis,
            warnings: warnings, synthCommand: synthCommand)
        page.channelShares = w.channelMasks.mapValues { Double($0.selectedCount) / Double($0.channels) }
        return page
    }
}

/// An input file that cannot be used: printed as `Error: ...`, exit 1 (no usage text).
struct InputFileError: Error, CustomStringConvertible {
    var description: String
}
