extension Image {
    /// An image from an array of shape [H, W] or [H, W, C] with C = 1, 3 or 4: uint8 as is, or
    /// float32 in 0...1 scaled as `round(v · 255)`. A fourth channel is alpha and is
    /// composited over black, `round(v · a / 255)`, as PNG alpha is.
    ///
    /// Throws `invalidArgument`/`shapeMismatch` naming the offending shape, dtype or value.
    public init(npy array: NPYArray) throws {
        let shape = array.shape
        guard shape.count == 2 || shape.count == 3 else {
            throw SparseCNNError.shapeMismatch("an image array must be H×W or H×W×C, got shape \(shape)")
        }
        let height = shape[0], width = shape[1]
        let inChannels = shape.count == 3 ? shape[2] : 1
        guard [1, 3, 4].contains(inChannels) else {
            throw SparseCNNError.shapeMismatch("an image array needs 1, 3 or 4 channels, got shape \(shape)")
        }
        guard height > 0, width > 0 else {
            throw SparseCNNError.invalidArgument("image array of shape \(shape) is empty")
        }
        let samples: [UInt8]
        switch array {
        case .uint8(_, let values):
            samples = values
        case .float32(_, let values):
            var out = [UInt8](repeating: 0, count: values.count)
            for (i, v) in values.enumerated() {
                // `!(v >= 0 && v <= 1)` also catches NaN.
                guard v >= 0 && v <= 1 else {
                    throw SparseCNNError.invalidArgument("float image element \(i) is \(v); values must lie in 0...1")
                }
                out[i] = UInt8((v * 255).rounded())
            }
            samples = out
        default:
            throw SparseCNNError.invalidArgument("an image array must be uint8 or float32 (0...1), got dtype '\(array.dtype.rawValue)'")
        }
        guard samples.count == height * width * inChannels else {
            throw SparseCNNError.shapeMismatch("image array of shape \(shape) holds \(samples.count) values")
        }
        guard inChannels == 4 else {
            try self.init(width: width, height: height, channels: inChannels, pixels: samples)
            return
        }
        var rgb = [UInt8]()
        rgb.reserveCapacity(height * width * 3)
        for p in 0..<(height * width) {
            let a = UInt32(samples[p * 4 + 3])
            for c in 0..<3 { rgb.append(UInt8((UInt32(samples[p * 4 + c]) * a + 127) / 255)) }
        }
        try self.init(width: width, height: height, channels: 3, pixels: rgb)
    }

    /// The image as a uint8 array of shape [H, W] (gray) or [H, W, 3] (RGB).
    public var npyArray: NPYArray {
        .uint8(shape: channels == 1 ? [height, width] : [height, width, 3], values: pixels)
    }
}
