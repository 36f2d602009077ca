// API pinned by the lead; bodies are filled in by the I/O work (issue 2).

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
        guard pixels.count == width * height * channels else {
            throw SparseCNNError.shapeMismatch("\(width)x\(height)x\(channels) image needs \(width * height * channels) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Reads PNG, PPM/PGM (binary P5/P6 and ASCII P2/P3) or .npy (H×W or H×W×C, uint8 or
    /// float32 in 0...1), chosen by the file's contents, not its name.
    public static func load(path: String) throws -> Image { fatalError("stub") }

    /// Writes a PNG (gray or RGB) through libpng.
    public func writePNG(path: String) throws { fatalError("stub") }

    /// Area-averaging resize: each output pixel is the mean of the input area it covers,
    /// with fractional coverage weighted exactly (box filter), rounded to nearest.
    public func resized(height newHeight: Int, width newWidth: Int) throws -> Image { fatalError("stub") }

    /// The image as an RGB float tensor in 0...1 (gray is repeated over 3 channels).
    public func rgbTensor() -> FloatTensor { fatalError("stub") }

    /// The image with `mask` (any size; nearest-neighbour scaled to the image) drawn over it:
    /// active pixels keep their colour, inactive ones are dimmed and tinted, tile edges outlined
    /// when `tileMask` is given.
    public func overlay(_ mask: PixelMask, tileMask: TileMask? = nil) -> Image { fatalError("stub") }
}
