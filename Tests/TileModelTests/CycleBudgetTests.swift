import Foundation
import Testing
import TileModel

/// `CycleBudget`: regional masks whose network cycles meet a budget on the model.
@Suite struct CycleBudgetTests {
    /// A small SRResNet-like chain on 32x32 maps with an importance map that has a bright corner.
    static func workload() throws -> (layers: [TimingLayer], tiles: [RegionalTiles]) {
        let plan = try Network.srresnet().plan(height: 32, width: 32)
        var g = SplitMix64(seed: 21)
        let map = try ImportanceMap(height: 32, width: 32, values: (0..<1024).map { i in
            Float(g.nextUnit()) + ((i / 32 < 12 && i % 32 < 12) ? 4 : 0)
        })
        let c = SparsityController(layers: plan.convLayers, map: map, tiling: TilingPolicy())
        return (plan.convLayers.map { TimingLayer($0) }, plan.convLayers.indices.map { c.regional($0) })
    }

    /// The network's cycles with `masks`, counted independently of the solver: each layer as a
    /// job with its tile mask, linked back to back with weight handoff, simulated by the model.
    static func simulatedCycles(_ layers: [TimingLayer], _ masks: [TileMask], config: HardwareConfig) throws -> Int {
        let jobs = try zip(layers, masks).map { l, m in
            try l.job(config: config, shape: TileShape(height: m.tileHeight, width: m.tileWidth)).with(tileMask: m)
        }
        let model = TileModel(config: config)
        return try WeightHandoff.linked(jobs, config: config).reduce(0) { $0 + (try model.simulate($1, mode: .fast, outputs: false, dense: false).stats.cycles) }
    }

    @Test(arguments: [0.3, 0.5, 0.7])
    func meetsTheBudgetWithinTwoPercent(fraction: Double) throws {
        let config = HardwareConfig.default
        let (layers, tiles) = try Self.workload()
        let solver = CycleBudget(config: config, layers: layers, tiles: tiles, jobs: 2)
        let dense = try solver.denseCycles()
        let budget = Int(Double(dense) * fraction)
        let s = try solver.solve(budget: budget)
        #expect(s.cycles <= budget)
        #expect(Double(s.cycles) >= 0.98 * Double(budget), "\(s.cycles) of \(budget)")
        #expect(try Self.simulatedCycles(layers, s.layers.map(\.tileMask), config: config) == s.cycles)
        #expect(s.layers.map(\.cycles).reduce(0, +) == s.cycles)
        #expect(s.importanceKept > 0 && s.importanceKept < 1)
        // Not one density for all: the bright corner is kept first, and the layers differ.
        #expect(Set(s.layers.map { ($0.tileMask.density * 1000).rounded() }).count > 1)
    }

    @Test func moreBudgetKeepsMoreImportance() throws {
        let (layers, tiles) = try Self.workload()
        let solver = CycleBudget(config: .default, layers: layers, tiles: tiles, jobs: 2)
        let dense = try solver.denseCycles()
        let kept = try [0.3, 0.6, 0.9].map { try solver.solve(budget: Int(Double(dense) * $0)).importanceKept }
        #expect(kept[0] < kept[1] && kept[1] < kept[2])
    }

    @Test func impossibleAndGenerousBudgets() throws {
        let (layers, tiles) = try Self.workload()
        let solver = CycleBudget(config: .default, layers: layers, tiles: tiles, jobs: 2)
        // Below the cycles of empty masks: an error that names the minimum.
        let empty = layers.indices.map { i in
            TileMask(mapHeight: tiles[i].map.height, mapWidth: tiles[i].map.width, tileHeight: 8, tileWidth: 8, repeating: false)
        }
        let minimum = try Self.simulatedCycles(layers, empty, config: .default)
        #expect { try solver.solve(budget: minimum / 2) } throws: { "\($0)".contains("cannot be met") }
        // At or above dense: every tile.
        let all = try solver.solve(budget: 2 * solver.denseCycles())
        #expect(all.layers.allSatisfy { $0.tileMask.activeCount == $0.tileMask.bits.count })
        #expect(abs(all.importanceKept - 1) < 1e-9)
    }

