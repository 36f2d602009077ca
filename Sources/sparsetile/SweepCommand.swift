import Foundation
import ArgumentParser
import SparseCNN
import Report
import RTLGen

/// `sparsetile sweep`: the model across tile sizes and lane counts, with the Pareto front.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run the model (timing only) across configurations: cycles, utilization, ms, MAC units; marks the Pareto front.",
        discussion: """
        Masks come from the network's importance map at --density (pixel masks, pooled into each
        configuration's own tile masks), or every tile is active with --density 1. By default the
        resource figures (MAC units, buffer bytes) are analytic ESTIMATES and the Pareto front is
        cycles vs those; --synth TARGET generates and synthesises every configuration with Yosys
        (no place and route; cached per config and RTL under .build-synth/, minutes per uncached
        config) and the front becomes cycles vs real LUTs and DSPs. docs/synthesis.md.

        Example:
          sparsetile sweep --network srresnet --input-size 64x64 --tiles 2x2,4x4,8x8,16x16 --lanes-k 4,8,16 --csv sweep.csv --html sweep.html
        """)

    @Option(help: "resnet18, srresnet, a network .json file or an .onnx model.")
    var network: String
    @Option(help: "Input image. Default: the bundled camera.png.")
    var image: String?
    @Option(name: .customLong("input-size"), help: "Resize the image to HxW. Default: 224x224 for resnet18, 128x128 for srresnet.")
    var inputSize: String?
    @Option(help: "Pixel density of every conv layer's mask, in (0, 1] (the tile density with --mode regional).")
    var density: Double = 0.3
    @Option(help: MaskMode.help)
    var mode: MaskMode = .pixel
    @Option(help: "Comma-separated tile sizes HxW.")
    var tiles: String = "2x2,4x4,8x8,16x16"
    @Option(name: .customLong("lanes-k"), help: "Comma-separated output-channel lane counts.")
    var lanesK: String = "4,8,16"
    @Option(name: .customLong("lanes-c"), help: "Comma-separated input-channel lane counts (default: the base config's).")
    var lanesC: String?
    @OptionGroup var hardware: HardwareBaseOptions
    @Option(help: "Synthesise every configuration with Yosys for this target (ice40, xilinx, generic): real LUT/FF/DSP/BRAM counts.")
    var synth: String?
    @Option(name: .customLong("synth-device"), help: "iCE40 part for --synth ice40 (decides -dsp).")
    var synthDevice: String = "up5k"
    @Option(name: .customLong("max-map-size"), help: "Mask-register size the RTL is generated for with --synth (default 512).")
    var maxMapSize: Int = 512
    @Option(help: "Configurations simulated at a time (default: the machine's cores).")
    var jobs: Int = ParallelWork.defaultJobs
    @Flag(help: "Also compute every layer's outputs in the model, on every configuration, and check them bit for bit against SparseCNN's int8 run with that configuration's tile masks (the network is calibrated once and run once per configuration).")
    var outputs = false
    @Option(help: "Write the sweep CSV here.")
    var csv: String?
    @Option(help: "Write the sweep JSON here.")
    var json: String?
    @Option(help: "Write an HTML page with the Pareto chart here.")
    var html: String?

    // (before any work: the network's run and the sweep can take minutes)
    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard density > 0, density <= 1 else { throw ValidationError("--density \(density) must be in (0, 1]") }
    }

    func run() throws {
        try OutputPaths.check([("--csv", csv), ("--json", json), ("--html", html)])
        try InputPaths.check([("--image", image, .file)])
        // (the synthesis target is checked now, not after the model has run every configuration)
        let synthTarget = try synth.map { name in
            guard let t = SynthTarget(rawValue: name) else { throw ValidationError("--synth must be xilinx, ice40 or generic") }
            guard let dev = ICE40Device(rawValue: synthDevice) else { throw ValidationError("--synth-device: unknown iCE40 part \(synthDevice)") }
            return (target: t, device: dev)
        }
        let (base, configs, skipped) = try configurations()
        guard !configs.isEmpty else { throw ValidationError("no valid configuration: \(skipped.joined(separator: "; "))") }
        let size = try inputSize.map { try ImageSize(parsing: $0) } ?? (network.hasPrefix("srresnet") ? ImageSize(height: 128, width: 128) : nil)
        let w = try NetworkWorkload(network: network, image: image, size: size, density: density, mode: mode, maskDir: nil,
                                    weights: nil, seed: 1, config: base, runNetwork: outputs)
        let layers = density >= 1 ? w.sweepLayers.map { var l = $0; l.pixelMask = nil; return l } : w.sweepLayers
        let workload = "\(w.networkName) \(w.image.height)×\(w.image.width), \(mode == .regional ? "regional, tile" : "pixel") density \(density)"
        FileHandle.standardError.write("sweep: \(configs.count) configurations × \(layers.count) conv layers (\(workload))\n".data(using: .utf8)!)
        let progress = ProgressReporter(label: "configs")
        var result: SweepResult
        var checked = 0, mismatched: [String] = []
        if outputs {
            // per configuration: its tile masks, the int8 run with them (the golden outputs), the model with outputs
            let done = ParallelWork.Counter(), configs = configs
            let outcomes = try ParallelWork.map(configs.count, jobs: jobs, { i -> (point: SweepPoint?, skipped: String?, checked: Int, mismatched: [String]) in
                let cfg = configs[i]
                do {
                    let run = try ModelRun(withWeightHandoff(w.jobs(config: cfg), config: cfg), model: TileModel(config: cfg), jobs: 1)
                    return (SweepPoint(config: cfg, stats: run.stats), nil, run.checked, run.mismatched.map { "\(SweepPoint.label(cfg))/\($0)" })
                } catch {
                    return (nil, "\(SweepPoint.label(cfg)): \(error)", 0, [])
                }
            }, finished: { _, _ in progress.update(done: done.increment(), total: configs.count) })
            result = SweepResult(workload: workload, points: outcomes.compactMap(\.point), skipped: skipped + outcomes.compactMap(\.skipped))
            checked = outcomes.reduce(0) { $0 + $1.checked }
            mismatched = outcomes.flatMap(\.mismatched)
        } else {
            result = try SweepResult.run(workload: workload, layers: layers, configs: configs, skipped: skipped, jobs: jobs) { done, total in
                progress.update(done: done, total: total, what: "")
            }
        }
        if let (t, dev) = synthTarget {
            let flow = SynthFlow(target: t, placeAndRoute: false, workDir: "", device: dev)
            let byHash = Dictionary(configs.map { ($0.contentHash, $0) }, uniquingKeysWith: { a, _ in a })
            var pts = result.points, skip = result.skipped
            let sp = ProgressReporter(label: "synth")
            for (i, p) in pts.enumerated() {
                guard let cfg = byHash[p.configHash] else { continue }
                do {
                    let r = try AcceleratorSynthesis.run(config: cfg, limits: AcceleratorLimits(maxMapSize: maxMapSize), flow: flow,
                                                         workDir: nil, force: false) { FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!) }
                    pts[i].synth = SweepSynth(target: t == .ice40 ? "ice40-\(dev.rawValue)" : t.rawValue, luts: r.luts ?? 0,
                                              flipFlops: r.flipFlops, dsps: r.dsps, blockRams: r.blockRams, logicCells: r.logicCells)
                } catch { skip.append("\(p.label): synthesis: \(error)") }
                sp.update(done: i + 1, total: pts.count, what: p.label)
            }
            result = SweepResult(workload: workload, points: pts, skipped: skip)
        }
        guard !result.points.isEmpty else { throw ValidationError("every configuration failed: \(result.skipped.joined(separator: "; "))") }
        print("sweep of \(workload)")
        if outputs {
            print(mismatched.isEmpty ? "model: outputs computed; all \(checked) layer outputs (over \(result.points.count) configurations) equal SparseCNN's int8 outputs bit for bit"
                                     : "model: outputs computed; MISMATCH with SparseCNN in \(mismatched.count) of \(checked) layers: \(mismatched.joined(separator: ", "))")
        } else {
            print("model: timing only (cycles, stalls, DRAM traffic); layer outputs not computed (--outputs computes and checks them)")
        }
        print(result.table())
        if let p = csv { try write(result.csv(), to: p) }
        if let p = json { try write(result.json(), to: p) }
        if let p = html { try write(HTMLReport.sweepPage(result, title: "SparseTile design-space sweep — \(workload)"), to: p) }
        let written = [csv, json, html].compactMap { $0 }
        if !written.isEmpty { print("wrote \(written.joined(separator: ", "))") }
    }

    /// The base config (`--config`, read once) and the swept configurations: every tile × lanesK ×
    /// lanesC of the lists, each the base with that geometry and the other overrides
    /// (`HardwareBaseOptions.apply`, the rule every command uses), in list order; invalid ones are
    /// skipped with the reason. Duplicates and malformed list entries are usage errors.
    func configurations() throws -> (base: HardwareConfig, configs: [HardwareConfig], skipped: [String]) {
        let base = try hardware.baseConfig()
        func ints(_ s: String, _ flag: String) throws -> [Int] {
            let v = s.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !v.isEmpty, !v.contains(nil) else { throw ValidationError("\(flag) expects comma-separated integers, got '\(s)'") }
            let n = v.map { $0! }
            if let bad = n.first(where: { $0 <= 0 }) { throw ValidationError("\(flag): \(bad) is not a positive number of lanes") }
            try unique(n.map(String.init), flag)
            return n
        }
        /// A list naming one value twice would sweep the same configuration twice: an error, not a silent skip.
        func unique(_ values: [String], _ flag: String) throws {
            var seen = Set<String>()
            for v in values where !seen.insert(v).inserted { throw ValidationError("\(flag): \(v) is given twice") }
        }
        let tileList = try tiles.split(separator: ",", omittingEmptySubsequences: false).map { t -> (Int, Int) in
            do { return try HardwareConfig.parseTile(String(t).trimmingCharacters(in: .whitespaces)) }
            catch { throw ValidationError("--tiles: '\(t)' is not a tile HxW (\(error))") }
        }
        try unique(tileList.map { "\($0.0)x\($0.1)" }, "--tiles")
        let ks = try ints(lanesK, "--lanes-k"), cs = try lanesC.map { try ints($0, "--lanes-c") } ?? [base.lanesC]
        var configs: [HardwareConfig] = [], skipped: [String] = []
        for t in tileList { for k in ks { for c in cs {
            do { configs.append(try hardware.apply(to: base, tile: t, lanesK: k, lanesC: c)) }
            catch { skipped.append("t\(t.0)x\(t.1)-k\(k)-c\(c): \(error)") }
        } } }
        return (base, configs, skipped)
    }
}
