import AcceleratorSpec

/// A conv layer's shape and pixel mask without tensors: all that timing needs (the model's
/// cycles do not depend on values). Used by `sweep` and by the tile-shape mapper.
public struct TimingLayer: Sendable {
    public var name: String
    public var kernel: Int, stride: Int
    public var inHeight: Int, inWidth: Int, inChannels: Int, outChannels: Int
    public var residual: Bool
    /// Over the output map; nil = every tile active.
    public var pixelMask: PixelMask?

    public init(name: String, kernel: Int, stride: Int, inHeight: Int, inWidth: Int, inChannels: Int, outChannels: Int,
                residual: Bool, pixelMask: PixelMask? = nil) {
        self.name = name; self.kernel = kernel; self.stride = stride; self.inHeight = inHeight; self.inWidth = inWidth
        self.inChannels = inChannels; self.outChannels = outChannels; self.residual = residual; self.pixelMask = pixelMask
    }

    /// The tile mask at `shape`: pooled from the pixel mask with the layer's halo (SBNet `max`
    /// reduction, docs/masks.md), all ones without a pixel mask.
    public func tileMask(shape: TileShape) throws -> TileMask {
        let oh = (inHeight + stride - 1) / stride, ow = (inWidth + stride - 1) / stride
        if let p = pixelMask {
            return try TileMask(reducing: p, tileHeight: shape.height, tileWidth: shape.width, halo: (kernel - 1) / 2)
        }
        return TileMask(mapHeight: oh, mapWidth: ow, tileHeight: shape.height, tileWidth: shape.width, repeating: true)
    }

    /// A timing-only job for `config` at tile shape `shape` (default: the full tile): zero tensors.
    public func job(config: HardwareConfig, shape: TileShape? = nil) throws -> LayerJob {
        let s = shape ?? TileShape(height: config.tileH, width: config.tileW)
        let oh = (inHeight + stride - 1) / stride, ow = (inWidth + stride - 1) / stride
        return try LayerJob(name: name, kernel: kernel, stride: stride, inHeight: inHeight, inWidth: inWidth,
                            inChannels: inChannels, outChannels: outChannels,
                            weights: [Int8](repeating: 0, count: outChannels * kernel * kernel * inChannels),
                            bias: [Int32](repeating: 0, count: outChannels),
                            input: [Int8](repeating: 0, count: inHeight * inWidth * inChannels),
                            residual: residual ? [Int8](repeating: 0, count: oh * ow * outChannels) : nil,
                            multiplier: 1, shift: 1, activation: .none, tileH: s.height, tileW: s.width,
                            tileMaskBits: try tileMask(shape: s).bits, pixelMaskBits: pixelMask?.bits)
    }
}
