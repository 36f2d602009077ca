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

    /// The trained network does what it was trained for: on a crop of the bundled photograph (not in
    /// its training set's evaluation list, but a photograph), its float ×4 output is closer to the
    /// ground truth than its own skip path, the nearest-neighbour upsampling, which is what it adds
    /// its detail to. He-initialised weights do not (their detail is noise).
    @Test func trainedWeightsBeatTheirSkipPath() throws {
        let net = try Network.named("srresnet-8x32-skip")
        let photo = try Image.load(path: Image.bundledDefaultPath)
        let truth = try Image(width: 96, height: 96, channels: 1, pixels: (0..<(96 * 96)).map { i in
            photo.pixels[(200 + i / 96) * photo.width + 200 + i % 96] })
        let low = try truth.resized(height: 24, width: 24)
        let x = low.rgbTensor()
        let plan = try net.plan(height: 24, width: 24)
        func psnr(_ p: NetworkParameters) throws -> Double {
            guard case .map(let y) = try plan.runFloat(x, parameters: p).output else { throw SparseCNNError.invalidArgument("no map") }
            let gray = try Image(unitTensor: y)
            let g = try Image(width: 96, height: 96, channels: 1, pixels: (0..<(96 * 96)).map { gray.pixels[$0 * 3 + 1] })
            return try #require(try ImageQuality.psnr(g, truth))
        }
        let nearest = try Image(width: 96, height: 96, channels: 1, pixels: (0..<(96 * 96)).map { i in
            low.pixels[(i / 96 / 4) * 24 + (i % 96) / 4] })
        let skipOnly = try #require(try ImageQuality.psnr(nearest, truth))
        let trained = try psnr(try NetworkParameters.resolve(net, directory: nil, seed: 0))
        #expect(trained > skipOnly + 1, "trained \(trained) dB, nearest \(skipOnly) dB")
        #expect(try psnr(NetworkParameters.heInit(net, seed: 0)) < trained)
    }
}
