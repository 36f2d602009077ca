import AcceleratorSpec
import ArgumentParser
import Foundation
import SparseCNN
import TileModel

/// `sparsetile masks`: per-layer computation masks for one image through one network.
struct MasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masks",
        abstract: "Compute per-layer computation masks for an image through a CNN.",
        discussion: """
        Runs the image through the network, computes a per-pixel importance map (local gradient energy of the input, see docs/masks.md), and for every conv layer picks the pixels to compute: the same density at every layer (--density) or the density that makes the network's sparse MACs a fraction of dense (--mac-budget). Pixel masks are pooled into tile masks (SBNet reduce_mask over each tile's own output pixels). The int8 network then runs dense and tile-sparse, and the output quality (SRResNet: PSNR; ResNet-18: top-1 agreement) is reported beside the MACs saved.

        --mode regional chooses whole tiles by the importance around them (--density is then the tile density) and, with quality, reports pixel mode at the same model cycles beside it. --cycle-budget N|P% (or --latency-ms X) chooses masks whose model cycles for the whole network, on the hardware configuration given by --config/--tile/--tile-shapes/..., are at most the budget and within 2% of it; --online --frames F holds such a budget over a sequence of frames (docs/masks.md).

        Writes into --out: <layer>.pixel.npy (uint8 0/1, HxW), <layer>.tile.npy (uint8 0/1, tiles-high x tiles-wide), <layer>.overlay.png and summary.json (--online: online.json and online.csv).

        Examples:
          sparsetile masks --network srresnet --input-size 64x64 --density 0.3 --out out/sr
          sparsetile masks --network resnet18 --image photo.png --mac-budget 0.5 --out out/r18
          sparsetile masks --network my-net.json --tile 4x4 --reduce avg:0.25 --out out/mine
          sparsetile masks --network srresnet --input-size 64x64 --mode regional --density 0.3 --out out/reg
          sparsetile masks --network resnet18 --cycle-budget 30% --out out/r18-budget
          sparsetile masks --network srresnet --input-size 64x64 --online --frames shift:16 --latency-ms 5 --out out/online
        """
    )

    @Option(help: "resnet18, srresnet, a network .json file (schema: docs/network-schema.md) or an .onnx model (docs/onnx.md).")
    var network: String

    @Option(help: "Input image (PNG, PPM/PGM or .npy). Default: the bundled camera.png.")
    var image: String?

    @Option(name: .customLong("input-size"), help: "Resize the image to HxW first (area averaging). Default: 224x224 for resnet18, the image's own size otherwise.")
    var inputSize: String?

    @Option(help: "Pixel density of every conv layer's mask (tile density with --mode regional), in (0, 1]. Default 0.3.")
    var density: Double?

    @Option(help: ArgumentHelp(MaskMode.help.abstract + " Default: pixel; regional with --cycle-budget/--latency-ms.",
                               discussion: MaskMode.help.discussion))
    var mode: MaskMode?

    /// The mask mode: as given, else regional for a cycle budget (what it was built for), pixel otherwise.
    var maskMode: MaskMode { mode ?? (cycleBudget != nil || latencyMs != nil ? .regional : .pixel) }

    @Option(name: .customLong("mac-budget"), help: "Instead of --density: pick the density so sparse MACs / dense MACs is at most F, in (0, 1].")
    var macBudget: Double?

    @Option(name: .customLong("cycle-budget"), help: ArgumentHelp(
        "Instead of --density: choose regional masks so that the cycle-accurate model's cycles for the whole network are at most N and within 2% of it, on the hardware configuration (--config, --tile, --tile-shapes, …). N is cycles, or P% of the dense network's cycles.",
        discussion: "The budget goes where it keeps most importance per cycle (docs/masks.md, \"Cycle budget\"); summary.json records the budget, the model's cycles and each layer's share.",
        valueName: "N|P%"))
    var cycleBudget: String?

    @Option(name: .customLong("latency-ms"), help: "Instead of --cycle-budget: a budget in milliseconds at the configuration's clock.")
    var latencyMs: Double?

    @Option(name: .customLong("channel-density"), help: ArgumentHelp(
        "SMSR-style channel masks: in the tiles each tile mask leaves sparse, compute this fraction of the layer's output channels (the most active there in the float run, see --channel-selection), in [0, 1]. Writes <layer>.channel.npy.",
        discussion: "simulate, cosim and report run a layer with a channel mask as its dense run and one channel-window run per run of consecutive selected channels (docs/masks.md)."))
    var channelDensity: Double?

    @Option(name: .customLong("channel-selection"), help: "How --channel-density picks channels: window (the consecutive channels most active together: one window run per layer on the accelerator) or top (the most active channels: one run per run of consecutive ones).")
    var channelSelection: ChannelMask.Selection = .window

    @Flag(help: "Hold the cycle budget over a sequence of frames (--frames): one threshold, adjusted from frame to frame by the previous frame's model cycles. Writes online.json and online.csv into --out.")
    var online = false

    @Option(help: "With --online: a directory of images (name order), an N×H×W[×C] .npy stack, or shift:N (N crops panning across --image).")
    var frames: String?

    @Option(help: "Tile reduction: max (any active pixel) or avg:T (active fraction > T).")
    var reduce: String = "max"

    @Option(help: ArgumentHelp(weightsHelp))
    var weights: String?

    @Option(help: "Seed of the He-initialised weights.")
    var seed: UInt64 = 0

    @Option(name: .customLong("prior-mask"), help: "A 2-D .npy importance map to use instead of the gradient-energy predictor (SBNet a-priori mask).")
    var priorMask: String?

    @Flag(name: .customLong("skip-quality"), help: "Do not run the int8 network (no quality figure; much faster).")
    var skipQuality = false

    @Option(help: "Output directory (created if missing).")
    var out: String

    @OptionGroup(title: "Hardware (tile size of the masks; with a cycle budget, the configuration the model times)")
    var hardware: HardwareOptions

    func validate() throws {
        if let f = channelDensity, !(f >= 0 && f <= 1) { throw ValidationError("--channel-density \(f) must be in [0, 1]") }
        if channelDensity != nil && online { throw ValidationError("--channel-density does not go with --online") }
        if online {
            guard frames != nil else { throw ValidationError("--online needs --frames DIR|stack.npy|shift:N") }
            guard cycleBudget != nil || latencyMs != nil else { throw ValidationError("--online needs --cycle-budget or --latency-ms") }
            if mode == .pixel { throw ValidationError("--online chooses regional tiles (docs/masks.md); --mode pixel does not go with it") }
        } else if frames != nil {
            throw ValidationError("--frames goes with --online")
        }
        let targets = [density != nil, macBudget != nil, cycleBudget != nil, latencyMs != nil].filter { $0 }.count
        if targets > 1 { throw ValidationError("give one of --density, --mac-budget, --cycle-budget and --latency-ms") }
        if let b = cycleBudget { _ = try Self.parseBudget(b) }
        if let l = latencyMs, !(l > 0 && l.isFinite) { throw ValidationError("--latency-ms \(l) must be a positive number of milliseconds") }
        if let d = density, !(d > 0 && d <= 1) { throw ValidationError("--density \(d) must be in (0, 1]") }
        if let f = macBudget, !(f > 0 && f <= 1) { throw ValidationError("--mac-budget \(f) must be in (0, 1]") }
        if let s = inputSize { do { _ = try ImageSize(parsing: s) } catch { throw ValidationError("--input-size: \(error)") } }
        if let t = hardware.tile { do { _ = try ImageSize(parsing: t) } catch { throw ValidationError("--tile: \(error)") } }
        do { _ = try TileReduction(parsing: reduce) } catch { throw ValidationError("--reduce: \(error)") }
        if maskMode == .regional && reduce != "max" {
            throw ValidationError("--reduce \(reduce) pools pixel masks; --mode regional chooses whole tiles and takes no reduction")
        }
        // an unknown network name is a usage error; a network file is read (and its errors are data
        // errors, exit 65) when the command runs
        if !FileManager.default.fileExists(atPath: network) {
            do { _ = try Network.named(network) } catch { throw ValidationError("--network \(network): \(error)") }
        }
    }

    /// `N` cycles or `P%` of the dense network's cycles.
    enum Budget { case cycles(Int), percentOfDense(Double) }

    static func parseBudget(_ text: String) throws -> Budget {
        if text.hasSuffix("%"), let p = Double(text.dropLast()), p > 0, p <= 100 { return .percentOfDense(p) }
        if let n = Int(text), n > 0 { return .cycles(n) }
        throw ValidationError("--cycle-budget \(text): give a positive number of cycles (e.g. 500000) or a percentage of the dense network's cycles in (0, 100] (e.g. 30%)")
    }

    func run() throws {
        try OutputPaths.checkDirectories([("--out", out)])
        try InputPaths.check([("--image", image, .file), ("--weights", weights, .folder), ("--prior-mask", priorMask, .file)])
        let budgeted = cycleBudget != nil || latencyMs != nil
        let cfg = try hardware.resolve()
        let t = try hardware.tile.map { try ImageSize(parsing: $0) } ?? ImageSize(height: cfg.tileH, width: cfg.tileW)
        var target: MaskRunOptions.Target = macBudget.map { .macBudget($0) } ?? .density(density ?? 0.3)
        if budgeted {
            let budget: Budget = try latencyMs.map { .cycles(Int(($0 * cfg.clockMHz * 1000).rounded(.down))) } ?? Self.parseBudget(cycleBudget!)
            if online {
                do {
                    try OnlineMasksRun(network: network, image: image, inputSize: try inputSize.map { try ImageSize(parsing: $0) },
                                       frames: frames!, budget: budget, latencyMs: latencyMs, weights: weights, seed: seed,
                                       skipQuality: skipQuality, out: out, config: cfg).run()
                } catch let e as SparseCNNError { throw MasksError(description: e.description) }
                return
            }
            target = .chosen(Self.cycleBudgetChooser(budget, mode: maskMode, latencyMs: latencyMs, config: cfg))
        }
        // Regional masks are shown beside pixel masks of the same model cycles (docs/masks.md).
        let comparison = maskMode == .regional && !skipQuality ? Self.pixelAtSameCycles(config: cfg) : nil
        var options = MaskRunOptions(
            network: network, imagePath: image, inputSize: try inputSize.map { try ImageSize(parsing: $0) },
            target: target, mode: maskMode,
            tiling: TilingPolicy(tileHeight: t.height, tileWidth: t.width, reduction: try TileReduction(parsing: reduce)),
            weightsDirectory: weights, seed: seed, priorMaskPath: priorMask, skipQuality: skipQuality, comparison: comparison,
            channelDensity: channelDensity, outputDirectory: out)
        options.channelSelection = channelSelection
        try Self.execute(options)
    }

    /// The solver over the controller's layers on `cfg`.
    static func solver(_ controller: SparsityController, config cfg: HardwareConfig) -> CycleBudget {
        CycleBudget(config: cfg, layers: controller.layers.map { TimingLayer($0) },
                    tiles: controller.layers.indices.map { controller.regional($0) })
    }

    /// Masks that meet `budget` on `cfg`: regional (`CycleBudget.solve`, each layer's pixel mask its
    /// refinement inside the chosen tiles) or pixel (`CycleBudget.solvePixel`: one pixel density
    /// for all), with the budget's record for summary.json.
    static func cycleBudgetChooser(_ budget: Budget, mode: MaskMode, latencyMs: Double?, config cfg: HardwareConfig) -> MaskChooser {
        let label: Double
        switch budget { case .cycles(let n): label = Double(n); case .percentOfDense(let p): label = p / 100 }
        return MaskChooser(mode: { if case .cycles = budget { return "cycleBudget" } else { return "cycleBudgetFraction" } }(),
                           target: label) { controller in
            let solver = Self.solver(controller, config: cfg)
            let cycles: Int
            switch budget {
            case .cycles(let n): cycles = n
            case .percentOfDense(let p): cycles = Int((Double(try solver.denseCycles()) * p / 100).rounded(.down))
            }
            switch mode {
            case .regional:
                let s = try solver.solve(budget: cycles)
                return (try refined(controller, s), record(s, latencyMs: latencyMs, config: cfg))
            case .pixel:
                let r = try solver.solvePixel(budget: cycles) { d in try controller.masks(density: d).map(\.pixelMask) }
                return (try pixelMasks(controller, r.pixelMasks, r.solution), record(r.solution, latencyMs: latencyMs, config: cfg))
            }
        }
    }

    /// Pixel masks at the model cycles of the run's own masks (each at its own tile shape).
    static func pixelAtSameCycles(config cfg: HardwareConfig) -> MaskComparison {
        MaskComparison(label: "pixel mode at the same cycles") { controller, own in
            let solver = Self.solver(controller, config: cfg)
            let cycles = try solver.layerCycles(own.map(\.tileMask)).reduce(0, +)
            let r = try solver.solvePixel(budget: cycles) { d in try controller.masks(density: d).map(\.pixelMask) }
            return (try pixelMasks(controller, r.pixelMasks, r.solution), r.density, record(r.solution, latencyMs: nil, config: cfg))
        }
    }

    /// Regional solution → masks: each layer's pixel mask the pixel ranking at its tile density,
    /// restricted to its tiles.
    static func refined(_ controller: SparsityController, _ s: CycleBudget.Solution) throws -> [LayerMasks] {
        zip(controller.layers, s.layers).enumerated().map { i, ls in
            let (info, l) = ls
            let k = controller.ranked[i].activeCount(density: l.tileMask.density)
            return LayerMasks(layer: info, pixelMask: controller.ranked[i].mask(count: k).restricted(to: l.tileMask),
                              tileMask: l.tileMask, threshold: controller.ranked[i].threshold(count: k))
        }
    }

    /// Pixel solution → masks.
    static func pixelMasks(_ controller: SparsityController, _ pixels: [PixelMask], _ s: CycleBudget.Solution) throws -> [LayerMasks] {
        controller.layers.indices.map { i in
            LayerMasks(layer: controller.layers[i], pixelMask: pixels[i], tileMask: s.layers[i].tileMask,
                       threshold: controller.ranked[i].threshold(count: pixels[i].activeCount))
        }
    }

    /// summary.json's record of a solution.
    static func record(_ s: CycleBudget.Solution, latencyMs: Double?, config cfg: HardwareConfig) -> MaskRunSummary.Budget {
        MaskRunSummary.Budget(
            budgetCycles: s.budget, latencyMs: latencyMs, clockMHz: cfg.clockMHz, config: cfg.contentHash,
            modelCycles: s.cycles, ofBudget: Double(s.cycles) / Double(max(1, s.budget)), denseCycles: s.denseCycles,
            minimumCycles: s.minimumCycles, importanceKept: s.importanceKept,
            layers: s.layers.map { l in
                .init(name: l.name, tile: [l.tileMask.tileHeight, l.tileMask.tileWidth], tileDensity: l.tileMask.density,
                      cycles: l.cycles, cycleShare: Double(l.cycles) / Double(max(1, s.cycles)), importanceKept: l.importanceKept,
                      weight: l.weight)
            })
    }

    /// Runs and prints; shared with `demo`.
    static func execute(_ options: MaskRunOptions) throws {
        let start = Date()
        let summary: MaskRunSummary
        do {
            summary = try runMasks(options) { line in
                let s = String(format: "[%6.1fs] ", Date().timeIntervalSince(start)) + line + "\n"
                FileHandle.standardError.write(s.data(using: .utf8)!)
            }
        } catch let e as SparseCNNError {
            throw MasksError(description: e.description)
        }
        print("network \(summary.network), input \(summary.inputSize.map(String.init).joined(separator: "x")), "
            + "tile \(summary.tile.map(String.init).joined(separator: "x")), "
            + (summary.maskMode == .regional ? "regional masks, " : "pixel masks, reduce \(summary.reduce), ")
            + Self.targetLabel(summary))
        print(summary.table())
        if let host = summary.hostOps, !host.isEmpty { print(hostOpsLine(host)) }
        let channelFiles = summary.layers.filter { $0.channelMaskChannels > 0 }.count
        print("wrote \(summary.layers.count * 3 + 1 + channelFiles) files to \(options.outputDirectory) (summary.json, <layer>.pixel.npy, .tile.npy, .overlay.png"
            + (channelFiles > 0 ? ", .channel.npy)" : ")"))
    }
}

/// A failure of the job itself (bad file contents, shape mismatch): printed as `Error: ...`, exit 1.
struct MasksError: Error, CustomStringConvertible {
    var description: String
}

extension ChannelMask.Selection: ExpressibleByArgument {}

extension MasksCommand {
    /// How the summary's target reads in the header line: its `mode` (docs/masks.md) and value.
    static func targetLabel(_ s: MaskRunSummary) -> String {
        switch s.mode {
        case "density": return "density \(s.target)"
        case "macBudget": return String(format: "MAC budget %g (density %.4f)", s.target, s.density)
        case "cycleBudgetFraction": return String(format: "cycle budget %g%% of dense (tile density %.4f)", 100 * s.target, s.density)
        case "cycleBudget": return String(format: "cycle budget %.0f cycles (tile density %.4f)", s.target, s.density)
        default: return "\(s.mode) \(s.target) (density \(String(format: "%.4f", s.density)))"
        }
    }
}
