import ArgumentParser
import Foundation
import SparseCNN

/// `sparsetile masks`: per-layer computation masks for one image through one network.
struct MasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masks",
        abstract: "Compute per-layer computation masks for an image through a CNN.",
        discussion: """
        Runs the image through the network, computes a per-pixel importance map (local gradient energy of the input, see docs/masks.md), and for every conv layer picks the pixels to compute: the same density at every layer (--density) or the density that makes the network's sparse MACs a fraction of dense (--mac-budget). Pixel masks are pooled into tile masks (SBNet reduce_mask, halo (K-1)/2). The int8 network then runs dense and tile-sparse, and the output quality (SRResNet: PSNR; ResNet-18: top-1 agreement) is reported beside the MACs saved.

        Writes into --out: <layer>.pixel.npy (uint8 0/1, HxW), <layer>.tile.npy (uint8 0/1, tiles-high x tiles-wide), <layer>.overlay.png and summary.json.

        Examples:
          sparsetile masks --network srresnet --input-size 64x64 --density 0.3 --out out/sr
          sparsetile masks --network resnet18 --image photo.png --mac-budget 0.5 --out out/r18
          sparsetile masks --network my-net.json --tile 4x4 --reduce avg:0.25 --out out/mine
        """
    )

    @Option(help: "resnet18, srresnet, or a network .json file (schema: docs/network-schema.md).")
    var network: String

    @Option(help: "Input image (PNG, PPM/PGM or .npy). Default: the bundled camera.png.")
    var image: String?

    @Option(name: .customLong("input-size"), help: "Resize the image to HxW first (area averaging). Default: 224x224 for resnet18, the image's own size otherwise.")
    var inputSize: String?

    @Option(help: "Pixel density of every conv layer's mask (tile density with --mode regional), in (0, 1]. Default 0.3.")
    var density: Double?

    @Option(help: MaskMode.help)
    var mode: MaskMode = .pixel

    @Option(name: .customLong("mac-budget"), help: "Instead of --density: pick the density so sparse MACs / dense MACs is at most F, in (0, 1].")
    var macBudget: Double?

    @Option(help: "Tile size HxW of the tile masks.")
    var tile: String = "8x8"

    @Option(help: "Tile reduction: max (any active pixel) or avg:T (active fraction > T).")
    var reduce: String = "max"

    @Option(help: "Directory of .npy weights (<layer>.weight.npy, .bias.npy, .prelu.npy). Default: seeded He init.")
    var weights: String?

    @Option(help: "Seed of the He-initialised weights.")
    var seed: UInt64 = 0

    @Option(name: .customLong("prior-mask"), help: "A 2-D .npy importance map to use instead of the gradient-energy predictor (SBNet a-priori mask).")
    var priorMask: String?

    @Flag(name: .customLong("skip-quality"), help: "Do not run the int8 network (no quality figure; much faster).")
    var skipQuality = false

    @Option(help: "Output directory (created if missing).")
    var out: String

    func validate() throws {
        if density != nil && macBudget != nil { throw ValidationError("give either --density or --mac-budget, not both") }
        if let d = density, !(d > 0 && d <= 1) { throw ValidationError("--density \(d) must be in (0, 1]") }
        if let f = macBudget, !(f > 0 && f <= 1) { throw ValidationError("--mac-budget \(f) must be in (0, 1]") }
        if let s = inputSize { do { _ = try ImageSize(parsing: s) } catch { throw ValidationError("--input-size: \(error)") } }
        do { _ = try ImageSize(parsing: tile) } catch { throw ValidationError("--tile: \(error)") }
        do { _ = try TileReduction(parsing: reduce) } catch { throw ValidationError("--reduce: \(error)") }
        if mode == .regional && reduce != "max" {
            throw ValidationError("--reduce \(reduce) pools pixel masks; --mode regional chooses whole tiles and takes no reduction")
        }
        if network != "resnet18" && network != "srresnet" && !FileManager.default.fileExists(atPath: network) {
            throw ValidationError("--network \(network): not resnet18, srresnet or an existing .json file")
        }
        if let i = image, !FileManager.default.fileExists(atPath: i) { throw ValidationError("--image \(i): file not found") }
        if let w = weights, !FileManager.default.fileExists(atPath: w) { throw ValidationError("--weights \(w): directory not found") }
        if let p = priorMask, !FileManager.default.fileExists(atPath: p) { throw ValidationError("--prior-mask \(p): file not found") }
    }

    func run() throws {
        let t = try ImageSize(parsing: tile)
        let options = MaskRunOptions(
            network: network, imagePath: image, inputSize: try inputSize.map { try ImageSize(parsing: $0) },
            target: macBudget.map { .macBudget($0) } ?? .density(density ?? 0.3), mode: mode,
            tiling: TilingPolicy(tileHeight: t.height, tileWidth: t.width, reduction: try TileReduction(parsing: reduce)),
            weightsDirectory: weights, seed: seed, priorMaskPath: priorMask, skipQuality: skipQuality, outputDirectory: out)
        try Self.execute(options)
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
            + (summary.mode == "density" ? "density \(summary.target)" : String(format: "MAC budget %g (density %.4f)", summary.target, summary.density)))
        print(summary.table())
        print("wrote \(summary.layers.count * 3 + 1) files to \(options.outputDirectory) (summary.json, <layer>.pixel.npy, .tile.npy, .overlay.png)")
    }
}

/// A failure of the job itself (bad file contents, shape mismatch): printed as `Error: ...`, exit 1.
struct MasksError: Error, CustomStringConvertible {
    var description: String
}
