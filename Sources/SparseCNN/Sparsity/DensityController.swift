/// An importance map with its pixels ranked, so the mask of any density is a prefix of the ranking.
///
/// Ranking: by importance, largest first; equal values (ties) in raster order (row by row, left
/// to right). A plain threshold cannot split a tie, so the mask of `k` pixels is "importance >
/// t, plus the first tied pixels at exactly t in raster order", where t is the k-th largest
/// value. Masks of increasing density are therefore nested, which makes every cost monotone.
public struct RankedImportance: Sendable {
    public let map: ImportanceMap
    /// Pixel indices in rank order.
    public let order: [Int32]

    public init(_ map: ImportanceMap) {
        self.map = map
        let v = map.values
        order = (0..<Int32(v.count)).sorted { a, b in
            let va = v[Int(a)], vb = v[Int(b)]
            return va != vb ? va > vb : a < b
        }
    }

    public var pixelCount: Int { order.count }

    /// Active pixels for `density`: `round(density · N)`, so the mask's density is within half a
    /// pixel (0.5 / N) of the target.
    public func activeCount(density: Double) -> Int {
        min(pixelCount, max(0, Int((density * Double(pixelCount)).rounded())))
    }

    /// The `k` highest-ranked pixels.
    public func mask(count k: Int) -> PixelMask {
        var bits = [Bool](repeating: false, count: pixelCount)
        for i in order.prefix(k) { bits[Int(i)] = true }
        return try! PixelMask(height: map.height, width: map.width, bits: bits)
    }

    public func mask(density: Double) -> PixelMask { mask(count: activeCount(density: density)) }

    /// The importance threshold of a `k`-pixel mask (the k-th largest value); nil for k = 0.
    public func threshold(count k: Int) -> Float? { k > 0 ? map.values[Int(order[k - 1])] : nil }
}

/// What a sparse layer costs. `MACCost` now; a cycle count from the hardware model later.
public protocol LayerCostModel: Sendable {
    /// Cost of `layer` run with `tileMask` (same unit for every layer, so costs add up).
    func cost(of layer: ConvLayerInfo, tileMask: TileMask) -> Double
}

/// Cost = MACs the tile-sparse layer computes (`ConvLayerInfo.sparseMACs`).
public struct MACCost: LayerCostModel {
    public init() {}
    public func cost(of layer: ConvLayerInfo, tileMask: TileMask) -> Double { Double(layer.sparseMACs(tileMask: tileMask)) }
}

/// Any cost given as a closure.
public struct ClosureCost: LayerCostModel {
    public let body: @Sendable (ConvLayerInfo, TileMask) -> Double
    public init(_ body: @escaping @Sendable (ConvLayerInfo, TileMask) -> Double) { self.body = body }
    public func cost(of layer: ConvLayerInfo, tileMask: TileMask) -> Double { body(layer, tileMask) }
}

/// How pixel masks become tile masks: tile size and SBNet reduction over each tile's own output
/// pixels (a pixel mask marks the output pixels that matter, so a tile is needed when one of its
/// own pixels is; the halo is read, not decided on; docs/masks.md).
public struct TilingPolicy: Hashable, Sendable {
    public var tileHeight: Int
    public var tileWidth: Int
    public var reduction: TileReduction

    public init(tileHeight: Int = 8, tileWidth: Int = 8, reduction: TileReduction = .max) {
        self.tileHeight = tileHeight
        self.tileWidth = tileWidth
        self.reduction = reduction
    }

    public func tileMask(_ pixels: PixelMask) throws -> TileMask {
        try TileMask(reducing: pixels, tileHeight: tileHeight, tileWidth: tileWidth, reduction: reduction)
    }
}

/// How a layer's masks are chosen (docs/masks.md): `pixel` ranks pixels and pools the pixel mask
/// into tiles (SBNet `reduce_mask`, halo included); `regional` ranks whole tiles by the importance
/// around them and keeps the pixel ranking only as a refinement inside the chosen tiles.
public enum MaskMode: String, Sendable, CaseIterable, Codable {
    case pixel, regional
}

/// The masks chosen for one conv layer.
public struct LayerMasks: Sendable {
    public var layer: ConvLayerInfo
    public var pixelMask: PixelMask
    public var tileMask: TileMask
    /// Importance threshold (the lowest selected value); nil when no pixel is active.
    public var threshold: Float?

    public init(layer: ConvLayerInfo, pixelMask: PixelMask, tileMask: TileMask, threshold: Float?) {
        self.layer = layer; self.pixelMask = pixelMask; self.tileMask = tileMask; self.threshold = threshold
    }
}

