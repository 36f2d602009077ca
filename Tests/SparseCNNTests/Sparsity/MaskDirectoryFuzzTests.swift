import Foundation
import Testing
import FuzzSupport
@testable import SparseCNN

/// `MaskDirectory` on thousands of directories with one file mutated (the pixel, tile or channel
/// mask of layer `conv`, or the summary, pixel or regional): each read gives masks or an error
/// naming the file (or the directory) and the problem, never a crash.
@Suite struct MaskDirectoryFuzzTests {
    /// The valid files: a 16×16 pixel mask, its 4×4 tile mask, 8 channel flags.
    static func validFiles(regional: Bool) throws -> [String: [UInt8]] {
        var g = FuzzRNG(seed: 3)
        let pixels = try PixelMask(height: 16, width: 16, bits: (0..<256).map { _ in g.below(3) == 0 })
        let tiles = try TileMask(reducing: pixels, tileHeight: 4, tileWidth: 4, halo: 1, reduction: .max)
        let summary = regional ? #"{"maskMode": "regional", "tile": [4, 4], "layers": [{"name": "conv", "tile": [4, 4]}]}"#
                               : #"{"maskMode": "pixel", "layers": [{"name": "conv"}]}"#
        return ["conv.pixel.npy": pixels.npyArray.encode(), "conv.tile.npy": tiles.npyArray.encode(),
                "conv.channel.npy": NPYArray.bool(shape: [8], values: (0..<8).map { $0 % 3 != 0 }).encode(),
                "summary.json": Array(summary.utf8)]
    }

    /// Everything a run asks of the directory for layer `conv` (16×16 map, 8 channels, 4×4 tiles).
    static func readAll(_ dir: String) throws {
        let d = try MaskDirectory(path: dir)
        if d.regionalTiles != nil { _ = try d.regionalTile(layer: "conv") }
        let m = try d.masks(layer: "conv", mapHeight: 16, mapWidth: 16, tiling: TilingPolicy(tileHeight: 4, tileWidth: 4))
        guard m.tileMask.tilesHigh == 4, m.tileMask.tilesWide == 4, m.pixelMask.map({ $0.height == 16 && $0.width == 16 }) ?? true else {
            throw FuzzCheckFailure("masks of the wrong size: \(m.tileMask.tilesHigh)x\(m.tileMask.tilesWide) tiles")
        }
        if let c = try d.channelMask(layer: "conv", channels: 8), c.bits.count != 8 {
            throw FuzzCheckFailure("a channel mask of \(c.bits.count) channels")
        }
    }

    @Test(arguments: [("conv.pixel.npy", false), ("conv.tile.npy", false), ("conv.channel.npy", false),
                      ("summary.json", false), ("summary.json", true), ("conv.tile.npy", true)])
    func mutatedMaskFilesReadOrFailClearly(file: String, regional: Bool) throws {
        let dir = NSTemporaryDirectory() + "sparsetile-maskdir-fuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try Self.validFiles(regional: regional)
        for (name, bytes) in files { FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(bytes)) }
        let path = dir + "/" + file
        let tally = fuzz("maskdir-\(file)", seeds: [files[file]!], count: 1500, seed: 0x4D41534B &+ UInt64(file.count) &+ (regional ? 1 : 0),
                         read: { bytes in
                             FileManager.default.createFile(atPath: path, contents: Data(bytes))
                             try Self.readAll(dir)
                         },
                         errorIsClear: { e in
                             // The mutated file is named, or (a layer without usable masks) the directory and the layer.
                             e is SparseCNNError && ("\(e)".contains(path) || "\(e)".contains(dir) && "\(e)".contains("conv"))
                         })
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.rejected > 0, "\(tally)")
    }

    /// Found by the fuzzer: a regional summary's tile side near Int.max overflowed the tile count
    /// (a trap). Now an error naming summary.json, the layer and the allowed sides.
    @Test func hugeRegionalTileIsAnError() throws {
        let dir = NSTemporaryDirectory() + "sparsetile-maskdir-huge-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, bytes) in try Self.validFiles(regional: true) { FileManager.default.createFile(atPath: dir + "/" + name, contents: Data(bytes)) }
        let summary = #"{"maskMode": "regional", "tile": [4, 4], "layers": [{"name": "conv", "tile": [9223372036854775807, 4]}]}"#
        FileManager.default.createFile(atPath: dir + "/summary.json", contents: Data(summary.utf8))
        #expect { try Self.readAll(dir) } throws: { e in
            isMalformedFile(e, path: dir + "/summary.json") && "\(e)".contains("layer conv's") && "\(e)".contains("1...16384")
        }
    }
}
