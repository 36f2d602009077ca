import Foundation
import Testing
@testable import SparseCNN

/// The host ops against independent forms: a depthwise conv is a dense conv whose filters are
/// zero off their own channel; a transposed conv with kernel = stride puts each input pixel's
/// `W^T·x` in its own f×f block; the others by their formulas.
@Suite struct HostOpsTests {
    static func tensor(_ h: Int, _ w: Int, _ c: Int, seed: UInt64) -> FloatTensor {
        var g = SplitMix64(seed: seed)
        return try! FloatTensor(shape: TensorShape(height: h, width: w, channels: c), scalars: (0..<(h * w * c)).map { _ in Float(g.nextUnit() * 2 - 1) })
    }

    static func values(_ n: Int, seed: UInt64) -> [Float] {
        var g = SplitMix64(seed: seed)
        return (0..<n).map { _ in Float(g.nextUnit() * 2 - 1) }
    }

    @Test(arguments: [(3, 1), (5, 2), (3, 2)]) func depthwiseIsADenseConvWithZerosOffTheChannel(_ k: Int, _ s: Int) throws {
        let c = 4
        let x = Self.tensor(7, 6, c, seed: 1)
        let w = HostWeights(weights: Self.values(c * k * k, seed: 2), bias: Self.values(c, seed: 3))
        var dense = [Float](repeating: 0, count: c * k * k * c)   // [Cout][K][K][Cin]
        for o in 0..<c { for ky in 0..<k { for kx in 0..<k { dense[((o * k + ky) * k + kx) * c + o] = w.weights[(o * k + ky) * k + kx] } } }
        let g = try ConvGeometry(kernel: k, stride: s)
        let want = try conv2d(x, try Filter(outChannels: c, kernel: k, inChannels: c, scalars: dense), bias: w.bias, geometry: g)
        let got = try depthwiseConv2d(x, weights: w, geometry: g)
        #expect(got.shape == want.shape)
        #expect(zip(got.scalars, want.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// A general conv with 'same' geometry and one group is SparseCNN's conv; with two groups, the
    /// two halves' convs side by side.
    @Test func generalConvAgreesWithSparseCNNsConv() throws {
        let x = Self.tensor(6, 5, 4, seed: 8)
        let g1 = HostConv(outChannels: 4, kernelHeight: 3, kernelWidth: 3, strides: [2, 2], dilations: [1, 1], pads: [1, 1, 1, 1], groups: 1)
        let w = HostWeights(weights: Self.values(4 * 4 * 9, seed: 9), bias: Self.values(4, seed: 10))
        func accelerator(_ x: FloatTensor, _ w: [Float], _ b: [Float], co: Int, stride: Int) throws -> FloatTensor {
            let ci = x.channels
            var f = [Float](repeating: 0, count: w.count)
            for o in 0..<co { for c in 0..<ci { for t in 0..<9 { f[(o * 9 + t) * ci + c] = w[(o * ci + c) * 9 + t] } } }
            return try conv2d(x, try Filter(outChannels: co, kernel: 3, inChannels: ci, scalars: f), bias: b, geometry: try ConvGeometry(kernel: 3, stride: stride))
        }
        let got = try groupedConv2d(x, weights: w, geometry: g1), want = try accelerator(x, w.weights, w.bias, co: 4, stride: 2)
        #expect(got.shape == want.shape && zip(got.scalars, want.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
        var g2 = g1
        g2.groups = 2
        g2.strides = [1, 1]
        let w2 = HostWeights(weights: Self.values(4 * 2 * 9, seed: 11), bias: Self.values(4, seed: 12))
        let y = try groupedConv2d(x, weights: w2, geometry: g2)
        for half in 0..<2 {
            let xs = try FloatTensor(shape: TensorShape(height: 6, width: 5, channels: 2),
                                     scalars: (0..<30).flatMap { p in x.scalars[(p * 4 + half * 2)..<(p * 4 + half * 2 + 2)] })
            let part = try accelerator(xs, Array(w2.weights[(half * 36)..<(half * 36 + 36)]), Array(w2.bias[(half * 2)..<(half * 2 + 2)]), co: 2, stride: 1)
            for p in 0..<30 { for o in 0..<2 { #expect(abs(y.scalars[p * 4 + half * 2 + o] - part.scalars[p * 2 + o]) < 1e-5) } }
        }
    }

    @Test func transposedConvFillsOneBlockPerInputPixel() throws {
        let (ci, o, f) = (3, 2, 2)
        let x = Self.tensor(2, 3, ci, seed: 4)
        let w = HostWeights(weights: Self.values(ci * o * f * f, seed: 5), bias: [0.5, -0.25])
        let y = try transposedConv2d(x, weights: w, outChannels: o, factor: f)
        #expect(y.shape == TensorShape(height: 4, width: 6, channels: 2))
        // output (1·2 + 1, 2·2 + 0, channel 1) comes from input pixel (1, 2) alone, tap (1, 0)
        var want: Float = -0.25
        for c in 0..<ci { want += x.scalars[(1 * 3 + 2) * ci + c] * w.weights[((c * o + 1) * f + 1) * f + 0] }
        #expect(abs(y.scalars[(3 * 6 + 4) * o + 1] - want) < 1e-6)
    }

    @Test func elementwiseConcatAndMultiply() throws {
        let x = Self.tensor(2, 2, 3, seed: 6), e = Self.tensor(2, 2, 2, seed: 7)
        func map(_ v: FloatValue) -> FloatTensor { if case .map(let t) = v { return t }; fatalError() }
        let swish = map(try HostOp.hardSwish.run(.map(x), extras: [], weights: nil))
        #expect(swish.scalars == x.scalars.map { $0 * min(max($0 + 3, 0), 6) / 6 })
        let cat = map(try HostOp.concat(with: ["e"]).run(.map(x), extras: [.map(e)], weights: nil))
        #expect(cat.shape.channels == 5 && Array(cat.scalars[5..<10]) == Array(x.scalars[3..<6]) + Array(e.scalars[2..<4]))
        let scaled = map(try HostOp.multiply(by: "v").run(.map(x), extras: [.vector([1, 2, 3])], weights: nil))
        #expect(scaled.scalars[4] == x.scalars[4] * 2)
        guard case .vector(let v) = try HostOp.hardSigmoid(alpha: 0.2, beta: 0.5).run(.vector([-5, 0, 1, 9]), extras: [], weights: nil) else {
            Issue.record("not a vector"); return
        }
        #expect(v == [0, 0.5, 0.7, 1])
        // in a network: channels and shapes are checked where they are planned
        let net = try Network(name: "n", inputChannels: 3, layers: [
            NetworkLayer("a", .host(.affine(scale: 2, shift: 1))),
            NetworkLayer("cat", .host(.concat(with: [Network.inputName]))),
        ])
        #expect(try net.plan(height: 4, width: 4).output == .map(TensorShape(height: 4, width: 4, channels: 6)))
        #expect(throws: SparseCNNError.self) {
            try Network(name: "n", inputChannels: 3, layers: [NetworkLayer("m", .host(.multiply(by: "later")))])
        }
    }
}
