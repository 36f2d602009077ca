import AcceleratorSpec

/// Masks chosen to meet a cycle budget (docs/masks.md "Cycle budget"): the whole network's model
/// cycles, its layers back to back with weight handoff, at most `budget` and as close to it as the
/// tile granularity allows, keeping as much importance as the budget buys.
///
/// Tiles are chosen whole (regional masks). Each layer's importance is shared out over its tiles
/// (a tile's share: its regional score × its pixels, over the layer's total, so a layer's whole
/// map is worth 1), and a layer weighs as much as its share of the dense network's cycles: the
/// network's **importance kept** is Σ weight × (shares of the active tiles), 0...1, the share of
/// the network's work that lands on what matters. (Weighting every layer alike instead would
/// starve the costliest layers: an SRResNet's 9×9 output conv would get no tile at all, and the
/// image would be black.) A tile costs about its layer's marginal cycles per tile (the layer's
/// cycles with every tile active minus with none, over its tiles). Taking tiles in order of
/// importance per cycle, best first, is the greedy answer of this knapsack; the longest prefix
/// whose *model* cycles fit the budget is found by bisection over the prefix length, so the
/// budget is met on the model's own count, not on the linear estimate. A layer's density follows
/// how concentrated its importance is and what its tiles cost, instead of one density for all.
///
/// Each layer runs at one tile shape: first the mapper's best at the budget's overall fraction,
/// then, once, at the density the first solution gave it.
public struct CycleBudget: Sendable {
    /// One layer's part of a solution.
    public struct Layer: Sendable {
        public var name: String
        public var tileMask: TileMask
        /// Model cycles of this layer in the network run (weight handoff included).
        public var cycles: Int
        /// Share of the layer's importance the active tiles hold, 0...1.
        public var importanceKept: Double
        /// The layer's weight in the network's importance: its share of the dense cycles.
        public var weight: Double
    }

    /// A solution: the masks, and what the model says of them.
    public struct Solution: Sendable {
        public var layers: [Layer]
        /// The network's model cycles with these masks.
        public var cycles: Int
        /// With every tile active, each layer at its best shape (the dense baseline).
        public var denseCycles: Int
        /// With no tile active at all: the least any masks can give at these shapes.
        public var minimumCycles: Int
        public var budget: Int
        /// Σ weight × importance kept over the layers, 0...1.
        public var importanceKept: Double { layers.reduce(0) { $0 + $1.weight * $1.importanceKept } }
    }

    public let config: HardwareConfig
    /// The conv layers in network order; their `pixelMask` (if any) only feeds the bound.
    public let layers: [TimingLayer]
    /// Each layer's tile ranking (its importance at its output resolution, its halo).
    public let tiles: [RegionalTiles]
    /// Layers evaluated at once.
    public var jobs: Int

    public init(config: HardwareConfig, layers: [TimingLayer], tiles: [RegionalTiles], jobs: Int = ParallelWork.defaultJobs) {
        precondition(layers.count == tiles.count, "one tile ranking per layer")
        self.config = config; self.layers = layers; self.tiles = tiles; self.jobs = jobs
    }

    /// The network's cycles, layer by layer, with these tile masks (layers back to back with
    /// weight handoff, as `simulate` runs them).
    public func layerCycles(_ masks: [TileMask]) throws -> [Int] {
        let model = TileModel(config: config)
        let jobs = try zip(layers, masks).map { l, m in
            var fixed = l
            fixed.selection = .fixed(m)
            return try fixed.job(config: config, shape: TileShape(height: m.tileHeight, width: m.tileWidth))
        }
        let handoffs = WeightHandoff.chain(try jobs.map { try LayerPlan(job: $0, config: config) }, masks: jobs.map(\.tileMask))
        return try ParallelWork.map(jobs.count, jobs: self.jobs) { i in
            var j = jobs[i]
            j.handoff = handoffs[i]
            return try model.cycles(j)
        }
    }

    /// The network's cycles with every tile active, each layer at its best shape: the dense
    /// baseline budgets are measured against.
    public func denseCycles() throws -> Int {
        let model = TileModel(config: config)
        let dense = try layers.map { l -> TileMask in
            var all = l
            all.pixelMask = nil
            all.selection = .pooled
            return try all.tileMask(shape: model.bestShape(for: all))
        }
        return try layerCycles(dense).reduce(0, +)
    }

