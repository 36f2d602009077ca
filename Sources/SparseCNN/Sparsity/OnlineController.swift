import Foundation

/// Frame-by-frame threshold control (the online mode of docs/masks.md).
///
/// A proportional-integral law on the logarithm of the importance threshold. After frame n ran
/// with threshold `t_n` and measured `m_n` (its pixel density, or its cost fraction), with
/// `e_n = ln(m_n / target)` (m clamped to ≥ 1e-6):
///
///     I_n      = I_{n−1} + e_n
///     ln t_{n+1} = ln t_0 + kp · e_n + ki · I_n
///
/// Too dense (e > 0) raises the threshold. Working in logs makes the loop gain independent of
/// the map's overall scale (a brighter scene multiplies importance, which shifts ln t).
/// The mask of a frame is a plain `importance ≥ threshold` (no tie breaking across frames).
public struct OnlineThresholdController: Sendable {
    public var target: Double
    public var kp: Double
    public var ki: Double
    /// ln of the initial threshold.
    public let baseLogThreshold: Double
    public private(set) var integral: Double = 0
    public private(set) var logThreshold: Double
    /// Measured values so far, oldest first.
    public private(set) var history: [Double] = []

    public init(target: Double, initialThreshold: Float, kp: Double = 0.2, ki: Double = 0.5) throws {
        guard target > 0, target <= 1 else { throw SparseCNNError.invalidArgument("target \(target) must be in (0, 1]") }
        guard initialThreshold > 0, initialThreshold.isFinite else {
            throw SparseCNNError.invalidArgument("initial threshold \(initialThreshold) must be positive")
        }
        self.target = target
        self.kp = kp
        self.ki = ki
        baseLogThreshold = Foundation.log(Double(initialThreshold))
        logThreshold = baseLogThreshold
    }

    /// The threshold to use for the next frame.
    public var threshold: Float { Float(Foundation.exp(logThreshold)) }

    /// Feeds back the density or cost fraction measured on the frame just run at `threshold`.
    public mutating func update(measured: Double) {
        history.append(measured)
        let e = Foundation.log(max(measured, 1e-6) / target)
        integral += e
        // Anti-windup: keep the integral term within ±20 e-folds.
        integral = min(max(integral, -20 / max(ki, 1e-9)), 20 / max(ki, 1e-9))
        logThreshold = baseLogThreshold + kp * e + ki * integral
    }

    /// Density mode in one call: masks `map` at the current threshold, feeds back its density,
    /// and returns the mask used for this frame.
    public mutating func step(_ map: ImportanceMap) -> PixelMask {
        let t = threshold
        let mask = try! PixelMask(height: map.height, width: map.width, bits: map.values.map { $0 >= t })
        update(measured: mask.density)
        return mask
    }
}
