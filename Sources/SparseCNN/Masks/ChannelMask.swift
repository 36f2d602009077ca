/// SMSR-style channel mask of one conv layer (docs/masks.md "Channel masks"): the output channels
/// computed in the tiles its tile mask leaves sparse. Tiles of the tile mask compute every
/// channel; the other tiles compute the selected channels, and their other channels keep the
/// default (the residual, or zero), as a skipped tile does.
public struct ChannelMask: Hashable, Sendable {
    /// One flag per output channel.
    public var bits: [Bool]

    public init(bits: [Bool]) throws {
        guard !bits.isEmpty else { throw SparseCNNError.invalidArgument("a channel mask needs at least one channel") }
        self.bits = bits
    }

    public var channels: Int { bits.count }
    public var selectedCount: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }
    /// Indices of the selected channels, ascending.
    public var selected: [Int] { bits.indices.filter { bits[$0] } }

    /// How a channel mask is chosen from per-channel importance.
    public enum Selection: String, Sendable, CaseIterable, Codable {
        /// The `count` consecutive channels of largest summed importance (ties: the lowest first):
        /// one channel-window run on the accelerator (docs/microarchitecture.md §4).
        case window
        /// The `count` channels of largest importance: one window run per run of consecutive ones.
        case top
    }

    /// The `count` channels `selection` picks by `importance`.
    public init(importance: [Double], count: Int, selection: Selection) throws {
        switch selection {
        case .top: try self.init(importance: importance, count: count)
        case .window:
            let n = max(0, min(count, importance.count))
            var best = 0, bestSum = -Double.infinity, sum = importance.prefix(n).reduce(0, +)
            for first in 0...(importance.count - n) {
                if first > 0 { sum += importance[first + n - 1] - importance[first - 1] }
                if sum > bestSum { best = first; bestSum = sum }
            }
            try self.init(bits: importance.indices.map { $0 >= best && $0 < best + n })
        }
    }

    /// The `count` channels of largest `importance` (ties: the lower channel first).
    public init(importance: [Double], count: Int) throws {
        let order = importance.indices.sorted { importance[$0] != importance[$1] ? importance[$0] > importance[$1] : $0 < $1 }
        var b = [Bool](repeating: false, count: importance.count)
        for c in order.prefix(max(0, count)) { b[c] = true }
        try self.init(bits: b)
    }
}
