import AcceleratorSpec

/// How a `TimingLayer`'s tile mask at a tile shape is obtained (docs/masks.md).
public enum TileSelection: Sendable {
    /// Pooled from the pixel mask (`TilingPolicy`, SBNet `max`): pixel mode; all tiles
    /// without a pixel mask.
    case pooled
    /// Regional mode: the `round(density · tiles)` best tiles at each shape.
    case regional(RegionalTiles, density: Double)
    /// This tile mask, at its own shape only (regional masks read from a mask directory).
    case fixed(TileMask)
}

/// A conv layer's shape and pixel mask without tensors: all that timing needs (the model's
/// cycles do not depend on values). Used by `sweep` and by the tile-shape mapper.
public struct TimingLayer: Sendable {
    public var name: String
    public var kernel: Int, stride: Int
    public var inHeight: Int, inWidth: Int, inChannels: Int, outChannels: Int
    public var residual: Bool
    /// Over the output map; nil = every tile active (in `.pooled` selection).
    public var pixelMask: PixelMask?
    /// How tile masks are chosen at each shape.
    public var selection: TileSelection = .pooled

    public init(name: String, kernel: Int, stride: Int, inHeight: Int, inWidth: Int, inChannels: Int, outChannels: Int,
                residual: Bool, pixelMask: PixelMask? = nil, selection: TileSelection = .pooled) {
        self.name = name; self.kernel = kernel; self.stride = stride; self.inHeight = inHeight; self.inWidth = inWidth
        self.inChannels = inChannels; self.outChannels = outChannels; self.residual = residual; self.pixelMask = pixelMask
        self.selection = selection
    }

    /// A network's conv layer (its shapes from the plan).
    public init(_ l: ConvLayerInfo, pixelMask: PixelMask? = nil, selection: TileSelection = .pooled) {
        self.init(name: l.name, kernel: l.kernel, stride: l.stride, inHeight: l.inputShape.height, inWidth: l.inputShape.width,
                  inChannels: l.inputShape.channels, outChannels: l.outputShape.channels, residual: l.residual != nil,
                  pixelMask: pixelMask, selection: selection)
    }

    /// The tile mask at `shape` (see `selection`): by default pooled from the pixel mask
    /// (`TilingPolicy`, SBNet `max` reduction, docs/masks.md), all ones without a pixel mask.
    public func tileMask(shape: TileShape) throws -> TileMask {
        let oh = (inHeight + stride - 1) / stride, ow = (inWidth + stride - 1) / stride
        switch selection {
        case .pooled: break
        case .regional(let tiles, let density):
            return try tiles.tileMask(tileHeight: shape.height, tileWidth: shape.width, density: density)
        case .fixed(let m):
            guard m.tileHeight == shape.height && m.tileWidth == shape.width else {
                throw AcceleratorSpecError.invalidLayer("layer \(name): its tile mask was chosen at \(m.tileHeight)x\(m.tileWidth) tiles, not \(shape.height)x\(shape.width)")
            }
            return m
        }
        if let p = pixelMask {
            return try TilingPolicy(tileHeight: shape.height, tileWidth: shape.width).tileMask(p)
        }
        return TileMask(mapHeight: oh, mapWidth: ow, tileHeight: shape.height, tileWidth: shape.width, repeating: true)
    }

    /// The tiles this layer's masks may use on `config` (`LayerPlan.maskTiles`: its shapes, and twice
    /// as wide where the layer takes output pairs, §3.3).
    public func maskTiles(config: HardwareConfig) -> [TileShape] {
        LayerPlan.maskTiles(kernel: kernel, stride: stride, inChannels: inChannels, outChannels: outChannels,
                            outWidth: (inWidth + stride - 1) / stride, config: config)
    }

    /// The pixel mask that goes with `tileMask`: as it is when pooled; restricted to the chosen
    /// tiles when they were chosen tile-first (a regional mask's pixel-wise refinement).
    public func refinedPixelMask(tileMask: TileMask) -> PixelMask? {
        if case .pooled = selection { return pixelMask }
        return pixelMask?.restricted(to: tileMask)
    }

    /// A timing-only job for `config` at tile shape `shape` (default: the full tile): zero tensors.
    public func job(config: HardwareConfig, shape: TileShape? = nil) throws -> LayerJob {
        let s = shape ?? TileShape(height: config.tileH, width: config.tileW)
        let oh = (inHeight + stride - 1) / stride, ow = (inWidth + stride - 1) / stride
        let t = try tileMask(shape: s)
        return try LayerJob(name: name, kernel: kernel, stride: stride, inHeight: inHeight, inWidth: inWidth,
                            inChannels: inChannels, outChannels: outChannels,
                            weights: [Int8](repeating: 0, count: outChannels * kernel * kernel * inChannels),
                            bias: [Int32](repeating: 0, count: outChannels),
                            input: [Int8](repeating: 0, count: inHeight * inWidth * inChannels),
                            residual: residual ? [Int8](repeating: 0, count: oh * ow * outChannels) : nil,
                            multiplier: 1, shift: 1, activation: .none, tileH: s.height, tileW: s.width,
                            tileMaskBits: t.bits, pixelMaskBits: refinedPixelMask(tileMask: t)?.bits)
    }
}