    /// Pixel mode's answer: one pixel density for all, pooled at the mapper's shapes, fitting the
    /// budget; `evaluate` counts any masks as the model does.
    @Test func pixelModeMeetsTheBudgetWithOneDensity() throws {
        let config = HardwareConfig.default
        let (layers, tiles) = try Self.workload()
        let plan = try Network.srresnet().plan(height: 32, width: 32)
        let c = SparsityController(layers: plan.convLayers, map: tiles[0].map, tiling: TilingPolicy())
        let solver = CycleBudget(config: config, layers: layers, tiles: tiles, jobs: 2)
        let budget = try solver.denseCycles() / 2
        let r = try solver.solvePixel(budget: budget) { d in try c.masks(density: d).map(\.pixelMask) }
        #expect(r.solution.cycles <= budget)
        #expect(r.density > 0 && r.density < 1)
        for (p, l) in zip(r.pixelMasks, plan.convLayers) {
            #expect(abs(Double(p.activeCount) - r.density * Double(p.bits.count)) <= 0.5, "\(l.name)")
        }
        let masks = r.solution.layers.map(\.tileMask)
        #expect(try Self.simulatedCycles(layers, masks, config: config) == r.solution.cycles)
        #expect(try solver.evaluate(masks, budget: budget).cycles == r.solution.cycles)
        // A denser pixel mask would not have fitted.
        let denser = try c.masks(density: min(1, r.density * 1.1)).map(\.pixelMask)
        let model = TileModel(config: config)
        let denserMasks = try zip(layers, denser).map { l, p in
            var l = l; l.pixelMask = p
            return try l.tileMask(shape: model.bestShape(for: l))
        }
        #expect(try Self.simulatedCycles(layers, denserMasks, config: config) > budget)
    }
}

/// The online controller holds a budget over frames whose content moves.
@Suite struct OnlineCycleBudgetTests {
    @Test func holdsTheBudgetOverPanningFrames() throws {
        let plan = try Network.srresnet().plan(height: 32, width: 32)
        let config = HardwareConfig.default
        let dense = try CycleBudget(config: config, layers: plan.convLayers.map { TimingLayer($0) },
                                    tiles: try CycleBudgetTests.workload().tiles, jobs: 2).denseCycles()
        var online = OnlineCycleBudget(config: config, layers: plan.convLayers, budget: dense * 2 / 5, jobs: 2)
        // A bright blob that moves 2 pixels right and 1 down per frame over a textured background.
        var g = SplitMix64(seed: 5)
        let texture = (0..<(48 * 48)).map { _ in Float(g.nextUnit()) }
        var ratios: [Double] = []
        for k in 0..<12 {
            let values = (0..<1024).map { i -> Float in
                let y = i / 32, x = i % 32
                let dy = Float(y - 8 - k), dx = Float(x - 6 - 2 * k)
                return texture[(y + k) * 48 + x + k] + 6 * Float(exp(Double(-(dx * dx + dy * dy) / 40)))
            }
            let f = try online.step(ImportanceMap(height: 32, width: 32, values: values))
            #expect(f.index == k)
            // The model's count of what was chosen, independently of the controller.
            #expect(try CycleBudgetTests.simulatedCycles(plan.convLayers.map { TimingLayer($0) }, f.tileMasks, config: config) == f.cycles)
            ratios.append(Double(f.cycles) / Double(online.budget))
        }
        #expect(ratios[0] <= 1)
        for (k, r) in ratios.enumerated().dropFirst(3) { #expect(abs(r - 1) <= 0.05, "frame \(k): \(r)") }
    }
}

/// `quality`: a small ×2 super-resolution network over a synthetic ground truth.
@Suite struct QualitySweepTests {
    static let net = """
    {"name": "sr2", "inputChannels": 3, "layers": [
      {"op": "conv", "name": "head", "out": 16, "kernel": 3, "activation": "relu"},
      {"op": "conv", "name": "body", "out": 16, "kernel": 3, "activation": "relu"},
      {"op": "conv", "name": "up", "out": 12, "kernel": 3},
      {"op": "pixelshuffle", "name": "shuffle", "factor": 2}
    ]}
    """

