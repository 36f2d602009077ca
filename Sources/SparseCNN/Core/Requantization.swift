/// The one integer requantization shared by SparseCNN, the cycle-accurate model and the RTL.
///
/// For a 32-bit accumulator `acc` and bias `b` of one output channel:
///
///     t = acc + b                                   (wrapping 32-bit add; the model flags overflow)
///     q = clamp((t · M + 2^(S−1)) >> S, −128, 127)  (48-bit product, arithmetic shift)
///     q = clamp(q + residual, −128, 127)            (only when the layer has a residual)
///     q = activation(q)                             (none, ReLU, or PReLU below)
///
/// PReLU with one slope per layer (PyTorch's `nn.PReLU()` default), quantized to
/// `alpha = slope / 256`: `q < 0 ? clamp((q · slope + 128) >> 8, −128, 127) : q`.
///
/// M is an unsigned 16-bit multiplier (1...65535) and S a shift in 1...47, so the product fits
/// 48 bits and maps onto one DSP cascade. The docs/quantization.md page states the same thing.
public struct Requantization: Hashable, Codable, Sendable {
    public var multiplier: Int32
    public var shift: Int32

    public static let multiplierRange: ClosedRange<Int32> = 1...65535
    public static let shiftRange: ClosedRange<Int32> = 1...47

    public init(multiplier: Int32, shift: Int32) throws {
        guard Self.multiplierRange.contains(multiplier) else {
            throw SparseCNNError.invalidArgument("requantization multiplier \(multiplier) is outside \(Self.multiplierRange)")
        }
        guard Self.shiftRange.contains(shift) else {
            throw SparseCNNError.invalidArgument("requantization shift \(shift) is outside \(Self.shiftRange)")
        }
        self.multiplier = multiplier
        self.shift = shift
    }

    /// The closest (M, S) to a real scale `scale > 0`, with M using as many of its 16 bits as it can.
    public init(scale: Double) throws {
        guard scale > 0, scale.isFinite else {
            throw SparseCNNError.invalidArgument("requantization scale \(scale) must be positive and finite")
        }
        var s: Int32 = 47
        // Largest S for which round(scale · 2^S) still fits 16 bits.
        while s > 1, (scale * Double(1 << Int64(s))).rounded() > 65535 { s -= 1 }
        let m = max(1, min(65535, Int32((scale * Double(1 << Int64(s))).rounded())))
        try self.init(multiplier: m, shift: s)
    }

    /// The real scale M / 2^S this requantization stands for.
    public var scale: Double { Double(multiplier) / Double(1 << Int64(shift)) }

    /// Steps 1 and 2: accumulator plus bias, scaled, rounded half up, saturated to int8.
    @inlinable public func apply(accumulator acc: Int32, bias: Int32) -> Int8 {
        let t = Int64(acc &+ bias)
        let p = (t * Int64(multiplier) + (Int64(1) << Int64(shift - 1))) >> Int64(shift)
        return Int8(clamping: p)
    }
}

/// What a layer does to its int8 output after the residual add.
public enum Activation: Hashable, Codable, Sendable {
    case none
    case relu
    /// One slope for the whole layer, as `slope / 256` (`slope` in −32768...32767).
    case prelu(slope: Int16)

    @inlinable public func apply(_ q: Int8) -> Int8 {
        switch self {
        case .none: return q
        case .relu: return q < 0 ? 0 : q
        case .prelu(let slope):
            guard q < 0 else { return q }
            return Int8(clamping: (Int32(q) * Int32(slope) + 128) >> 8)
        }
    }
}

/// The full int8 output stage of one conv layer, for one output element.
@inlinable public func requantizedOutput(
    accumulator: Int32, bias: Int32, requantization: Requantization,
    residual: Int8?, activation: Activation
) -> Int8 {
    var q = requantization.apply(accumulator: accumulator, bias: bias)
    if let r = residual { q = Int8(clamping: Int16(q) + Int16(r)) }
    return activation.apply(q)
}
