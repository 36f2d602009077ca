import Foundation
import ArgumentParser
import AcceleratorSpec
import TileModel
import SparseCNN

/// A layer job to run and, for network layers, SparseCNN's output it must reproduce.
typealias JobEntry = (job: @Sendable () throws -> LayerJob, golden: QTensor?)

/// The options shared by `simulate` and `cosim`: which layers (synthetic, network-shaped or a
/// real int8 network run on an image with its masks) on which hardware configuration.
struct LayerSourceOptions: ParsableArguments {
    @Option(name: .long, help: "Synthetic layer k<K>s<S>c<Cin>x<Cout>@<H>x<W>[r] (kernel and stride at most 16384); repeatable.")
    var layer: [String] = []
    @Option(name: .long, help: "resnet18, srresnet, a network .json file or an .onnx model (docs/onnx.md): the int8 network run on --image; or a SCALE-Sim topology .csv, run in timing mode (random tensors, tile density --density, default 1).")
    var network: String?
    @Option(name: .long, help: "Synthetic network-shaped workload: resnet18 or srresnet (random tensors).")
    var synthetic: String?
    @Option(name: .long, help: "Input image for --network (PNG, PPM/PGM or .npy). Default: the bundled camera.png.")
    var image: String?
    @Option(name: .long, help: "Input size HxW (--network: resize the image; --synthetic: map size). Default 224x224 for resnet18, 128x128 for srresnet.")
    var inputSize: String?
    @Option(name: .long, help: "Pixel density of the masks (--network, default 0.3) or tile density of the random masks (--layer/--synthetic, default 1).")
    var density: Double?
    @Option(name: .long, help: MaskMode.help)
    var mode: MaskMode = .pixel
    @Option(name: .customLong("mask-dir"), help: "Directory of <layer>.pixel.npy and/or <layer>.tile.npy masks, e.g. from `sparsetile masks`; a tile mask made for other tiles is reduced again from the pixel mask.")
    var maskDir: String?
    @Option(name: .long, help: ArgumentHelp(weightsHelp))
    var weights: String?
    @Option(name: .long, help: "Seed of the synthetic tensors and masks, and of the --mem-profile draws.")
    var seed: UInt64 = 1
    @Flag(name: .customLong("no-handoff"), help: "Run each layer of --network/--synthetic on its own: no weight handoff, where the next layer's first weights load during a layer's last pass (docs/microarchitecture.md §7.2).")
    var noHandoff = false
    @OptionGroup var hardware: HardwareOptions

    func validate() throws {
        // (`!(…)` also rejects nan)
        if let d = density, !(d > 0 && d <= 1) {
            throw ValidationError("--density \(d) must be in (0, 1]: the pixel density of --network masks, or the tile density of --layer/--synthetic/topology masks")
        }
    }

    /// The input files and folders exist and are of their kind (before any work; `InputPaths`).
    func checkInputs() throws {
        try InputPaths.check([("--image", image, .file), ("--mask-dir", maskDir, .folder), ("--weights", weights, .folder)])
    }

    /// The hardware configuration: --config (or the default), then the overrides (`HardwareOptions`).
    func hardwareConfig() throws -> HardwareConfig { try hardware.resolve() }

    /// The layer jobs, in order: --layer specs, --synthetic layers, then the --network's conv layers.
    func jobs(config cfg: HardwareConfig) throws -> [JobEntry] {
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
        var jobs: [JobEntry] = []
        for (name, l) in layers { try l.checkMemory(name) }   // before any tensor is made
        for (i, (name, l)) in layers.enumerated() {
            jobs.append(({ try l.job(config: cfg, density: density ?? 1, seed: seed &+ UInt64(i), name: name) }, nil))
        }
        // a network's layers run back to back, handing weights on (not the --layer specs)
        if synthetic != nil && !noHandoff { jobs = try jobs.prefix(layer.count) + withWeightHandoff(Array(jobs.dropFirst(layer.count)), config: cfg) }
        if let n = network, n.lowercased().hasSuffix(".csv") {
            // A SCALE-Sim topology: its layers in timing mode (random tensors, tiles of --density, default all).
            let text: String
            do { text = try String(contentsOfFile: n, encoding: .utf8) } catch {
                throw InputFileError(description: "--network \(n): cannot read the SCALE-Sim topology (\(error.localizedDescription))")
            }
            let rows: [(name: String, layer: SyntheticLayer)]
            do { rows = try ScaleSim.topology(text, file: n) } catch { throw InputFileError(description: "\(error)") }
            let base = jobs.count
            let model = TileModel(config: cfg)
            for r in rows { try r.layer.checkMemory("\(n): \(r.name)") }
            for (i, r) in rows.enumerated() {
                let (name, l) = r
                // each layer at the shape the mapper picks for it dense (its random tiles come after)
                let shape = try model.bestShape(for: TimingLayer(name: name, kernel: l.kernel, stride: l.stride, inHeight: l.height,
                                                                 inWidth: l.width, inChannels: l.inChannels, outChannels: l.outChannels,
                                                                 residual: false))
                jobs.append(({ try l.job(config: cfg, density: density ?? 1, seed: seed &+ UInt64(base + i), name: name, shape: shape) }, nil))
            }
            if !noHandoff { jobs = try Array(jobs.prefix(base)) + withWeightHandoff(Array(jobs.dropFirst(base)), config: cfg) }
        } else if let n = network {
            let net = try networkJobs(n, config: cfg, size: size)
            jobs += noHandoff ? net : try withWeightHandoff(net, config: cfg)
        }

        guard !jobs.isEmpty else { throw ValidationError("give --network, --synthetic or at least one --layer") }
        return jobs
    }

    /// Runs the int8 network on the image and returns one job per recorded conv layer, with the
    /// recorded output as the golden result.
    func networkJobs(_ spec: String, config cfg: HardwareConfig, size: ImageSize?) throws -> [JobEntry] {
        let w = try NetworkWorkload(network: spec, image: image, size: size, density: density ?? 0.3, mode: mode, maskDir: maskDir,
                                    weights: weights, seed: seed, config: cfg)
        // (the per-layer table below has the accelerator's layers only)
        if !w.plan.hostOps.isEmpty { print(hostOpsLine(w.plan.hostOps)) }
        return w.jobs
    }
}

/// The help of every `--weights` option (one text: the rule is `NetworkParameters.resolve`'s).
let weightsHelp = "Directory of .npy weights (<layer>.weight.npy, .bias.npy, .prelu.npy). Default: the network's bundled trained weights where it has some (srresnet-8x32-skip and srresnet-8x32-skip-bilinear, docs/training.md), else seeded He init (figures then compare masks, not reconstructions)."
