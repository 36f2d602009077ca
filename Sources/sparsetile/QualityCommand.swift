import AcceleratorSpec
import ArgumentParser
import Foundation
import SparseCNN
import TileModel

/// `sparsetile quality`: quality against saving for a super-resolution network.
struct QualityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "PSNR/SSIM against the ground truth vs MACs saved and model cycles, for a super-resolution network.",
        discussion: """
        The image is the ground truth (cropped to a multiple of the network's scale factor); its area-averaged downscale is the network's input. The int8 network runs dense and with the masks of every --densities point; each point reports PSNR and SSIM against the ground truth (dense and sparse), PSNR of bicubic upscaling, the MAC fraction at pixel and tile level, and the cycle-accurate model's cycles on the hardware configuration (docs/masks.md, "Quality against the ground truth").

        Example:
          sparsetile quality --network srresnet --image photo.png --densities 0.1,0.3,0.5 --json out/quality.json
        """)

    @Option(help: "A super-resolution network: srresnet, a network .json file or an .onnx model whose output is its input scaled up.")
    var network: String = "srresnet"
    @Option(help: "The high-resolution image (the ground truth). Default: the bundled camera.png.")
    var image: String?
    @Option(help: "Comma-separated densities in (0, 1] (pixel density, or tile density with --mode regional).")
    var densities: String = "0.1,0.2,0.3,0.5,0.7"
    @Option(help: MaskMode.help)
    var mode: MaskMode = .pixel
    @Option(help: ArgumentHelp(weightsHelp))
    var weights: String?
    @Option(help: "Seed of the He-initialised weights.")
    var seed: UInt64 = 0
    @Option(name: .customLong("prior-mask"), help: "A 2-D .npy importance map of the network's input to rank pixels by, instead of the gradient-energy predictor.")
    var priorMask: String?
    @Option(help: "Write the result as JSON here.")
    var json: String?
    @OptionGroup var hardware: HardwareOptions

    func parsedDensities() throws -> [Double] {
        let parts = densities.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var out: [Double] = []
        for p in parts {
            guard let d = Double(p), d > 0, d <= 1 else { throw ValidationError("--densities: '\(p)' is not a density in (0, 1]") }
            guard !out.contains(d) else { throw ValidationError("--densities: \(d) is given twice") }
            out.append(d)
        }
        guard !out.isEmpty else { throw ValidationError("--densities: give at least one density") }
        return out
    }

    func validate() throws { _ = try parsedDensities() }

    func run() throws {
        try OutputPaths.check([("--json", json)])
        try InputPaths.check([("--image", image, .file), ("--weights", weights, .folder), ("--prior-mask", priorMask, .file)])
        let cfg = try hardware.resolve()
        let source = try NetworkSource(network)
        let net = source.network
        let img = try Image.load(path: image ?? Image.bundledDefaultPath)
        let params = try source.parameters(weightsDirectory: weights, seed: seed)
        let start = Date()
        let r: QualitySweep.Result
        do {
            let predictor = try importancePredictor(for: net, priorMaskPath: priorMask, weightsDirectory: weights)
            r = try QualitySweep(network: net, parameters: params, config: cfg, mode: mode, predictor: predictor).run(image: img, densities: try parsedDensities()) { s in
                FileHandle.standardError.write((String(format: "[%6.1fs] ", Date().timeIntervalSince(start)) + s + "\n").data(using: .utf8)!)
            }
        } catch let e as AcceleratorSpecError { throw InputFileError(description: e.description) }
        func db(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "inf" }
        print("\(r.network) ×\(r.scale): input \(r.inputSize[0])x\(r.inputSize[1]), ground truth \(r.groundTruthSize[0])x\(r.groundTruthSize[1]), \(r.mode) masks from the \(r.predictor) map, config \(r.config)")
        print("dense: PSNR \(db(r.psnrDense)) dB, SSIM \(String(format: "%.4f", r.ssimDense)), \(r.denseCycles) cycles; bicubic: PSNR \(db(r.psnrBicubic)) dB, SSIM \(String(format: "%.4f", r.ssimBicubic))")
        print("density  pixel MACs  tile MACs      cycles  PSNR sparse  PSNR dense  SSIM sparse  SSIM dense")
        func right(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        for p in r.points {
            print(String(format: "%7.3f  %10.4f  %9.4f  %10d  ", p.density, p.pixelMACFraction, p.tileMACFraction, p.cycles)
                + right(db(p.psnrSparse), 11) + "  " + right(db(p.psnrDense), 10) + String(format: "  %11.4f  %10.4f", p.ssimSparse, p.ssimDense))
        }
        let margin = 0.1  // issue 16's criterion
        if let best = r.largestSaving(withinDB: margin) {
            print(String(format: "largest saving within %g dB of dense: %.1f %% of the MACs (tile level), at density %.3f", margin, 100 * (1 - best.tileMACFraction), best.density))
        } else {
            print(String(format: "no density is within %g dB of dense", margin))
        }
        if weights == nil && source.embeddedParameters == nil && NetworkParameters.bundledWeightsDirectory(net.name) == nil { print("(He-initialised weights: these figures compare masks, not reconstructions; --weights DIR for trained ones)") }
        if let path = json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try write(String(decoding: try enc.encode(r), as: UTF8.self), to: path)
            print("wrote \(path)")
        }
    }
}
