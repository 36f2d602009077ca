import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit generator whose output is the same on every
/// platform, used so seeded weights and synthetic data are reproducible everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 bits (top bits of `next()`).
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal by Box–Muller (one value per call; the second is discarded).
    public mutating func nextGaussian() -> Double {
        let u1 = 1.0 - nextUnit() // (0, 1]
        let u2 = nextUnit()
        return (-2.0 * Foundation.log(u1)).squareRoot() * Foundation.cos(2.0 * Double.pi * u2)
    }

    /// The seed for parameter `name` of a network seeded with `seed`: FNV-1a of the name's UTF-8,
    /// xor the seed, so adding a layer never changes another layer's weights.
    public static func seed(_ seed: UInt64, name: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h ^ (seed &* 0x9E37_79B9_7F4A_7C15)
    }
}
