import Foundation
import Testing
@testable import SparseCNN

@Suite struct ImportanceMapTests {
    @Test func areaDownsampleAveragesBlocks() throws {
        let m = try ImportanceMap(height: 2, width: 4, values: [1, 3, 5, 7, 2, 4, 6, 8])
        let r = m.resampled(height: 1, width: 2)
        #expect(r.values == [2.5, 6.5])
        // 3 → 2: output 0 covers input [0, 1.5): (1·v0 + 0.5·v1) / 1.5.
        let t = try ImportanceMap(height: 1, width: 3, values: [3, 6, 9]).resampled(height: 1, width: 2)
        #expect(abs(t.values[0] - 4) < 1e-6 && abs(t.values[1] - 8) < 1e-6)
    }

    @Test func areaUpsampleRepeats() throws {
        let m = try ImportanceMap(height: 1, width: 2, values: [1, 2])
        #expect(m.resampled(height: 2, width: 4).values == [1, 1, 2, 2, 1, 1, 2, 2])
    }

    @Test func gradientEnergyFindsEdges() throws {
        var px = [Float](repeating: 0, count: 16 * 16 * 3)
        for y in 0..<16 { for x in 8..<16 { for c in 0..<3 { px[(y * 16 + x) * 3 + c] = 1 } } }
        let img = try FloatTensor(shape: TensorShape(height: 16, width: 16, channels: 3), scalars: px)
        let m = try GradientEnergyPredictor(smoothingRadius: 1).importance(for: img)
        #expect(m[8, 0] == 0 && m[8, 15] == 0)
        #expect(m[8, 7] > 0 && m[8, 8] > 0)
        #expect(m[8, 7] == m[3, 7]) // uniform along the edge
        let flat = try GradientEnergyPredictor().importance(for: FloatTensor(shape: img.shape, repeating: 0.5))
        #expect(flat.values.allSatisfy { $0 == 0 })
    }

    @Test func priorMaskFromNPY() throws {
        let path = NSTemporaryDirectory() + "prior-\(UUID().uuidString).npy"
        try NPYArray.uint8(shape: [2, 3], values: [0, 1, 1, 0, 0, 1]).write(path: path)
        let p = try PriorMaskPredictor(npyPath: path)
        #expect(p.map.height == 2 && p.map.width == 3 && p.map.values == [0, 1, 1, 0, 0, 1])
        // Used for inputs of its aspect ratio (resampled to each layer); another ratio is an error.
        #expect(try p.importance(for: FloatTensor(shape: TensorShape(height: 4, width: 6, channels: 3), repeating: 0)) == p.map)
        #expect { try p.importance(for: FloatTensor(shape: TensorShape(height: 4, width: 4, channels: 3), repeating: 0)) } throws: {
            "\($0)".contains("2x3") && "\($0)".contains("4x4")
        }
        try NPYArray.uint8(shape: [6], values: [0, 1, 1, 0, 0, 1]).write(path: path)
        #expect(throws: SparseCNNError.self) { try PriorMaskPredictor(npyPath: path) }
        try? FileManager.default.removeItem(atPath: path)
    }
}

