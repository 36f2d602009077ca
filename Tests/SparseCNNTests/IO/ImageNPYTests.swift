import Testing
@testable import SparseCNN

@Suite struct ImageNPYTests {
    static func load(_ array: NPYArray) throws -> Image { try Image.decode(array.encode(), path: "i.npy") }

    @Test func uint8GrayAndRGB() throws {
        #expect(try Self.load(.uint8(shape: [1, 2], values: [3, 250])) == (try Image(width: 2, height: 1, channels: 1, pixels: [3, 250])))
        #expect(try Self.load(.uint8(shape: [2, 1, 1], values: [3, 250])) == (try Image(width: 1, height: 2, channels: 1, pixels: [3, 250])))
        #expect(try Self.load(.uint8(shape: [1, 1, 3], values: [1, 2, 3])).pixels == [1, 2, 3])
    }

    @Test func float32IsScaledAndRounded() throws {
        // round(0.5·255) = round(127.5) = 128; round(0.1·255) = round(25.5) = 26 (25.500000379).
        #expect(try Self.load(.float32(shape: [1, 4], values: [0, 0.5, 0.1, 1])).pixels == [0, 128, 26, 255])
    }

    @Test func fourChannelsCompositeOverBlack() throws {
        #expect(try Self.load(.uint8(shape: [1, 1, 4], values: [200, 100, 50, 51])).pixels == [40, 20, 10])
        #expect(try Self.load(.float32(shape: [1, 1, 4], values: [1, 1, 1, 0])).pixels == [0, 0, 0])
    }

    @Test func imageRoundTripsThroughNPY() throws {
        let image = try Image(width: 2, height: 2, channels: 3, pixels: (0..<12).map { UInt8($0 * 20) })
        #expect(try Self.load(image.npyArray) == image)
    }

    static let rejected: [(NPYArray, String)] = [
        (.float32(shape: [1, 2], values: [0.5, 1.5]), "element 1 is 1.5"),
        (.float32(shape: [1, 1], values: [-0.25]), "0...1"),
        (.float32(shape: [1, 1], values: [.nan]), "0...1"),
        (.int32(shape: [1, 1], values: [1]), "'<i4'"),
        (.bool(shape: [1, 1], values: [true]), "'|b1'"),
        (.uint8(shape: [4], values: [1, 2, 3, 4]), "H×W"),
        (.uint8(shape: [1, 1, 2], values: [1, 2]), "1, 3 or 4 channels"),
        (.uint8(shape: [0, 3], values: []), "empty"),
    ]

    @Test(arguments: rejected)
    func nonImageArraysAreMalformedImages(array: NPYArray, reason: String) {
        expectMalformed(path: "i.npy", reasonContains: reason) { try Self.load(array) }
    }
}