    @Test func pointsHaveTheirFiguresAndMacFractionsFollowTheDensity() throws {
        let network = try Network(json: Data(Self.net.utf8), source: "sr2.json")
        var g = SplitMix64(seed: 9)
        let truth = try Image(width: 66, height: 50, channels: 3, pixels: (0..<(66 * 50 * 3)).map { i in
            let p = i / 3, x = p % 66, y = p / 66
            return UInt8(min(255, (x * 3 + y * 2) + (x > 30 && y > 20 ? 60 : 0) + Int(g.nextUnit() * 10)))
        })
        let sweep = QualitySweep(network: network, parameters: NetworkParameters.heInit(network, seed: 2), config: .default)
        let r = try sweep.run(image: truth, densities: [0.25, 1])
        #expect(r.scale == 2 && r.inputSize == [25, 33] && r.groundTruthSize == [50, 66])
        let (low, full) = (r.points[0], r.points[1])
        #expect(abs(low.pixelMACFraction - 0.25) < 0.01)       // every layer keeps round(0.25·N) pixels
        #expect(low.tileMACFraction >= low.pixelMACFraction && low.tileMACFraction <= 1)
        #expect(low.cycles < full.cycles)
        #expect(full.pixelMACFraction == 1 && full.tileMACFraction == 1)
        #expect(full.psnrSparse == full.psnrDense && full.ssimSparse == full.ssimDense)   // every tile active: the dense output
        #expect(low.psnrDense == r.psnrDense && low.psnrBicubic == r.psnrBicubic)
        // The bicubic baseline is measured on the same ground truth: recomputed here.
        let crop = try truth.cropped(y: 0, x: 0, height: 50, width: 66)
        let bicubic = try crop.resized(height: 25, width: 33).bicubicResized(height: 50, width: 66)
        #expect(r.psnrBicubic == (try ImageQuality.psnr(bicubic, crop)))
    }

    /// The largest saving within a margin, on hand-made points: the cheapest point inside the
    /// margin wins even when a cheaper one outside it exists; a perfect image is inside any margin.
    @Test func largestSavingWithinTheMargin() throws {
        // (density, tile MAC fraction, PSNR sparse; nil: equal to the ground truth), dense at 30 dB unless nil too
        func result(_ pts: [(Double, Double, Double?)], dense: Double? = 30) throws -> QualitySweep.Result {
            func v(_ x: Double?) -> String { x.map { "\($0)" } ?? "null" }
            let points = pts.map { p in
                """
                {"density": \(p.0), "pixelMACFraction": \(p.0), "tileMACFraction": \(p.1), "cycles": 1, "psnrSparse": \(v(p.2)),
                 "psnrDense": \(v(dense)), "psnrBicubic": 28, "ssimSparse": 0.9, "ssimDense": 0.9}
                """
            }
            let json = """
            {"network": "n", "inputSize": [1, 1], "groundTruthSize": [2, 2], "scale": 2, "mode": "pixel", "predictor": "detail",
             "config": "c", "denseCycles": 1, "psnrBicubic": 28, "ssimBicubic": 0.9, "psnrDense": \(v(dense)), "ssimDense": 0.9,
             "points": [\(points.joined(separator: ","))]}
            """
            return try JSONDecoder().decode(QualitySweep.Result.self, from: Data(json.utf8))
        }
        let r = try result([(0.3, 0.4, 29.5), (0.5, 0.62, 29.91), (0.7, 0.8, 29.95), (0.9, 0.95, 30)])
        #expect(r.largestSaving()?.density == 0.5)               // 0.09 dB lost; 0.3 loses 0.5 dB
        #expect(r.largestSaving(withinDB: 0.01)?.density == 0.9)
        #expect(r.largestSaving(withinDB: 1)?.density == 0.3)
        #expect(try result([(0.3, 0.4, 29)]).largestSaving() == nil)
        #expect(try result([(0.5, 0.6, nil)], dense: nil).largestSaving()?.density == 0.5)
    }
}
