import Foundation
import Testing
@testable import SparseCNN

/// Regional masks: tiles ranked by the mean importance of their halo-grown window, chosen whole.
@Suite struct RegionalTilesTests {
    /// 4x4 map, 2x2 tiles. Worked by hand without a halo: the tiles' means are
    /// top-left (1+2+5+6)/4 = 3.5, top-right (3+4+7+8)/4 = 5.5, bottom-left 11.5, bottom-right 13.5.
    @Test func scoresAndRankingWorkedByHand() throws {
        let map = try ImportanceMap(height: 4, width: 4, values: (1...16).map(Float.init))
        let r = RegionalTiles(map: map, halo: 0)
        #expect(r.scores(tileHeight: 2, tileWidth: 2) == [3.5, 5.5, 11.5, 13.5])
        #expect(r.ranking(tileHeight: 2, tileWidth: 2) == [3, 2, 1, 0])
        // Halo 1: every window is clipped to 3x3 pixels. Top-left: rows 0-2, cols 0-2 = mean of
        // 1 2 3 / 5 6 7 / 9 10 11 = 6; top-right rows 0-2, cols 1-3 = 7; bottom-left 10; bottom-right 11.
        #expect(RegionalTiles(map: map, halo: 1).scores(tileHeight: 2, tileWidth: 2) == [6, 7, 10, 11])
        // Density 0.5 of 4 tiles: the two best, bottom row.
        let m = try r.tileMask(tileHeight: 2, tileWidth: 2, density: 0.5)
        #expect(m.bits == [false, false, true, true])
    }

    /// Equal scores are ranked in raster order, so a flat map fills from the top-left.
    @Test func tiesInRasterOrder() throws {
        let flat = try ImportanceMap(height: 6, width: 6, values: Array(repeating: 1, count: 36))
        let m = try RegionalTiles(map: flat, halo: 1).tileMask(tileHeight: 2, tileWidth: 2, count: 4)
        #expect(m.bits == [true, true, true, true, false, false, false, false, false])
    }

    /// Every layer's tile density is within half a tile of the target, the pixel mask lies inside
    /// the tiles, and masks of growing density are nested.
    @Test func controllerMeetsTileDensityAndNests() throws {
        let plan = try Network.srresnet().plan(height: 48, width: 48)
        let c = SparsityController(layers: plan.convLayers, map: SparsityControllerTests.randomMap(48, 48, seed: 3),
                                   tiling: TilingPolicy(tileHeight: 8, tileWidth: 8))
        let low = try c.masks(density: 0.2, mode: .regional), high = try c.masks(density: 0.45, mode: .regional)
        for (a, b) in zip(low, high) {
            let n = Double(a.tileMask.bits.count)
            #expect(abs(Double(a.tileMask.activeCount) - 0.2 * n) <= 0.5, "\(a.layer.name)")
            #expect(abs(Double(b.tileMask.activeCount) - 0.45 * n) <= 0.5, "\(b.layer.name)")
            #expect(zip(a.tileMask.bits, b.tileMask.bits).allSatisfy { !$0 || $1 }, "nested: \(a.layer.name)")
            for y in 0..<a.pixelMask.height {
                for x in 0..<a.pixelMask.width where a.pixelMask[y, x] {
                    #expect(a.tileMask[y / 8, x / 8], "\(a.layer.name) pixel (\(y), \(x)) outside the tiles")
                }
            }
        }
    }

    /// A bright 8x8 square exactly on tile (1, 2): that tile is chosen first.
    @Test func brightRegionComesFirst() throws {
        var v = [Float](repeating: 0.01, count: 32 * 32)
        for y in 8..<16 { for x in 16..<24 { v[y * 32 + x] = 5 } }
        let map = try ImportanceMap(height: 32, width: 32, values: v)
        let m = try RegionalTiles(map: map, halo: 1).tileMask(tileHeight: 8, tileWidth: 8, count: 1)
        #expect(m.activeTiles.map { [$0.ty, $0.tx] } == [[1, 2]])
    }

    @Test func restrictedKeepsOnlyPixelsInActiveTiles() throws {
        let p = PixelMask(height: 4, width: 4, repeating: true)
        let t = try TileMask(mapHeight: 4, mapWidth: 4, tileHeight: 2, tileWidth: 2, bits: [true, false, false, true])
        let r = p.restricted(to: t)
        #expect(r.activeCount == 8)
        #expect(r[0, 0] && r[1, 1] && !r[0, 2] && !r[2, 0] && r[3, 3])
    }
}
