import Foundation
import Testing
import SparseCNN

/// Frame sequences for the online controller.
@Suite struct ImageFramesTests {
    /// A 4x6 gray image whose pixel (y, x) is 10·y + x.
    static func ramp() throws -> Image {
        try Image(width: 6, height: 4, channels: 1, pixels: (0..<24).map { UInt8(10 * ($0 / 6) + $0 % 6) })
    }

    @Test func cropIsTheWindow() throws {
        let c = try Self.ramp().cropped(y: 1, x: 2, height: 2, width: 3)
        #expect(c.pixels == [12, 13, 14, 22, 23, 24])
        #expect(throws: SparseCNNError.self) { try Self.ramp().cropped(y: 3, x: 0, height: 2, width: 2) }
    }

    @Test func shiftPansTwoRightOneDown() throws {
        let base = try Image(width: 20, height: 20, channels: 1, pixels: (0..<400).map { UInt8($0 % 251) })
        let f = try Image.frames("shift:3", base: base, size: ImageSize(height: 8, width: 8))
        #expect(f.count == 3 && f.allSatisfy { $0.height == 8 && $0.width == 8 })
        // The base is enlarged to (8 + 2) x (8 + 4); frame k is its window at (k, 2k).
        let big = try base.resized(height: 10, width: 12)
        #expect(f[2] == (try big.cropped(y: 2, x: 4, height: 8, width: 8)))
        #expect(throws: SparseCNNError.self) { try Image.frames("shift:0", base: base, size: ImageSize(height: 8, width: 8)) }
    }

    @Test func npyStackAndDirectory() throws {
        let dir = NSTemporaryDirectory() + "sparsetile-frames-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = try Self.ramp(), b = try Image(width: 6, height: 4, channels: 1, pixels: Array(repeating: 7, count: 24))
        try NPYArray.uint8(shape: [2, 4, 6], values: a.pixels + b.pixels).write(path: dir + "/stack.npy")
        let s = try Image.frames(dir + "/stack.npy", base: a, size: ImageSize(height: 4, width: 6))
        #expect(s == [a, b])
        try FileManager.default.createDirectory(atPath: dir + "/seq", withIntermediateDirectories: true)
        try b.writePNG(path: dir + "/seq/f1.png")
        try a.writePNG(path: dir + "/seq/f0.png")
        #expect(try Image.frames(dir + "/seq", base: a, size: ImageSize(height: 4, width: 6)) == [a, b])
        try NPYArray.uint8(shape: [4, 6], values: a.pixels).write(path: dir + "/flat.npy")
        #expect(throws: SparseCNNError.self) { try Image.frames(dir + "/flat.npy", base: a, size: ImageSize(height: 4, width: 6)) }
    }
}
