import Foundation

/// A directory of per-layer masks, as `sparsetile masks` and the demo write them:
/// `<layer>.pixel.npy` (the pixel mask over the layer's output map) and `<layer>.tile.npy` (a tile
/// mask over the tiles it was made for). Either file is enough:
///
/// * a `.tile.npy` whose grid is the requested tiling's over the layer's map is used as it is (it
///   may have been edited by hand);
/// * otherwise the tile mask is reduced from `.pixel.npy` at the requested tiling
///   (`TilingPolicy.tileMask`), so masks made for one tile size serve another;
/// * a `.tile.npy` for other tiles with no `.pixel.npy` beside it is an error, as is a layer with
///   neither file, or a pixel mask of another size than the layer's map.
///
/// A directory of **regional** masks (its summary.json says `"maskMode": "regional"`) holds tile
/// masks chosen tile-first at the tile size in its summary; its pixel masks are only their
/// refinement, and pooling them again would not give those tiles back. Its `.tile.npy` files are
/// therefore used as they are, at that tile size (`regionalTile`), and are required.
public struct MaskDirectory: Sendable {
    /// The masks of one layer.
    public struct LayerMasks: Sendable {
        public var tileMask: TileMask
        public var pixelMask: PixelMask?
        /// True when `tileMask` was reduced from the pixel mask (no `.tile.npy` for these tiles).
        public var reduced: Bool
    }

    public let path: String
    /// A regional directory's tile size of each layer (from its summary.json); nil for pixel masks.
    public let regionalTiles: [String: ImageSize]?

    /// Reads the directory's summary.json, when there is one, for how its masks were chosen.
    public init(path: String) throws {
        self.path = path
        let summaryPath = (path as NSString).appendingPathComponent("summary.json")
        guard let data = FileManager.default.contents(atPath: summaryPath) else { regionalTiles = nil; return }
        struct Layer: Decodable { var name: String; var tile: [Int]? }
        struct Header: Decodable { var maskMode: MaskMode?; var tile: [Int]?; var layers: [Layer]? }
        let h: Header
        do { h = try JSONDecoder().decode(Header.self, from: data) } catch {
            throw SparseCNNError.malformedFile(path: summaryPath, reason: "not a masks summary (\(error))")
        }
        guard h.maskMode == .regional else { regionalTiles = nil; return }
        func size(_ t: [Int]?, _ what: String) throws -> ImageSize {
            guard let t, t.count == 2 else {
                throw SparseCNNError.malformedFile(path: summaryPath, reason: "regional masks need \(what) \"tile\": [height, width]")
            }
            // Bounded like every size: a tile side near Int.max would overflow the tile counts.
            guard (1...ImageSize.maxSide).contains(t[0]), (1...ImageSize.maxSide).contains(t[1]) else {
                throw SparseCNNError.malformedFile(path: summaryPath, reason: "\(what) \"tile\" \(t) is not [height, width] with sides in 1...\(ImageSize.maxSide)")
            }
            return ImageSize(height: t[0], width: t[1])
        }
        var tiles: [String: ImageSize] = [:]
        for l in h.layers ?? [] { tiles[l.name] = try size(l.tile ?? h.tile, "layer \(l.name)'s") }
        regionalTiles = tiles
    }

    /// A regional directory's tile size for layer `name`.
    public func regionalTile(layer name: String) throws -> ImageSize {
        guard let tiles = regionalTiles else { throw SparseCNNError.invalidArgument("\(path) holds pixel masks, not regional ones") }
        guard let t = tiles[name] else {
            throw SparseCNNError.invalidArgument("\(path)/summary.json lists no regional mask for layer \(name)")
        }
        return t
    }

