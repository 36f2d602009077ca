import Testing
import FuzzSupport
@testable import SparseCNN

/// The .npy reader on thousands of mutated files: each is an array or a `malformedFile` error
/// naming the file, never a crash. What reads arrays further — images (`Image(npy:)`) and pixel
/// masks (`PixelMask(npy:)`) — takes every accepted array and returns or throws.
@Suite struct NPYFuzzTests {
    static func seeds() -> [[UInt8]] {
        var arrays: [NPYArray] = [
            .uint8(shape: [2, 3], values: [0, 1, 1, 0, 1, 0]),
            .bool(shape: [3, 2], values: [true, false, true, true, false, false]),
            .int8(shape: [4], values: [-128, -1, 0, 127]),
            .int32(shape: [2, 2], values: [Int32.min, -1, 0, Int32.max]),
            .float32(shape: [2, 2, 3], values: (0..<12).map { Float($0) / 11 }),
            .uint8(shape: [], values: [7]),
            .float32(shape: [0, 3], values: []),
        ]
        arrays.append(.uint8(shape: [2, 2, 3], values: (0..<12).map { UInt8($0 * 20) }))
        var seeds = arrays.map { $0.encode() }
        // Format 2.0: a 32-bit header length.
        var v2 = arrays[0].encode()
        let headerLength = Int(v2[8]) | Int(v2[9]) << 8
        v2[6] = 2
        v2.replaceSubrange(8..<10, with: [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8), 0, 0])
        seeds.append(v2)
        return seeds
    }

    @Test func mutatedNPYFilesDecodeOrFailClearly() throws {
        let tally = fuzz("npy", seeds: Self.seeds(), count: 10000, seed: 0x4E5059, read: { bytes in
            let a = try NPYArray.decode(bytes, path: "fuzz.npy")
            // What it holds matches its shape, and it is written back as read (bit for bit: a
            // NaN is not equal to itself).
            let count = a.shape.reduce(1, *)
            guard a.shape.allSatisfy({ $0 >= 0 }), (try? NPYArray.decode(a.encode(), path: "again.npy"))?.encode() == a.encode() else {
                throw FuzzCheckFailure("an array of shape \(a.shape) (\(count) elements) that does not read back")
            }
            // Readers built on it: each returns or throws an error of its own.
            do { try checkImage(try Image(npy: a)) } catch is SparseCNNError {}
            do { _ = try PixelMask(npy: a) } catch is SparseCNNError {}
        }, errorIsClear: { isMalformedFile($0, path: "fuzz.npy") })
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.accepted > 0 && tally.rejected > 0, "\(tally)")
    }
}
