import Foundation
import Testing
@testable import SparseCNN

@Suite struct PNGTests {
    static func pattern(width: Int, height: Int, channels: Int) throws -> Image {
        let n = width * height * channels
        return try Image(width: width, height: height, channels: channels, pixels: (0..<n).map { UInt8(($0 * 29 + 7) % 256) })
    }

    @Test(arguments: [1, 3])
    func writeThenReadIsIdentity(channels: Int) throws {
        let image = try Self.pattern(width: 7, height: 5, channels: channels)
        let path = scratchPath("rt.png")
        try image.writePNG(path: path)
        let back = try Image.load(path: path)
        #expect(back == image)
        #expect(try Image.decode(image.pngBytes(), path: "mem.png") == image)
    }

    @Test func bundledCameraIs512SquareGray() throws {
        let camera = try Image.load(path: Image.bundledDefaultPath)
        #expect(camera.width == 512 && camera.height == 512 && camera.channels == 1)
        // A photograph, not a blank: many distinct gray levels.
        #expect(Set(camera.pixels).count > 100)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/work/shared/data/images/coffee.png"),
                   "shared sample photos are not present on this machine"))
    func sharedColourPhotoLoads() throws {
        let coffee = try Image.load(path: "/work/shared/data/images/coffee.png")
        #expect(coffee.width == 600 && coffee.height == 400 && coffee.channels == 3)
    }

    @Test func grayAlphaIsCompositedOverBlack() throws {
        // Gray 200 at alpha 255, 128 and 0; round(200·128/255) = round(100.39) = 100.
        let png = HandBuiltPNG.make(width: 3, height: 1, bitDepth: 8, colorType: 4, rows: [[200, 255, 200, 128, 200, 0]])
        let image = try Image.decode(png, path: "ga.png")
        #expect(image.channels == 1)
        #expect(image.pixels == [200, 100, 0])
    }

    @Test func rgbaIsCompositedOverBlack() throws {
        // (255, 100, 10) at alpha 51 (= 0.2): 51, 20, 2.
        let png = HandBuiltPNG.make(width: 2, height: 1, bitDepth: 8, colorType: 6,
                                    rows: [[255, 100, 10, 51, 1, 2, 3, 255]])
        let image = try Image.decode(png, path: "rgba.png")
        #expect(image.channels == 3)
        #expect(image.pixels == [51, 20, 2, 1, 2, 3])
    }

    @Test func hand8BitGrayAndRGBReadExactly() throws {
        let gray = HandBuiltPNG.make(width: 2, height: 2, bitDepth: 8, colorType: 0, rows: [[0, 1], [254, 255]])
        #expect(try Image.decode(gray, path: "g.png") == Image(width: 2, height: 2, channels: 1, pixels: [0, 1, 254, 255]))
        let rgb = HandBuiltPNG.make(width: 1, height: 2, bitDepth: 8, colorType: 2, rows: [[9, 8, 7], [250, 128, 0]])
        #expect(try Image.decode(rgb, path: "c.png") == Image(width: 1, height: 2, channels: 3, pixels: [9, 8, 7, 250, 128, 0]))
    }

    @Test func paletteExpandsToRGBWithTransparencyOverBlack() throws {
        let plte: [UInt8] = [255, 0, 0, 0, 255, 0, 10, 20, 200]
        // Entry 2 is half transparent: round(10·128/255) = 5, round(20·128/255) = 10, round(200·128/255) = 100.
        let trns: [UInt8] = [255, 255, 128]
        let png = HandBuiltPNG.make(width: 3, height: 1, bitDepth: 8, colorType: 3, rows: [[2, 0, 1]],
                                    extraChunks: [("PLTE", plte), ("tRNS", trns)])
        let image = try Image.decode(png, path: "p.png")
        #expect(image.channels == 3)
        #expect(image.pixels == [5, 10, 100, 255, 0, 0, 0, 255, 0])
        let opaque = HandBuiltPNG.make(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[1, 2]], extraChunks: [("PLTE", plte)])
        #expect(try Image.decode(opaque, path: "p.png").pixels == [0, 255, 0, 10, 20, 200])
    }

    @Test func sixteenBitIsReducedToEightBits() throws {
        // Multiples of 257 map exactly: v16 = 257·v8.
        let values: [Int] = [0, 257 * 1, 257 * 128, 257 * 200, 65535]
        let row = values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let png = HandBuiltPNG.make(width: 5, height: 1, bitDepth: 16, colorType: 0, rows: [row])
        #expect(try Image.decode(png, path: "16.png").pixels == [0, 1, 128, 200, 255])
        // Between multiples, round(v / 257): 128 → 0.498 → 0, 129 → 0.502 → 1,
        // 32767 → 127.498 → 127, 32768 → 127.502 → 128.
        let between = [128, 129, 32767, 32768].flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        let png2 = HandBuiltPNG.make(width: 4, height: 1, bitDepth: 16, colorType: 0, rows: [between])
        #expect(try Image.decode(png2, path: "16.png").pixels == [0, 1, 127, 128])
        let rgb16 = HandBuiltPNG.make(width: 1, height: 1, bitDepth: 16, colorType: 2, rows: [[0xFF, 0xFF, 0x80, 0x80, 0, 0]])
        #expect(try Image.decode(rgb16, path: "16.png").pixels == [255, 128, 0])
        // 16-bit gray+alpha: gray 257·200 at alpha 0x8080 (128/255 of opaque) → round(200·128/255) = 100.
        let ga16 = HandBuiltPNG.make(width: 2, height: 1, bitDepth: 16, colorType: 4,
                                     rows: [[200, 200, 0x80, 0x80, 0xFF, 0xFF, 0xFF, 0xFF]])
        #expect(try Image.decode(ga16, path: "16.png").pixels == [100, 255])
    }

    @Test func lowBitDepthGrayIsScaled() throws {
        // 1-bit: 0 → 0, 1 → 255 (bits packed MSB first: 1010_0000).
        let png = HandBuiltPNG.make(width: 3, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_0000]])
        #expect(try Image.decode(png, path: "1.png").pixels == [255, 0, 255])
    }

    @Test func malformedPNGThrows() throws {
        let good = try Self.pattern(width: 6, height: 4, channels: 3).pngBytes()
        // Every truncation after the signature is a corrupt file.
        for length in 8..<good.count - 12 {  // the last 12 bytes are IEND, which libpng may not need
            expectMalformed(path: "bad.png") { try Image.decode(Array(good.prefix(length)), path: "bad.png") }
        }
        // A flipped CRC in IHDR.
        var badCRC = good
        badCRC[29] ^= 0xFF
        expectMalformed(path: "bad.png") { try Image.decode(badCRC, path: "bad.png") }
        // Signature then garbage.
        expectMalformed(path: "bad.png") { try Image.decode(PNGCodec.signature + [1, 2, 3, 4, 5], path: "bad.png") }
        // Zero width in IHDR, with a correct CRC.
        let zero = HandBuiltPNG.make(width: 0, height: 1, bitDepth: 8, colorType: 0, rows: [[]])
        expectMalformed(path: "bad.png") { try Image.decode(zero, path: "bad.png") }
    }

    @Test func unknownFormatAndMissingFile() {
        expectMalformed(path: "x.png", reasonContains: "unrecognised") { try Image.decode(Array("GIF89a".utf8), path: "x.png") }
        expectMalformed(path: "x.png", reasonContains: "unrecognised") { try Image.decode([], path: "x.png") }
        let missing = scratchPath("nope.png")
        expectMalformed(path: missing, reasonContains: "no such file") { try Image.load(path: missing) }
    }

    /// The format comes from the bytes: a PNG named .ppm and a .npy named .png both load.
    @Test func formatIsChosenByContentNotName() throws {
        let image = try Self.pattern(width: 3, height: 2, channels: 3)
        let pngNamedPPM = scratchPath("image.ppm")
        try image.writePNG(path: pngNamedPPM)
        #expect(try Image.load(path: pngNamedPPM) == image)
        let npyNamedPNG = scratchPath("image.png")
        try image.npyArray.write(path: npyNamedPNG)
        #expect(try Image.load(path: npyNamedPNG) == image)
    }

    @Test func rgbTensorIsScaledHWC() throws {
        let gray = try Image(width: 2, height: 1, channels: 1, pixels: [0, 255])
        let t = gray.rgbTensor()
        #expect(t.shape == TensorShape(height: 1, width: 2, channels: 3))
        #expect(t.scalars == [0, 0, 0, 1, 1, 1])
        let rgb = try Image(width: 1, height: 1, channels: 3, pixels: [51, 102, 255])
        #expect(rgb.rgbTensor().scalars == [0.2, 0.4, 1])
    }
}
