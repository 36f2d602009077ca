import SparseCNN

/// How the DRAM behind the accelerator's memory port answers (docs/microarchitecture.md §7.1).
///
/// The Swift model and the Verilator harness derive the same per-request timing from a profile
/// and a seed, so their cycle counts stay exactly equal under any profile.
public enum MemoryProfile: Hashable, Sendable, CustomStringConvertible {
    /// Every read takes the config's `memLatency` cycles; the request channel is always ready.
    case fixed
    /// Each read's latency is uniform in `minLatency...maxLatency`; in each cycle the request
    /// channel is not ready with probability `stallProbability` (in steps of 1/65536).
    case random(minLatency: Int, maxLatency: Int, stallProbability: Double)

    /// Parses `fixed` or `random:MIN-MAX:P` (P a probability in [0, 0.95]).
    public init(parsing text: String) throws {
        func fail(_ why: String) -> AcceleratorSpecError {
            .invalidConfig("memory profile '\(text)': \(why) (expected 'fixed' or 'random:MIN-MAX:P', e.g. random:5-40:0.1)")
        }
        if text == "fixed" { self = .fixed; return }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "random" else { throw fail("unknown form") }
        let range = parts[1].split(separator: "-", omittingEmptySubsequences: false)
        guard range.count == 2, let lo = Int(range[0]), let hi = Int(range[1]) else { throw fail("latency range must be MIN-MAX") }
        guard lo >= 1, hi >= lo, hi <= 4096 else { throw fail("latencies must satisfy 1 <= MIN <= MAX <= 4096") }
        guard let p = Double(parts[2]), p >= 0, p <= 0.95 else { throw fail("P must be a probability in [0, 0.95]") }
        self = .random(minLatency: lo, maxLatency: hi, stallProbability: p)
    }

    public var description: String {
        switch self {
        case .fixed: return "fixed"
        case let .random(lo, hi, p): return "random:\(lo)-\(hi):\(p)"
        }
    }

    /// The request channel is not ready when a 16-bit draw is below this (P·65536, rounded).
    public var stallThreshold: Int {
        guard case let .random(_, _, p) = self else { return 0 }
        return Int((p * 65536).rounded())
    }
}

/// A memory profile with its seed and the config's latency: the timing of every request.
///
/// Draws are random-access (no generator state), so the model can jump in time and the C++
/// harness computes the same values: draw `i` of stream `k` is the `i`-th output (from 0) of
/// `SplitMix64(seed: seed ^ k)`, i.e. `mix(seed ^ k + (i + 1)·0x9E3779B97F4A7C15)`.
public struct MemoryTiming: Hashable, Sendable {
    public var profile: MemoryProfile
    public var seed: UInt64
    /// The config's `memLatency` (the latency of the fixed profile).
    public var fixedLatency: Int

    /// Stream keys of the two draws (ASCII "REQREADY" and "LATENCY\0").
    public static let readyStream: UInt64 = 0x5245_5152_4541_4459
    public static let latencyStream: UInt64 = 0x4C41_5445_4E43_5900

    public init(profile: MemoryProfile = .fixed, seed: UInt64 = 1, config: HardwareConfig) {
        self.profile = profile; self.seed = seed; fixedLatency = config.memLatency
    }

    /// The fixed profile of `config`.
    public static func fixed(_ config: HardwareConfig) -> MemoryTiming { MemoryTiming(config: config) }

    /// True when the port never delays a request: fixed latency, request channel always ready.
    public var isFixed: Bool { profile == .fixed }

    @inline(__always) static func draw(_ seed: UInt64, _ stream: UInt64, _ i: Int) -> UInt64 {
        var g = SplitMix64(seed: (seed ^ stream) &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
        return g.next()
    }

    /// Whether the request channel is ready in layer cycle `t`.
    @inline(__always) public func requestReady(cycle t: Int) -> Bool {
        let s = profile.stallThreshold
        return s == 0 || Int(Self.draw(seed, Self.readyStream, t) >> 48) >= s
    }

    /// Latency of the layer's `n`-th accepted read (from 0). Responses come back in request order, one
    /// per cycle at most: read n's data arrives in `max(accept(n) + latency(n), arrival(n−1) + 1)`.
    @inline(__always) public func latency(read n: Int) -> Int {
        guard case let .random(lo, hi, _) = profile else { return fixedLatency }
        return lo + Int(Self.draw(seed, Self.latencyStream, n) % UInt64(hi - lo + 1))
    }

    /// The job-file lines of sim/harness/harness.cpp that select this timing.
    public var harnessLines: String {
        switch profile {
        case .fixed: return "mem_profile fixed\n"
        case let .random(lo, hi, _): return "mem_profile random \(lo) \(hi) \(profile.stallThreshold)\nmem_seed \(seed)\n"
        }
    }
}
