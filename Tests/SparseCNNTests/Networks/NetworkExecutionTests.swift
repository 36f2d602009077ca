import Foundation
import Testing
@testable import SparseCNN

@Suite struct NetworkExecutionTests {
    static func randomInput(_ h: Int, _ w: Int, _ c: Int = 3, seed: UInt64 = 7) -> FloatTensor {
        var g = SplitMix64(seed: seed)
        return try! FloatTensor(shape: TensorShape(height: h, width: w, channels: c), scalars: (0..<(h * w * c)).map { _ in Float(g.nextUnit()) })
    }

    static func tempDir(_ name: String) -> String {
        let d = NSTemporaryDirectory() + "sparsetile-\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func splitMixIsTheReferenceSequence() {
        // First outputs of SplitMix64 seeded with 1234567 (Vigna's reference splitmix64.c).
        var g = SplitMix64(seed: 1234567)
        #expect(g.next() == 6457827717110365317)
        #expect(g.next() == 3203168211198807973)
    }

    @Test func heInitIsDeterministicAndScaled() throws {
        let net = try NetworkGraphTests.tinyNetwork()
        let a = NetworkParameters.heInit(net, seed: 3), b = NetworkParameters.heInit(net, seed: 3), c = NetworkParameters.heInit(net, seed: 4)
        #expect(a == b)
        #expect(a != c)
        let big = NetworkParameters.heInit(Network.resnet18(), seed: 0).convs["layer3.0.conv1"]!.filter.scalars
        let variance = big.reduce(0.0) { $0 + Double($1 * $1) } / Double(big.count)
        #expect(abs(variance - 2.0 / Double(128 * 9)) / (2.0 / Double(128 * 9)) < 0.02)
        #expect(a.convs["c2"]!.preluSlope == 0.25 && a.prelus["act"] == 0.25)
    }

