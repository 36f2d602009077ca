import Testing
import FuzzSupport
@testable import SparseCNN

/// The PGM/PPM reader on thousands of mutated files: each is an image or a `malformedFile` error
/// naming the file, never a crash.
@Suite struct PNMFuzzTests {
    static func seeds() -> [[UInt8]] {
        var g = FuzzRNG(seed: 2)
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) } }
        return [
            Array("P2\n# a comment\n3 2\n255\n0 10 20\n30 40 255\n".utf8),
            Array("P3 2 1 15 15 0 0 1 2 3\n".utf8),
            Array("P5\n4 3\n255\n".utf8) + bytes(12),
            Array("P6 2 2 255\n".utf8) + bytes(12),
            Array("P5 3 1 65535\n".utf8) + bytes(6),
            Array("P6\n#c\n1 1\n1000\n".utf8) + [0x01, 0x00, 0x03, 0xE8, 0x00, 0x00],
        ]
    }

    @Test func mutatedPNMsDecodeOrFailClearly() {
        let tally = fuzz("pnm", seeds: Self.seeds(), count: 10000, seed: 0x504E4D,
                         read: { try checkImage(try Image.decode($0, path: "fuzz.pnm")) },
                         errorIsClear: { isMalformedFile($0, path: "fuzz.pnm") })
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.accepted > 0 && tally.rejected > 0, "\(tally)")
    }
}
