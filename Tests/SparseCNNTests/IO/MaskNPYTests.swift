import Testing
@testable import SparseCNN

@Suite struct MaskNPYTests {
    @Test func pixelMaskRoundTripsAsUInt8() throws {
        let mask = try PixelMask(height: 2, width: 3, bits: [true, false, true, false, false, true])
        #expect(mask.npyArray == .uint8(shape: [2, 3], values: [1, 0, 1, 0, 0, 1]))
        #expect(try PixelMask(npy: mask.npyArray) == mask)
        let decoded = try NPYArray.decode(mask.npyArray.encode(), path: "m.npy")
        #expect(try PixelMask(npy: decoded) == mask)
    }

    @Test func pixelMaskFromBoolArray() throws {
        let mask = try PixelMask(npy: .bool(shape: [1, 2], values: [false, true]))
        #expect(mask.height == 1 && mask.width == 2 && mask.bits == [false, true])
    }

    @Test func pixelMaskRejectsOtherValuesShapesAndDtypes() {
        #expect(throws: SparseCNNError.invalidArgument("pixel mask element [1, 0] is 2; a uint8 mask holds only 0 and 1")) {
            try PixelMask(npy: .uint8(shape: [2, 2], values: [0, 1, 2, 0]))
        }
        #expect(throws: SparseCNNError.self) { try PixelMask(npy: .uint8(shape: [2, 2, 1], values: [0, 1, 1, 0])) }
        #expect(throws: SparseCNNError.self) { try PixelMask(npy: .uint8(shape: [4], values: [0, 1, 1, 0])) }
        #expect(throws: SparseCNNError.self) { try PixelMask(npy: .uint8(shape: [0, 4], values: [])) }
        #expect(throws: SparseCNNError.self) { try PixelMask(npy: .float32(shape: [1, 1], values: [1])) }
        #expect(throws: SparseCNNError.self) { try PixelMask(npy: .int8(shape: [1, 1], values: [1])) }
    }

    @Test func tileMaskIsTilesHighByTilesWide() throws {
        // 5×7 map in 2×3 tiles: 3 × 3 tiles, edges partial.
        let tiles = try TileMask(mapHeight: 5, mapWidth: 7, tileHeight: 2, tileWidth: 3,
                                 bits: [true, false, false, false, true, false, false, false, true])
        #expect(tiles.npyArray == .uint8(shape: [3, 3], values: [1, 0, 0, 0, 1, 0, 0, 0, 1]))
    }
}
