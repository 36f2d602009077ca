import Foundation
import Testing
import CoSim
@testable import sparsetile
@testable import SparseCNN

/// Writes `json` to a fresh file and returns its path.
func networkFile(_ json: String) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("net-\(UUID().uuidString).json")
    try json.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// Three convs: 3→8 3×3, 8→4 1×1 stride 2, 4→4 3×3 with a residual.
let handWorkedNetwork = """
    {"name": "hand", "inputChannels": 3, "layers": [
     {"op": "conv", "name": "c1", "out": 8, "kernel": 3, "activation": "relu"},
     {"op": "conv", "name": "c2", "out": 4, "kernel": 1, "stride": 2},
     {"op": "conv", "name": "c3", "out": 4, "kernel": 3, "residual": "c2"}]}
    """

@Suite("Memory estimates of --network runs")
struct NetworkMemoryTests {
    /// The estimates worked by hand from the layer-job rule (3·input + 2·weights + 4·output bytes,
    /// the output twice with a residual) at 10×10.
    @Test func estimatesAHandWorkedNetwork() throws {
        let plan = try Network.load(path: try networkFile(handWorkedNetwork)).plan(height: 10, width: 10)
        let e = plan.memoryEstimates
        #expect(e.map(\.layer) == ["c1", "c2", "c3"])
        // c1: input 10·10·3 = 300, weights 8·3·3·3 = 216, output 10·10·8 = 800: 900 + 432 + 3200
        // c2: input 10·10·8 = 800, weights 4·1·1·8 = 32, output 5·5·4 = 100: 2400 + 64 + 400
        // c3: input 5·5·4 = 100, weights 4·3·3·4 = 144, output 100 (residual: twice): 300 + 288 + 800
        #expect(e.map(\.bytes) == [4532, 2864, 1388])
        // ResNet-18's conv1 at 224×224: input 224·224·3 = 150 528, weights 64·7·7·3 = 9408,
        // output 112·112·64 = 802 816.
        let r18 = try Network.named("resnet18").plan(height: 224, width: 224).memoryEstimates
        let conv1: Double = 3 * 150_528 + 2 * 9408 + 4 * 802_816
        #expect(r18.first?.layer == "conv1")
        #expect(r18.first?.bytes == conv1)
    }

    /// The CLI refuses at the estimate, not near it: a limit half a byte under c1's estimate stops
    /// the run naming c1 (exit 65); half a byte over lets it run.
    @Test func theLimitIsEnforcedAtTheEstimate() throws {
        let net = try networkFile(handWorkedNetwork)
        let html = FileManager.default.temporaryDirectory.appendingPathComponent("hand-\(UUID().uuidString).html").path
        defer { try? FileManager.default.removeItem(atPath: html) }
        let args = ["report", "--network", net, "--input-size", "10x10", "--html", html]
        let under = try runSparsetile(args, environment: ["SPARSETILE_MAX_MEMORY_GB": "\((4532 - 0.5) / 1_073_741_824)"])
        #expect(under.status == ExitStatus.badInput.rawValue, "\(under.output)")
        #expect(under.output.contains("layer c1") && under.output.contains("SPARSETILE_MAX_MEMORY_GB"), "\(under.output)")
        let over = try runSparsetile(args, environment: ["SPARSETILE_MAX_MEMORY_GB": "\((4532 + 0.5) / 1_073_741_824)"])
        #expect(over.status == 0, "\(over.output)")
    }

    /// A network JSON with 99 999 channels and built-in networks at absurd input sizes are refused
    /// before allocation with the layer, the estimate and how to raise the limit (exit 65), under
    /// the default limit of 16 GiB. Each runs with its address space capped at 4 GiB: without the
    /// check it would abort allocating (exit 134).
    @Test(arguments: [
        (network: #"{"name": "wide", "inputChannels": 3, "inputSize": [512, 512], "layers": [{"op": "conv", "name": "c1", "out": 99999, "kernel": 3}, {"op": "conv", "name": "c2", "out": 8, "kernel": 1}]}"#,
         size: nil as String?, layer: "c1"),
        (network: "srresnet", size: "16384x16384", layer: "head"),
        (network: "resnet18", size: "16384x16384", layer: "conv1"),
    ])
    func hugeNetworksAreRefusedBeforeAllocation(network: String, size: String?, layer: String) throws {
        let spec = network.hasPrefix("{") ? try networkFile(network) : network
        let html = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).html").path
        let r = try runSparsetile(["report", "--network", spec, "--html", html] + (size.map { ["--input-size", $0] } ?? []))
        #expect(r.status == ExitStatus.badInput.rawValue, "exit \(r.status): \(r.output)")
        #expect(r.output.contains("--network \(spec): layer \(layer)'"), "\(r.output)")
        #expect(r.output.contains("GiB, over the limit of 16 GiB") && r.output.contains("SPARSETILE_MAX_MEMORY_GB"), "\(r.output)")
        #expect(!FileManager.default.fileExists(atPath: html))
    }

    /// A conv kernel of 3 037 000 501 overflowed K² in the memory estimate (exit 132); the
    /// network reader now refuses it, naming the file, the layer and the limit (exit 65).
    @Test func anAbsurdKernelIsBadInputNotACrash() throws {
        let spec = try networkFile(#"{"layers": [{"op": "conv", "name": "c1", "out": 8, "kernel": 3037000501}]}"#)
        let r = try runSparsetile(["report", "--network", spec, "--input-size", "16x16", "--html", "/tmp/never-\(UUID().uuidString).html"])
        #expect(r.status == ExitStatus.badInput.rawValue, "exit \(r.status): \(r.output)")
        #expect(r.output.contains("\(spec): layer 0 ('c1')") && r.output.contains("kernel 3037000501 is over the limit of 16384"), "\(r.output)")
    }

    /// The same kernel in a `--layer` spec trapped in `SyntheticLayer(parsing:)` (exit 132): now bad input.
    @Test func anAbsurdLayerSpecKernelIsBadInputNotACrash() throws {
        let r = try runSparsetile(["simulate", "--layer", "k3037000501s1c1x1@8x8"])
        #expect(r.status == ExitStatus.badInput.rawValue, "exit \(r.status): \(r.output)")
        #expect(r.output.contains("'k3037000501s1c1x1@8x8': kernel 3037000501 is over the limit of 16384"), "\(r.output)")
    }
}

