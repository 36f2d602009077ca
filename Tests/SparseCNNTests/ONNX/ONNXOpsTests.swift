import Foundation
import Testing
@testable import SparseCNN

/// Op by op: small graphs built here, their imported layers, and their outputs against a direct
/// computation (SparseCNN's tested ops on the original weights, plus index formulas written out).
@Suite struct ONNXOpsTests {
    /// An input of `c` channels, `h × w`, values in [0, 1).
    static func input(_ c: Int, _ h: Int = 6, _ w: Int = 6) -> FloatTensor {
        var g = SplitMix64(seed: 99)
        return try! FloatTensor(shape: TensorShape(height: h, width: w, channels: c), scalars: (0..<(h * w * c)).map { _ in Float(g.nextUnit()) })
    }

    /// A 3×3 conv node `name` reading `from`, weights `<name>.weight` [co, ci, 3, 3] and a bias.
    static func conv(_ b: inout ONNXGraphBuilder, _ name: String, from: String, ci: Int, co: Int, k: Int = 3, stride: Int = 1,
                     seed: UInt64, extra: [Onnx_AttributeProto] = []) -> (weights: [Float], bias: [Float]) {
        let w = testWeights(co * ci * k * k, seed: seed), bias = testWeights(co, seed: seed + 1)
        b.initializer("\(name).weight", [co, ci, k, k], w)
        b.initializer("\(name).bias", [co], bias)
        let p = (k - 1) / 2
        b.node("Conv", ["\(from)", "\(name).weight", "\(name).bias"], name, name: "/\(name)/Conv",
               [attribute("kernel_shape", ints: [k, k]), attribute("pads", ints: [p, p, p, p]), attribute("strides", ints: [stride, stride])] + extra)
        return (w, bias)
    }

    /// SparseCNN's float conv with ONNX-order weights.
    static func reference(_ x: FloatTensor, _ p: (weights: [Float], bias: [Float]), co: Int, k: Int = 3, stride: Int = 1) throws -> FloatTensor {
        let ci = x.channels
        var f = [Float](repeating: 0, count: p.weights.count)
        for o in 0..<co { for c in 0..<ci { for ky in 0..<k { for kx in 0..<k {
            f[((o * k + ky) * k + kx) * ci + c] = p.weights[((o * ci + c) * k + ky) * k + kx]
        } } } }
        return try conv2d(x, try Filter(outChannels: co, kernel: k, inChannels: ci, scalars: f), bias: p.bias,
                          geometry: try ConvGeometry(kernel: k, stride: stride))
    }

    static func runMap(_ m: ONNXModel, _ x: FloatTensor) throws -> FloatTensor {
        guard case .map(let t) = try m.network.plan(height: x.height, width: x.width).runFloat(x, parameters: m.parameters).output else {
            throw SparseCNNError.invalidArgument("not a map")
        }
        return t
    }

    static func maxError(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }

