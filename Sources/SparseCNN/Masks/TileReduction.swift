// API pinned by the lead; bodies are filled in by the ops work (issue 2).

/// How a tile's pixels decide whether the tile is active (SBNet `reduce_mask`).
public enum TileReduction: Hashable, Sendable {
    /// Active when any pixel in the (halo-grown) tile is active.
    case max
    /// Active when the fraction of active pixels in the (halo-grown) tile exceeds `threshold`.
    case avg(threshold: Double)
}

extension TileMask {
    /// Pools `pixels` over tiles of `tileHeight × tileWidth`, each grown by `halo` pixels on
    /// every side (clipped to the map) before pooling.
    public init(reducing pixels: PixelMask, tileHeight: Int, tileWidth: Int, halo: Int = 0,
                reduction: TileReduction = .max) throws {
        fatalError("stub")
    }
}
