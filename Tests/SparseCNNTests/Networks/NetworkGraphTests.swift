import Foundation
import Testing
@testable import SparseCNN

@Suite struct NetworkGraphTests {
    /// The published ResNet-18 conv shapes at 224x224 (He et al. 2016, torchvision), written out
    /// by hand: (name, output H=W, Cout, K, stride, Cin, input H=W).
    static let resnet18Table: [(String, Int, Int, Int, Int, Int, Int)] = [
        ("conv1", 112, 64, 7, 2, 3, 224),
        ("layer1.0.conv1", 56, 64, 3, 1, 64, 56), ("layer1.0.conv2", 56, 64, 3, 1, 64, 56),
        ("layer1.1.conv1", 56, 64, 3, 1, 64, 56), ("layer1.1.conv2", 56, 64, 3, 1, 64, 56),
        ("layer2.0.conv1", 28, 128, 3, 2, 64, 56), ("layer2.0.downsample", 28, 128, 1, 2, 64, 56),
        ("layer2.0.conv2", 28, 128, 3, 1, 128, 28), ("layer2.1.conv1", 28, 128, 3, 1, 128, 28),
        ("layer2.1.conv2", 28, 128, 3, 1, 128, 28),
        ("layer3.0.conv1", 14, 256, 3, 2, 128, 28), ("layer3.0.downsample", 14, 256, 1, 2, 128, 28),
        ("layer3.0.conv2", 14, 256, 3, 1, 256, 14), ("layer3.1.conv1", 14, 256, 3, 1, 256, 14),
        ("layer3.1.conv2", 14, 256, 3, 1, 256, 14),
        ("layer4.0.conv1", 7, 512, 3, 2, 256, 14), ("layer4.0.downsample", 7, 512, 1, 2, 256, 14),
        ("layer4.0.conv2", 7, 512, 3, 1, 512, 7), ("layer4.1.conv1", 7, 512, 3, 1, 512, 7),
        ("layer4.1.conv2", 7, 512, 3, 1, 512, 7),
    ]

    @Test func resnet18ShapesAndMACs() throws {
        let plan = try Network.resnet18().plan(height: 224, width: 224)
        let convs = plan.convLayers
        #expect(convs.count == Self.resnet18Table.count)
        for (c, t) in zip(convs, Self.resnet18Table) {
            #expect(c.name == t.0)
            #expect(c.outputShape == TensorShape(height: t.1, width: t.1, channels: t.2), "\(c.name)")
            #expect(c.kernel == t.3 && c.stride == t.4, "\(c.name)")
            #expect(c.inputShape == TensorShape(height: t.6, width: t.6, channels: t.5), "\(c.name)")
        }
        // Conv MACs from the table: 1,813,561,344; plus fc 512 x 1000.
        let tableMACs = Self.resnet18Table.reduce(0) { $0 + $1.1 * $1.1 * $1.2 * $1.3 * $1.3 * $1.5 }
        #expect(tableMACs == 1_813_561_344)
        #expect(convs.reduce(0) { $0 + $1.denseMACs } == tableMACs)
        #expect(plan.totalDenseMACs == 1_814_073_344)
        #expect(plan.output == .vector(1000))
        // Residual wiring: stage-2 block 0 adds the downsample, block 1 adds block 0's output.
        #expect(convs.first { $0.name == "layer2.0.conv2" }?.residual == "layer2.0.downsample")
        #expect(convs.first { $0.name == "layer2.1.conv2" }?.residual == "layer2.0.conv2")
        #expect(convs.first { $0.name == "layer1.0.conv2" }?.residual == "maxpool")
    }

