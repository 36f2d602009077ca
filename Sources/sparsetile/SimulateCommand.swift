import Foundation
import ArgumentParser
import AcceleratorSpec
import TileModel

/// `sparsetile simulate`: runs layers through the cycle-accurate model and prints the per-layer table.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run layers through the cycle-accurate model: cycles, bound, stalls, DRAM traffic, speed-up.",
        discussion: """
        Layers come from --layer specs (k3s1c64x64@128x128, suffix r for a residual layer), or from
        --network resnet18|srresnet as synthetic network-shaped workloads with random tensors and
        tile masks of --density (the int8 network runner is not wired in yet).
        """)

    @Option(name: .long, help: "Synthetic layer k<K>s<S>c<Cin>x<Cout>@<H>x<W>[r]; repeatable.")
    var layer: [String] = []
    @Option(name: .long, help: "resnet18 or srresnet (synthetic tensors; network-shaped layers).")
    var network: String?
    @Option(name: .long, help: "Input size for --network (default 224 for resnet18, 128 for srresnet).")
    var inputSize: Int?
    @Option(name: .long, help: "Fraction of active tiles of the random tile masks (1 = dense).")
    var density: Double = 1
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
        if let n = network {
            switch n {
            case "resnet18": layers += SyntheticLayer.resnet18(size: inputSize ?? 224)
            case "srresnet": layers += SyntheticLayer.srresnet(size: inputSize ?? 128)
            default: throw ValidationError("--network \(n): only resnet18 and srresnet are available until the network runner is merged")
            }
        }
        guard !layers.isEmpty else { throw ValidationError("give at least one --layer or --network") }

        let model = TileModel(config: cfg)
        var stats: [LayerStats] = []
        if let dir = trace { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        for (i, (name, l)) in layers.enumerated() {
            let job = try l.job(config: cfg, density: density, seed: seed &+ UInt64(i), name: name)
            let r = try model.simulate(job, mode: simMode, outputs: simMode == .stepped)
            stats.append(r.stats)
            if let dir = trace {
                let base = URL(fileURLWithPath: dir).appendingPathComponent(String(format: "%03d_", i) + name)
                try (r.trace.map(\.jsonLine).joined(separator: "\n") + "\n").write(to: base.appendingPathExtension("jsonl"), atomically: true, encoding: .utf8)
                try ([TileEvent.csvHeader] + r.trace.map(\.csvRow)).joined(separator: "\n").appending("\n")
                    .write(to: base.appendingPathExtension("csv"), atomically: true, encoding: .utf8)
            }
        }
        let report = SimulationReport(config: cfg, layers: stats)
        print("config \(cfg.contentHash): tile \(cfg.tileH)x\(cfg.tileW), lanesK \(cfg.lanesK), lanesC \(cfg.lanesC), B \(cfg.memBytesPerCycle), L \(cfg.memLatency)")
        print(report.table())
        if let p = json { try report.json().write(toFile: p, atomically: true, encoding: .utf8) }
        if let p = csv { try report.csv().write(toFile: p, atomically: true, encoding: .utf8) }
    }
}
