import CLibPNG

// libpng's simplified API (png_image), used because it reports errors through return values
// and `message`; the classic API's setjmp/longjmp error handling cannot be used from Swift.
// Its macros do not import into Swift, so the values from png.h (libpng 1.6) are repeated here.
private let pngImageVersion: UInt32 = 1         // PNG_IMAGE_VERSION
private let pngFormatFlagAlpha: UInt32 = 0x01   // PNG_FORMAT_FLAG_ALPHA
private let pngFormatFlagColor: UInt32 = 0x02   // PNG_FORMAT_FLAG_COLOR
private let pngImageFlag16BitSRGB: UInt32 = 0x04  // PNG_IMAGE_FLAG_16BIT_sRGB

/// Largest decoded image accepted (bytes; 8192×8192 RGBA), so a hostile header in a small
/// file cannot make us allocate gigabytes before libpng finds the data missing.
private let maxDecodedBytes = 1 << 28

/// PNG encoding and decoding through libpng.
enum PNGCodec {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Decodes any PNG libpng reads (gray, gray+alpha, RGB, RGBA, palette; 1–16 bits) to 8-bit
    /// gray or RGB. Alpha is composited over black as `round(value · alpha / 255)`.
    ///
    /// 16-bit samples without gAMA/sRGB chunks are taken as sRGB-encoded (what nearly every
    /// writer means), so reducing them to 8 bits is a plain rescale rather than libpng's default
    /// linear-to-sRGB conversion, which would brighten them.
    static func decode(_ bytes: [UInt8], path: String) throws -> Image {
        func fail(_ reason: String) -> SparseCNNError { .malformedFile(path: path, reason: reason) }
        var png = png_image()
        png.version = pngImageVersion
        defer { png_image_free(&png) }

        // The buffer must stay valid from begin_read to finish_read, hence one closure.
        let result: Result<Image, SparseCNNError> = bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress,
                  png_image_begin_read_from_memory(&png, base, raw.count) != 0 else {
                return .failure(fail("not a readable PNG: \(message(png))"))
            }
            png.flags |= pngImageFlag16BitSRGB
            let color = png.format & pngFormatFlagColor != 0
            let alpha = png.format & pngFormatFlagAlpha != 0
            // 8-bit output, with alpha kept so we composite ourselves (libpng would composite in
            // linear light, which is correct but not what other tools produce).
            png.format = (color ? pngFormatFlagColor : 0) | (alpha ? pngFormatFlagAlpha : 0)
            let width = Int(png.width), height = Int(png.height)
            let inChannels = (color ? 3 : 1) + (alpha ? 1 : 0)
            let (pixelsCount, o1) = width.multipliedReportingOverflow(by: height)
            let (byteCount, o2) = pixelsCount.multipliedReportingOverflow(by: inChannels)
            guard width > 0, height > 0, !o1, !o2, byteCount <= maxDecodedBytes else {
                return .failure(fail("PNG of \(width)x\(height) is empty or too large to decode"))
            }
            var buffer = [UInt8](repeating: 0, count: byteCount)
            let ok = buffer.withUnsafeMutableBytes { out in
                png_image_finish_read(&png, nil, out.baseAddress, 0, nil)
            }
            guard ok != 0 else { return .failure(fail("corrupt PNG: \(message(png))")) }
            let outChannels = color ? 3 : 1
            let pixels = alpha ? compositeOverBlack(buffer, channels: outChannels) : buffer
            do {
                return .success(try Image(width: width, height: height, channels: outChannels, pixels: pixels))
            } catch {
                return .failure(fail("PNG decodes to an invalid image: \(error)"))
            }
        }
        return try result.get()
    }

    /// An 8-bit gray or RGB PNG of `image`.
    static func encode(_ image: Image) throws -> [UInt8] {
        var png = png_image()
        png.version = pngImageVersion
        png.width = UInt32(image.width)
        png.height = UInt32(image.height)
        png.format = image.channels == 3 ? pngFormatFlagColor : 0
        defer { png_image_free(&png) }
        return try image.pixels.withUnsafeBytes { pixels -> [UInt8] in
            // First pass measures, second writes: the documented way to size the buffer.
            var size = 0
            guard png_image_write_to_memory(&png, nil, &size, 0, pixels.baseAddress, 0, nil) != 0 else {
                throw SparseCNNError.invalidArgument("libpng cannot encode the image: \(message(png))")
            }
            var out = [UInt8](repeating: 0, count: size)
            let ok = out.withUnsafeMutableBytes { dst in
                png_image_write_to_memory(&png, dst.baseAddress, &size, 0, pixels.baseAddress, 0, nil)
            }
            guard ok != 0 else {
                throw SparseCNNError.invalidArgument("libpng cannot encode the image: \(message(png))")
            }
            return Array(out.prefix(size))
        }
    }

    /// Interleaved samples with a trailing alpha → the same without alpha, over black.
    private static func compositeOverBlack(_ samples: [UInt8], channels: Int) -> [UInt8] {
        let stride = channels + 1
        var out = [UInt8]()
        out.reserveCapacity(samples.count / stride * channels)
        var i = 0
        while i + stride <= samples.count {
            let a = UInt32(samples[i + channels])
            for c in 0..<channels {
                out.append(UInt8((UInt32(samples[i + c]) * a + 127) / 255))
            }
            i += stride
        }
        return out
    }

    private static func message(_ png: png_image) -> String {
        withUnsafeBytes(of: png.message) { raw in
            let text = raw.prefix { $0 != 0 }
            return text.isEmpty ? "unknown libpng error" : String(decoding: text, as: UTF8.self)
        }
    }
}
