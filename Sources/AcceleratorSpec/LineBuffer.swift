/// The line buffer's loads of one pass (docs/microarchitecture.md §6.5): the blocks of the
/// engines' input map that the pass's active tiles read, in order, each loaded once.
///
/// A block is tileH engine rows (SY phases each) by tileW engine columns (SX phases each) of the
/// padded map, clipped to the map; its words go row by row, pixel by pixel, CW words a pixel (the
/// order of the map in DRAM). Blocks go by row block, then column block.
public struct LineBand: Sendable, Equatable {
    public struct Block: Sendable, Equatable {
        /// Row and column block in the padded map (engine coordinates ÷ tileH, ÷ tileW).
        public let rowBlock: Int, columnBlock: Int
        /// The map rows and columns it holds (inside the map).
        public let rows: Range<Int>, cols: Range<Int>
        /// Its first word in the band's word order.
        public let firstWord: Int
    }
    public let blocks: [Block]
    /// Words of the whole band (one load of every block).
    public let words: Int
    /// Per block: the tile groups that must have been copied before it loads, as a count of the
    /// pass's first groups: those that read the row block it replaces in the ring (row block −
    /// `lineBlocks`).
    public let waitsFor: [Int]
    /// Per group: the blocks (a prefix of `blocks`) that must be in the line buffer before its copy:
    /// every block up to the last row block its halos read.
    public let needs: [Int]
}

extension LayerPlan {
    /// The row blocks (first, last) that tile row `ty`'s halo reads inside the map, or nil when it
    /// reads none (§6.5).
    public func lineRowBlocks(ty: Int) -> (first: Int, last: Int)? {
        Self.lineRowBlocks(ty: ty, height: shape.height, strideY: strideY, padY: padY, haloH: haloH, mapHeight: mapHeight, tileH: config.tileH)
    }
    static func lineRowBlocks(ty: Int, height h: Int, strideY: Int, padY: Int, haloH: Int, mapHeight: Int, tileH: Int) -> (first: Int, last: Int)? {
        let top = ty * h * strideY, lo = max(top, padY), hi = min(top + haloH, padY + mapHeight) - 1
        return lo > hi ? nil : (lo / strideY / tileH, hi / strideY / tileH)
    }

    /// The most row blocks one tile group's halos span (first group tile's first to last tile's
    /// last), with the groups formed as `groups(of:)` forms them from the tiles in raster order.
    static func lineSpan(tiles: [(ty: Int, tx: Int)], groupSize: Int, remainderFirst: Bool,
                         rowBlocks: (Int) -> (first: Int, last: Int)?) -> Int {
        let n = tiles.count
        guard n > 0 else { return 0 }
        let first = remainderFirst && n % groupSize != 0 ? n % groupSize : min(n, groupSize)
        var span = 0, start = 0, end = first
        while start < n {
            let rows = tiles[start..<end].compactMap { rowBlocks($0.ty) }
            if let lo = rows.map(\.first).min(), let hi = rows.map(\.last).max() { span = max(span, hi - lo + 1) }
            start = end; end = min(n, end + groupSize)
        }
        return span
    }

    /// The band of one pass whose tile groups are `groups` (§6.5): the blocks their halos read.
    public func lineBand(_ groups: [[(ty: Int, tx: Int)]]) -> LineBand {
        precondition(lineBuffer, "lineBand of a layer without the line buffer")
        let SY = strideY, SX = strideX, bh = config.tileH * SY, bw = config.tileW * SX
        // (the blocks of every active tile's halo inside the map)
        var needed = Set<Int>()
        let columnBlocks = lineColumnSlots / SX
        for g in groups { for tile in g {
            guard let r = lineRowBlocks(ty: tile.ty) else { continue }
            let c = haloCols(tx: tile.tx)
            guard !c.isEmpty else { continue }
            let c0 = (c.lowerBound + padX) / SX / config.tileW, c1 = (c.upperBound - 1 + padX) / SX / config.tileW
            for rb in r.first...r.last { for cb in c0...c1 { needed.insert(rb * columnBlocks + cb) } }
        } }
        var blocks: [LineBand.Block] = [], words = 0
        for key in needed.sorted() {
            let rb = key / columnBlocks, cb = key % columnBlocks
            let rows = max(0, rb * bh - padY)..<min(mapHeight, (rb + 1) * bh - padY)
            let cols = max(0, cb * bw - padX)..<min(mapWidth, (cb + 1) * bw - padX)
            blocks.append(.init(rowBlock: rb, columnBlock: cb, rows: rows, cols: cols, firstWord: words))
            words += rows.count * cols.count * inWords
        }
        // Group i reads row blocks first_i…last_i, both non-decreasing in i (raster order).
        let spans = groups.map { g -> (first: Int, last: Int)? in
            let r = g.compactMap { lineRowBlocks(ty: $0.ty) }
            guard let lo = r.map(\.first).min(), let hi = r.map(\.last).max() else { return nil }
            return (lo, hi)
        }
        let waitsFor = blocks.map { b in
            // (the groups reading row block rb − lineBlocks: every group whose first row block is at most that)
            var n = 0
            for (i, s) in spans.enumerated() { if let s, s.first <= b.rowBlock - lineBlocks { n = i + 1 } }
            return n
        }
        let needs = spans.map { s -> Int in
            guard let s else { return 0 }
            return blocks.lastIndex { $0.rowBlock <= s.last }.map { $0 + 1 } ?? 0
        }
        return LineBand(blocks: blocks, words: words, waitsFor: waitsFor, needs: needs)
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
