import ArgumentParser
import Foundation
import SparseCNN

/// `sparsetile demo`: the main job on embedded defaults.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the main job on the bundled image: SRResNet masks at density 0.3.",
        discussion: """
        Runs `sparsetile masks --network srresnet --input-size 128x128 --density 0.3` on the bundled camera.png and writes to ./sparsetile-out/masks (start with summary.json).
        """
    )

    @Option(name: .customLong("input-size"), help: "Size HxW the bundled image is scaled to.")
    var inputSize: String = "128x128"

    @Option(help: "Pixel density of every conv layer's mask, in (0, 1].")
    var density: Double = 0.3

    @Option(help: "Output directory.")
    var out: String = "sparsetile-out/masks"

    func run() throws {
        let size: ImageSize
        do { size = try ImageSize(parsing: inputSize) } catch { throw ValidationError("--input-size: \(error)") }
        guard density > 0, density <= 1 else { throw ValidationError("--density \(density) must be in (0, 1]") }
        try MasksCommand.execute(MaskRunOptions(network: "srresnet", inputSize: size, target: .density(density), outputDirectory: out))
        let abs = URL(fileURLWithPath: out).standardizedFileURL.path
        print("demo outputs: \(abs)/summary.json and per-layer .pixel.npy / .tile.npy / .overlay.png")
    }
}