    /// The error's text, which must name the node and its op type.
    static func expectNodeError(_ b: ONNXGraphBuilder, output: String, node: String, op: String, mentions: String,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let reason = expectMalformed(path: "test.onnx", reasonContains: "node '\(node)' (\(op))", sourceLocation: sourceLocation) {
            try b.importModel(output: output)
        }
        if let reason { #expect(reason.contains(mentions), "\(reason)", sourceLocation: sourceLocation) }
    }

    @Test func unsupportedOpNamesTheNodeAndItsOpType() throws {
        var b = ONNXGraphBuilder(inputChannels: 3)
        _ = Self.conv(&b, "c1", from: "x", ci: 3, co: 4, seed: 1)
        b.node("LSTM", ["c1"], "y", name: "/head/rnn/LSTM")
        Self.expectNodeError(b, output: "y", node: "/head/rnn/LSTM", op: "LSTM", mentions: "unsupported op 'LSTM'")
    }

    /// Convs the accelerator has no form for run on the host (`HostOp.conv`, checked against
    /// onnxruntime in ops-tiny); a padding that depends on the map's size is refused.
    @Test func convFormsTheAcceleratorLacksGoToTheHost() throws {
        for (attrs, ci, k) in [([attribute("group", int: 2), attribute("pads", ints: [1, 1, 1, 1])], 2, 3),
                               ([attribute("dilations", ints: [2, 2]), attribute("pads", ints: [2, 2, 2, 2])], 4, 3),
                               ([attribute("strides", ints: [3, 3])], 4, 3), ([], 4, 2)] {
            var b = ONNXGraphBuilder(inputChannels: 4)
            b.initializer("w", [4, ci, k, k], testWeights(4 * ci * k * k, seed: 1))
            b.node("Conv", ["x", "w"], "y", name: "c", attrs)
            let m = try b.importModel(output: "y")
            guard case .host(.conv(let g)) = m.network.layers[0].op else { Issue.record("\(m.network.layers)"); continue }
            #expect(g.groups == (ci == 2 ? 2 : 1) && g.kernelHeight == k)
        }
        var same = ONNXGraphBuilder(inputChannels: 4)
        same.initializer("w", [4, 4, 3, 3], testWeights(144, seed: 1))
        same.node("Conv", ["x", "w"], "y", name: "same2", [attribute("auto_pad", string: "SAME_UPPER"), attribute("strides", ints: [2, 2])])
        Self.expectNodeError(same, output: "y", node: "same2", op: "Conv", mentions: "auto_pad SAME_UPPER")
        var oneD = ONNXGraphBuilder(inputChannels: 4)
        oneD.initializer("w", [4, 4, 3], testWeights(48, seed: 1))
        oneD.node("Conv", ["x", "w"], "y", name: "1d")
        Self.expectNodeError(oneD, output: "y", node: "1d", op: "Conv", mentions: "only 2-D convs")
    }

    @Test func convReluAndStrideTwoMatchSparseCNNsConv() throws {
        var b = ONNXGraphBuilder(inputChannels: 3, height: 7, width: 7)
        let p = Self.conv(&b, "c1", from: "x", ci: 3, co: 5, stride: 2, seed: 3)
        b.node("Relu", ["c1"], "y")
        let m = try b.importModel(output: "y")
        #expect(m.network.layers.map(\.op) == [.conv(outChannels: 5, kernel: 3, stride: 2, bias: true, activation: .relu)])
        #expect(m.network.layers[0].name == "c1")   // named after its weight
        let x = Self.input(3, 7, 7)
        let want = relu(try Self.reference(x, p, co: 5, stride: 2))
        let got = try Self.runMap(m, x)
        #expect(got.shape == TensorShape(height: 4, width: 4, channels: 5) && got.scalars == want.scalars)
    }

    /// DepthToSpace in DCR order (ONNX's default): the conv's output channels are reordered so that
    /// PyTorch's (CRD) pixel shuffle gives DCR's result.
    @Test(arguments: [2, 3]) func depthToSpaceDCRReordersTheConvChannels(_ r: Int) throws {
        let c = 2, co = c * r * r
        var b = ONNXGraphBuilder(inputChannels: 3, height: 4, width: 5)
        let p = Self.conv(&b, "up", from: "x", ci: 3, co: co, seed: 5)
        b.node("PRelu", ["up", "slope"], "act")
        b.initializer("slope", [1], [0.3])
        b.node("DepthToSpace", ["act"], "y", name: "d2s", [attribute("blocksize", int: r)])
        let m = try b.importModel(output: "y")
        #expect(m.network.layers.map(\.op.kind) == ["conv", "pixelshuffle"])
        let x = Self.input(3, 4, 5)
        let z = prelu(try Self.reference(x, p, co: co), slope: 0.3)
        // DCR: out[c, h·r + i, w·r + j] = in[(i·r + j)·C + c, h, w]
        var want = [Float](repeating: 0, count: z.scalars.count)
        for h in 0..<4 { for w in 0..<5 { for i in 0..<r { for j in 0..<r { for ch in 0..<c {
            let outY = h * r + i, outX = w * r + j
            let from = (h * 5 + w) * co + (i * r + j) * c + ch
            want[(outY * 5 * r + outX) * c + ch] = z.scalars[from]
        } } } } }
        #expect(try Self.runMap(m, x).scalars == want)
        // CRD is the pixel shuffle as it is
        var crd = b
        crd.graph.node[2].attribute.append(attribute("mode", string: "CRD"))
        #expect(try Self.runMap(try crd.importModel(output: "y"), x).scalars == (try pixelShuffle(z, factor: r)).scalars)
        // DCR after a map something else also reads cannot be reordered
        var shared = ONNXGraphBuilder(inputChannels: co)
        shared.node("DepthToSpace", ["x"], "y", name: "d2s", [attribute("blocksize", int: r)])
        Self.expectNodeError(shared, output: "y", node: "d2s", op: "DepthToSpace", mentions: "DCR")
    }

    /// Conv → BatchNorm → Add(shortcut) → Relu is one conv layer; the shortcut's conv, computed
    /// after it in the graph, comes before it in the network.
    @Test func batchNormResidualAndReluFuseIntoTheConv() throws {
        var b = ONNXGraphBuilder(inputChannels: 3)
        let p = Self.conv(&b, "main", from: "x", ci: 3, co: 4, seed: 7)
        let (g, beta, mean, v) = (testWeights(4, seed: 10).map { $0 + 1.5 }, testWeights(4, seed: 11), testWeights(4, seed: 12), testWeights(4, seed: 13).map { $0 + 1.2 })
        for (n, t) in [("g", g), ("beta", beta), ("mean", mean), ("var", v)] { b.initializer(n, [4], t) }
        b.node("BatchNormalization", ["main", "g", "beta", "mean", "var"], "bn", [attribute("epsilon", float: 1e-3)])
        let s = Self.conv(&b, "short", from: "x", ci: 3, co: 4, k: 1, seed: 20)
        b.node("Add", ["bn", "short"], "sum")
        b.node("Identity", ["sum"], "same")
        b.node("Relu", ["same"], "y")
        let m = try b.importModel(output: "y")
        #expect(m.network.layers.map(\.name) == ["short", "main"])
        #expect(m.network.layers[1].residual == "short")
        #expect(m.network.layers[1].op == .conv(outChannels: 4, kernel: 3, stride: 1, bias: true, activation: .relu))
        let x = Self.input(3)
        let conv = try Self.reference(x, p, co: 4), short = try Self.reference(x, s, co: 4, k: 1)
        var want = conv.scalars
        for i in want.indices {
            let o = i % 4
            // batch norm as ONNX defines it, unfolded, in double
            let n = (Double(conv.scalars[i]) - Double(mean[o])) / (Double(v[o]) + 1e-3).squareRoot() * Double(g[o]) + Double(beta[o])
            want[i] = max(0, Float(n + Double(short.scalars[i])))
        }
        #expect(Self.maxError(try Self.runMap(m, x).scalars, want) < 1e-5)
    }

    @Test func addOfTwoReadMapsIsAnAddLayerAndBatchNormAloneIsAnError() throws {
        var b = ONNXGraphBuilder(inputChannels: 3)
        _ = Self.conv(&b, "a", from: "x", ci: 3, co: 3, seed: 1)
        b.node("Relu", ["a"], "ra")           // `a` is read twice: no fusion
        b.node("Add", ["a", "ra"], "y", name: "sum")
        let m = try b.importModel(output: "y")
        #expect(m.network.layers.map(\.op.kind) == ["conv", "relu", "add"])
        let x = Self.input(3)
        let a = try Self.runMap(try { var c = b; c.graph.node.removeLast(2); return try c.importModel(output: "a") }(), x)
        #expect(try Self.runMap(m, x).scalars == zip(a.scalars, a.scalars).map { $0 + max(0, $1) })

        var bn = ONNXGraphBuilder(inputChannels: 2)
        for n in ["g", "beta", "mean", "var"] { bn.initializer(n, [2], [1, 1]) }
        bn.node("BatchNormalization", ["x", "g", "beta", "mean", "var"], "y", name: "lonely")
        Self.expectNodeError(bn, output: "y", node: "lonely", op: "BatchNormalization", mentions: "only right after a conv")
    }

    /// GlobalAveragePool → Flatten → MatMul → Add(bias), and Gemm with transB 0, α and β.
    @Test func fullyConnectedForms() throws {
        let (c, n) = (3, 4)
        let w = testWeights(c * n, seed: 30), bias = testWeights(n, seed: 31)   // w: [in, out]
        let x = Self.input(c)
        let mean = (0..<c).map { ch in (0..<36).reduce(Float(0)) { $0 + x.scalars[$1 * c + ch] } / 36 }
        func expected(_ alpha: Float, _ beta: Float) -> [Float] {
            (0..<n).map { o in alpha * (0..<c).reduce(Float(0)) { $0 + mean[$1] * w[$1 * n + o] } + beta * bias[o] }
        }
        var mm = ONNXGraphBuilder(inputChannels: c)
        mm.node("GlobalAveragePool", ["x"], "g")
        mm.node("Flatten", ["g"], "f", [attribute("axis", int: 1)])
        mm.initializer("w", [c, n], w)
        mm.initializer("b", [n], bias)
        mm.node("MatMul", ["f", "w"], "mm")
        mm.node("Add", ["mm", "b"], "y")
        var gemm = ONNXGraphBuilder(inputChannels: c)
        gemm.intInitializer("axes", [2, 3])
        gemm.node("ReduceMean", ["x", "axes"], "g", [attribute("keepdims", int: 1)])
        gemm.intInitializer("shape", [1, -1])
        gemm.node("Reshape", ["g", "shape"], "f")
        gemm.initializer("w", [c, n], w)
        gemm.initializer("b", [1, n], bias)
        gemm.node("Gemm", ["f", "w", "b"], "y", [attribute("alpha", float: 0.5), attribute("beta", float: 2)])
        gemm.opset = 18
        for (b, alpha, beta) in [(mm, Float(1), Float(1)), (gemm, 0.5, 2)] {
            let m = try b.importModel(output: "y")
            #expect(m.network.layers.map(\.op.kind) == ["gap", "fc"])
            guard case .vector(let v) = try m.network.plan(height: 6, width: 6).runFloat(x, parameters: m.parameters).output else {
                Issue.record("not a vector"); continue
            }
            #expect(Self.maxError(v, expected(alpha, beta)) < 1e-6)
        }
        var map = ONNXGraphBuilder(inputChannels: c)
        map.node("Flatten", ["x"], "f", name: "flat")
        Self.expectNodeError(map, output: "f", node: "flat", op: "Flatten", mentions: "feature map")
    }

    @Test func poolsAndTheirLimits() throws {
        let x = Self.input(2, 7, 7)
        var mp = ONNXGraphBuilder(inputChannels: 2, height: 7, width: 7)
        mp.node("MaxPool", ["x"], "y", [attribute("kernel_shape", ints: [3, 3]), attribute("strides", ints: [2, 2]), attribute("pads", ints: [1, 1, 1, 1])])
        #expect(try Self.runMap(try mp.importModel(output: "y"), x).scalars == (try maxPool2d(x, kernel: 3, stride: 2, padding: 1)).scalars)
        var ap = ONNXGraphBuilder(inputChannels: 2, height: 7, width: 7)
        ap.node("AveragePool", ["x"], "y", [attribute("kernel_shape", ints: [2, 2]), attribute("strides", ints: [2, 2])])
        #expect(try Self.runMap(try ap.importModel(output: "y"), x).scalars == (try avgPool2d(x, kernel: 2, stride: 2, padding: 0)).scalars)
        var inc = ONNXGraphBuilder(inputChannels: 2, height: 7, width: 7)
        inc.node("AveragePool", ["x"], "y", name: "avg", [attribute("kernel_shape", ints: [3, 3]), attribute("pads", ints: [1, 1, 1, 1]),
                                                          attribute("count_include_pad", int: 1)])
        Self.expectNodeError(inc, output: "y", node: "avg", op: "AveragePool", mentions: "count_include_pad")
        var ceil = ONNXGraphBuilder(inputChannels: 2, height: 7, width: 7)
        ceil.node("MaxPool", ["x"], "y", name: "mp", [attribute("kernel_shape", ints: [2, 2]), attribute("ceil_mode", int: 1)])
        Self.expectNodeError(ceil, output: "y", node: "mp", op: "MaxPool", mentions: "ceil_mode")
    }

    /// Resize and Upsample, nearest, integer factor: the network's upsample (x ÷ r); the modes that
    /// read another pixel are refused.
    @Test func nearestUpsampling() throws {
        let x = Self.input(2, 3, 4)
        let want = try upsampleNearest(x, factor: 3).scalars
        var resize = ONNXGraphBuilder(inputChannels: 2, height: 3, width: 4)
        resize.initializer("scales", [4], [1, 1, 3, 3])
        resize.node("Resize", ["x", "", "scales"], "y", name: "rs", [attribute("mode", string: "nearest"),
            attribute("coordinate_transformation_mode", string: "asymmetric"), attribute("nearest_mode", string: "floor")])
        #expect(try Self.runMap(try resize.importModel(output: "y"), x).scalars == want)
        var half = resize
        half.graph.node[0].attribute = [attribute("mode", string: "nearest")]   // half_pixel, round_prefer_floor
        #expect(try Self.runMap(try half.importModel(output: "y"), x).scalars == want)
        var upsample = ONNXGraphBuilder(inputChannels: 2, height: 3, width: 4)
        upsample.opset = 9
        upsample.initializer("scales", [4], [1, 1, 3, 3])
        upsample.node("Upsample", ["x", "scales"], "y")
        #expect(try Self.runMap(try upsample.importModel(output: "y"), x).scalars == want)
        var rounding = resize
        rounding.graph.node[0].attribute = [attribute("coordinate_transformation_mode", string: "asymmetric")]
        Self.expectNodeError(rounding, output: "y", node: "rs", op: "Resize", mentions: "asymmetric")
        var linear = resize
        linear.graph.node[0].attribute = [attribute("mode", string: "linear")]   // half_pixel: PyTorch's bilinear (ops-tiny)
        #expect(try linear.importModel(output: "y").network.layers.map(\.op) == [.host(.upsampleBilinear(factor: 3))])
        linear.graph.node[0].attribute.append(attribute("coordinate_transformation_mode", string: "align_corners"))
        Self.expectNodeError(linear, output: "y", node: "rs", op: "Resize", mentions: "'align_corners'")
        var cubic = resize
        cubic.graph.node[0].attribute = [attribute("mode", string: "cubic")]
        Self.expectNodeError(cubic, output: "y", node: "rs", op: "Resize", mentions: "mode 'cubic'")
        var fraction = resize
        fraction.graph.initializer[0] = ONNXGraphBuilder.tensor("scales", [4], [1, 1, 1.5, 1.5])
        Self.expectNodeError(fraction, output: "y", node: "rs", op: "Resize", mentions: "integer r")
    }

    /// PRelu (one slope) and LeakyRelu fold into the conv before them; after anything else they are
    /// layers of their own. Per-channel slopes are refused.
    @Test func preluAndLeakyRelu() throws {
        var b = ONNXGraphBuilder(inputChannels: 3)
        let p = Self.conv(&b, "c", from: "x", ci: 3, co: 4, seed: 40)
        b.node("LeakyRelu", ["c"], "l", [attribute("alpha", float: 0.2)])
        b.node("MaxPool", ["l"], "mp", [attribute("kernel_shape", ints: [1, 1])])
        b.node("Constant", [], "slope", [{ var a = Onnx_AttributeProto(); a.name = "value"; a.type = .tensor
                                           a.t = ONNXGraphBuilder.tensor("", [1, 1, 1], [0.5]); return a }()])
        b.node("PRelu", ["mp", "slope"], "y")
        let m = try b.importModel(output: "y")
        #expect(m.network.layers.map(\.op.kind) == ["conv", "maxpool", "prelu"])
        #expect(m.parameters.convs["c"]?.preluSlope == 0.2)
        let x = Self.input(3)
        let want = prelu(prelu(try Self.reference(x, p, co: 4), slope: 0.2), slope: 0.5)
        #expect(try Self.runMap(m, x).scalars == want.scalars)
        var perChannel = ONNXGraphBuilder(inputChannels: 3)
        perChannel.initializer("s", [3, 1, 1], [0.1, 0.2, 0.3])
        perChannel.node("PRelu", ["x", "s"], "y", name: "pc")
        Self.expectNodeError(perChannel, output: "y", node: "pc", op: "PRelu", mentions: "3 slopes")
    }

    @Test func graphLevelErrors() throws {
        var two = ONNXGraphBuilder(inputChannels: 3)
        two.graph.input.append(ONNXGraphBuilder.valueInfo("x2", [1, 3, 6, 6]))
        two.node("Add", ["x", "x2"], "y")
        expectMalformed(path: "test.onnx", reasonContains: "2 inputs") { try two.importModel(output: "y") }
        var vector = ONNXGraphBuilder(inputChannels: 3)
        vector.graph.input = [ONNXGraphBuilder.valueInfo("x", [1, 3])]
        vector.node("Relu", ["x"], "y")
        expectMalformed(path: "test.onnx", reasonContains: "[N, C, H, W]") { try vector.importModel(output: "y") }
        var transpose = ONNXGraphBuilder(inputChannels: 3)
        transpose.node("Transpose", ["x"], "y", name: "t", [attribute("perm", ints: [0, 2, 3, 1])])
        Self.expectNodeError(transpose, output: "y", node: "t", op: "Transpose", mentions: "moves data")
        var identity = ONNXGraphBuilder(inputChannels: 3)
        identity.node("Transpose", ["x"], "t", [attribute("perm", ints: [0, 1, 2, 3])])
        identity.node("Relu", ["t"], "y")
        #expect(try identity.importModel(output: "y").network.layers.map(\.op) == [.relu])
        var domain = ONNXGraphBuilder(inputChannels: 3)
        domain.node("Relu", ["x"], "y", name: "custom")
        domain.graph.node[0].domain = "com.microsoft"
        Self.expectNodeError(domain, output: "y", node: "custom", op: "Relu", mentions: "com.microsoft")
        // dead branches are dropped, not refused
        var dead = ONNXGraphBuilder(inputChannels: 3)
        dead.node("Sigmoid", ["x"], "unused")
        dead.node("Relu", ["x"], "y")
        #expect(try dead.importModel(output: "y").network.layers.count == 1)
    }

    @Test func constantsDecodeFromEveryStorage() throws {
        var raw = ONNXGraphBuilder.tensor("t", [2], [])
        raw.rawData = Data([0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0])   // 1.0, −2.0 little-endian
        #expect(try ONNXConstant(raw, what: "t").floats == [1, -2])
        var half = ONNXGraphBuilder.tensor("h", [4], [])
        half.dataType = Int32(Onnx_TensorProto.DataType.float16.rawValue)
        half.rawData = Data([0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0x00, 0x7C])   // 1, −2, 2⁻²⁴, +inf
        #expect(try ONNXConstant(half, what: "h").floats == [1, -2, Float(sign: .plus, exponent: -24, significand: 1), .infinity])
        var short = raw
        short.rawData = Data([0, 0, 0x80])
        #expect(throws: SparseCNNError.self) { try ONNXConstant(short, what: "t") }
        var external = raw
        external.dataLocation = .external
        #expect(throws: SparseCNNError.self) { try ONNXConstant(external, what: "t") }
        var wrongCount = ONNXGraphBuilder.tensor("t", [3], [1, 2])
        wrongCount.dataType = 1
        #expect(throws: SparseCNNError.self) { try ONNXConstant(wrongCount, what: "t") }
    }
}

/// Constant arithmetic after a conv folds into it; elsewhere one value is an affine layer, and
/// consecutive ones merge.
@Suite struct ONNXArithmeticTests {
    @Test func constantsFoldIntoTheConvOrBecomeOneAffineLayer() throws {
        var b = ONNXGraphBuilder(inputChannels: 3)
        let p = ONNXOpsTests.conv(&b, "c", from: "x", ci: 3, co: 2, seed: 50)
        b.initializer("scale", [1, 2, 1, 1], [0.5, -2])
        b.node("Mul", ["scale", "c"], "m")
        b.initializer("one", [], [1])
        b.node("Sub", ["m", "one"], "s")
        b.initializer("four", [], [4])
        b.node("Div", ["s", "four"], "d")
        b.node("Clip", ["d", "zero"], "r")          // [0, ∞): the conv's ReLU
        b.initializer("zero", [], [0])
        b.node("Sub", ["one", "r"], "n")            // 1 − x: affine(−1, 1)
        b.node("Mul", ["n", "four"], "y")           // merged: affine(−4, 4)
        let m = try b.importModel(output: "y")
        #expect(m.network.layers.map(\.op) == [.conv(outChannels: 2, kernel: 3, stride: 1, bias: true, activation: .relu),
                                                .host(.affine(scale: -4, shift: 4))])
        let x = ONNXOpsTests.input(3)
        let c = try ONNXOpsTests.reference(x, p, co: 2)
        let want = c.scalars.indices.map { i -> Float in
            let v = max(0, (c.scalars[i] * [0.5, -2][i % 2] - 1) / 4)
            return (1 - v) * 4
        }
        #expect(ONNXOpsTests.maxError(try ONNXOpsTests.runMap(m, x).scalars, want) < 1e-5)
    }

    @Test func concatAndTransposedConvWithItsBatchNorm() throws {
        var b = ONNXGraphBuilder(inputChannels: 2, height: 3, width: 4)
        let w = testWeights(2 * 3 * 2 * 2, seed: 60)
        b.initializer("up.weight", [2, 3, 2, 2], w)
        b.node("ConvTranspose", ["x", "up.weight"], "u", [attribute("kernel_shape", ints: [2, 2]), attribute("strides", ints: [2, 2])])
        for (n, v) in [("g", [Float](arrayLiteral: 2, 1, 0.5)), ("beta", [0.1, 0.2, 0.3]), ("mean", [0, 1, -1]), ("var", [1, 4, 0.25])] {
            b.initializer(n, [3], v)
        }
        b.node("BatchNormalization", ["u", "g", "beta", "mean", "var"], "bn", [attribute("epsilon", float: 0)])
        b.initializer("scales", [4], [1, 1, 2, 2])
        b.node("Resize", ["x", "", "scales"], "big", [attribute("mode", string: "nearest")])
        b.node("Concat", ["bn", "big"], "y", [attribute("axis", int: 1)])
        let m = try b.importModel(output: "y")
        #expect(m.network.layers.map(\.op.kind) == ["convtranspose", "upsample", "concat"])
        let x = ONNXOpsTests.input(2, 3, 4)
        let got = try ONNXOpsTests.runMap(m, x)
        #expect(got.shape == TensorShape(height: 6, width: 8, channels: 5))
        // pixel (3, 5): input (1, 2), tap (1, 1); channel 1 = BN(Σ_c x·w[c][1][1][1]); channel 4 = x(1, 2, 1)
        var t: Float = 0
        for c in 0..<2 { t += x.scalars[(1 * 4 + 2) * 2 + c] * w[((c * 3 + 1) * 2 + 1) * 2 + 1] }
        let bn = (t - 1) / 2 * 1 + 0.2
        #expect(abs(got.scalars[(3 * 8 + 5) * 5 + 1] - bn) < 1e-6)
        #expect(got.scalars[(3 * 8 + 5) * 5 + 4] == x.scalars[(1 * 4 + 2) * 2 + 1])
    }
}