/// `--network model.onnx` (docs/onnx.md) wherever a network is read: the fixture models of
/// tools/make-onnx-fixtures.py through `masks`, `simulate` and `report`, and a model the importer
/// refuses, named in the error.
@Suite("ONNX models as --network")
struct ONNXNetworkTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../SparseCNNTests/Fixtures/onnx").standardized.path

    @Test func simulateRunsTheModelsLayersBitExact() throws {
        for name in ["resnet-tiny", "sr-tiny"] {
            let r = try runSparsetile(["simulate", "--network", "\(Self.fixtures)/\(name).onnx", "--input-size", "16x16", "--density", "0.5"])
            expectExit(r, .success, "outputs: all", "equal SparseCNN's int8 outputs bit for bit")
            if name == "resnet-tiny" {
                #expect(r.output.contains("host ops (run by SparseCNN, not the accelerator): maxpool.MaxPool (maxpool), avgpool.GlobalAveragePool (gap), fc (fc)"), "\(r.output)")
            }
        }
    }

    @Test func masksAndReportReadTheModel() throws {
        let s = try Scratch()
        defer { s.remove() }
        let model = "\(Self.fixtures)/resnet-tiny.onnx"
        let masks = try runSparsetile(["masks", "--network", model, "--density", "0.3", "--out", s.path("masks")])
        // the model's own input size (32x32) when --input-size is not given
        let host = "host ops (run by SparseCNN, not the accelerator): maxpool.MaxPool (maxpool), avgpool.GlobalAveragePool (gap), fc (fc)"
        expectExit(masks, .success, "network resnet-tiny, input 32x32", "layer2.0.downsample.0", host)
        #expect(s.exists("masks/layer2.0.conv2.tile.npy"))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.path("masks/summary.json")))) as? [String: Any]
        #expect(summary?["hostOps"] as? [String] == ["maxpool.MaxPool (maxpool)", "avgpool.GlobalAveragePool (gap)", "fc (fc)"])
        let report = try runSparsetile(["report", "--network", model, "--html", s.path("r.html")])
        expectExit(report, .success, host)
        #expect(try String(contentsOfFile: s.path("r.html"), encoding: .utf8).contains("avgpool.GlobalAveragePool (gap)"))
    }

    @Test func manyHostOpsAreCountedByOp() {
        let few = ["a (relu)", "b (gap)"]
        #expect(hostOpsText(few) == "a (relu), b (gap)")
        let many = (0..<17).map { "l\($0) (\($0 % 3 == 0 ? "depthwise" : "affine"))" }
        #expect(hostOpsText(many) == "17 layers: 6 depthwise, 11 affine")
    }

    @Test func aModelTheImporterRefusesIsBadInputNamingTheNode() throws {
        let s = try Scratch()
        defer { s.remove() }
        var model = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: "\(Self.fixtures)/sr-tiny.onnx")))
        let i = try #require(model.graph.node.firstIndex { $0.opType == "PRelu" })
        model.graph.node[i].opType = "LSTM"
        let path = try s.write("lstm.onnx", try model.serializedData())
        let r = try runSparsetile(["simulate", "--network", path, "--input-size", "16x16"])
        expectExit(r, .badInput, "node '\(model.graph.node[i].name)' (LSTM): unsupported op 'LSTM'")
        let junk = try s.write("junk.onnx", "not a model")
        expectExit(try runSparsetile(["cosim", "--network", junk]), .badInput, "\(junk): not an ONNX model")
        // masks too: a network file that does not read is bad input (65), not a usage error (64)
        expectExit(try runSparsetile(["masks", "--network", junk, "--out", s.path("masks")]), .badInput, "\(junk): not an ONNX model")
    }
}
