import Foundation
import Testing
import FuzzSupport
@testable import SparseCNN

/// The importer on the two fixture models of tools/make-onnx-fixtures.py: PyTorch exports whose
/// float outputs onnxruntime computed, and the same networks written directly in the JSON schema
/// with their weights folded by the script.
@Suite struct ONNXModelTests {
    static let fixtures = ["resnet-tiny", "sr-tiny"]
    /// With host-tiny and ops-tiny, whose host ops the JSON schema cannot write (no direct network).
    static let floatFixtures = fixtures + ["host-tiny", "ops-tiny"]

    /// Float agreement with onnxruntime: |imported − onnxruntime| ≤ 1e-5 · max(1, max |onnxruntime|).
    /// Both compute in float32 but sum in other orders (onnxruntime's im2col GEMM and its own
    /// Conv+BN fusion, SparseCNN's direct loops after folding BN in float32), so outputs differ by a
    /// few float32 roundings (2⁻²⁴ relative) of sums of at most 200 terms through 5–6 layers: about
    /// 1e-7 measured (1.2e-7 on both fixtures). 1e-5 leaves room for other machines' summation
    /// orders and nothing else: a wrong weight, tap, channel order or padding moves outputs by 1e-2.
    static let relativeTolerance: Float = 1e-5

    @Test(arguments: floatFixtures) func floatOutputAgreesWithOnnxruntime(_ name: String) throws {
        let model = try ONNXModel.load(path: onnxFixture("\(name).onnx"))
        #expect(model.network.name == name)
        #expect(model.network.defaultInputSize == ImageSize(height: 32, width: 32))
        let input = try readFloatNPY(onnxFixture("\(name).input.npy"))
        let expected = try readFloatNPY(onnxFixture("\(name).expected.npy"))
        let x = try FloatTensor(shape: TensorShape(height: input.shape[0], width: input.shape[1], channels: input.shape[2]), scalars: input.values)
        let plan = try model.network.plan(height: 32, width: 32)
        let out = try plan.runFloat(x, parameters: model.parameters).output
        let got: [Float]
        switch out {
        case .map(let t):
            #expect(t.shape.array == expected.shape)
            got = t.scalars
        case .vector(let v):
            #expect([v.count] == expected.shape)
            got = v
        }
        try #require(got.count == expected.values.count)
        let scale = max(1, expected.values.map(abs).max()!)
        let worst = zip(got, expected.values).map { abs($0 - $1) }.max()!
        #expect(worst <= Self.relativeTolerance * scale, "\(name): max |error| \(worst) at output scale \(scale)")
    }

    @Test(arguments: fixtures) func importsTheNetworkAsWrittenDirectly(_ name: String) throws {
        let model = try ONNXModel.load(path: onnxFixture("\(name).onnx"))
        let direct = try Network.load(path: onnxFixture("\(name).json"))
        let directParams = try NetworkParameters.load(direct, directory: onnxFixture("\(name).weights"))
        // The same conv layers (named after PyTorch's modules), shapes, activations and weights: batch
        // norm folded in float32 as the script folds it, bit for bit.
        let a = try model.network.plan(height: 32, width: 32).convLayers, b = try direct.plan(height: 32, width: 32).convLayers
        #expect(a.map(\.name).sorted() == b.map(\.name).sorted())
        for l in b {
            let m = try #require(a.first { $0.name == l.name })
            #expect(m.inputShape == l.inputShape && m.outputShape == l.outputShape && m.kernel == l.kernel && m.stride == l.stride)
            #expect(m.activation == l.activation && (m.residual == nil) == (l.residual == nil), "\(l.name)")
            #expect(model.parameters.convs[l.name] == directParams.convs[l.name], "\(l.name): weights differ")
        }
        #expect(model.parameters.fcs == directParams.fcs)
        #expect(model.parameters.prelus.values.sorted() == directParams.prelus.values.sorted())
        // Host layers: the same ops in the same order.
        let hostOps = { (n: Network) in try n.plan(height: 32, width: 32).hostLayers.map(\.layer.op.kind) }
        #expect(try hostOps(model.network) == hostOps(direct))
        #expect(try hostOps(direct) == (name == "resnet-tiny" ? ["maxpool", "gap", "fc"] : ["pixelshuffle", "prelu", "upsample"]))
    }

