import Foundation
import Testing
import SparseCNN

/// `MaskDirectory`: pixel masks are enough, tile masks of other tiles are reduced again.
@Suite struct MaskDirectoryTests {
    /// A fresh directory holding the given masks of layer "conv" (16x16 output map).
    static func directory(pixel: PixelMask?, tile: (high: Int, wide: Int, active: [(Int, Int)])?) throws -> String {
        let dir = NSTemporaryDirectory() + "sparsetile-maskdir-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let p = pixel { try p.npyArray.write(path: dir + "/conv.pixel.npy") }
        if let t = tile {
            var v = [UInt8](repeating: 0, count: t.high * t.wide)
            for (y, x) in t.active { v[y * t.wide + x] = 1 }
            try NPYArray.uint8(shape: [t.high, t.wide], values: v).write(path: dir + "/conv.tile.npy")
        }
        return dir
    }

    /// One active pixel at (row, col) of a 16x16 map.
    static func onePixel(_ row: Int, _ col: Int) throws -> PixelMask {
        var bits = [Bool](repeating: false, count: 256)
        bits[row * 16 + col] = true
        return try PixelMask(height: 16, width: 16, bits: bits)
    }

    func active(_ m: TileMask) -> Set<[Int]> { Set(m.activeTiles.map { [$0.ty, $0.tx] }) }

    /// Worked by hand: pixel (4, 8) lies in 4x4 tile (1, 2) (rows 4…7, columns 8…11) and in no
    /// other: a tile is active when one of its own output pixels is, whatever the kernel's halo.
    @Test func pixelMaskAloneIsReducedAtTheRequestedTiles() throws {
        let dir = try Self.directory(pixel: Self.onePixel(4, 8), tile: nil)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = try MaskDirectory(path: dir).masks(layer: "conv", mapHeight: 16, mapWidth: 16,
                                                   tiling: TilingPolicy(tileHeight: 4, tileWidth: 4))
        #expect(m.reduced && m.pixelMask != nil)
        #expect(active(m.tileMask) == [[1, 2]])
    }

    /// A tile mask for the requested tiles is taken as it is, even where it disagrees with the pixels
    /// (it may have been edited); one for other tiles is replaced by the pixel mask's reduction.
    @Test func matchingTileMaskWinsOtherTilesAreReducedAgain() throws {
        let dir = try Self.directory(pixel: Self.onePixel(5, 9), tile: (2, 2, [(1, 0)]))  // made for 8x8 tiles
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = try MaskDirectory(path: dir)
        let same = try d.masks(layer: "conv", mapHeight: 16, mapWidth: 16, tiling: TilingPolicy(tileHeight: 8, tileWidth: 8))
        #expect(!same.reduced && active(same.tileMask) == [[1, 0]])
        let other = try d.masks(layer: "conv", mapHeight: 16, mapWidth: 16, tiling: TilingPolicy(tileHeight: 4, tileWidth: 4))
        #expect(other.reduced && active(other.tileMask) == [[1, 2]])
    }

    @Test func missingOrMismatchedMasksAreClearErrors() throws {
        let onlyTiles = try Self.directory(pixel: nil, tile: (2, 2, [(0, 0)]))
        let empty = try Self.directory(pixel: nil, tile: nil)
        let wrongPixels = try Self.directory(pixel: PixelMask(height: 8, width: 16, repeating: true), tile: nil)
        defer { for d in [onlyTiles, empty, wrongPixels] { try? FileManager.default.removeItem(atPath: d) } }
        func message(_ dir: String) -> String {
            do {
                _ = try MaskDirectory(path: dir).masks(layer: "conv", mapHeight: 16, mapWidth: 16,
                                                       tiling: TilingPolicy(tileHeight: 4, tileWidth: 4))
                return "no error"
            } catch { return "\(error)" }
        }
        #expect(message(onlyTiles).contains("no conv.pixel.npy to reduce again"))
        // A file that is not a .npy: named once, with what is wrong.
        let garbage = try Self.directory(pixel: nil, tile: nil)
        defer { try? FileManager.default.removeItem(atPath: garbage) }
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: garbage + "/conv.pixel.npy"))
        let g = message(garbage)
        #expect(g.components(separatedBy: "conv.pixel.npy").count == 2 && g.contains("not a .npy file"), "\(g)")
        #expect(message(empty).contains("no mask for layer conv"))
        #expect(message(wrongPixels).contains("is 8x16; layer conv's output map is 16x16"))
    }
}

