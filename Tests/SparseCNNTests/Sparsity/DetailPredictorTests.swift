import Foundation
import Testing
@testable import SparseCNN

/// The learned importance map (docs/masks.md, "Detail predictor").
@Suite struct DetailPredictorTests {
    /// A folder of `detail.N.*.npy` files in PyTorch's layout.
    func folder(_ layers: [(shape: [Int], weight: [Float], bias: [Float])]) throws -> String {
        let dir = NSTemporaryDirectory() + "detail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (n, l) in layers.enumerated() {
            try NPYArray.float32(shape: l.shape, values: l.weight).write(path: dir + "/detail.\(n).weight.npy")
            try NPYArray.float32(shape: [l.shape[0]], values: l.bias).write(path: dir + "/detail.\(n).bias.npy")
        }
        return dir
    }

    /// Worked by hand: layer 0 is a 3×3 conv 3 → 1 whose one tap, channel 1 at (ky, kx) = (0, 2),
    /// is 1, bias −0.5: out(y, x) = relu(in(y − 1, x + 1, 1) − 0.5), zero outside the map; layer 1 a
    /// 1×1 conv, weight 2: the map is exp(2·relu(…)).
    @Test func handWorkedStack() throws {
        var w0 = [Float](repeating: 0, count: 1 * 3 * 3 * 3)
        w0[((0 * 3 + 1) * 3 + 0) * 3 + 2] = 1  // PyTorch [Cout][Cin][Ky][Kx]
        let dir = try folder([([1, 3, 3, 3], w0, [-0.5]), ([1, 1, 1, 1], [2], [0])])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = try DetailPredictor(directory: dir)
        #expect(p.layers.count == 2)
        // 3×3 input, channel 1 = 1 + y·3 + x (others 0.25)
        var x = [Float](repeating: 0.25, count: 27)
        for y in 0..<3 { for xx in 0..<3 { x[(y * 3 + xx) * 3 + 1] = Float(1 + y * 3 + xx) } }
        let map = try p.importance(for: FloatTensor(shape: TensorShape(height: 3, width: 3, channels: 3), scalars: x))
        var expected: [Float] = []
        for y in 0..<3 { for xx in 0..<3 {
            let sy = y - 1, sx = xx + 1
            let v: Float = (sy >= 0 && sx < 3) ? Float(1 + sy * 3 + sx) : 0
            expected.append(Foundation.exp(2 * max(0, v - 0.5)))
        } }
        #expect(map.height == 3 && map.width == 3)
        for (a, b) in zip(map.values, expected) { #expect(abs(a - b) <= 1e-4 * b, "\(map.values) vs \(expected)") }
    }

    @Test func malformedPredictorsAreErrorsThatSayWhy() throws {
        let empty = try folder([])
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect { try DetailPredictor(directory: empty) } throws: { "\($0)".contains("detail.0.weight.npy") }
        // a chain that does not fit: 3 → 4, then a layer taking 2
        let broken = try folder([([4, 3, 3, 3], .init(repeating: 0, count: 108), .init(repeating: 0, count: 4)),
                                 ([1, 2, 3, 3], .init(repeating: 0, count: 18), [0])])
        defer { try? FileManager.default.removeItem(atPath: broken) }
        #expect { try DetailPredictor(directory: broken) } throws: { "\($0)".contains("takes 2 channels") }
        // a last layer of 2 channels
        let wide = try folder([([2, 3, 1, 1], .init(repeating: 0, count: 6), [0, 0])])
        defer { try? FileManager.default.removeItem(atPath: wide) }
        #expect { try DetailPredictor(directory: wide) } throws: { "\($0)".contains("not 1") }
    }

    /// One rule for every command: prior mask, else the weights' predictor, else the bundled one,
    /// else gradient energy.
    @Test func theRuleChoosesThePredictor() throws {
        let net = try Network.named("srresnet-8x32-skip-bilinear")
        let prior = NSTemporaryDirectory() + "prior-\(UUID().uuidString).npy"
        try NPYArray.uint8(shape: [2, 2], values: [0, 1, 1, 0]).write(path: prior)
        defer { try? FileManager.default.removeItem(atPath: prior) }
        #expect(try importancePredictor(for: net, priorMaskPath: prior, weightsDirectory: nil) is PriorMaskPredictor)
        let withDetail = try folder([([1, 3, 3, 3], .init(repeating: 0, count: 27), [0])])
        defer { try? FileManager.default.removeItem(atPath: withDetail) }
        #expect(try importancePredictor(for: net, priorMaskPath: nil, weightsDirectory: withDetail) is DetailPredictor)
        #expect(try importancePredictor(for: net, priorMaskPath: nil, weightsDirectory: NSTemporaryDirectory()) is GradientEnergyPredictor)
        // bundled with the network's trained weights, or not
        #expect(try importancePredictor(for: net, priorMaskPath: nil, weightsDirectory: nil) is DetailPredictor)
        #expect(try importancePredictor(for: try Network.named("srresnet"), priorMaskPath: nil, weightsDirectory: nil) is GradientEnergyPredictor)
    }
}