    @Test func srresnetLayers() throws {
        let plan = try Network.srresnet().plan(height: 16, width: 12)
        let convs = plan.convLayers
        // head + 16 x 2 + mid + 2 upsampling convs + tail.
        #expect(convs.count == 37)
        #expect(convs.first!.name == "head" && convs.first!.kernel == 9)
        #expect(convs.first!.outputShape == TensorShape(height: 16, width: 12, channels: 64))
        #expect(convs.filter { $0.name.hasPrefix("body.") }.count == 32)
        #expect(convs.first { $0.name == "body.3.conv2" }?.residual == "body.2.conv2")
        #expect(convs.first { $0.name == "body.0.conv2" }?.residual == "head")
        #expect(convs.first { $0.name == "mid" }?.residual == "head")
        let u0 = convs.first { $0.name == "upsample.0.conv" }!, u1 = convs.first { $0.name == "upsample.1.conv" }!
        #expect(u0.outputShape == TensorShape(height: 16, width: 12, channels: 256))
        #expect(u1.inputShape == TensorShape(height: 32, width: 24, channels: 64))
        #expect(u1.outputShape == TensorShape(height: 32, width: 24, channels: 256))
        let tail = convs.last!
        #expect(tail.name == "tail" && tail.kernel == 9)
        #expect(tail.outputShape == TensorShape(height: 64, width: 48, channels: 3))
        #expect(plan.output == .map(TensorShape(height: 64, width: 48, channels: 3)))
    }

    @Test func jsonRoundTrip() throws {
        for net in [Network.resnet18(), Network.srresnet(), try Self.tinyNetwork()] {
            let back = try Network(json: try net.jsonData())
            #expect(back == net)
        }
    }

    static let tinyJSON = """
    {
      "name": "tiny",
      "inputChannels": 3,
      "inputSize": [16, 16],
      "layers": [
        {"op": "conv", "name": "c1", "out": 8, "kernel": 3, "activation": "relu"},
        {"op": "conv", "name": "c2", "out": 8, "kernel": 3, "activation": "prelu"},
        {"op": "conv", "name": "c3", "out": 8, "kernel": 3, "residual": "c1", "activation": "relu"},
        {"op": "maxpool", "name": "pool", "kernel": 2, "stride": 2},
        {"op": "conv", "name": "down", "out": 16, "kernel": 1, "stride": 2},
        {"op": "conv", "name": "c4", "out": 16, "kernel": 3, "stride": 2, "from": "pool", "residual": "down"},
        {"op": "prelu", "name": "act"},
        {"op": "conv", "name": "up", "out": 32, "kernel": 3},
        {"op": "pixelshuffle", "name": "shuffle", "factor": 2},
        {"op": "add", "name": "sum", "residual": "pool"},
        {"op": "relu"},
        {"op": "avgpool", "name": "avg", "kernel": 2, "stride": 2},
        {"op": "conv", "name": "last", "out": 6, "kernel": 5, "bias": false},
        {"op": "gap", "name": "gap"},
        {"op": "fc", "name": "fc", "out": 5}
      ]
    }
    """

    static func tinyNetwork() throws -> Network { try Network(json: Data(tinyJSON.utf8), source: "tiny.json") }

    @Test func tinyJSONParses() throws {
        let net = try Self.tinyNetwork()
        #expect(net.defaultInputSize == ImageSize(height: 16, width: 16))
        #expect(net.convLayerNames == ["c1", "c2", "c3", "down", "c4", "up", "last"])
        #expect(net.layers[10].name == "relu.10")
        let plan = try net.plan(height: 16, width: 16)
        #expect(plan.steps[9].output == .map(TensorShape(height: 8, width: 8, channels: 8)))
        #expect(plan.output == .vector(5))
    }

    func error(_ json: String) -> String {
        do { _ = try Network(json: Data(json.utf8), source: "net.json"); return "no error" } catch { return "\(error)" }
    }

