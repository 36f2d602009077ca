import Foundation

/// A directory of per-layer masks, as `sparsetile masks` and the demo write them:
/// `<layer>.pixel.npy` (the pixel mask over the layer's output map) and `<layer>.tile.npy` (a tile
/// mask over the tiles it was made for). Either file is enough:
///
/// * a `.tile.npy` whose grid is the requested tiling's over the layer's map is used as it is (it
///   may have been edited by hand);
/// * otherwise the tile mask is reduced from `.pixel.npy` at the requested tiling (each tile grown
///   by the layer's halo, `TileMask(reducing:…)`), so masks made for one tile size serve another;
/// * a `.tile.npy` for other tiles with no `.pixel.npy` beside it is an error, as is a layer with
///   neither file, or a pixel mask of another size than the layer's map.
public struct MaskDirectory: Sendable {
    /// The masks of one layer.
    public struct LayerMasks: Sendable {
        public var tileMask: TileMask
        public var pixelMask: PixelMask?
        /// True when `tileMask` was reduced from the pixel mask (no `.tile.npy` for these tiles).
        public var reduced: Bool
    }

    public let path: String
    public init(path: String) { self.path = path }

    /// The masks of layer `name` (output map `mapHeight × mapWidth`, kernel halo `halo`) at `tiling`.
    public func masks(layer name: String, mapHeight: Int, mapWidth: Int, halo: Int, tiling: TilingPolicy) throws -> LayerMasks {
        let base = (path as NSString).appendingPathComponent(name)
        let tilePath = base + ".tile.npy", pixelPath = base + ".pixel.npy"
        let fm = FileManager.default
        var pixels: PixelMask?
        if fm.fileExists(atPath: pixelPath) {
            let p = try Self.read(pixelPath)
            guard p.height == mapHeight && p.width == mapWidth else {
                throw SparseCNNError.shapeMismatch("\(pixelPath) is \(p.height)x\(p.width); layer \(name)'s output map is \(mapHeight)x\(mapWidth)")
            }
            pixels = p
        }
        let wantHigh = (mapHeight + tiling.tileHeight - 1) / tiling.tileHeight
        let wantWide = (mapWidth + tiling.tileWidth - 1) / tiling.tileWidth
        if fm.fileExists(atPath: tilePath) {
            let t = try Self.read(tilePath)  // the same 0/1 validation; reinterpreted as tiles
            if t.height == wantHigh && t.width == wantWide {
                let m = try TileMask(mapHeight: mapHeight, mapWidth: mapWidth, tileHeight: tiling.tileHeight,
                                     tileWidth: tiling.tileWidth, bits: t.bits)
                return LayerMasks(tileMask: m, pixelMask: pixels, reduced: false)
            }
            guard pixels != nil else {
                throw SparseCNNError.shapeMismatch("\(tilePath) is \(t.height)x\(t.width) tiles; \(tiling.tileHeight)x\(tiling.tileWidth) tiles over \(mapHeight)x\(mapWidth) need \(wantHigh)x\(wantWide), and there is no \(name).pixel.npy to reduce again")
            }
        }
        guard let p = pixels else {
            throw SparseCNNError.invalidArgument("\(path) has no mask for layer \(name) (\(name).pixel.npy or \(name).tile.npy)")
        }
        let m = try TileMask(reducing: p, tileHeight: tiling.tileHeight, tileWidth: tiling.tileWidth, halo: halo, reduction: tiling.reduction)
        return LayerMasks(tileMask: m, pixelMask: p, reduced: true)
    }

    /// The masks of `layer` at `tiling`.
    public func masks(for layer: ConvLayerInfo, tiling: TilingPolicy) throws -> LayerMasks {
        try masks(layer: layer.name, mapHeight: layer.outputShape.height, mapWidth: layer.outputShape.width,
                  halo: layer.halo, tiling: tiling)
    }

    static func read(_ path: String) throws -> PixelMask {
        do { return try PixelMask(npy: NPYArray.read(path: path)) } catch { throw SparseCNNError.invalidArgument("\(path): \(error)") }
    }
}