/// Regional directories: their tile masks are used as they are, at the tile size of summary.json.
@Suite struct RegionalMaskDirectoryTests {
    @Test func regionalMasksRoundTripThroughADirectory() throws {
        let (dir, net, image) = try MaskRunTests.setup()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/regional"
        let s = try runMasks(MaskRunOptions(network: net, imagePath: image, target: .density(0.4), mode: .regional,
                                            tiling: TilingPolicy(tileHeight: 4, tileWidth: 4), skipQuality: true, outputDirectory: out))
        #expect(s.maskMode == .regional)
        let d = try MaskDirectory(path: out)
        let plan = try Network.load(path: net).plan(height: 16, width: 16)
        for (l, info) in zip(s.layers, plan.convLayers) {
            #expect(abs(Double(l.activeTiles) - 0.4 * Double(l.tiles)) <= 0.5)
            #expect(l.pixelMACs <= l.sparseMACs)
            #expect(l.tile == [4, 4])
            let m = try d.masks(for: info, tiling: TilingPolicy(tileHeight: 4, tileWidth: 4))
            #expect(!m.reduced && m.tileMask.activeCount == l.activeTiles)
            // Another tile size cannot be served: the tiles were chosen, not pooled.
            #expect(throws: SparseCNNError.self) { try d.masks(for: info, tiling: TilingPolicy(tileHeight: 2, tileWidth: 2)) }
        }
        // Without its .tile.npy a regional layer is an error naming the file.
        try FileManager.default.removeItem(atPath: out + "/\(s.layers[0].name).tile.npy")
        #expect { try d.masks(for: plan.convLayers[0], tiling: TilingPolicy(tileHeight: 4, tileWidth: 4)) } throws: { e in
            "\(e)".contains("\(s.layers[0].name).tile.npy")
        }
    }
}

/// Channel masks: chosen from float activity outside the tiles, written, read back, run by SparseCNN.
@Suite struct ChannelMaskRunTests {
    @Test func channelMasksAreWrittenReadAndCounted() throws {
        let (dir, net, image) = try MaskRunTests.setup()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/channels"
        let s = try runMasks(MaskRunOptions(network: net, imagePath: image, target: .density(0.3), mode: .regional,
                                            tiling: TilingPolicy(tileHeight: 4, tileWidth: 4), channelDensity: 0.5, outputDirectory: out))
        let d = try MaskDirectory(path: out)
        let plan = try Network.load(path: net).plan(height: 16, width: 16)
        for (l, info) in zip(s.layers, plan.convLayers) {
            let cout = info.outputShape.channels
            let expected = Int((0.5 * Double(cout)).rounded())
            #expect(l.channelMaskChannels == expected, "\(l.name)")
            let m = try d.channelMask(layer: l.name, channels: cout)
            #expect(m?.selectedCount == (expected > 0 ? expected : nil))
            // Its MACs: one channel's MACs over the sparse tiles per selected channel, on top of the tiles'.
            let sparseTiles = l.tiles - l.activeTiles
            #expect(sparseTiles > 0 || l.channelMACs == 0)
            #expect(l.sparseMACs - l.channelMACs == info.sparseMACs(tileMask: try d.masks(for: info, tiling: TilingPolicy(tileHeight: 4, tileWidth: 4)).tileMask))
            #expect(throws: SparseCNNError.self) { try d.channelMask(layer: l.name, channels: cout + 1) }
        }
        #expect(s.quality != nil)
    }
}