    @Test func validationErrors() {
        let conv = #"{"op": "conv", "name": "a", "out": 4, "kernel": 3}"#
        #expect(error(#"{"layers": [{"op": "convolution", "out": 4}]}"#).contains("unknown op 'convolution'"))
        #expect(error(#"{"layers": [{"op": "conv", "out": 4, "kernel": 4}]}"#).contains("bad kernel 4"))
        #expect(error(#"{"layers": [{"op": "conv", "out": 4, "kernel": 3, "stride": 3}]}"#).contains("bad stride 3"))
        #expect(error(#"{"layers": [\#(conv), {"op": "conv", "name": "b", "out": 8, "kernel": 3, "residual": "a"}]}"#).contains("channel mismatch"))
        #expect(error(#"{"layers": [\#(conv), {"op": "conv", "name": "b", "out": 4, "kernel": 3, "residual": "zzz"}]}"#).contains("residual 'zzz'"))
        #expect(error(#"{"layers": [\#(conv), {"op": "conv", "name": "b", "out": 4, "kernel": 3, "from": "later"}]}"#).contains("'from' names 'later'"))
        #expect(error(#"{"layers": [\#(conv), {"op": "conv", "name": "a", "out": 4, "kernel": 3}]}"#).contains("used twice"))
        #expect(error(#"{"layers": [{"op": "conv", "out": 4, "kernal": 3}]}"#).contains("unknown key 'kernal'"))
        #expect(error(#"{"layers": [\#(conv), {"op": "pixelshuffle", "factor": 2}, {"op": "conv", "out": 2, "kernel": 3}]}"#).contains("no error"))
        #expect(error(#"{"layers": [\#(conv), {"op": "pixelshuffle", "factor": 3}]}"#).contains("channel mismatch"))
        #expect(error(#"{"layers": [\#(conv), {"op": "fc", "out": 3}]}"#).contains("'gap'"))
        #expect(error(#"{"layers": [\#(conv), {"op": "gap"}, {"op": "relu"}]}"#).contains("only 'fc' may follow 'gap'"))
        #expect(error(#"{"layers": []}"#).contains("no layers"))
        #expect(error("[1, 2").contains("not valid JSON"))
        #expect(error(#"{"layers": [{"op": "add"}]}"#).contains("needs a 'residual'"))
        // Every error names the file.
        #expect(error(#"{"layers": [{"op": "x"}]}"#).hasPrefix("net.json"))
    }

    @Test func spatialResidualMismatchIsCaughtAtPlanTime() throws {
        let net = try Network(json: Data(#"{"layers": [{"op": "conv", "name": "a", "out": 4, "kernel": 3}, {"op": "conv", "name": "b", "out": 4, "kernel": 3, "stride": 2, "residual": "a"}]}"#.utf8))
        #expect(throws: SparseCNNError.self) { try net.plan(height: 8, width: 8) }
    }

    @Test func sizeParsing() throws {
        #expect(try ImageSize(parsing: "224x112") == ImageSize(height: 224, width: 112))
        for bad in ["224", "0x4", "ax4", "4x", "-3x4", "4x4x4"] {
            #expect(throws: SparseCNNError.self) { try ImageSize(parsing: bad) }
        }
    }
}

/// `srresnet-<blocks>x<channels>`: the SRResNet graph at other sizes, for trained variants.
@Suite struct SRResNetVariantTests {
    @Test func variantsAreTheSameGraphAtOtherSizes() throws {
        let v = try Network.named("srresnet-3x8")
        #expect(v.name == "srresnet-3x8")
        #expect(v.convLayerNames == ["head"] + (0..<3).flatMap { ["body.\($0).conv1", "body.\($0).conv2"] }
                + ["mid", "upsample.0.conv", "upsample.1.conv", "tail"])
        let plan = try v.plan(height: 8, width: 8)
        #expect(plan.output == .map(TensorShape(height: 32, width: 32, channels: 3)))
        #expect(plan.convLayers[1].outputShape.channels == 8)
        for bad in ["srresnet-0x8", "srresnet-3", "srresnet-3x", "srresnet-3x1000"] {
            #expect(throws: SparseCNNError.self, "\(bad)") { try Network.named(bad) }
        }
    }
}

@Suite struct ImageSizeParsingTests {
    @Test func sizesParseAndTheLimitIsNamed() throws {
        #expect(try ImageSize(parsing: "224x160") == ImageSize(height: 224, width: 160))
        #expect(try ImageSize(parsing: "16384X16384") == ImageSize(height: 16384, width: 16384))
        #expect { try ImageSize(parsing: "99999x99999") } throws: { "\($0)".contains("limit of 16384") }
        for bad in ["0x4", "4x", "x4", "4x4x4", "ax4", "-2x4"] {
            #expect { try ImageSize(parsing: bad) } throws: { "\($0)".contains("positive integers") }
        }
    }
}
