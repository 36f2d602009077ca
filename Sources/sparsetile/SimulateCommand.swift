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
        if let n = network { jobs += try networkJobs(n, config: cfg, size: size) }
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

    /// Runs the int8 network on the image and returns one job per recorded conv layer, with the
    /// recorded output as the golden result.
    func networkJobs(_ spec: String, config cfg: HardwareConfig, size: ImageSize?) throws -> [(job: () throws -> LayerJob, golden: QTensor?)] {
        let net = try Network.named(spec)
        var img = try Image.load(path: image ?? Image.bundledDefaultPath)
        let sz = size ?? net.defaultInputSize ?? (spec == "resnet18" ? ImageSize(height: 224, width: 224) : ImageSize(height: img.height, width: img.width))
        if sz.height != img.height || sz.width != img.width { img = try img.resized(height: sz.height, width: sz.width) }
        let rgb = img.rgbTensor()
        let input: FloatTensor
        if net.inputChannels == 1 {
            var g = [Float](repeating: 0, count: rgb.shape.pixels)
            for i in g.indices { g[i] = (rgb.scalars[3 * i] + rgb.scalars[3 * i + 1] + rgb.scalars[3 * i + 2]) / 3 }
            input = try FloatTensor(shape: TensorShape(height: rgb.height, width: rgb.width, channels: 1), scalars: g)
        } else { input = rgb }
        let plan = try net.plan(height: sz.height, width: sz.width)
        var tileMasks: [String: TileMask] = [:], pixelMasks: [String: PixelMask] = [:]
        if let dir = maskDir {
            for l in plan.convLayers {
                let base = (dir as NSString).appendingPathComponent(l.name)
                let arr = try NPYArray.read(path: base + ".tile.npy")
                guard arr.shape.count == 2 else { throw ValidationError("\(base).tile.npy: expected a 2-D array") }
                let p = try PixelMask(npy: arr)  // same 0/1 validation; reinterpreted as tiles
                let m = try TileMask(mapHeight: l.outputShape.height, mapWidth: l.outputShape.width,
                                     tileHeight: cfg.tileH, tileWidth: cfg.tileW, bits: p.bits)
                guard m.tilesHigh == p.height && m.tilesWide == p.width else {
                    throw ValidationError("\(base).tile.npy is \(p.height)x\(p.width) tiles; \(cfg.tileH)x\(cfg.tileW) tiles over \(l.outputShape.height)x\(l.outputShape.width) need \(m.tilesHigh)x\(m.tilesWide)")
                }
                tileMasks[l.name] = m
                if FileManager.default.fileExists(atPath: base + ".pixel.npy") {
                    pixelMasks[l.name] = try PixelMask(npy: NPYArray.read(path: base + ".pixel.npy"))
                }
            }
        } else {
            let map = try GradientEnergyPredictor().importance(for: input)
            let controller = SparsityController(layers: plan.convLayers, map: map,
                                                tiling: TilingPolicy(tileHeight: cfg.tileH, tileWidth: cfg.tileW, reduction: .max))
            for m in try controller.masks(density: density ?? 0.3) { tileMasks[m.layer.name] = m.tileMask; pixelMasks[m.layer.name] = m.pixelMask }
        }
        let params = try weights.map { try NetworkParameters.load(net, directory: $0) } ?? NetworkParameters.heInit(net, seed: seed)
        let q = try QuantizedNetwork(plan: plan, parameters: params, calibrationInput: input)
        let run = try q.run(input, tileMasks: tileMasks, record: true)
        return run.records.map { rec in
            let mask = tileMasks[rec.name]!
            return ({ try LayerJob(record: rec, tileMask: mask, pixelMask: pixelMasks[rec.name]) }, rec.output)
        }
    }
}
