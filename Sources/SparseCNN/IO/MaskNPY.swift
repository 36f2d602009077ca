extension PixelMask {
    /// A mask from a bool array, or a uint8 array of 0s and 1s, of shape [H, W] — the form
    /// masks are exchanged in with NumPy.
    ///
    /// Throws `shapeMismatch` for any other shape and `invalidArgument` for any other dtype or
    /// value, naming the first offending element.
    public init(npy array: NPYArray) throws {
        let shape = array.shape
        guard shape.count == 2 else {
            throw SparseCNNError.shapeMismatch("a pixel mask array must be 2-D [H, W], got shape \(shape)")
        }
        guard shape[0] > 0, shape[1] > 0 else {
            throw SparseCNNError.invalidArgument("pixel mask array of shape \(shape) is empty")
        }
        let bits: [Bool]
        switch array {
        case .bool(_, let values):
            bits = values
        case .uint8(_, let values):
            if let i = values.firstIndex(where: { $0 > 1 }) {
                throw SparseCNNError.invalidArgument(
                    "pixel mask element [\(i / shape[1]), \(i % shape[1])] is \(values[i]); a uint8 mask holds only 0 and 1")
            }
            bits = values.map { $0 == 1 }
        default:
            throw SparseCNNError.invalidArgument("a pixel mask array must be bool or uint8 (0/1), got dtype '\(array.dtype.rawValue)'")
        }
        try self.init(height: shape[0], width: shape[1], bits: bits)
    }

    /// The mask as a uint8 array of 0s and 1s, shape [height, width].
    public var npyArray: NPYArray {
        .uint8(shape: [height, width], values: bits.map { $0 ? 1 : 0 })
    }
}

extension TileMask {
    /// The mask as a uint8 array of 0s and 1s, shape [tilesHigh, tilesWide].
    public var npyArray: NPYArray {
        .uint8(shape: [tilesHigh, tilesWide], values: bits.map { $0 ? 1 : 0 })
    }
}
