import Testing
import FuzzSupport
@testable import SparseCNN

/// The PNG reader (libpng through `PNGCodec`) on thousands of mutated PNGs: each is an image or a
/// `malformedFile` error naming the file, never a crash.
@Suite struct PNGFuzzTests {
    /// Valid PNGs of every colour type: libpng's own 8-bit gray and RGB, and hand-built palette,
    /// gray+alpha, RGBA 16-bit and 1-bit gray ones.
    static func seeds() throws -> [[UInt8]] {
        var g = FuzzRNG(seed: 1)
        func bytes(_ n: Int) -> [UInt8] { (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) } }
        return [
            try Image(width: 5, height: 3, channels: 1, pixels: bytes(15)).pngBytes(),
            try Image(width: 4, height: 4, channels: 3, pixels: bytes(48)).pngBytes(),
            HandBuiltPNG.make(width: 3, height: 2, bitDepth: 8, colorType: 3, rows: [[0, 1, 2], [2, 1, 0]],
                              extraChunks: [("PLTE", [255, 0, 0, 0, 255, 0, 0, 0, 255])]),
            HandBuiltPNG.make(width: 2, height: 2, bitDepth: 8, colorType: 4, rows: [bytes(4), bytes(4)]),
            HandBuiltPNG.make(width: 2, height: 1, bitDepth: 16, colorType: 6, rows: [bytes(16)]),
            HandBuiltPNG.make(width: 9, height: 2, bitDepth: 1, colorType: 0, rows: [bytes(2), bytes(2)]),
        ]
    }

    /// Recomputes every whole chunk's CRC, so a mutation reaches the chunk's meaning (sizes in
    /// IHDR, palette indices, compressed data) instead of stopping at the checksum.
    static func repairingCRCs(_ m: inout Mutator, _ seed: [UInt8]) -> [UInt8] {
        var b = m.mutate(seed)
        guard m.rng.below(2) == 0 else { return b }
        var at = 8
        while at + 12 <= b.count {
            let length = b[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
            guard length <= b.count - at - 12 else { break }
            let crc = HandBuiltPNG.crc32(Array(b[(at + 4)..<(at + 8 + length)]))
            b.replaceSubrange((at + 8 + length)..<(at + 12 + length), with: HandBuiltPNG.be32(Int(crc)))
            at += 12 + length
        }
        return b
    }

    @Test func mutatedPNGsDecodeOrFailClearly() throws {
        let tally = fuzz("png", seeds: try Self.seeds(), count: 8000, seed: 0x504E47, mutate: Self.repairingCRCs,
                         read: { try checkImage(try Image.decode($0, path: "fuzz.png")) },
                         errorIsClear: { isMalformedFile($0, path: "fuzz.png") })
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.accepted > 0 && tally.rejected > 0, "\(tally)")
    }

    /// A header promising a huge image in a tiny file is refused before anything that large is
    /// allocated (libpng's IHDR limit, then `maxDecodedBytes`).
    @Test func hugeDimensionsAreRefused() throws {
        for (w, h) in [(0x7FFF_FFFF, 1), (1_000_000, 1_000_000), (100_000, 3)] {
            let png = HandBuiltPNG.make(width: w, height: h, bitDepth: 8, colorType: 2, rows: [[1, 2, 3]])
            #expect(throws: Error.self) { try Image.decode(png, path: "huge.png") }
            do { _ = try Image.decode(png, path: "huge.png") } catch { #expect(isMalformedFile(error, path: "huge.png"), "\(error)") }
        }
    }
}
