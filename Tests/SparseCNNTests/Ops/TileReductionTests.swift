import Testing
@testable import SparseCNN

@Suite struct TileReductionTests {
    /// Builds a pixel mask from rows of "#" (active) and "." (inactive).
    func mask(_ rows: [String]) throws -> PixelMask {
        try PixelMask(height: rows.count, width: rows[0].count, bits: rows.flatMap { $0.map { $0 == "#" } })
    }

    /// 5x7 map in 2x3 tiles: 3x3 tiles, the last row and column of tiles partial (1 row, 1 column).
    @Test func maxWithPartialEdgeTiles() throws {
        let p = try mask([
            ".......",
            "....#..",
            ".......",
            ".......",
            "......#",
        ])
        let t = try TileMask(reducing: p, tileHeight: 2, tileWidth: 3, reduction: .max)
        #expect(t.mapHeight == 5 && t.mapWidth == 7 && t.tilesHigh == 3 && t.tilesWide == 3)
        // (1,4) is in tile (0,1); (4,6) in the partial corner tile (2,2).
        #expect(t.bits == [false, true, false,
                           false, false, false,
                           false, false, true])
    }

    /// Halo 1 grows each tile's window by a pixel on every side, clipped to the map.
    @Test func maxWithHalo() throws {
        let p = try mask([
            "......",
            "......",
            "..#...",
            "......",
            "......",
            "......",
        ])
        // 2x2 tiles: the pixel (2,2) lies in tile (1,1). With halo 1, tile (ty,tx) pools rows
        // 2ty−1 ..< 2ty+3 and likewise columns, so tiles (0,0), (0,1), (1,0), (1,1) see it
        // (row 2 ∈ [−1,3) and [1,5); column 2 likewise), tiles in row/column 2 (from 3) do not.
        let plain = try TileMask(reducing: p, tileHeight: 2, tileWidth: 2, reduction: .max)
        #expect(plain.activeTiles.map { [$0.ty, $0.tx] } == [[1, 1]])
        let grown = try TileMask(reducing: p, tileHeight: 2, tileWidth: 2, halo: 1, reduction: .max)
        #expect(grown.activeTiles.map { [$0.ty, $0.tx] } == [[0, 0], [0, 1], [1, 0], [1, 1]])
        let grown2 = try TileMask(reducing: p, tileHeight: 2, tileWidth: 2, halo: 2, reduction: .max)
        #expect(grown2.activeCount == 9)
    }

    /// `.avg` compares the active fraction of the clipped window with a strict threshold.
    @Test func averageThreshold() throws {
        let p = try mask([
            "##..#",
            "#....",
            ".....",
        ])
        // 2x2 tiles → 2x3 tiles. Windows (clipped): tile (0,0) rows 0-1 cols 0-1: 3/4 active;
        // tile (0,1): 0/4; tile (0,2): rows 0-1, col 4 only: 1/2; row 1 of tiles: row 2 only.
        let half = try TileMask(reducing: p, tileHeight: 2, tileWidth: 2, reduction: .avg(threshold: 0.5))
        #expect(half.bits == [true, false, false, false, false, false])   // 1/2 is not > 0.5
        let low = try TileMask(reducing: p, tileHeight: 2, tileWidth: 2, reduction: .avg(threshold: 0.49))
        #expect(low.bits == [true, false, true, false, false, false])
        let high = try TileMask(reducing: p, tileHeight: 2, tileWidth: 2, reduction: .avg(threshold: 0.75))
        #expect(high.bits == [false, false, false, false, false, false])  // 3/4 is not > 0.75
        // With halo 1, tile (0,2) pools rows 0-2, cols 3-4 (clipped): 1 active of 6.
        let haloAvg = try TileMask(reducing: p, tileHeight: 2, tileWidth: 2, halo: 1, reduction: .avg(threshold: 0.16))
        #expect(haloAvg[0, 2] == true)
        let haloAvg2 = try TileMask(reducing: p, tileHeight: 2, tileWidth: 2, halo: 1, reduction: .avg(threshold: 1.0 / 6))
        #expect(haloAvg2[0, 2] == false)
    }

    /// Random masks against a direct count over each window.
    @Test func matchesDirectCount() throws {
        var rng = SplitMix64(seed: 21)
        for _ in 0..<20 {
            let h = Int.random(in: 1...20, using: &rng), w = Int.random(in: 1...20, using: &rng)
            let p = try PixelMask(height: h, width: w, bits: (0..<(h * w)).map { _ in Int.random(in: 0..<5, using: &rng) == 0 })
            let th = Int.random(in: 1...6, using: &rng), tw = Int.random(in: 1...6, using: &rng)
            let halo = Int.random(in: 0...2, using: &rng)
            let m = try TileMask(reducing: p, tileHeight: th, tileWidth: tw, halo: halo, reduction: .max)
            let a = try TileMask(reducing: p, tileHeight: th, tileWidth: tw, halo: halo, reduction: .avg(threshold: 0.2))
            for ty in 0..<m.tilesHigh {
                for tx in 0..<m.tilesWide {
                    var active = 0, total = 0
                    for y in (ty * th - halo)..<((ty + 1) * th + halo) where y >= 0 && y < h {
                        for x in (tx * tw - halo)..<((tx + 1) * tw + halo) where x >= 0 && x < w {
                            total += 1
                            if p[y, x] { active += 1 }
                        }
                    }
                    #expect(m[ty, tx] == (active > 0))
                    #expect(a[ty, tx] == (Double(active) / Double(total) > 0.2))
                }
            }
        }
    }

    @Test func rejectsBadArguments() throws {
        let p = PixelMask(height: 4, width: 4, repeating: true)
        #expect(throws: SparseCNNError.self) { try TileMask(reducing: p, tileHeight: 0, tileWidth: 2) }
        #expect(throws: SparseCNNError.self) { try TileMask(reducing: p, tileHeight: 2, tileWidth: 2, halo: -1) }
    }
}
