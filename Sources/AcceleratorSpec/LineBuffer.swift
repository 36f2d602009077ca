/// The line buffer's loads of one pass (docs/microarchitecture.md §6.5): the row segments of the
/// engines' input map that the pass's active tiles read, each loaded once, in the order of their
/// first use (`LayerPlan.lineBand`).
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
    public let segments: [Segment]
    /// Words of the whole band (one load of every segment).
    public let words: Int
    /// Per segment: the tile groups that must have been copied before it loads, as a count of the
    /// pass's first groups: those that read the row it replaces in the ring (its row − the ring's
    /// `lineRowCapacity` rows).
    public let waitsFor: [Int]
    /// Per group: the segments (a prefix of `segments`) that must be in the line buffer before its
    /// copy: every segment up to the last row its halos read.
    public let needs: [Int]
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

    /// The most map rows one tile group's halos span (its first tile's first to its last tile's
    /// last), with the groups formed as `groups(of:)` forms them from the tiles in raster order.
    static func lineSpan(tiles: [(ty: Int, tx: Int)], groupSize: Int, remainderFirst: Bool,
                         rows: (Int) -> (first: Int, last: Int)?) -> Int {
        let n = tiles.count
        guard n > 0 else { return 0 }
        let first = remainderFirst && n % groupSize != 0 ? n % groupSize : min(n, groupSize)
        var span = 0, start = 0, end = first
        while start < n {
            let r = tiles[start..<end].compactMap { rows($0.ty) }
            if let lo = r.map(\.first).min(), let hi = r.map(\.last).max() { span = max(span, hi - lo + 1) }
            start = end; end = min(n, end + groupSize)
        }
        return span
    }

    /// Map rows the line buffer holds: `lineBlocks` row blocks of tileH engine rows, SY map rows each.
    public var lineRowCapacity: Int { lineBlocks * config.tileH * strideY }

    /// The band of one pass whose tile groups are `groups` (§6.5): the row segments their halos read,
    /// in the order of their first use. Tile by tile (raster order), each column block its halo
    /// reads loads the halo's rows past the last row loaded there (the block's high-water mark), so a
    /// group waits only for its own segments, and rows of one column block load in order.
    public func lineBand(_ groups: [[(ty: Int, tx: Int)]]) -> LineBand {
        precondition(lineBuffer, "lineBand of a layer without the line buffer")
        let SX = strideX, bw = config.tileW * SX, columnBlocks = lineColumnSlots / SX
        var loaded = [Int](repeating: -1, count: columnBlocks)  // per column block, the last row loaded
        var segments: [LineBand.Segment] = [], words = 0, needs: [Int] = []
        // Group i reads rows first_i…last_i, both non-decreasing in i (raster order).
        var firstRows: [Int] = []
        for g in groups {
            var first = Int.max
            for tile in g {
                guard let r = lineRows(ty: tile.ty) else { continue }
                let c = haloCols(tx: tile.tx)
                guard !c.isEmpty else { continue }
                first = min(first, r.first)
                let c0 = (c.lowerBound + padX) / bw, c1 = (c.upperBound - 1 + padX) / bw
                for y in r.first...r.last { for cb in c0...c1 where y > loaded[cb] {
                    let cols = max(0, cb * bw - padX)..<min(mapWidth, (cb + 1) * bw - padX)
                    segments.append(.init(row: y, columnBlock: cb, cols: cols, firstWord: words))
                    words += cols.count * inWords
                } }
                for cb in c0...c1 { loaded[cb] = max(loaded[cb], r.last) }
            }
            firstRows.append(first == .max ? firstRows.last ?? 0 : first)
            needs.append(segments.count)
        }
        // (a segment replaces row − capacity of its column block: every group whose first row is at
        // most that must have been copied; a group that reads no row counts with the one before it)
        let capacity = lineRowCapacity
        let waitsFor = segments.map { seg in
            var lo = 0, hi = firstRows.count
            while lo < hi { let m = (lo + hi) / 2; if firstRows[m] <= seg.row - capacity { lo = m + 1 } else { hi = m } }
            return lo
        }
        return LineBand(segments: segments, words: words, waitsFor: waitsFor, needs: needs)
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
