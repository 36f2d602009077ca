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
        --network resnet18|srresnet|FILE.json runs the int8 network on --image (default: the bundled
        camera.png, resized to --input-size), takes each conv layer's tile mask from --mask-dir
        (<layer>.tile.npy as written by `sparsetile masks`, plus <layer>.pixel.npy when present) or
        from the importance map at --density, simulates every recorded conv layer and checks the
        model's outputs against SparseCNN's bit for bit.
        --layer specs (k3s1c64x64@128x128, suffix r for residual) and --synthetic resnet18|srresnet
        run network-shaped layers with random tensors and random tile masks of --density.
        """)

    @Option(name: .long, help: "Synthetic layer k<K>s<S>c<Cin>x<Cout>@<H>x<W>[r]; repeatable.")
    var layer: [String] = []
    @Option(name: .long, help: "resnet18, srresnet or a network .json file: the int8 network run on --image.")
    var network: String?
    @Option(name: .long, help: "Synthetic network-shaped workload: resnet18 or srresnet (random tensors).")
    var synthetic: String?
    @Option(name: .long, help: "Input image for --network (PNG, PPM/PGM or .npy). Default: the bundled camera.png.")
    var image: String?
    @Option(name: .long, help: "Input size HxW (--network: resize the image; --synthetic: map size). Default 224x224 for resnet18, 128x128 for srresnet.")
    var inputSize: String?
    @Option(name: .long, help: "Pixel density of the masks (--network, default 0.3) or tile density of the random masks (--layer/--synthetic, default 1).")
    var density: Double?
    @Option(name: .customLong("mask-dir"), help: "Directory of <layer>.tile.npy (and optional <layer>.pixel.npy) masks, e.g. from `sparsetile masks`.")
    var maskDir: String?
    @Option(name: .long, help: "Directory of .npy weights for --network (default: seeded He init).")
    var weights: String?
    @Option(name: .long, help: "Seed of the synthetic tensors and masks.")
    var seed: UInt64 = 1
    @Option(name: .long, help: "Hardware config JSON (default: the built-in default config).")
    var config: String?
    @Option(name: .long, help: "Tile size HxW (overrides the config).")
    var tile: String?
    @Option(name: .customLong("lanes-k"), help: "Output-channel lanes (overrides the config).")
    var lanesK: Int?
    @Option(name: .customLong("lanes-c"), help: "Input-channel lanes (overrides the config).")
    var lanesC: Int?
    @Option(name: .long, help: "fast or stepped.")
    var mode: String = "fast"
    @Option(name: .long, help: "Write the JSON report here.")
    var json: String?
    @Option(name: .long, help: "Write the per-layer CSV here.")
    var csv: String?
    @Option(name: .long, help: "Write per-layer tile traces (<layer>.jsonl and <layer>.csv) into this directory.")
    var trace: String?

    func run() throws {
        var cfg = HardwareConfig.default
        if let path = config { cfg = try HardwareConfig.fromJSON(Data(contentsOf: URL(fileURLWithPath: path))) }
        if let t = tile {
            let parts = t.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--tile expects HxW, got '\(t)'") }
            cfg.tileH = parts[0]; cfg.tileW = parts[1]
        }
        if let k = lanesK { cfg.lanesK = k }
        if let c = lanesC { cfg.lanesC = c }
        if tile != nil || lanesK != nil || lanesC != nil {
            // Keep the buffers consistent with the new geometry: same bytes per bank as the base config.
            let base = config == nil ? HardwareConfig.default : cfg
            let B = cfg.memBytesPerCycle
            cfg.inputBufferBytes = 2 * cfg.tileH * cfg.tileW * B * max(base.inputBankDepth, 128)
            cfg.outputBufferBytes = 2 * cfg.tileH * cfg.tileW * B * max(base.outputWordsPerPixel, 16)
            cfg.weightBufferBytes = cfg.lanesK * B * max(base.weightBankDepth, 1024)
        }
        try cfg.validate()
        guard let simMode = SimulationMode(rawValue: mode) else { throw ValidationError("--mode must be fast or stepped") }

        var layers: [(String, SyntheticLayer)] = try layer.map { spec in
            let l = try SyntheticLayer(parsing: spec); return (l.name, l)
        }
        let size = try inputSize.map { try ImageSize(parsing: $0) }
        if let n = synthetic {
            switch n {
            case "resnet18": layers += SyntheticLayer.resnet18(size: size?.height ?? 224)
            case "srresnet": layers += SyntheticLayer.srresnet(size: size?.height ?? 128)
            default: throw ValidationError("--synthetic \(n): resnet18 or srresnet")
            }
        }
        var jobs: [(job: () throws -> LayerJob, golden: QTensor?)] = []
        for (i, (name, l)) in layers.enumerated() {
            jobs.append(({ try l.job(config: cfg, density: density ?? 1, seed: seed &+ UInt64(i), name: name) }, nil))
        }
        if let n = network {
            let w = try NetworkWorkload(network: n, image: image, size: size, density: density ?? 0.3, maskDir: maskDir,
                                        weights: weights, seed: seed, config: cfg)
            jobs += w.jobs
        }
        guard !jobs.isEmpty else { throw ValidationError("give --network, --synthetic or at least one --layer") }

        let model = TileModel(config: cfg)
        var stats: [LayerStats] = []
        var checked = 0, mismatched: [String] = []
        if let dir = trace { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        for (i, entry) in jobs.enumerated() {
            let job = try entry.job()
            let name = job.name
            let r = try model.simulate(job, mode: simMode, outputs: simMode == .stepped || entry.golden != nil)
            if let g = entry.golden { checked += 1; if r.output != g { mismatched.append(name) } }
            stats.append(r.stats)
            if let dir = trace {
                let base = URL(fileURLWithPath: dir).appendingPathComponent(String(format: "%03d_", i) + name)
                try (r.trace.map(\.jsonLine).joined(separator: "\n") + "\n").write(to: base.appendingPathExtension("jsonl"), atomically: true, encoding: .utf8)
                try ([TileEvent.csvHeader] + r.trace.map(\.csvRow)).joined(separator: "\n").appending("\n")
                    .write(to: base.appendingPathExtension("csv"), atomically: true, encoding: .utf8)
            }
        }
        let report = LayerReportSet(config: cfg, stats: stats)
        print("config \(cfg.contentHash): tile \(cfg.tileH)x\(cfg.tileW), lanesK \(cfg.lanesK), lanesC \(cfg.lanesC), B \(cfg.memBytesPerCycle), L \(cfg.memLatency)")
        print(report.table())
        if checked > 0 {
            print(mismatched.isEmpty ? "outputs: all \(checked) conv layers equal SparseCNN's int8 outputs bit for bit"
                                     : "outputs: MISMATCH with SparseCNN in \(mismatched.count) of \(checked) layers: \(mismatched.joined(separator: ", "))")
        }
        if let p = json { try report.json().write(toFile: p, atomically: true, encoding: .utf8) }
        if let p = csv { try report.csv().write(toFile: p, atomically: true, encoding: .utf8) }
    }
}
