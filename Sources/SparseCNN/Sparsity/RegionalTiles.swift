/// Regional (tile-first) masks, docs/masks.md "Regional masks": one conv layer's tiles ranked by
/// the importance around them, so that whole tiles — what the accelerator computes — are chosen
/// in order of importance and a tile density is met exactly, instead of pooling a pixel mask
/// (whose halo and tile granularity spend most of what it saved).
///
/// A tile's score is the mean importance over its output pixels grown by the layer's halo
/// `(K − 1) / 2` and clipped to the map: the region whose input the tile reads. The mean, not
/// the sum, so that clipped edge tiles are not ranked down for having fewer pixels. Ranking:
/// largest score first, ties in raster order (as for pixels), so masks of growing density are
/// nested.
public struct RegionalTiles: Sendable, Equatable {
    /// The layer's importance at its output resolution.
    public let map: ImportanceMap
    /// Pixels the scoring window reaches beyond the tile on every side.
    public let halo: Int

    public init(map: ImportanceMap, halo: Int) {
        self.map = map
        self.halo = max(0, halo)
    }

    /// Tiles of `tileHeight × tileWidth` over the map.
    public func tileCount(tileHeight: Int, tileWidth: Int) -> Int {
        ((map.height + tileHeight - 1) / tileHeight) * ((map.width + tileWidth - 1) / tileWidth)
    }

    /// Each tile's score (mean importance over its halo-grown, clipped window), in raster order.
    public func scores(tileHeight: Int, tileWidth: Int) -> [Double] {
        let h = map.height, w = map.width
        // Summed-area table in Double: window sums in O(1) whatever the halo.
        var sat = [Double](repeating: 0, count: (h + 1) * (w + 1))
        for y in 0..<h {
            var row = 0.0
            for x in 0..<w {
                row += Double(map.values[y * w + x])
                sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1] + row
            }
        }
        let th = (h + tileHeight - 1) / tileHeight, tw = (w + tileWidth - 1) / tileWidth
        var s = [Double](repeating: 0, count: th * tw)
        for ty in 0..<th {
            let y0 = max(0, ty * tileHeight - halo), y1 = min(h, (ty + 1) * tileHeight + halo)
            for tx in 0..<tw {
                let x0 = max(0, tx * tileWidth - halo), x1 = min(w, (tx + 1) * tileWidth + halo)
                let sum = sat[y1 * (w + 1) + x1] - sat[y0 * (w + 1) + x1] - sat[y1 * (w + 1) + x0] + sat[y0 * (w + 1) + x0]
                s[ty * tw + tx] = sum / Double((y1 - y0) * (x1 - x0))
            }
        }
        return s
    }

    /// Tile indices (raster) in rank order: largest score first, ties in raster order.
    public func ranking(tileHeight: Int, tileWidth: Int) -> [Int] {
        let s = scores(tileHeight: tileHeight, tileWidth: tileWidth)
        return s.indices.sorted { a, b in s[a] != s[b] ? s[a] > s[b] : a < b }
    }

    /// The `count` best tiles (clamped to 0...tiles).
    public func tileMask(tileHeight: Int, tileWidth: Int, count: Int) throws -> TileMask {
        guard tileHeight > 0, tileWidth > 0 else {
            throw SparseCNNError.invalidArgument("tile size \(tileHeight)x\(tileWidth) must be positive")
        }
        var bits = [Bool](repeating: false, count: tileCount(tileHeight: tileHeight, tileWidth: tileWidth))
        for t in ranking(tileHeight: tileHeight, tileWidth: tileWidth).prefix(max(0, count)) { bits[t] = true }
        return try TileMask(mapHeight: map.height, mapWidth: map.width, tileHeight: tileHeight, tileWidth: tileWidth, bits: bits)
    }

    /// Active tiles for `density`: `round(density · tiles)`, within half a tile of the target.
    public func activeCount(density: Double, tileHeight: Int, tileWidth: Int) -> Int {
        let n = tileCount(tileHeight: tileHeight, tileWidth: tileWidth)
        return min(n, max(0, Int((density * Double(n)).rounded())))
    }

    /// The `round(density · tiles)` best tiles.
    public func tileMask(tileHeight: Int, tileWidth: Int, density: Double) throws -> TileMask {
        try tileMask(tileHeight: tileHeight, tileWidth: tileWidth,
                     count: activeCount(density: density, tileHeight: tileHeight, tileWidth: tileWidth))
    }
}

extension PixelMask {
    /// The active pixels that lie in active tiles of `tiles` (same map): a regional mask's
    /// pixel-wise refinement.
    public func restricted(to tiles: TileMask) -> PixelMask {
        precondition(tiles.mapHeight == height && tiles.mapWidth == width, "tile mask map \(tiles.mapHeight)x\(tiles.mapWidth) is not \(height)x\(width)")
        var b = bits
        for y in 0..<height {
            let ty = y / tiles.tileHeight
            for x in 0..<width where b[y * width + x] && !tiles[ty, x / tiles.tileWidth] { b[y * width + x] = false }
        }
        return try! PixelMask(height: height, width: width, bits: b)
    }
}