    /// The int8 path: the imported network and the directly written one, each calibrated on the
    /// fixture input, give the same int8 tensors in every conv layer and the same output, exactly.
    @Test(arguments: fixtures) func int8IsBitExactWithTheDirectNetwork(_ name: String) throws {
        let model = try ONNXModel.load(path: onnxFixture("\(name).onnx"))
        let direct = try Network.load(path: onnxFixture("\(name).json"))
        let directParams = try NetworkParameters.load(direct, directory: onnxFixture("\(name).weights"))
        let input = try readFloatNPY(onnxFixture("\(name).input.npy"))
        let x = try FloatTensor(shape: TensorShape(height: 32, width: 32, channels: 3), scalars: input.values)
        let qi = try QuantizedNetwork(plan: try model.network.plan(height: 32, width: 32), parameters: model.parameters, calibrationInput: x)
        let qd = try QuantizedNetwork(plan: try direct.plan(height: 32, width: 32), parameters: directParams, calibrationInput: x)
        // Sparse too: the same tile masks on every conv layer.
        var masks: [String: TileMask] = [:]
        for l in try direct.plan(height: 32, width: 32).convLayers {
            let h = l.outputShape.height, w = l.outputShape.width
            var t = TileMask(mapHeight: h, mapWidth: w, tileHeight: 4, tileWidth: 4, repeating: false)
            for i in t.bits.indices where i % 3 != 1 { t.bits[i] = true }
            masks[l.name] = t
        }
        for tileMasks in [[:], masks] {
            let ri = try qi.run(x, tileMasks: tileMasks), rd = try qd.run(x, tileMasks: tileMasks)
            #expect(ri.records.count == rd.records.count)
            for d in rd.records {
                let i = try #require(ri.records.first { $0.name == d.name })
                #expect(i.input == d.input && i.output == d.output && i.residual == d.residual, "\(name) \(d.name)")
                #expect(i.conv.filter == d.conv.filter && i.conv.bias == d.conv.bias && i.conv.requantization == d.conv.requantization, "\(name) \(d.name)")
                #expect(i.conv.activation == d.conv.activation && i.inputScale == d.inputScale && i.outputScale == d.outputScale, "\(name) \(d.name)")
            }
            switch (ri.output, rd.output) {
            case (.map(let a, let sa), .map(let b, let sb)): #expect(a == b && sa == sb)
            case (.vector(let a), .vector(let b)): #expect(a == b)
            default: Issue.record("\(name): the outputs are of different kinds")
            }
        }
    }