    @Test func npyWeightsRoundTrip() throws {
        let net = try NetworkGraphTests.tinyNetwork()
        let p = NetworkParameters.heInit(net, seed: 11)
        let dir = Self.tempDir("weights")
        try p.write(directory: dir)
        let back = try NetworkParameters.load(net, directory: dir)
        #expect(back == p)
        // PyTorch order on disk: weight[co][ci][ky][kx] == filter[co, ky, kx, ci].
        guard case .float32(let shape, let v) = try NPYArray.read(path: dir + "/c1.weight.npy") else { Issue.record("dtype"); return }
        #expect(shape == [8, 3, 3, 3])
        let f = p.convs["c1"]!.filter
        #expect(v[((5 * 3 + 2) * 3 + 1) * 3 + 0] == f[5, 1, 0, 2])
        // A wrong shape names the file.
        try NPYArray.float32(shape: [8, 3, 5, 5], values: [Float](repeating: 0, count: 600)).write(path: dir + "/c1.weight.npy")
        do { _ = try NetworkParameters.load(net, directory: dir); Issue.record("no error") } catch {
            #expect("\(error)".contains("c1.weight.npy") && "\(error)".contains("expected [8, 3, 3, 3]"))
        }
        try FileManager.default.removeItem(atPath: dir + "/c1.weight.npy")
        do { _ = try NetworkParameters.load(net, directory: dir); Issue.record("no error") } catch {
            #expect("\(error)".contains("c1.weight.npy") && "\(error)".contains("missing"))
        }
        // A NaN or an infinity is an error naming the file and the element (it used to trap in the quantizer).
        try p.write(directory: dir)
        for bad in [Float.nan, -.infinity] {
            var b = [Float](repeating: 0.5, count: 8); b[6] = bad
            try NPYArray.float32(shape: [8], values: b).write(path: dir + "/c3.bias.npy")
            do { _ = try NetworkParameters.load(net, directory: dir); Issue.record("no error") } catch {
                #expect("\(error)".contains("c3.bias.npy") && "\(error)".contains("element 6"))
            }
        }
        try NPYArray.int32(shape: [8], values: [Int32](repeating: 0, count: 8)).write(path: dir + "/c1.bias.npy")
        try p.write(directory: dir)
        try NPYArray.int32(shape: [8], values: [Int32](repeating: 0, count: 8)).write(path: dir + "/c2.bias.npy")
        do { _ = try NetworkParameters.load(net, directory: dir); Issue.record("no error") } catch {
            #expect("\(error)".contains("c2.bias.npy") && "\(error)".contains("float32"))
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func calibrationGivesValidParametersAndSharedResidualScales() throws {
        let net = try NetworkGraphTests.tinyNetwork()
        let plan = try net.plan(height: 16, width: 16)
        let x = Self.randomInput(16, 16)
        let q = try QuantizedNetwork(plan: plan, parameters: NetworkParameters.heInit(net, seed: 1), calibrationInput: x)
        #expect(q.convs.count == 7)
        for (_, c) in q.convs {
            #expect(Requantization.multiplierRange.contains(c.requantization.multiplier))
            #expect(Requantization.shiftRange.contains(c.requantization.shift))
            #expect(c.filter.scalars.contains(127) || c.filter.scalars.contains(-127))
        }
        // Values combined without rescaling share a scale.
        #expect(q.scales["c3"] == q.scales["c1"])
        #expect(q.scales["c4"] == q.scales["down"])
        #expect(q.scales["act"] == q.scales["c4"])
        #expect(q.scales["sum"] == q.scales["pool"] && q.scales["pool"] == q.scales["c3"] && q.scales["shuffle"] == q.scales["up"])
        #expect(q.scales["sum"] == q.scales["shuffle"])
        #expect(q.scales[Network.inputName]! == x.scalars.map(abs).max()! / 127)
        // Requantization stands for s_in · s_w / s_out.
        let c2 = q.convs["c2"]!
        let p = NetworkParameters.heInit(net, seed: 1).convs["c2"]!
        let sw = p.filter.scalars.map(abs).max()! / 127
        let expected = Double(q.scales["c1"]!) * Double(sw) / Double(q.scales["c2"]!)
        #expect(abs(c2.requantization.scale - expected) / expected < 1e-4)
        #expect(c2.activation == .prelu(slope: 64))
    }

    @Test func int8TracksFloat() throws {
        let net = Network.srresnet(blocks: 2, channels: 8)
        let plan = try net.plan(height: 12, width: 12)
        let params = NetworkParameters.heInit(net, seed: 5)
        let x = Self.randomInput(12, 12)
        let f = try plan.runFloat(x, parameters: params)
        let q = try QuantizedNetwork(plan: plan, parameters: params, calibrationInput: x).run(x)
        guard case .map(let ft) = f.output, let qt = q.output.floatMap else { Issue.record("outputs"); return }
        #expect(ft.shape == qt.shape)
        let maxAbs = ft.scalars.map(abs).max()!
        let err = zip(ft.scalars, qt.scalars).map { abs($0 - $1) }.reduce(0, +) / Float(ft.scalars.count)
        #expect(err < 0.05 * maxAbs, "mean |int8 − float| = \(err), max |float| = \(maxAbs)")
        #expect(q.records.count == 9)
    }

    @Test func allOnesMasksEqualDense() throws {
        for (net, size) in [(try NetworkGraphTests.tinyNetwork(), 16), (Network.srresnet(blocks: 2, channels: 8), 10)] {
            let plan = try net.plan(height: size, width: size)
            let x = Self.randomInput(size, size)
            let q = try QuantizedNetwork(plan: plan, parameters: NetworkParameters.heInit(net, seed: 2), calibrationInput: x)
            let dense = try q.run(x)
            var masks: [String: TileMask] = [:]
            for c in plan.convLayers {
                masks[c.name] = TileMask(mapHeight: c.outputShape.height, mapWidth: c.outputShape.width, tileHeight: 4, tileWidth: 4, repeating: true)
            }
            let sparse = try q.run(x, tileMasks: masks)
            #expect(dense.records.count == plan.convLayers.count)
            for (d, s) in zip(dense.records, sparse.records) {
                #expect(d.output == s.output, "\(d.name)")
                #expect(d.input == s.input)
                #expect(s.tileMask != nil && d.tileMask == nil)
                #expect(s.sparseMACs == d.denseMACs)
            }
            switch (dense.output, sparse.output) {
            case (.map(let a, _), .map(let b, _)): #expect(a == b)
            case (.vector(let a), .vector(let b)): #expect(a == b)
            default: Issue.record("output kinds differ")
            }
        }
    }

    @Test func recordsAreGoldenData() throws {
        let net = try NetworkGraphTests.tinyNetwork()
        let plan = try net.plan(height: 16, width: 16)
        let x = Self.randomInput(16, 16)
        let q = try QuantizedNetwork(plan: plan, parameters: NetworkParameters.heInit(net, seed: 9), calibrationInput: x)
        // Random tile masks: each record's output is reproducible from its own input, conv and residual.
        var g = SplitMix64(seed: 4)
        var masks: [String: TileMask] = [:]
        for c in plan.convLayers {
            var m = TileMask(mapHeight: c.outputShape.height, mapWidth: c.outputShape.width, tileHeight: 2, tileWidth: 2, repeating: false)
            for i in m.bits.indices { m.bits[i] = g.next() % 2 == 0 }
            masks[c.name] = m
        }
        let run = try q.run(x, tileMasks: masks)
        for r in run.records {
            #expect(try r.conv.sparse(r.input, tileMask: r.tileMask!, residual: r.residual) == r.output, "\(r.name)")
            #expect(r.residual != nil ? r.residualName != nil : r.residualName == nil)
            #expect(r.sparseMACs <= r.denseMACs)
        }
        #expect(run.records.first { $0.name == "c3" }?.residualName == "c1")
    }

    @Test func psnrAndTop1() throws {
        let a = try QTensor(shape: TensorShape(height: 1, width: 2, channels: 1), scalars: [0, 10])
        let b = try QTensor(shape: TensorShape(height: 1, width: 2, channels: 1), scalars: [0, 12])
        // MSE = 2 → 10·log10(65025 / 2).
        #expect(abs(try OutputQuality.psnr(reference: a, test: b)! - 10 * log10(65025.0 / 2)) < 1e-9)
        #expect(try OutputQuality.psnr(reference: a, test: a) == nil)
        #expect(OutputQuality.top1([0.1, 3, 3, -1]) == 1)
    }
}
