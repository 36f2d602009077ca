import Foundation

/// How much a sparse network's output differs from the dense one's.
public enum OutputQuality {
    /// PSNR in dB of `test` against `reference`, two int8 maps at the same scale (the network's
    /// output scale): `10 · log10(255² / MSE)` over all elements, 255 being the span of int8
    /// codes. Nil when the two are identical (infinite PSNR).
    public static func psnr(reference: QTensor, test: QTensor) throws -> Double? {
        guard reference.shape == test.shape else {
            throw SparseCNNError.shapeMismatch("PSNR of \(reference.shape) against \(test.shape)")
        }
        var se = 0.0
        for i in reference.scalars.indices {
            let d = Double(Int(reference.scalars[i]) - Int(test.scalars[i]))
            se += d * d
        }
        guard se > 0 else { return nil }
        return 10 * Foundation.log10(255.0 * 255.0 / (se / Double(reference.scalars.count)))
    }

    /// Index of the largest value (the first one on ties).
    public static func top1(_ logits: [Float]) -> Int {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }
}