    /// host-tiny: the accelerator's convs and the host ops around them, as docs/onnx.md maps them.
    @Test func hostOpsOfAMobileDetectorImport() throws {
        let m = try ONNXModel.load(path: onnxFixture("host-tiny.onnx"))
        let plan = try m.network.plan(height: 32, width: 32)
        #expect(plan.convLayers.map(\.name) == ["stem", "pw", "head"])
        #expect(plan.hostLayers.map(\.layer.op.kind) == [
            "hardswish", "depthwise",                       // F.hardswish; dw + BN (folded)
            "affine", "clamp", "mul", "affine",             // z · clamp(z + 3, 0, 6) / 6
            "gap", "fc", "relu", "fc", "hardsigmoid", "mul", // squeeze-and-excitation
            "clamp", "affine",                              // relu6, · 0.5 + 0.1
            "depthwise", "convtranspose", "relu",           // dw2; up + BN (folded); relu
            "concat", "sigmoid",
        ])
        #expect(m.parameters.hosts.keys.sorted() == ["dw", "dw2", "up"])
        // the int8 run: host ops on dequantized values, each at its own scale
        let input = try readFloatNPY(onnxFixture("host-tiny.input.npy"))
        let x = try FloatTensor(shape: TensorShape(height: 32, width: 32, channels: 3), scalars: input.values)
        let q = try QuantizedNetwork(plan: plan, parameters: m.parameters, calibrationInput: x)
        let r = try q.run(x)
        #expect(r.records.map(\.name) == ["stem", "pw", "head"])
        guard case .map(let y, _) = r.output else { Issue.record("not a map"); return }
        #expect(y.shape == TensorShape(height: 16, width: 16, channels: 1))
    }

    /// ops-tiny: convs only the host runs, bilinear and nearest upsampling, Sub and Div of maps.
    @Test func convsOnlyTheHostRunsImport() throws {
        let m = try ONNXModel.load(path: onnxFixture("ops-tiny.onnx"))
        let plan = try m.network.plan(height: 32, width: 32)
        #expect(plan.convLayers.map(\.name) == ["out"])
        #expect(plan.hostLayers.map(\.layer.op.kind) == ["conv", "conv", "relu", "conv", "conv", "upsample-bilinear", "upsample",
                                                           "sub", "sigmoid", "affine", "div", "conv"])
        #expect(plan.output == .map(TensorShape(height: 30, width: 30, channels: 3)))
    }

    @Test func networkSourceTakesTheModelsWeights() throws {
        let path = onnxFixture("sr-tiny.onnx")
        let source = try NetworkSource(path)
        let model = try ONNXModel.load(path: path)
        #expect(source.network == model.network)
        #expect(try source.parameters(weightsDirectory: nil, seed: 5) == model.parameters)
        // --weights still wins (the names are the imported layers')
        let dir = NSTemporaryDirectory() + "onnx-weights-\(UUID().uuidString)"
        var other = model.parameters
        other.convs["tail"]!.bias = [1, 2, 3]
        try other.write(directory: dir)
        #expect(try source.parameters(weightsDirectory: dir, seed: 5).convs["tail"]!.bias == [1, 2, 3])
        #expect(try Network.named(path) == model.network)
        #expect(NetworkSource.isONNX("a/B.ONNX") && !NetworkSource.isONNX("a.json"))
    }

    @Test func malformedBytesAreAClearError() throws {
        let good = try Data(contentsOf: URL(fileURLWithPath: onnxFixture("resnet-tiny.onnx")))
        for bytes in [Data(), Data("not a model".utf8), Data(repeating: 0xFF, count: 64), good.prefix(good.count / 2), Data([0x08])] {
            expectMalformed(path: "bad.onnx") { try ONNXModel(data: bytes, source: "bad.onnx") }
        }
        expectMalformed(path: onnxFixture("missing.onnx"), reasonContains: "cannot read") { try ONNXModel.load(path: onnxFixture("missing.onnx")) }
    }

    /// Thousands of mutated models: each imports (and then plans and runs at a small size) or is a
    /// `malformedFile` error naming the file; never a crash.
    @Test func mutatedModelsImportOrFailClearly() throws {
        let seeds = try Self.floatFixtures.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: onnxFixture("\($0).onnx")))) }
        let tally = fuzz("onnx", seeds: seeds, count: 1500, seed: 0x4F4E4E58, read: { bytes in
            let m = try ONNXModel(data: Data(bytes), source: "fuzz.onnx")
            do {
                let plan = try m.network.plan(height: 8, width: 8)
                // (a mutated upsampling factor may ask for a map of terabytes: those only plan)
                let sizes = plan.steps.map { s -> Int in if case .map(let t) = s.output { t.count } else { 0 } }
                guard sizes.allSatisfy({ $0 < 1 << 20 }) else { return }
                _ = try plan.runFloat(FloatTensor(shape: plan.input, repeating: 0.5), parameters: m.parameters)
            } catch is SparseCNNError {}
        }, errorIsClear: { isMalformedFile($0, path: "fuzz.onnx") })
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.rejected > 0, "\(tally)")
    }
}
