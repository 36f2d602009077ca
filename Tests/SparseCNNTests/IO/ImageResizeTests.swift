import Testing
@testable import SparseCNN

@Suite struct ImageResizeTests {
    @Test func fourByFourToTwoByTwoIsBlockMeans() throws {
        let image = try Image(width: 4, height: 4, channels: 1, pixels: [
            1, 2, 10, 10,
            3, 4, 10, 11,
            0, 0, 255, 255,
            0, 1, 255, 254,
        ])
        // Means: 10/4 = 2.5 → 3 (halves round up), 41/4 = 10.25 → 10, 1/4 → 0, 1019/4 = 254.75 → 255.
        let small = try image.resized(height: 2, width: 2)
        #expect(small == (try Image(width: 2, height: 2, channels: 1, pixels: [3, 10, 0, 255])))
    }

    @Test func threeByThreeToTwoByTwoWeighsFractionalCoverage() throws {
        // Each output pixel covers 1.5×1.5 inputs: its own corner fully (weight 1), the middle
        // row/column halfway (½), the centre a quarter (¼); divided by 2.25. In ninths: 4, 2, 2, 1.
        let image = try Image(width: 3, height: 3, channels: 1, pixels: [
            0, 90, 9,
            180, 9, 0,
            30, 60, 90,
        ])
        // (0,0): (4·0 + 2·90 + 2·180 + 1·9)/9 = 549/9 = 61
        // (0,1): (4·9 + 2·90 + 2·0 + 1·9)/9 = 225/9 = 25
        // (1,0): (4·30 + 2·60 + 2·180 + 1·9)/9 = 609/9 = 67.67 → 68
        // (1,1): (4·90 + 2·60 + 2·0 + 1·9)/9 = 489/9 = 54.33 → 54
        #expect(try image.resized(height: 2, width: 2).pixels == [61, 25, 68, 54])
    }

    @Test func rgbChannelsAreResizedIndependently() throws {
        let image = try Image(width: 2, height: 1, channels: 3, pixels: [0, 100, 255, 10, 101, 255])
        // Means: 5, 100.5 → 101, 255.
        #expect(try image.resized(height: 1, width: 1).pixels == [5, 101, 255])
    }

    @Test func upscalingBlendsAtSeams() throws {
        // 2 → 3 columns: outputs cover [0, ⅔), [⅔, 1⅓), [1⅓, 2): v0, (v0 + v1)/2, v1.
        let image = try Image(width: 2, height: 1, channels: 1, pixels: [10, 21])
        #expect(try image.resized(height: 1, width: 3).pixels == [10, 16, 21])
        // 1 → 2 rows repeats.
        #expect(try image.resized(height: 2, width: 2).pixels == [10, 21, 10, 21])
    }

    @Test func sameSizeIsIdentity() throws {
        let image = try Image(width: 5, height: 3, channels: 3, pixels: (0..<45).map { UInt8($0 * 5) })
        #expect(try image.resized(height: 3, width: 5) == image)
    }

    @Test(arguments: [(7, 5), (3, 11), (9, 9), (1, 1), (4, 13)])
    func constantStaysConstant(height: Int, width: Int) throws {
        for value: UInt8 in [0, 1, 127, 254, 255] {
            let image = try Image(width: 6, height: 5, channels: 3, pixels: Array(repeating: value, count: 90))
            let out = try image.resized(height: height, width: width)
            #expect(out.height == height && out.width == width && out.channels == 3)
            #expect(out.pixels.allSatisfy { $0 == value })
        }
    }

    @Test func bundledImageDownscales() throws {
        let camera = try Image.load(path: Image.bundledDefaultPath)
        let small = try camera.resized(height: 224, width: 224)
        #expect(small.width == 224 && small.height == 224 && small.channels == 1)
        // Area averaging preserves the mean brightness to within rounding.
        let mean = { (img: Image) in Double(img.pixels.reduce(0) { $0 + Int($1) }) / Double(img.pixels.count) }
        #expect(abs(mean(camera) - mean(small)) < 0.5)
    }

    @Test func rejectsNonPositiveSizes() throws {
        let image = try Image(width: 2, height: 2, channels: 1, pixels: [0, 0, 0, 0])
        #expect(throws: SparseCNNError.self) { try image.resized(height: 0, width: 2) }
        #expect(throws: SparseCNNError.self) { try image.resized(height: 2, width: -1) }
    }
}