    /// A regional directory's tile mask of layer `name`, used as it is (at its tile size in summary.json).
    public func regionalTileMask(layer name: String, mapHeight: Int, mapWidth: Int) throws -> TileMask {
        let size = try regionalTile(layer: name)
        let th = size.height, tw = size.width
        let tilePath = (path as NSString).appendingPathComponent(name) + ".tile.npy"
        guard FileManager.default.fileExists(atPath: tilePath) else {
            throw SparseCNNError.invalidArgument("\(path) holds regional masks but no \(name).tile.npy for layer \(name)")
        }
        let t = try Self.read(tilePath)
        let wantHigh = (mapHeight + th - 1) / th, wantWide = (mapWidth + tw - 1) / tw
        guard t.height == wantHigh && t.width == wantWide else {
            throw SparseCNNError.shapeMismatch("\(tilePath) is \(t.height)x\(t.width) tiles; the directory's \(th)x\(tw) tiles over layer \(name)'s \(mapHeight)x\(mapWidth) map need \(wantHigh)x\(wantWide)")
        }
        return try TileMask(mapHeight: mapHeight, mapWidth: mapWidth, tileHeight: th, tileWidth: tw, bits: t.bits)
    }

    /// The masks of layer `name` (output map `mapHeight × mapWidth`) at `tiling`.
    public func masks(layer name: String, mapHeight: Int, mapWidth: Int, tiling: TilingPolicy) throws -> LayerMasks {
        if regionalTiles != nil {
            let t = try regionalTileMask(layer: name, mapHeight: mapHeight, mapWidth: mapWidth)
            guard t.tileHeight == tiling.tileHeight && t.tileWidth == tiling.tileWidth else {
                throw SparseCNNError.invalidArgument("\(path) holds regional masks; layer \(name)'s were chosen at \(t.tileHeight)x\(t.tileWidth) tiles and cannot serve \(tiling.tileHeight)x\(tiling.tileWidth) tiles (run `sparsetile masks --mode regional --tile \(tiling.tileHeight)x\(tiling.tileWidth)`)")
            }
            let pixelPath = (path as NSString).appendingPathComponent(name) + ".pixel.npy"
            let p = FileManager.default.fileExists(atPath: pixelPath) ? try Self.read(pixelPath) : nil
            if let p, p.height != mapHeight || p.width != mapWidth {
                throw SparseCNNError.shapeMismatch("\(pixelPath) is \(p.height)x\(p.width); layer \(name)'s output map is \(mapHeight)x\(mapWidth)")
            }
            return LayerMasks(tileMask: t, pixelMask: p, reduced: false)
        }
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
        let m = try tiling.tileMask(p)
        return LayerMasks(tileMask: m, pixelMask: p, reduced: true)
    }

    /// The masks of `layer` at `tiling`.
    public func masks(for layer: ConvLayerInfo, tiling: TilingPolicy) throws -> LayerMasks {
        try masks(layer: layer.name, mapHeight: layer.outputShape.height, mapWidth: layer.outputShape.width, tiling: tiling)
    }

    /// Layer `name`'s channel mask (`<layer>.channel.npy`: Cout flags, bool or uint8 0/1), if the
    /// directory holds one; `channels` is the layer's Cout.
    public func channelMask(layer name: String, channels: Int) throws -> ChannelMask? {
        let p = (path as NSString).appendingPathComponent(name) + ".channel.npy"
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        let a: NPYArray
        do { a = try NPYArray.read(path: p) } catch { throw SparseCNNError.invalidArgument("\(p): \(error)") }
        let flags: [Bool]
        switch a {
        case .bool(let shape, let v) where shape.count == 1: flags = v
        case .uint8(let shape, let v) where shape.count == 1 && v.allSatisfy { $0 <= 1 }: flags = v.map { $0 == 1 }
        default:
            throw SparseCNNError.invalidArgument("\(p): a channel mask is a 1-D array of bool or uint8 0/1, got \(a.dtype.rawValue) of shape \(a.shape)")
        }
        guard flags.count == channels else {
            throw SparseCNNError.shapeMismatch("\(p) has \(flags.count) channels; layer \(name) has \(channels) output channels")
        }
        return try ChannelMask(bits: flags)
    }

    static func read(_ path: String) throws -> PixelMask {
        do { return try PixelMask(npy: NPYArray.read(path: path)) } catch let e as SparseCNNError {
            // (the .npy reader's errors name the file already)
            if case .malformedFile = e { throw e }
            throw SparseCNNError.malformedFile(path: path, reason: "\(e)")
        } catch { throw SparseCNNError.malformedFile(path: path, reason: "\(error)") }
    }
}