    /// The masks for `budget` cycles. Throws when even empty masks exceed it, naming the minimum.
    public func solve(budget: Int) throws -> Solution {
        let denseCycles = try denseCycles()
        let fraction = min(1, max(0.01, Double(budget) / Double(max(1, denseCycles))))
        var shapes = try shapesAt(densities: Array(repeating: fraction, count: layers.count))
        var solution = try solve(budget: budget, shapes: shapes, denseCycles: denseCycles)
        // Once more at the shapes best for the densities the budget gave each layer.
        let densities = solution.layers.map { $0.tileMask.density }
        let refined = try shapesAt(densities: densities)
        if refined != shapes {
            shapes = refined
            let second = try solve(budget: budget, shapes: shapes, denseCycles: denseCycles)
            if second.importanceKept >= solution.importanceKept { solution = second }
        }
        return solution
    }

    /// What the model and the importance measure make of any tile masks (one per layer, each at
    /// a shape of the configuration): the solution they would be for `budget`.
    /// `denseCycles`, when the caller has it, saves recomputing it (it depends only on the layers).
    public func evaluate(_ masks: [TileMask], budget: Int, denseCycles dense: Int? = nil) throws -> Solution {
        let cycles = try layerCycles(masks)
        let shapes = masks.map { TileShape(height: $0.tileHeight, width: $0.tileWidth) }
        let full = try layerCycles(shapes.indices.map { i in
            TileMask(mapHeight: masks[i].mapHeight, mapWidth: masks[i].mapWidth, tileHeight: shapes[i].height,
                     tileWidth: shapes[i].width, repeating: true)
        })
        let empty = try layerCycles(shapes.indices.map { i in
            TileMask(mapHeight: masks[i].mapHeight, mapWidth: masks[i].mapWidth, tileHeight: shapes[i].height,
                     tileWidth: shapes[i].width, repeating: false)
        })
        let total = Double(max(1, full.reduce(0, +)))
        let out = masks.indices.map { i in
            Layer(name: layers[i].name, tileMask: masks[i], cycles: cycles[i],
                  importanceKept: zip(masks[i].bits, shares(i, shape: shapes[i])).reduce(0) { $0 + ($1.0 ? $1.1 : 0) },
                  weight: Double(full[i]) / total)
        }
        return Solution(layers: out, cycles: cycles.reduce(0, +), denseCycles: try dense ?? denseCycles(),
                        minimumCycles: empty.reduce(0, +), budget: budget)
    }

    /// Pixel mode's answer to a budget: the largest single pixel density whose masks — pooled
    /// with the halo at the shape the mapper picks, as `simulate` runs pixel masks — fit it,
    /// by bisection on the density (20 steps; the cycles grow with it because the masks nest).
    /// `pixelMasks(d)` gives every layer's pixel mask of density d.
    public func solvePixel(budget: Int, pixelMasks: (Double) throws -> [PixelMask]) throws -> (density: Double, pixelMasks: [PixelMask], solution: Solution) {
        let model = TileModel(config: config)
        func tiles(_ d: Double) throws -> ([PixelMask], [TileMask]) {
            let p = try pixelMasks(d)
            let m = try ParallelWork.map(layers.count, jobs: jobs) { i -> TileMask in
                var l = layers[i]
                l.pixelMask = p[i]
                l.selection = .pooled
                return try l.tileMask(shape: model.bestShape(for: l))
            }
            return (p, m)
        }
        var lo = 0.0, hi = 1.0
        var best: (Double, [PixelMask], [TileMask])?
        let whole = try tiles(1)
        if try layerCycles(whole.1).reduce(0, +) <= budget { return (1, whole.0, try evaluate(whole.1, budget: budget)) }
        for _ in 0..<20 {
            let mid = (lo + hi) / 2
            let t = try tiles(mid)
            if try layerCycles(t.1).reduce(0, +) <= budget { lo = mid; best = (mid, t.0, t.1) } else { hi = mid }
        }
        guard let (d, p, m) = best else {
            throw AcceleratorSpecError.invalidConfig("a budget of \(budget) cycles cannot be met by pixel masks: even pixel density \(hi) takes more")
        }
        return (d, p, try evaluate(m, budget: budget))
    }

