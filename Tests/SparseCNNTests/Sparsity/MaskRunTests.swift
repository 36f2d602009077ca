import Foundation
import Testing
@testable import SparseCNN

/// The `sparsetile masks` job end to end (the CLI is a thin flag parser over `runMasks`).
@Suite struct MaskRunTests {
    static func setup() throws -> (dir: String, net: String, image: String) {
        let dir = NSTemporaryDirectory() + "sparsetile-masks-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let net = dir + "/tiny.json"
        try Data(NetworkGraphTests.tinyJSON.utf8).write(to: URL(fileURLWithPath: net))
        // A 20x24 RGB image with a bright square.
        var px = [UInt8](repeating: 20, count: 20 * 24 * 3)
        for y in 5..<12 { for x in 6..<15 { for c in 0..<3 { px[(y * 24 + x) * 3 + c] = 220 } } }
        let image = dir + "/in.png"
        try Image(width: 24, height: 20, channels: 3, pixels: px).writePNG(path: image)
        return (dir, net, image)
    }

    @Test func writesExpectedFiles() throws {
        let (dir, net, image) = try Self.setup()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out"
        let s = try runMasks(MaskRunOptions(network: net, imagePath: image, target: .density(0.3),
                                            tiling: TilingPolicy(tileHeight: 2, tileWidth: 2), outputDirectory: out))
        // The JSON's inputSize (16x16) wins over the image's own size.
        #expect(s.inputSize == [16, 16])
        #expect(s.layers.map(\.name) == ["c1", "c2", "c3", "down", "c4", "up", "last"])
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        for l in s.layers {
            for ext in ["pixel.npy", "tile.npy", "overlay.png"] { #expect(files.contains("\(l.name).\(ext)"), "\(l.name).\(ext)") }
            let err: Double = abs(l.pixelDensity - 0.3) * Double(l.pixels)
            #expect(err <= 0.5)
            guard case .uint8(let shape, let v) = try NPYArray.read(path: "\(out)/\(l.name).pixel.npy") else { Issue.record("dtype"); continue }
            #expect(shape == [l.outShape[0], l.outShape[1]])
            #expect(v.filter { $0 == 1 }.count == l.activePixels && v.allSatisfy { $0 <= 1 })
            guard case .uint8(let tshape, let tv) = try NPYArray.read(path: "\(out)/\(l.name).tile.npy") else { Issue.record("dtype"); continue }
            #expect(tshape == [(l.outShape[0] + 1) / 2, (l.outShape[1] + 1) / 2])
            #expect(tv.filter { $0 == 1 }.count == l.activeTiles)
            #expect(l.sparseMACs <= l.denseMACs)
        }
        #expect(files.contains("summary.json"))
        let back = try JSONDecoder().decode(MaskRunSummary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        #expect(back == s)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as! [String: Any]
        let first = (json["layers"] as! [[String: Any]])[0]
        for key in ["name", "outShape", "pixelDensity", "tileDensity", "denseMACs", "sparseMACs"] { #expect(first[key] != nil, "\(key)") }
        #expect(s.quality?.metric == "top1")
        #expect(s.quality?.top1Dense != nil)
        #expect(s.totals.denseMACs == s.layers.reduce(0) { $0 + $1.denseMACs })
        #expect(s.table().contains("total"))
    }

    @Test func macBudgetAndErrors() throws {
        let (dir, net, image) = try Self.setup()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try runMasks(MaskRunOptions(network: net, imagePath: image, inputSize: ImageSize(height: 32, width: 32),
                                            target: .macBudget(0.6), tiling: TilingPolicy(tileHeight: 2, tileWidth: 2),
                                            skipQuality: true, outputDirectory: dir + "/b"))
        #expect(s.totals.macFraction <= 0.6 && s.mode == "macBudget" && s.quality == nil)
        #expect(s.inputSize == [32, 32])
        func message(_ o: MaskRunOptions) -> String {
            do { _ = try runMasks(o); return "no error" } catch { return "\(error)" }
        }
        #expect(message(MaskRunOptions(network: "vgg", imagePath: image, outputDirectory: dir + "/x")).contains("unknown network 'vgg'"))
        #expect(message(MaskRunOptions(network: net, imagePath: dir + "/nope.png", outputDirectory: dir + "/x")).contains("not found"))
        #expect(message(MaskRunOptions(network: net, imagePath: image, target: .density(0), outputDirectory: dir + "/x")).contains("(0, 1]"))
        #expect(message(MaskRunOptions(network: dir + "/missing.json", imagePath: image, outputDirectory: dir + "/x")).contains("missing.json"))
        #expect(try TileReduction(parsing: "avg:0.25") == .avg(threshold: 0.25))
        #expect(throws: SparseCNNError.self) { try TileReduction(parsing: "mean") }
    }
}