/// Chooses per-layer masks from one importance map (see docs/masks.md).
///
/// Density is per layer: every conv layer gets the same target density at its own output
/// resolution, met to within half a pixel (`|k/N − D| ≤ 0.5/N`). The network-level pixel
/// density (active pixels over all layers / all pixels) is then within `0.5·L / ΣN` of D.
public struct SparsityController: Sendable {
    public var layers: [ConvLayerInfo]
    public var ranked: [RankedImportance]
    public var tiling: TilingPolicy

    /// Resamples `map` to every layer's output size (area averaging) and ranks it.
    public init(layers: [ConvLayerInfo], map: ImportanceMap, tiling: TilingPolicy) {
        self.layers = layers
        self.tiling = tiling
        var cache: [ImageSize: RankedImportance] = [:]
        ranked = layers.map { l in
            let size = ImageSize(height: l.outputShape.height, width: l.outputShape.width)
            if let r = cache[size] { return r }
            let r = RankedImportance(map.resampled(height: size.height, width: size.width))
            cache[size] = r
            return r
        }
    }

    /// Masks at `density` (0 < density ≤ 1) for every layer. In `pixel` mode the density is the
    /// pixel mask's (the tile mask follows from pooling); in `regional` mode it is the tile mask's
    /// at `tiling`'s tile size, and the pixel mask is the pixel ranking's mask of that density
    /// restricted to the chosen tiles.
    public func masks(density: Double, mode: MaskMode = .pixel) throws -> [LayerMasks] {
        guard density > 0, density <= 1 else { throw SparseCNNError.invalidArgument("density \(density) must be in (0, 1]") }
        return try zip(layers, ranked).enumerated().map { i, lr in
            let (l, r) = lr
            let k = r.activeCount(density: density)
            let p = r.mask(count: k)
            switch mode {
            case .pixel:
                return LayerMasks(layer: l, pixelMask: p, tileMask: try tiling.tileMask(p), threshold: r.threshold(count: k))
            case .regional:
                let t = try regional(i).tileMask(tileHeight: tiling.tileHeight, tileWidth: tiling.tileWidth, density: density)
                return LayerMasks(layer: l, pixelMask: p.restricted(to: t), tileMask: t, threshold: r.threshold(count: k))
            }
        }
    }

    /// Layer `i`'s tiles ranked for regional masks (its importance at its output resolution, its halo).
    public func regional(_ i: Int) -> RegionalTiles {
        RegionalTiles(map: ranked[i].map, halo: layers[i].halo)
    }

    /// Total cost of a set of masks, and of the dense network, under `cost`.
    public func cost(_ masks: [LayerMasks], model cost: LayerCostModel) -> (sparse: Double, dense: Double) {
        var s = 0.0, d = 0.0
        for m in masks {
            s += cost.cost(of: m.layer, tileMask: m.tileMask)
            let all = TileMask(mapHeight: m.tileMask.mapHeight, mapWidth: m.tileMask.mapWidth,
                               tileHeight: m.tileMask.tileHeight, tileWidth: m.tileMask.tileWidth, repeating: true)
            d += cost.cost(of: m.layer, tileMask: all)
        }
        return (s, d)
    }

    /// The budget solution: the largest density D (the same for every layer) whose total cost
    /// is at most `fraction` of the dense cost, found by bisection (cost is monotone in D
    /// because masks are nested). Returns the density, the masks and the achieved fraction.
    public func masks(costFraction fraction: Double, model cost: LayerCostModel = MACCost(), mode: MaskMode = .pixel,
                      iterations: Int = 30) throws -> (density: Double, masks: [LayerMasks], achieved: Double)
    {
        guard fraction > 0, fraction <= 1 else { throw SparseCNNError.invalidArgument("MAC budget \(fraction) must be in (0, 1]") }
        func ratio(_ d: Double) throws -> (Double, [LayerMasks]) {
            let m = try masks(density: d, mode: mode)
            let c = self.cost(m, model: cost)
            return (c.dense > 0 ? c.sparse / c.dense : 0, m)
        }
        let full = try ratio(1)
        if full.0 <= fraction { return (1, full.1, full.0) }
        // Invariant: ratio(lo) <= fraction < ratio(hi) (lo = 0 means the empty masks).
        var lo = 0.0, hi = 1.0
        var best: (Double, [LayerMasks])?
        for _ in 0..<iterations {
            let mid = (lo + hi) / 2
            let r = try ratio(mid)
            if r.0 <= fraction { lo = mid; best = r } else { hi = mid }
        }
        if let best { return (lo, best.1, best.0) }
        // Even the smallest density searched exceeds the budget: report the lowest one tried.
        let r = try ratio(hi)
        return (hi, r.1, r.0)
    }
}