    /// Layer `i`'s tiles at `shape`, each with its share of the layer's importance (summing to 1).
    func shares(_ i: Int, shape: TileShape) -> [Double] {
        let score = tiles[i].scores(tileHeight: shape.height, tileWidth: shape.width)
        let m = TileMask(mapHeight: tiles[i].map.height, mapWidth: tiles[i].map.width, tileHeight: shape.height,
                         tileWidth: shape.width, repeating: false)
        let mass = score.indices.map { t -> Double in
            let r = m.pixelRange(ty: t / m.tilesWide, tx: t % m.tilesWide)
            return score[t] * Double(r.rows.count * r.cols.count)
        }
        let total = mass.reduce(0, +)
        return total > 0 ? mass.map { $0 / total } : Array(repeating: 1 / Double(mass.count), count: mass.count)
    }

    /// Each layer's best shape with its regional tiles at `densities`.
    func shapesAt(densities: [Double]) throws -> [TileShape] {
        let model = TileModel(config: config)
        return try ParallelWork.map(layers.count, jobs: jobs) { i in
            var l = layers[i]
            l.selection = .regional(tiles[i], density: max(densities[i], 1e-6))
            return try model.bestShape(for: l)
        }
    }

    /// The gap to the budget (a fraction of it) below which filling stops, and the most tiles tried.
    static let fillTolerance = 0.002
    static let fillTries = 48

    /// Candidate tile of the greedy order.
    struct Candidate {
        var layer: Int, tile: Int
        var perCycle: Double
    }

    func solve(budget: Int, shapes: [TileShape], denseCycles: Int) throws -> Solution {
        let n = layers.count
        func masks(_ active: [[Int]]) throws -> [TileMask] {
            try (0..<n).map { i in
                var bits = [Bool](repeating: false, count: tiles[i].tileCount(tileHeight: shapes[i].height, tileWidth: shapes[i].width))
                for t in active[i] { bits[t] = true }
                return try TileMask(mapHeight: tiles[i].map.height, mapWidth: tiles[i].map.width,
                                    tileHeight: shapes[i].height, tileWidth: shapes[i].width, bits: bits)
            }
        }
        let empty = try masks(Array(repeating: [], count: n))
        let full = try masks((0..<n).map { i in Array(0..<empty[i].bits.count) })
        let emptyCycles = try layerCycles(empty), fullCycles = try layerCycles(full)
        let minimum = emptyCycles.reduce(0, +)
        guard minimum <= budget else {
            throw AcceleratorSpecError.invalidConfig("a budget of \(budget) cycles cannot be met: with no tile active the network still takes \(minimum) cycles on this configuration (weights, bias and fixed costs of \(n) layers)")
        }
        // Every tile with its share of its layer's importance and its weighted share per marginal cycle.
        let fullTotal = Double(max(1, fullCycles.reduce(0, +)))
        let weights = fullCycles.map { Double($0) / fullTotal }
        var candidates: [Candidate] = []
        var shares: [[Double]] = []
        for i in 0..<n {
            let s = shapes[i]
            let mass = self.shares(i, shape: s)
            shares.append(mass)
            let perTile = max(1e-9, Double(fullCycles[i] - emptyCycles[i]) / Double(mass.count))
            let rank = tiles[i].ranking(tileHeight: s.height, tileWidth: s.width)
            for t in rank { candidates.append(Candidate(layer: i, tile: t, perCycle: weights[i] * mass[t] / perTile)) }
        }
        // Best share per cycle first; ties keep layer order, then each layer's ranking.
        let order = candidates.indices.sorted { a, b in
            candidates[a].perCycle != candidates[b].perCycle ? candidates[a].perCycle > candidates[b].perCycle : a < b
        }
        func prefix(_ k: Int) -> [[Int]] {
            var active = Array(repeating: [Int](), count: n)
            for c in order.prefix(k) { active[candidates[c].layer].append(candidates[c].tile) }
            return active
        }
        // The longest prefix whose model cycles fit: bisection (cycles grow with the prefix, nearly
        // monotonically; the invariant is on what was measured, so the answer always fits).
        var lo = 0, hi = order.count
        var best = (k: 0, cycles: emptyCycles)
        if fullCycles.reduce(0, +) <= budget {
            best = (order.count, fullCycles)
        } else {
            while hi - lo > 1 {
                let mid = (lo + hi) / 2
                let c = try layerCycles(masks(prefix(mid)))
                if c.reduce(0, +) <= budget { lo = mid; best = (mid, c) } else { hi = mid }
            }
        }
        // A tile that overshoots (a 7×7 map is one 8×8 tile: a whole layer) can leave a gap; the
        // tiles after it that still fit fill it, in the same order, for a bounded number of tries.
        var active = prefix(best.k)
        var cycles = best.cycles
        var tries = 0
        for c in order.dropFirst(best.k) where best.k < order.count {
            if Double(budget - cycles.reduce(0, +)) <= Self.fillTolerance * Double(budget) || tries >= Self.fillTries { break }
            var trial = active
            trial[candidates[c].layer].append(candidates[c].tile)
            let t = try layerCycles(masks(trial))
            tries += 1
            if t.reduce(0, +) <= budget { active = trial; cycles = t }
        }
        best.cycles = cycles
        let chosen = try masks(active)
        let layersOut = (0..<n).map { i in
            Layer(name: layers[i].name, tileMask: chosen[i], cycles: best.cycles[i],
                  importanceKept: zip(chosen[i].bits, shares[i]).reduce(0) { $0 + ($1.0 ? $1.1 : 0) }, weight: weights[i])
        }
        return Solution(layers: layersOut, cycles: best.cycles.reduce(0, +), denseCycles: denseCycles,
                        minimumCycles: minimum, budget: budget)
    }
}

