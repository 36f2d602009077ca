/// Netpbm PGM/PPM decoding: binary P5/P6 and ASCII P2/P3, maxval 1...65535.
///
/// Samples are rescaled to 8 bits as `round(v · 255 / maxval)` (exact for maxval 255). Only
/// the first image of a multi-image binary file is read; what follows it is ignored, as the
/// Netpbm tools do.
enum PNMDecoder {
    static func decode(_ bytes: [UInt8], path: String) throws -> Image {
        func fail(_ reason: String) -> SparseCNNError { .malformedFile(path: path, reason: reason) }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P") else { throw fail("not a PGM/PPM file") }
        let kind = bytes[1]
        let channels: Int, ascii: Bool
        switch kind {
        case UInt8(ascii: "2"): (channels, ascii) = (1, true)
        case UInt8(ascii: "3"): (channels, ascii) = (3, true)
        case UInt8(ascii: "5"): (channels, ascii) = (1, false)
        case UInt8(ascii: "6"): (channels, ascii) = (3, false)
        default:
            throw fail("Netpbm type P\(Character(UnicodeScalar(kind))) is not supported (P2, P3, P5 and P6 are)")
        }
        var scanner = PNMScanner(bytes: bytes, pos: 2)
        guard scanner.atSeparator() else { throw fail("no whitespace after the P\(Character(UnicodeScalar(kind))) magic") }
        func headerField(_ name: String, range: ClosedRange<Int>) throws -> Int {
            guard let v = scanner.nextInteger() else { throw fail("missing or malformed \(name) in header") }
            guard range.contains(v) else { throw fail("\(name) \(v) is outside \(range.lowerBound)...\(range.upperBound)") }
            return v
        }
        let width = try headerField("width", range: 1...(1 << 20))
        let height = try headerField("height", range: 1...(1 << 20))
        let maxval = try headerField("maxval", range: 1...65535)
        let (pixelCount, overflow) = width.multipliedReportingOverflow(by: height)
        let count = pixelCount * channels
        guard !overflow, count <= (1 << 30) else { throw fail("\(width)x\(height) image is too large") }

        // Every sample takes at least one byte of the file, so a header promising more than the
        // file holds fails before anything that large is allocated.
        var pixels = [UInt8]()
        pixels.reserveCapacity(min(count, bytes.count))
        func append(_ v: Int, _ i: Int) throws {
            guard v <= maxval else { throw fail("sample \(i) is \(v), above maxval \(maxval)") }
            pixels.append(UInt8((v * 255 + maxval / 2) / maxval))
        }
        if ascii {
            for i in 0..<count {
                guard let v = scanner.nextInteger() else {
                    throw fail(scanner.atEnd ? "data ends after \(i) of \(count) samples" : "malformed sample \(i) in ASCII data")
                }
                try append(v, i)
            }
        } else {
            // Exactly one whitespace byte separates maxval from the raster.
            guard scanner.atWhitespace() else { throw fail("no single whitespace byte between header and raster") }
            let start = scanner.pos + 1
            let wide = maxval > 255
            let needed = count * (wide ? 2 : 1)
            let have = bytes.count - min(start, bytes.count)
            guard have >= needed else { throw fail("raster is \(have) bytes, \(width)x\(height)x\(channels) needs \(needed)") }
            for i in 0..<count {
                try append(wide ? Int(bytes[start + 2 * i]) << 8 | Int(bytes[start + 2 * i + 1]) : Int(bytes[start + i]), i)
            }
        }
        return try Image(width: width, height: height, channels: channels, pixels: pixels)
    }
}

/// Reads whitespace-separated decimal integers, skipping `#` comments to the end of the line.
private struct PNMScanner {
    let bytes: [UInt8]
    var pos: Int

    var atEnd: Bool { pos >= bytes.count }

    func atWhitespace() -> Bool { pos < bytes.count && isSpace(bytes[pos]) }

    func atSeparator() -> Bool { atWhitespace() || (pos < bytes.count && bytes[pos] == UInt8(ascii: "#")) }

    /// The next integer, or nil when none follows (end of file or a non-digit). Leaves `pos`
    /// on the byte right after the digits.
    mutating func nextInteger() -> Int? {
        skipSpaceAndComments()
        var value = 0, digits = 0
        while pos < bytes.count, bytes[pos] >= UInt8(ascii: "0"), bytes[pos] <= UInt8(ascii: "9") {
            value = value * 10 + Int(bytes[pos] - UInt8(ascii: "0"))
            digits += 1
            pos += 1
            if digits > 9 { return nil }  // far beyond any valid field; avoids overflow
        }
        guard digits > 0 else { return nil }
        // Digits must end at whitespace, a comment or the end of the file ("12x" is malformed).
        if pos < bytes.count && !atSeparator() { return nil }
        return value
    }

    private mutating func skipSpaceAndComments() {
        while pos < bytes.count {
            if isSpace(bytes[pos]) {
                pos += 1
            } else if bytes[pos] == UInt8(ascii: "#") {
                while pos < bytes.count && bytes[pos] != 0x0A && bytes[pos] != 0x0D { pos += 1 }
            } else {
                return
            }
        }
    }

    private func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C }
}