/// Values that would trap the int8 quantizer: refused at import (weights), saturated at run time
/// (a host op's infinities).
@Suite struct ONNXNonFiniteTests {
    @Test func nonFiniteWeightsAreRefusedAndInfinitiesSaturate() throws {
        var b = ONNXGraphBuilder(inputChannels: 3)
        _ = ONNXOpsTests.conv(&b, "c", from: "x", ci: 3, co: 2, seed: 70)
        b.initializer("zero", [], [0])
        b.node("Div", ["c", "zero"], "y")          // folded: weights · (1/0)
        expectMalformed(path: "test.onnx", reasonContains: "layer 'c': its weights hold") { try b.importModel(output: "y") }
        var d = ONNXGraphBuilder(inputChannels: 3)
        d.node("Sub", ["x", "x"], "z")
        d.node("Div", ["x", "z"], "y")             // x / 0 on the host: ±inf (or NaN for 0/0)
        let m = try d.importModel(output: "y")
        let x = ONNXOpsTests.input(3)
        let q = try QuantizedNetwork(plan: try m.network.plan(height: 6, width: 6), parameters: m.parameters, calibrationInput: x)
        guard case .map(let t, _) = try q.run(x).output else { Issue.record("not a map"); return }
        #expect(t.scalars.allSatisfy { $0 == 127 || $0 == 0 })
    }
}
