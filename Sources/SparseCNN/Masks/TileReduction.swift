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
    ///
    /// A halo belongs to masks of active *inputs* (SBNet's LiDAR occupancy: an output matters when
    /// any input it reads is active). This project's pixel masks mark the *output* pixels that
    /// matter, so its tilings (`TilingPolicy`) pool with none.
    ///
    /// Tile (ty, tx) covers rows `ty·tileHeight ..< min((ty+1)·tileHeight, H)` (likewise columns);
    /// the pooling window is that rectangle grown by `halo` and clipped to the map, and `.avg`
    /// divides by the clipped window's pixel count, so edge tiles are not diluted by pixels that
    /// do not exist. The map of the result is the pixel mask's map.
    public init(reducing pixels: PixelMask, tileHeight: Int, tileWidth: Int, halo: Int = 0,
                reduction: TileReduction = .max) throws {
        guard tileHeight > 0, tileWidth > 0 else {
            throw SparseCNNError.invalidArgument("tile size \(tileHeight)x\(tileWidth) must be positive")
        }
        guard halo >= 0 else {
            throw SparseCNNError.invalidArgument("tile halo \(halo) must not be negative")
        }
        if case .avg(let threshold) = reduction, !threshold.isFinite {
            throw SparseCNNError.invalidArgument("average-pooling threshold \(threshold) must be finite")
        }
        let h = pixels.height, w = pixels.width
        // Summed-area table: each window's active count in O(1), whatever the halo.
        var sat = [Int](repeating: 0, count: (h + 1) * (w + 1))
        for y in 0..<h {
            var rowSum = 0
            for x in 0..<w {
                rowSum += pixels.bits[y * w + x] ? 1 : 0
                sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1] + rowSum
            }
        }
        let th = (h + tileHeight - 1) / tileHeight, tw = (w + tileWidth - 1) / tileWidth
        var bits = [Bool](repeating: false, count: th * tw)
        for ty in 0..<th {
            let y0 = Swift.max(0, ty * tileHeight - halo), y1 = Swift.min(h, (ty + 1) * tileHeight + halo)
            for tx in 0..<tw {
                let x0 = Swift.max(0, tx * tileWidth - halo), x1 = Swift.min(w, (tx + 1) * tileWidth + halo)
                let active = sat[y1 * (w + 1) + x1] - sat[y0 * (w + 1) + x1] - sat[y1 * (w + 1) + x0] + sat[y0 * (w + 1) + x0]
                switch reduction {
                case .max:
                    bits[ty * tw + tx] = active > 0
                case .avg(let threshold):
                    bits[ty * tw + tx] = Double(active) / Double((y1 - y0) * (x1 - x0)) > threshold
                }
            }
        }
        try self.init(mapHeight: h, mapWidth: w, tileHeight: tileHeight, tileWidth: tileWidth, bits: bits)
    }
}
