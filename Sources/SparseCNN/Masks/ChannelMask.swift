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

    /// The `count` channels of largest `importance` (ties: the lower channel first).
    public init(importance: [Double], count: Int) throws {
        let order = importance.indices.sorted { importance[$0] != importance[$1] ? importance[$0] > importance[$1] : $0 < $1 }
        var b = [Bool](repeating: false, count: importance.count)
        for c in order.prefix(max(0, count)) { b[c] = true }
        try self.init(bits: b)
    }
}
