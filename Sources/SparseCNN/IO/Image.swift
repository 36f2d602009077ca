/// An 8-bit image, interleaved, row-major: gray (1 channel) or RGB (3). RGBA inputs are
/// composited over black on load; 16-bit PNGs are reduced to 8 bits.
public struct Image: Hashable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else {
            throw SparseCNNError.invalidArgument("image \(width)x\(height) has a zero dimension")
        }
        guard channels == 1 || channels == 3 else {
            throw SparseCNNError.invalidArgument("image has \(channels) channels; 1 (gray) or 3 (RGB) are supported")
        }
        let (area, o1) = width.multipliedReportingOverflow(by: height)
        let (bytes, o2) = area.multipliedReportingOverflow(by: channels)
        guard !o1, !o2 else {
            throw SparseCNNError.invalidArgument("image \(width)x\(height)x\(channels) is too large to address")
        }
        guard pixels.count == bytes else {
            throw SparseCNNError.shapeMismatch("\(width)x\(height)x\(channels) image needs \(width * height * channels) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Reads PNG, PPM/PGM (binary P5/P6 and ASCII P2/P3) or .npy (H×W or H×W×C, uint8 or
    /// float32 in 0...1), chosen by the file's contents, not its name.
    ///
    /// - PNG (through libpng): any colour type and bit depth; palette expands to RGB, alpha is
    ///   composited over black (`round(v · a / 255)`), 16-bit samples become `round(v / 257)`.
    /// - PGM/PPM: maxval up to 65535, rescaled as `round(v · 255 / maxval)`.
    /// - .npy: see `init(npy:)`.
    ///
    /// Every unreadable or malformed file is a thrown `SparseCNNError.malformedFile`.
    public static func load(path: String) throws -> Image {
        try decode(readFileBytes(path: path), path: path)
    }

    /// Decodes the bytes of a PNG, PGM/PPM or .npy file, recognised by their magic bytes;
    /// `path` only names the file in errors. See `load(path:)`.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Image {
        if bytes.starts(with: PNGCodec.signature) {
            return try PNGCodec.decode(bytes, path: path)
        }
        if bytes.starts(with: [0x93] + Array("NUMPY".utf8)) {
            let array = try NPYArray.decode(bytes, path: path)
            do {
                return try Image(npy: array)
            } catch let error as SparseCNNError {
                throw SparseCNNError.malformedFile(path: path, reason: "not an image array: \(error)")
            }
        }
        if bytes.first == UInt8(ascii: "P") {
            return try PNMDecoder.decode(bytes, path: path)
        }
        throw SparseCNNError.malformedFile(
            path: path, reason: "unrecognised image format (expected PNG, PGM/PPM or .npy contents)")
    }

    /// Writes an 8-bit PNG (gray or RGB) through libpng.
    public func writePNG(path: String) throws {
        try writeFileBytes(pngBytes(), path: path)
    }

    /// The image encoded as an 8-bit PNG (gray or RGB).
    public func pngBytes() throws -> [UInt8] {
        try PNGCodec.encode(self)
    }

    /// The image as an RGB float tensor in 0...1, `value / 255` (gray is repeated over 3
    /// channels), the input layout the networks take.
    /// The image as a network's input in 0...1: RGB for 3 input channels, the mean of R, G and B
    /// for 1 (the one conversion every command uses).
    public func networkInput(channels: Int) throws -> FloatTensor {
        let rgb = rgbTensor()
        switch channels {
        case 3: return rgb
        case 1:
            var g = [Float](repeating: 0, count: rgb.shape.pixels)
            for i in g.indices { g[i] = (rgb.scalars[3 * i] + rgb.scalars[3 * i + 1] + rgb.scalars[3 * i + 2]) / 3 }
            return try FloatTensor(shape: TensorShape(height: rgb.height, width: rgb.width, channels: 1), scalars: g)
        default:
            throw SparseCNNError.invalidArgument("a network wanting \(channels) input channels cannot read an image: images give 1 (gray) or 3 (RGB)")
        }
    }

    public func rgbTensor() -> FloatTensor {
        var tensor = FloatTensor(shape: TensorShape(height: height, width: width, channels: 3), repeating: 0)
        let pixelCount = width * height
        for p in 0..<pixelCount {
            for c in 0..<3 {
                tensor.scalars[p * 3 + c] = Float(pixels[p * channels + (channels == 3 ? c : 0)]) / 255
            }
        }
        return tensor
    }
}
