import Testing
@testable import SparseCNN

@Suite struct PNMTests {
    static func decode(_ text: String) throws -> Image { try Image.decode(Array(text.utf8), path: "t.pnm") }
    static func decode(_ bytes: [UInt8]) throws -> Image { try Image.decode(bytes, path: "t.pnm") }

    @Test func asciiGrayWithComments() throws {
        let image = try Self.decode("P2\n# made by hand\n3 2 # width height\n255\n0 10 20\n 30 40\t255\n")
        #expect(image == (try Image(width: 3, height: 2, channels: 1, pixels: [0, 10, 20, 30, 40, 255])))
    }

    @Test func asciiColour() throws {
        let image = try Self.decode("P3 2 1 255 255 0 0  1 2 3")
        #expect(image == (try Image(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 1, 2, 3])))
    }

    @Test func asciiSmallMaxvalIsRescaled() throws {
        // maxval 15: round(v·255/15) = 17·v; maxval 2: 0, round(127.5) = 128, 255.
        #expect(try Self.decode("P2 4 1 15 0 1 14 15").pixels == [0, 17, 238, 255])
        #expect(try Self.decode("P2 3 1 2 0 1 2").pixels == [0, 128, 255])
    }

    @Test func binaryGray() throws {
        let bytes = Array("P5\n2 2\n255\n".utf8) + [0, 128, 200, 255]
        #expect(try Self.decode(bytes) == (try Image(width: 2, height: 2, channels: 1, pixels: [0, 128, 200, 255])))
    }

    @Test func binaryColourAndRasterStartingWithWhitespaceByte() throws {
        // The first raster byte is 10 ('\n'): exactly one whitespace byte ends the header.
        let bytes = Array("P6 1 2 255\n".utf8) + [10, 20, 30, 40, 50, 32]
        #expect(try Self.decode(bytes) == (try Image(width: 1, height: 2, channels: 3, pixels: [10, 20, 30, 40, 50, 32])))
    }

    @Test func binarySixteenBitIsBigEndianAndRescaled() throws {
        // 65535 → 255, 0x8080 = 32896 → round(32896·255/65535) = 128, 257 → 1.
        let bytes = Array("P5 3 1 65535\n".utf8) + [0xFF, 0xFF, 0x80, 0x80, 0x01, 0x01]
        #expect(try Self.decode(bytes).pixels == [255, 128, 1])
    }

    @Test func trailingDataAfterFirstImageIsIgnored() throws {
        let bytes = Array("P5 1 1 255\n".utf8) + [7] + Array("P5 1 1 255\n".utf8) + [9]
        #expect(try Self.decode(bytes).pixels == [7])
    }

    static let malformed: [(bytes: [UInt8], reason: String)] = [
        (Array("P5 2 2 255\n".utf8) + [1, 2, 3], "raster is 3 bytes"),
        (Array("P5 2 2 255".utf8), "no single whitespace"),
        (Array("P6 1 1 65535\n".utf8) + [1, 2, 3, 4, 5], "needs 6"),
        (Array("P2 2 1 100 5 101".utf8), "above maxval 100"),
        (Array("P2 2 1 255 5".utf8), "ends after 1 of 2"),
        (Array("P2 2 1 255 5 x".utf8), "malformed sample 1"),
        (Array("P2 2 1 255 5 1x".utf8), "malformed sample 1"),
        (Array("P2 2".utf8), "height"),
        (Array("P2 0 2 255".utf8), "width 0"),
        (Array("P5 2 2 0\n".utf8), "maxval 0"),
        (Array("P5 2 2 65536\n".utf8), "maxval 65536"),
        (Array("P5 99999999999 2 255\n".utf8), "width"),
        (Array("P5 1048576 1048576 255\n".utf8), "too large"),
        (Array("P4 1 1\n".utf8) + [0], "P4 is not supported"),
        (Array("P7\nWIDTH 1\n".utf8), "P7 is not supported"),
        (Array("P52 2 255\n".utf8), "no whitespace after"),
        (Array("P".utf8), "not a PGM/PPM"),
    ]

    @Test(arguments: malformed)
    func malformedPNMThrows(bytes: [UInt8], reason: String) {
        expectMalformed(path: "t.pnm", reasonContains: reason) { try Self.decode(bytes) }
    }

    @Test func everyTruncationOfBinaryThrows() {
        let whole = Array("P6\n# c\n2 2\n255\n".utf8) + (0..<12).map { UInt8($0) }
        for length in 1..<whole.count {
            expectMalformed(path: "t.pnm") { try Self.decode(Array(whole.prefix(length))) }
        }
    }
}
