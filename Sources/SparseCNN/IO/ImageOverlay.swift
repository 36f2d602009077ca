extension Image {
    /// The image with `mask` (any size; nearest-neighbour scaled to the image) drawn over it:
    /// active pixels keep their colour, inactive ones are dimmed and tinted, tile edges outlined
    /// when `tileMask` is given. The result is RGB and the image's size.
    ///
    /// Inactive pixels lose their colour and are dimmed and tinted blue, `0.4 · luma + (15, 30,
    /// 75)` with luma = 0.299 R + 0.587 G + 0.114 B: colour then means "computed", and the
    /// inactive background stays readable without competing with it. Active tiles (scaled from
    /// the tile mask's map to the image) get an amber outline blended at 85%; neighbouring
    /// active tiles share one line so a dense region reads as a grid, not as double bars. The
    /// line width grows with the image but stays under a sixth of a tile.
    public func overlay(_ mask: PixelMask, tileMask: TileMask? = nil) -> Image {
        // Nearest neighbour by pixel centres: image row y samples mask row ⌊(y + ½)·mh / h⌋.
        let rowMap = (0..<height).map { min(mask.height - 1, ((2 * $0 + 1) * mask.height) / (2 * height)) }
        let colMap = (0..<width).map { min(mask.width - 1, ((2 * $0 + 1) * mask.width) / (2 * width)) }
        let tint: [Float] = [15, 30, 75]
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let p = y * width + x
                let i = p * channels
                let (r, g, b) = channels == 3 ? (pixels[i], pixels[i + 1], pixels[i + 2]) : (pixels[i], pixels[i], pixels[i])
                if mask[rowMap[y], colMap[x]] {
                    (out[p * 3], out[p * 3 + 1], out[p * 3 + 2]) = (r, g, b)
                } else {
                    let luma = 0.299 * Float(r) + 0.587 * Float(g) + 0.114 * Float(b)
                    for c in 0..<3 { out[p * 3 + c] = UInt8((0.4 * luma + tint[c]).rounded()) }
                }
            }
        }
        if let tiles = tileMask { drawTileOutlines(tiles, into: &out) }
        // Sizes and channel count are those of a valid image, so this cannot fail.
        return (try? Image(width: width, height: height, channels: 3, pixels: out)) ?? self
    }

    private func drawTileOutlines(_ tiles: TileMask, into out: inout [UInt8]) {
        let amber: [Float] = [255, 190, 0]
        let alpha: Float = 0.85
        func scale(_ v: Int, _ from: Int, _ to: Int) -> Int { v * to / from }
        for (ty, tx) in tiles.activeTiles {
            let range = tiles.pixelRange(ty: ty, tx: tx)
            let y0 = scale(range.rows.lowerBound, tiles.mapHeight, height)
            let y1 = scale(range.rows.upperBound, tiles.mapHeight, height)
            let x0 = scale(range.cols.lowerBound, tiles.mapWidth, width)
            let x1 = scale(range.cols.upperBound, tiles.mapWidth, width)
            guard y1 > y0, x1 > x0 else { continue }
            let thickness = max(1, min(min(width, height) / 200, min(y1 - y0, x1 - x0) / 6))
            // Top and left edges always; bottom and right only where no active tile follows,
            // since that tile's own top/left edge draws the shared line.
            let bottom = ty + 1 >= tiles.tilesHigh || !tiles[ty + 1, tx]
            let right = tx + 1 >= tiles.tilesWide || !tiles[ty, tx + 1]
            for y in y0..<y1 {
                for x in x0..<x1 {
                    let edge = y - y0 < thickness || x - x0 < thickness
                        || (bottom && y1 - 1 - y < thickness) || (right && x1 - 1 - x < thickness)
                    guard edge else { continue }
                    let p = (y * width + x) * 3
                    for c in 0..<3 {
                        out[p + c] = UInt8((alpha * amber[c] + (1 - alpha) * Float(out[p + c])).rounded())
                    }
                }
            }
        }
    }
}
