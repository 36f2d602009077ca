import Foundation
import Testing
@testable import SparseCNN

/// The trained weights that ship with SparseTile (Resources/Weights, docs/training.md) and the one
/// rule that picks a network's parameters (`NetworkParameters.resolve`).
@Suite struct BundledWeightsTests {
    /// srresnet-8x32-skip has bundled weights and they are its default; other networks have none and
    /// keep the seeded He init; a `--weights` directory always wins.
    @Test func resolvePrefersTheDirectoryThenTheBundledWeights() throws {
        let net = try Network.named("srresnet-8x32-skip")
        let dir = try #require(NetworkParameters.bundledWeightsDirectory(net.name))
        let bundled = try NetworkParameters.resolve(net, directory: nil, seed: 0)
        #expect(bundled == (try NetworkParameters.load(net, directory: dir)))
        #expect(bundled != NetworkParameters.heInit(net, seed: 0))
        #expect(Set(bundled.convs.keys) == Set(net.convLayerNames))
        let other = try Network.named("srresnet-2x8-skip")
        #expect(NetworkParameters.bundledWeightsDirectory(other.name) == nil)
        #expect(try NetworkParameters.resolve(other, directory: nil, seed: 4) == NetworkParameters.heInit(other, seed: 4))
        #expect(throws: SparseCNNError.self) { try NetworkParameters.resolve(net, directory: "/nonexistent-weights", seed: 0) }
    }

    /// The trained network does what it was trained for: on a crop of the bundled photograph, its
    /// float ×4 output is closer to the ground truth than its own skip path alone (the network with
    /// every conv zeroed: the nearest or bilinear upsampling it adds its detail to). He-initialised
    /// weights are not (their detail is noise).
    @Test(arguments: ["srresnet-8x32-skip", "srresnet-8x32-skip-bilinear"])
    func trainedWeightsBeatTheirSkipPath(_ name: String) throws {
        let net = try Network.named(name)
        let photo = try Image.load(path: Image.bundledDefaultPath)
        let truth = try Image(width: 96, height: 96, channels: 1, pixels: (0..<(96 * 96)).map { i in
            photo.pixels[(200 + i / 96) * photo.width + 200 + i % 96] })
        let x = try truth.resized(height: 24, width: 24).rgbTensor()
        let plan = try net.plan(height: 24, width: 24)
        func psnr(_ p: NetworkParameters) throws -> Double {
            guard case .map(let y) = try plan.runFloat(x, parameters: p).output else { throw SparseCNNError.invalidArgument("no map") }
            let rgb = try Image(unitTensor: y)
            let g = try Image(width: 96, height: 96, channels: 1, pixels: (0..<(96 * 96)).map { rgb.pixels[$0 * 3 + 1] })
            return try #require(try ImageQuality.psnr(g, truth))
        }
        let trained = try NetworkParameters.resolve(net, directory: nil, seed: 0)
        var zero = trained
        for (k, var c) in zero.convs {
            c.filter.scalars = c.filter.scalars.map { _ in 0 }; c.bias = c.bias.map { _ in 0 }; zero.convs[k] = c
        }
        let skipOnly = try psnr(zero), t = try psnr(trained)
        #expect(t > skipOnly + 0.5, "\(name): trained \(t) dB, skip path \(skipOnly) dB")
        #expect(try psnr(NetworkParameters.heInit(net, seed: 0)) < t)
    }
}