// The greedy order priced once, for the online controller (docs/masks.md "Online cycle budget"):
// each frame takes its own tiles in that order while their linear cycle estimate fits.
extension CycleBudget {
    /// What tiles cost and weigh at fixed shapes: the configuration's, not the frame's.
    public struct Pricing: Sendable {
        public var shapes: [TileShape]
        /// Marginal cycles per tile of each layer.
        public var perTileCycles: [Double]
        /// Each layer's share of the dense cycles at these shapes.
        public var weights: [Double]
        /// Each layer's cycles with no tile active.
        public var emptyCycles: [Int]
    }

    /// The pricing at `shapes` (one per layer).
    public func pricing(shapes: [TileShape]) throws -> Pricing {
        func uniform(_ v: Bool) -> [TileMask] {
            shapes.indices.map { i in
                TileMask(mapHeight: tiles[i].map.height, mapWidth: tiles[i].map.width, tileHeight: shapes[i].height,
                         tileWidth: shapes[i].width, repeating: v)
            }
        }
        let full = try layerCycles(uniform(true)), empty = try layerCycles(uniform(false))
        let total = Double(max(1, full.reduce(0, +)))
        return Pricing(shapes: shapes,
                       perTileCycles: shapes.indices.map { i in
                           max(1e-9, Double(full[i] - empty[i]) / Double(tiles[i].tileCount(tileHeight: shapes[i].height, tileWidth: shapes[i].width)))
                       },
                       weights: full.map { Double($0) / total }, emptyCycles: empty)
    }

    /// Each layer's tiles' keys (weighted importance share per marginal cycle) under `pricing`.
    public func keys(_ pricing: Pricing) -> [[Double]] {
        layers.indices.map { i in
            shares(i, shape: pricing.shapes[i]).map { pricing.weights[i] * $0 / pricing.perTileCycles[i] }
        }
    }

    /// The tiles taken in key order, best first, each one that keeps the linear estimate of their
    /// cycles (each layer's empty cycles plus its marginal cycles per active tile) within `estimate`.
    public func masks(estimatedCycles estimate: Double, pricing: Pricing) throws -> [TileMask] {
        let k = keys(pricing)
        var order: [(layer: Int, tile: Int, key: Double)] = []
        for (i, ks) in k.enumerated() { for (t, key) in ks.enumerated() { order.append((i, t, key)) } }
        order.sort { $0.key != $1.key ? $0.key > $1.key : ($0.layer, $0.tile) < ($1.layer, $1.tile) }
        var bits = k.map { [Bool](repeating: false, count: $0.count) }
        var est = Double(pricing.emptyCycles.reduce(0, +))
        for c in order {
            let cost = pricing.perTileCycles[c.layer]
            // (a tile that does not fit is skipped, not the end: a 7×7 map's one tile is a whole layer)
            if est + cost > estimate { continue }
            est += cost
            bits[c.layer][c.tile] = true
        }
        return try layers.indices.map { i in
            try TileMask(mapHeight: tiles[i].map.height, mapWidth: tiles[i].map.width, tileHeight: pricing.shapes[i].height,
                         tileWidth: pricing.shapes[i].width, bits: bits[i])
        }
    }

    /// The linear estimate of `masks`' cycles under `pricing`.
    public func estimatedCycles(_ masks: [TileMask], pricing: Pricing) -> Double {
        zip(masks.indices, masks).reduce(Double(pricing.emptyCycles.reduce(0, +))) { $0 + Double($1.1.activeCount) * pricing.perTileCycles[$1.0] }
    }
}
