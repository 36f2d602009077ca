/// One bool per output pixel of a layer: true where the layer's output matters.
public struct PixelMask: Hashable, Sendable {
    public let height: Int
    public let width: Int
    /// Row-major, `height × width`.
    public var bits: [Bool]

    public init(height: Int, width: Int, bits: [Bool]) throws {
        guard height > 0, width > 0 else {
            throw SparseCNNError.invalidArgument("pixel mask \(height)x\(width) has a zero dimension")
        }
        guard bits.count == height * width else {
            throw SparseCNNError.shapeMismatch("pixel mask \(height)x\(width) needs \(height * width) values, got \(bits.count)")
        }
        self.height = height
        self.width = width
        self.bits = bits
    }

    public init(height: Int, width: Int, repeating value: Bool) {
        precondition(height > 0 && width > 0, "pixel mask \(height)x\(width) has a zero dimension")
        self.height = height
        self.width = width
        self.bits = Array(repeating: value, count: height * width)
    }

    @inlinable public subscript(y: Int, x: Int) -> Bool {
        get { bits[y * width + x] }
        set { bits[y * width + x] = newValue }
    }

    public var activeCount: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }
    /// Fraction of pixels that are active.
    public var density: Double { Double(activeCount) / Double(bits.count) }
}

/// One bool per output tile of `tileHeight × tileWidth` pixels: the granularity at which the
/// accelerator (and the SBNet-style software path) skips work. Edge tiles may be partial.
public struct TileMask: Hashable, Sendable {
    /// Output map the tiles cover.
    public let mapHeight: Int
    public let mapWidth: Int
    public let tileHeight: Int
    public let tileWidth: Int
    /// Row-major, `tilesHigh × tilesWide`.
    public var bits: [Bool]

    public var tilesHigh: Int { (mapHeight + tileHeight - 1) / tileHeight }
    public var tilesWide: Int { (mapWidth + tileWidth - 1) / tileWidth }

    public init(mapHeight: Int, mapWidth: Int, tileHeight: Int, tileWidth: Int, bits: [Bool]) throws {
        guard mapHeight > 0, mapWidth > 0, tileHeight > 0, tileWidth > 0 else {
            throw SparseCNNError.invalidArgument("tile mask for a \(mapHeight)x\(mapWidth) map in \(tileHeight)x\(tileWidth) tiles has a zero dimension")
        }
        let th = (mapHeight + tileHeight - 1) / tileHeight, tw = (mapWidth + tileWidth - 1) / tileWidth
        guard bits.count == th * tw else {
            throw SparseCNNError.shapeMismatch("a \(mapHeight)x\(mapWidth) map in \(tileHeight)x\(tileWidth) tiles has \(th)x\(tw) tiles, mask has \(bits.count) values")
        }
        self.mapHeight = mapHeight
        self.mapWidth = mapWidth
        self.tileHeight = tileHeight
        self.tileWidth = tileWidth
        self.bits = bits
    }

    public init(mapHeight: Int, mapWidth: Int, tileHeight: Int, tileWidth: Int, repeating value: Bool) {
        let th = (mapHeight + tileHeight - 1) / tileHeight, tw = (mapWidth + tileWidth - 1) / tileWidth
        try! self.init(mapHeight: mapHeight, mapWidth: mapWidth, tileHeight: tileHeight, tileWidth: tileWidth,
                       bits: Array(repeating: value, count: th * tw))
    }

    @inlinable public subscript(ty: Int, tx: Int) -> Bool {
        get { bits[ty * tilesWide + tx] }
        set { bits[ty * tilesWide + tx] = newValue }
    }

    public var activeCount: Int { bits.reduce(0) { $0 + ($1 ? 1 : 0) } }
    public var density: Double { Double(activeCount) / Double(bits.count) }

    /// Active tiles in raster order (row of tiles by row of tiles), the order the accelerator's
    /// mask scanner visits them.
    public var activeTiles: [(ty: Int, tx: Int)] {
        var out: [(Int, Int)] = []
        for ty in 0..<tilesHigh { for tx in 0..<tilesWide where self[ty, tx] { out.append((ty, tx)) } }
        return out
    }

    /// Output pixel rectangle of tile (ty, tx), clipped at the map's edge.
    public func pixelRange(ty: Int, tx: Int) -> (rows: Range<Int>, cols: Range<Int>) {
        let y0 = ty * tileHeight, x0 = tx * tileWidth
        return (y0..<min(y0 + tileHeight, mapHeight), x0..<min(x0 + tileWidth, mapWidth))
    }
}
