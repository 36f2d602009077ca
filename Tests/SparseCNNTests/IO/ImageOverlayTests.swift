import Testing
@testable import SparseCNN

@Suite struct ImageOverlayTests {
    static let gray = try! Image(width: 8, height: 8, channels: 1, pixels: (0..<64).map { UInt8(100 + $0) })

    @Test func outputHasImageSizeAndIsRGB() throws {
        let mask = try PixelMask(height: 3, width: 5, bits: (0..<15).map { $0 % 2 == 0 })
        let tiles = TileMask(mapHeight: 3, mapWidth: 5, tileHeight: 2, tileWidth: 2, repeating: true)
        for image in [Self.gray, try Self.gray.resized(height: 5, width: 7)] {
            let out = image.overlay(mask, tileMask: tiles)
            #expect(out.width == image.width && out.height == image.height && out.channels == 3)
        }
    }

    @Test func activeKeepsColourInactiveIsDimmed() throws {
        // 2×2 mask over 8×8: only the top-left quadrant is active.
        let mask = try PixelMask(height: 2, width: 2, bits: [true, false, false, false])
        let out = Self.gray.overlay(mask)
        for y in 0..<8 {
            for x in 0..<8 {
                let v = Self.gray.pixels[y * 8 + x]
                let rgb = Array(out.pixels[(y * 8 + x) * 3..<(y * 8 + x) * 3 + 3])
                if y < 4 && x < 4 {
                    #expect(rgb == [v, v, v])
                } else {
                    // Darker overall, and tinted: not gray any more.
                    #expect(rgb.map(Int.init).reduce(0, +) < 3 * Int(v))
                    #expect(rgb[0] != rgb[2])
                }
            }
        }
    }

    @Test func activeTilesAreOutlinedAndInteriorsKept() throws {
        let image = try Image(width: 16, height: 16, channels: 3, pixels: Array(repeating: 90, count: 16 * 16 * 3))
        let mask = PixelMask(height: 16, width: 16, repeating: true)
        var tiles = TileMask(mapHeight: 16, mapWidth: 16, tileHeight: 8, tileWidth: 8, repeating: false)
        tiles[0, 1] = true
        let out = image.overlay(mask, tileMask: tiles)
        func px(_ y: Int, _ x: Int) -> [UInt8] { Array(out.pixels[(y * 16 + x) * 3..<(y * 16 + x) * 3 + 3]) }
        // Edges of tile (0, 1) — rows 0–7, columns 8–15 — are drawn; its interior and the
        // inactive tiles are not.
        #expect(px(0, 8) != [90, 90, 90])
        #expect(px(7, 12) != [90, 90, 90])
        #expect(px(3, 15) != [90, 90, 90])
        #expect(px(4, 12) == [90, 90, 90])
        #expect(px(0, 7) == [90, 90, 90])
        #expect(px(12, 4) == [90, 90, 90])
    }

    @Test func fullyActiveMaskWithoutTilesIsTheImageInRGB() {
        let out = Self.gray.overlay(PixelMask(height: 1, width: 1, repeating: true))
        #expect(out.pixels == Self.gray.pixels.flatMap { [$0, $0, $0] })
    }
}
