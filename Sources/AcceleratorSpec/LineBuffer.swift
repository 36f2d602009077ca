/// The line buffer's loads of one pass (docs/microarchitecture.md §6.5): the row segments of the
/// engines' input map that the pass's active tiles read, each loaded once, by the load of the tile
/// that uses it first (`LayerPlan.lineBand`).
///
/// A segment is one map row across one column block (tileW engine columns of SX phases in the
/// padded map), clipped to the map; its words go pixel by pixel, CW words a pixel (the order of the
/// map in DRAM).
public struct LineBand: Sendable, Equatable {
    public struct Segment: Sendable, Equatable {
        /// The map row, and the column block in the padded map (engine column ÷ tileW).
        public let row: Int, columnBlock: Int
        /// The map columns it holds (inside the map).
        public let cols: Range<Int>
        /// Its first word in the band's word order.
        public let firstWord: Int
    }
    /// Every segment, in load order.
    public let segments: [Segment]
    /// Words of the whole band (one load of every segment).
    public let words: Int
    /// Per group, per tile: the index of the first segment its load brings (the next tile's first
    /// is where its own end; the band's end after the last).
    public let firstSegment: [[Int]]

    /// The segments the load of tile `k` of group `i` brings.
    public func segments(group i: Int, tile k: Int) -> Range<Int> {
        let next = k + 1 < firstSegment[i].count ? firstSegment[i][k + 1]
            : i + 1 < firstSegment.count ? firstSegment[i + 1][0] : segments.count
        return firstSegment[i][k]..<next
    }
    /// Band words the load of tile `k` of group `i` requests before its residual words.
    public func tileWords(group i: Int, tile k: Int) -> Int {
        let r = segments(group: i, tile: k)
        return word(r.upperBound) - word(r.lowerBound)
    }
    /// The band's word index of segment `j`'s first word (`words` past the last segment).
    public func word(_ j: Int) -> Int { j < segments.count ? segments[j].firstWord : words }
}

extension LayerPlan {
    /// The map rows (first, last) that tile row `ty`'s halo reads, or nil when it reads none (§6.5).
    public func lineRows(ty: Int) -> (first: Int, last: Int)? {
        Self.lineRows(ty: ty, height: shape.height, strideY: strideY, padY: padY, haloH: haloH, mapHeight: mapHeight)
    }
    static func lineRows(ty: Int, height h: Int, strideY: Int, padY: Int, haloH: Int, mapHeight: Int) -> (first: Int, last: Int)? {
        let top = ty * h * strideY - padY, lo = max(top, 0), hi = min(top + haloH, mapHeight) - 1
        return lo > hi ? nil : (lo, hi)
    }

    /// The most map rows two consecutive tile groups' halos span (the first tile's first row of the
    /// one before to the last tile's last row of the later; one group's alone for the first), with
    /// the groups formed as `groups(of:)` forms them from the tiles in raster order: a group's load
    /// writes the line buffer while the group before it may still be waiting for its copy.
    static func lineSpan(tiles: [(ty: Int, tx: Int)], groupSize: Int, remainderFirst: Bool,
                         rows: (Int) -> (first: Int, last: Int)?) -> Int {
        let n = tiles.count
        guard n > 0 else { return 0 }
        let first = remainderFirst && n % groupSize != 0 ? n % groupSize : min(n, groupSize)
        var span = 0, start = 0, end = first, previousFirst: Int? = nil
        while start < n {
            let r = tiles[start..<end].compactMap { rows($0.ty) }
            if let lo = r.map(\.first).min(), let hi = r.map(\.last).max() {
                span = max(span, hi - min(lo, previousFirst ?? lo) + 1)
                previousFirst = lo
            }
            start = end; end = min(n, end + groupSize)
        }
        return span
    }

    /// Map rows the line buffer holds: `lineBlocks` row blocks of tileH engine rows, SY map rows each.
    public var lineRowCapacity: Int { lineBlocks * config.tileH * strideY }

    /// The band of one pass whose tile groups are `groups` (§6.5): the row segments their halos read,
    /// each brought by the load of the tile that uses it first. Tile by tile (scan order), for each
    /// column block its halo reads, the halo's rows past the last row loaded in that block (the
    /// block's high-water mark), row by row.
    public func lineBand(_ groups: [[(ty: Int, tx: Int)]]) -> LineBand {
        precondition(lineBuffer, "lineBand of a layer without the line buffer")
        let SX = strideX, bw = config.tileW * SX, columnBlocks = lineColumnSlots / SX
        var loaded = [Int](repeating: -1, count: columnBlocks)  // per column block, the last row loaded
        var segments: [LineBand.Segment] = [], words = 0, firstSegment: [[Int]] = []
        for g in groups {
            var firsts: [Int] = []
            for tile in g {
                firsts.append(segments.count)
                guard let r = lineRows(ty: tile.ty) else { continue }
                let c = haloCols(tx: tile.tx)
                guard !c.isEmpty else { continue }
                let c0 = (c.lowerBound + padX) / bw, c1 = (c.upperBound - 1 + padX) / bw
                for y in r.first...r.last { for cb in c0...c1 where y > loaded[cb] {
                    let cols = max(0, cb * bw - padX)..<min(mapWidth, (cb + 1) * bw - padX)
                    segments.append(.init(row: y, columnBlock: cb, cols: cols, firstWord: words))
                    words += cols.count * inWords
                } }
                for cb in c0...c1 { loaded[cb] = max(loaded[cb], r.last) }
            }
            firstSegment.append(firsts)
        }
        return LineBand(segments: segments, words: words, firstSegment: firstSegment)
    }

    /// Cycles the copy of one tile's halo from the line buffer into its region takes (§6.5): one
    /// word into every bank a cycle, the region's `regionWords`.
    public var lineCopyCycles: Int { regionWords }

    /// Line-buffer bank and address of map position (iy, ix), word w (§6.5): the bank of its engine
    /// row and column in the padded map, like a halo's (§6.2) with the map for the halo; its row
    /// block in a ring of `lineBlocks`, SY row slots each of `lineColumnSlots` column slots.
    @inlinable public func lineAddress(iy: Int, ix: Int, word w: Int) -> (by: Int, bx: Int, address: Int) {
        let yp = iy + padY, xp = ix + padX
        let ey = yp / strideY, ex = xp / strideX
        let rs = (ey / config.tileH) % lineBlocks * strideY + yp % strideY
        let cs = ex / config.tileW * strideX + xp % strideX
        return (ey % config.tileH, ex % config.tileW, (rs * lineColumnSlots + cs) * inWords + w)
    }
}
