import Testing
@testable import SparseCNN

/// The wide-vector C loops (AVX2 float; AVX-512 and AVX2 int) against the portable Swift loops on the same
/// plans, bit for bit: batches (the sparse path's stacked halo blocks), padding 0 and "same",
/// strides 1 and 2, channel counts that leave blocks of 16, 4 and 1, maps wide enough for every
/// pixel grouping, and plans big enough to be split over threads.
@Suite struct ConvKernelLoopsTests {
    struct Case: CustomStringConvertible {
        var batch, h, w, cin, cout, k, stride, pad: Int
        var description: String { "b\(batch) \(h)x\(w)x\(cin)→\(cout) k\(k) s\(stride) p\(pad)" }
        var plan: ConvPlan {
            ConvPlan(batch: batch, inH: h, inW: w, cin: cin, outH: (h + 2 * pad - k) / stride + 1,
                     outW: (w + 2 * pad - k) / stride + 1, cout: cout, kernel: k, stride: stride, pad: pad)
        }
    }

    static let cases: [Case] = [
        Case(batch: 1, h: 9, w: 45, cin: 6, cout: 3, k: 9, stride: 1, pad: 4),      // RGB tail: 32-, 8- and 1-pixel groups
        Case(batch: 3, h: 12, w: 12, cin: 5, cout: 37, k: 3, stride: 1, pad: 0),    // halo blocks, 16/4/1 channel blocks
        Case(batch: 2, h: 13, w: 21, cin: 3, cout: 20, k: 3, stride: 2, pad: 1),
        Case(batch: 1, h: 7, w: 7, cin: 64, cout: 64, k: 1, stride: 1, pad: 0),
        Case(batch: 1, h: 11, w: 17, cin: 33, cout: 2, k: 5, stride: 1, pad: 2),
        Case(batch: 2, h: 10, w: 40, cin: 7, cout: 1, k: 3, stride: 1, pad: 0),
        Case(batch: 2, h: 40, w: 40, cin: 32, cout: 19, k: 3, stride: 1, pad: 1),   // > 2^20 MACs: row chunks on threads
        Case(batch: 1, h: 3, w: 3, cin: 4, cout: 4, k: 7, stride: 1, pad: 3),       // no interior pixel
    ]

    @Test(arguments: cases)
    func floatLoopsAgreeBitForBit(_ c: Case) throws {
        guard ConvKernel.floatLoops == .avx2 else { return }   // this CPU has only the portable loops
        var rng = SplitMix64(seed: UInt64(c.h * 131 + c.w * 7 + c.cout))
        let p = c.plan
        let x = (0..<(c.batch * c.h * c.w * c.cin)).map { _ in Float.random(in: -1...1, using: &rng) }
        let w = (0..<(c.cout * c.k * c.k * c.cin)).map { _ in Float.random(in: -1...1, using: &rng) }
        func run(_ loops: ConvKernel.Loops) -> [Float] {
            var y = [Float](repeating: .nan, count: c.batch * p.outH * p.outW * c.cout)
            y.withUnsafeMutableBufferPointer { ConvKernel.float(p, input: x, weights: w, output: $0.baseAddress!, loops: loops) }
            return y
        }
        let vector = run(.avx2).map(\.bitPattern), portable = run(.portable).map(\.bitPattern)
        #expect(firstDifference(vector, portable) == nil, "\(c)")
    }

    @Test(arguments: cases)
    func intLoopsAgree(_ c: Case) throws {
        var rng = SplitMix64(seed: UInt64(c.h * 31 + c.w * 17 + c.cin))
        let p = c.plan
        let x = (0..<(c.batch * c.h * c.w * c.cin)).map { _ in Int8.random(in: -128...127, using: &rng) }
        let w = (0..<(c.cout * c.k * c.k * c.cin)).map { _ in Int8.random(in: -128...127, using: &rng) }
        func run(_ loops: ConvKernel.Loops) -> [Int32] {
            var y = [Int32](repeating: .min, count: c.batch * p.outH * p.outW * c.cout)
            y.withUnsafeMutableBufferPointer { ConvKernel.int8(p, input: x, weights: w, output: $0.baseAddress!, loops: loops) }
            return y
        }
        let portable = run(.portable)
        // every wide loop this CPU runs (AVX-512 and AVX2 on one with both)
        for loops in [ConvKernel.Loops.avx512, .avx2] where ConvKernel.runsInt(loops) {
            #expect(firstDifference(run(loops), portable) == nil, "\(loops) \(c)")
        }
    }

    /// The first index where `a` and `b` differ (and both values), or nil: a short failure message.
    func firstDifference<T: Equatable>(_ a: [T], _ b: [T]) -> String? {
        guard a.count == b.count else { return "\(a.count) vs \(b.count) values" }
        return a.indices.first { a[$0] != b[$0] }.map { "[\($0)]: \(a[$0]) vs \(b[$0])" }
    }

    /// The RGB-tail grouping against the textbook loop too (not only against the Swift loops).
    @Test func wideRGBTailMatchesNaive() throws {
        var rng = SplitMix64(seed: 99)
        let x = try FloatTensor(shape: TensorShape(height: 6, width: 45, channels: 5),
                                scalars: (0..<(6 * 45 * 5)).map { _ in Float.random(in: -1...1, using: &rng) })
        let f = try Filter<Float>(outChannels: 3, kernel: 9, inChannels: 5,
                                  scalars: (0..<(3 * 81 * 5)).map { _ in Float.random(in: -1...1, using: &rng) })
        let y = try conv2d(x, f, bias: nil, geometry: ConvGeometry(kernel: 9, stride: 1)).scalars
        #expect(firstDifference(y.map(\.bitPattern), naiveFloatConv(x, f, bias: nil, stride: 1).map(\.bitPattern)) == nil)
    }
}