@Suite struct SparsityControllerTests {
    /// Random maps of random sizes, with heavy ties (values drawn from a few levels): the mask
    /// has round(D·N) pixels, i.e. within half a pixel of the target, and it is a threshold mask
    /// (everything above the threshold in, everything below out).
    @Test func hitsTargetDensityWithinHalfAPixel() throws {
        var g = SplitMix64(seed: 99)
        for trial in 0..<300 {
            let h = 1 + Int(g.next() % 40), w = 1 + Int(g.next() % 40)
            let levels = trial % 3 == 0 ? 3 : (trial % 3 == 1 ? 50 : 1_000_000)
            let v = (0..<(h * w)).map { _ in Float(g.next() % UInt64(levels)) }
            let r = RankedImportance(try ImportanceMap(height: h, width: w, values: v))
            let d = max(1e-3, g.nextUnit())
            let m = r.mask(density: d)
            let n = Double(h * w)
            let err: Double = abs(Double(m.activeCount) - d * n)
            #expect(err <= 0.5 + 1e-9, "\(h)x\(w) d=\(d)")
            if let t = r.threshold(count: m.activeCount) {
                for i in v.indices {
                    if v[i] > t { #expect(m.bits[i]) }
                    if v[i] < t { #expect(!m.bits[i]) }
                }
            }
        }
    }

    @Test func tiesAreBrokenInRasterOrderAndMasksNest() throws {
        let r = RankedImportance(try ImportanceMap(height: 2, width: 3, values: [1, 5, 1, 1, 5, 1]))
        #expect(r.mask(count: 3).bits == [true, true, false, false, true, false])
        var prev = r.mask(count: 0)
        for k in 1...6 {
            let m = r.mask(count: k)
            #expect(zip(prev.bits, m.bits).allSatisfy { !$0 || $1 })
            prev = m
        }
    }

    static func randomMap(_ h: Int, _ w: Int, seed: UInt64) -> ImportanceMap {
        var g = SplitMix64(seed: seed)
        return try! ImportanceMap(height: h, width: w, values: (0..<(h * w)).map { _ in Float(g.nextUnit()) })
    }

    @Test func perLayerDensityOnResNet18() throws {
        let plan = try Network.resnet18().plan(height: 224, width: 224)
        let c = SparsityController(layers: plan.convLayers, map: Self.randomMap(224, 224, seed: 1), tiling: TilingPolicy())
        for d in [0.1, 0.3, 0.5] {
            let masks = try c.masks(density: d)
            var active = 0, total = 0
            for m in masks {
                let n = m.pixelMask.bits.count
                let err: Double = abs(Double(m.pixelMask.activeCount) - d * Double(n))
                #expect(err <= 0.5)
                active += m.pixelMask.activeCount; total += n
            }
            let overall: Double = Double(active) / Double(total)
            #expect(abs(overall - d) < 0.005)
        }
        #expect(throws: SparseCNNError.self) { try c.masks(density: 0) }
        #expect(throws: SparseCNNError.self) { try c.masks(density: 1.5) }
    }


    /// A pixel mask marks output pixels, so a tile is active exactly when it holds one of them
    /// (computed here pixel by pixel, not with the pooling under test): a 3×3 layer's halo does
    /// not switch on the neighbouring tiles.
    @Test func tilesAreActiveExactlyWhereTheirOwnPixelsAre() throws {
        let plan = try Network.srresnet().plan(height: 32, width: 32)
        let c = SparsityController(layers: plan.convLayers, map: Self.randomMap(32, 32, seed: 3),
                                   tiling: TilingPolicy(tileHeight: 4, tileWidth: 4))
        for m in try c.masks(density: 0.1) {
            let p = m.pixelMask
            var want = Set<[Int]>()
            for y in 0..<p.height { for x in 0..<p.width where p.bits[y * p.width + x] { want.insert([y / 4, x / 4]) } }
            #expect(Set(m.tileMask.activeTiles.map { [$0.ty, $0.tx] }) == want, "\(m.layer.name)")
        }
    }
    @Test func macBudgetIsMet() throws {
        let plan = try Network.resnet18().plan(height: 224, width: 224)
        // A smooth map (blobs), so tiles are not all active at moderate density.
        var v = [Float](repeating: 0, count: 224 * 224)
        for y in 0..<224 { for x in 0..<224 { v[y * 224 + x] = Float(sin(Double(x) / 17) * cos(Double(y) / 23) + 1) } }
        let c = SparsityController(layers: plan.convLayers, map: try ImportanceMap(height: 224, width: 224, values: v),
                                   tiling: TilingPolicy(tileHeight: 4, tileWidth: 4))
        for f in [0.3, 0.5, 0.8] {
            let r = try c.masks(costFraction: f)
            let cost = c.cost(r.masks, model: MACCost())
            let ratio: Double = cost.sparse / cost.dense
            #expect(abs(ratio - r.achieved) < 1e-12)
            #expect(r.achieved <= f)
            #expect(r.achieved > f - 0.1, "budget \(f): achieved \(r.achieved) at density \(r.density)")
        }
        // Pluggable cost: active tiles only.
        let tiles = ClosureCost { _, m in Double(m.activeCount) }
        let r = try c.masks(costFraction: 0.5, model: tiles)
        let cost = c.cost(r.masks, model: tiles)
        let tileRatio: Double = cost.sparse / cost.dense
        #expect(tileRatio <= 0.5 && tileRatio > 0.4)
        #expect(try c.masks(costFraction: 1).density == 1)
    }

    /// A synthetic sequence: every frame is fresh noise whose scale drifts (and jumps at frame
    /// 60), as if the scene got brighter. The PI loop brings the density to the target.
    @Test func onlineControllerConverges() throws {
        var ctl = try OnlineThresholdController(target: 0.3, initialThreshold: 0.01)
        var g = SplitMix64(seed: 3)
        var densities: [Double] = []
        for frame in 0..<120 {
            let scale = (frame < 60 ? 1.0 : 5.0) * (1 + 0.2 * sin(Double(frame) / 10))
            // Exponentially distributed importance.
            let v = (0..<(64 * 64)).map { _ in Float(-log(1 - g.nextUnit()) * scale) }
            densities.append(ctl.step(try ImportanceMap(height: 64, width: 64, values: v)).density)
        }
        for d in densities[40..<60] { #expect(abs(d - 0.3) < 0.05, "\(densities)") }
        for d in densities[100..<120] { #expect(abs(d - 0.3) < 0.05, "\(densities)") }
        let mean: Double = densities[40..<60].reduce(0, +) / 20
        #expect(abs(mean - 0.3) < 0.015)
        #expect(abs(densities[0] - 0.3) > 0.5) // it did start far off
        #expect(ctl.history.count == 120)
    }
}
