import Foundation

/// How each ONNX op becomes network layers (the table in docs/onnx.md).
extension ONNXGraphImporter {
    func bad(_ why: String) -> ONNXNodeError { .message(why) }

    mutating func translate(_ node: Onnx_NodeProto) throws {
        guard node.domain.isEmpty || node.domain == "ai.onnx" else {
            throw bad("ops of domain '\(node.domain)' are not supported")
        }
        guard !node.output.isEmpty, !node.output[0].isEmpty else { throw bad("the node has no output") }
        let a = ONNXAttributes(node)
        switch node.opType {
        case "Constant": try constant(node, a)
        case "Identity", "Dropout":
            try allow(a, ["ratio", "seed"])
            try onlyFirstOutputUsed(node)
            try alias(node.output[0], of: input(node, 0))
        case "Cast":
            // of constants only (exporters cast Clip's bounds): values stay as they are
            try allow(a, ["to", "saturate"])
            let c = try constantInput(node, 0)
            let to = a.int("to") ?? 0
            let float: Set<Int> = [1, 10, 11]   // float, float16, double
            constants[node.output[0]] = float.contains(to) ? ONNXConstant(dims: c.dims, floats: c.floats)
                : ONNXConstant(dims: c.dims, ints: c.floats.map { Int(exactly: $0.rounded(.towardZero)) ?? 0 })
        case "Conv": try conv(node, a)
        case "BatchNormalization": try batchNorm(node, a)
        case "Relu": try allow(a, []); try activation(node, .relu, slope: nil)
        case "PRelu":
            try allow(a, [])
            let s = try constantInput(node, 1)
            guard s.count == 1 else {
                throw bad("PReLU with \(s.count) slopes (shape \(s.dims)): one slope for the whole tensor is supported (nn.PReLU() with num_parameters=1)")
            }
            try activation(node, .prelu, slope: s.floats[0])
        case "LeakyRelu":
            // LeakyReLU(α) is PReLU with the constant slope α.
            try allow(a, ["alpha"])
            try activation(node, .prelu, slope: a.float("alpha") ?? 0.01)
        case "Add", "Sum": try add(node, a)
        case "Sub", "Mul", "Div": try arithmetic(node, a)
        case "Clip": try clip(node, a)
        case "HardSwish": try allow(a, []); try hostElementwise(node, .hardSwish)
        case "HardSigmoid":
            try allow(a, ["alpha", "beta"])
            try hostElementwise(node, .hardSigmoid(alpha: a.float("alpha") ?? 0.2, beta: a.float("beta") ?? 0.5))
        case "Sigmoid": try allow(a, []); try hostElementwise(node, .sigmoid)
        case "Concat": try concat(node, a)
        case "ConvTranspose": try convTranspose(node, a)
        case "MaxPool", "AveragePool": try pool(node, a)
        case "GlobalAveragePool":
            try allow(a, [])
            let x = try mapInput(node, 0)
            let name = try append(node, .globalAvgPool, from: x.layer)
            values[node.output[0]] = .vector(layer: name, length: x.channels, rank: 4)
        case "ReduceMean": try reduceMean(node, a)
        case "Flatten", "Reshape", "Squeeze", "Unsqueeze": try reshape(node, a)
        case "Transpose":
            try allow(a, ["perm"])
            let perm = a.ints("perm")
            guard let perm, perm == Array(perm.indices) else {
                throw bad("a Transpose that moves data (perm \(perm.map { "\($0)" } ?? "reversed")) is not supported; only the identity permutation")
            }
            try alias(node.output[0], of: input(node, 0))
        case "Gemm", "MatMul": try fullyConnected(node, a)
        case "DepthToSpace": try depthToSpace(node, a)
        case "Resize", "Upsample": try upsample(node, a)
        default:
            throw bad("unsupported op '\(node.opType)' (supported: \(Self.supportedOps.joined(separator: ", ")))")
        }
    }

    // MARK: inputs and outputs

    func input(_ node: Onnx_NodeProto, _ i: Int) throws -> String {
        guard i < node.input.count, !node.input[i].isEmpty else { throw bad("input \(i) is missing") }
        return node.input[i]
    }

    func optionalInput(_ node: Onnx_NodeProto, _ i: Int) -> String? {
        i < node.input.count && !node.input[i].isEmpty ? node.input[i] : nil
    }

    func mapInput(_ node: Onnx_NodeProto, _ i: Int) throws -> (layer: String, channels: Int) {
        let t = try input(node, i)
        switch values[t] {
        case .map(let l, let c)?: return (l, c)
        case .vector?: throw bad("input '\(t)' is a feature vector (after a global pool or fc); this op needs a feature map")
        case nil: throw bad(constants[t] != nil ? "input '\(t)' is a constant; this op needs a feature map computed from the image" : "input '\(t)' is not computed before this node")
        }
    }

    func constantInput(_ node: Onnx_NodeProto, _ i: Int) throws -> ONNXConstant {
        let t = try input(node, i)
        guard let c = constants[t] else {
            throw bad("input '\(t)' must be a constant (an initializer or a Constant node's output)")
        }
        return c
    }

    func allow(_ a: ONNXAttributes, _ known: Set<String>) throws {
        if let x = a.names.subtracting(known).sorted().first { throw bad("attribute '\(x)' is not supported") }
    }

    func onlyFirstOutputUsed(_ node: Onnx_NodeProto) throws {
        for o in node.output.dropFirst() where !o.isEmpty && (uses[o] ?? 0) > 0 {
            throw bad("its output '\(o)' is read; only the first output is supported")
        }
    }

    mutating func alias(_ out: String, of t: String) throws {
        if let c = constants[t] { constants[out] = c } else if let v = values[t] { values[out] = v } else {
            throw bad("input '\(t)' is not computed before this node")
        }
    }

    /// A unique layer name from `preferred` (e.g. a weight's module path) or the node's name: `/`
    /// becomes `.` (names are file names), and a repeat gets `_2`, `_3`, ….
    mutating func layerName(_ node: Onnx_NodeProto, preferred: String? = nil) -> String {
        var base = (preferred ?? (node.name.isEmpty ? node.output[0] : node.name))
            .replacingOccurrences(of: "/", with: ".").trimmingCharacters(in: CharacterSet(charactersIn: "."))
        if base.isEmpty { base = node.opType.lowercased() }
        var name = base, k = 2
        while names.contains(name) { name = "\(base)_\(k)"; k += 1 }
        names.insert(name)
        return name
    }

    /// Appends a layer for `node` reading `from`; returns its name.
    @discardableResult
    mutating func append(_ node: Onnx_NodeProto, _ op: LayerOp, from: String, residual: String? = nil, preferred: String? = nil) throws -> String {
        let name = layerName(node, preferred: preferred)
        layers.append(NetworkLayer(name, op, from: from, residual: residual))
        return name
    }

    /// The name a weight gives its layer: PyTorch's `conv1.weight` → `conv1`; nil for generated names.
    func weightLayerName(_ node: Onnx_NodeProto, _ i: Int) -> String? {
        guard i < node.input.count else { return nil }
        let w = node.input[i]
        guard w.hasSuffix(".weight"), w.count > ".weight".count else { return nil }
        return String(w.dropLast(".weight".count))
    }

    /// The conv layer whose output tensor `t` is, when `t` has no other reader (so the conv's output
    /// stage can take this node), at a stage no later than `latest`. With `hostConvs`, also a
    /// depthwise or transposed conv (they take batch norm and constant scales and biases only).
    func fusableConv(_ t: String, upTo latest: ConvStage, hostConvs: Bool = false) -> String? {
        guard case .map(let l, _)? = values[t], let stage = convStage[l], stage <= latest,
              let root = rootTensor[l], uses[root] == 1 else { return nil }
        if case .conv = layers[layerIndex(l)].op { return l }
        return hostConvs ? l : nil
    }

    /// The host layer whose output `t` is when nothing else reads it and `op` can absorb what
    /// follows (e.g. an affine map after an affine map).
    func fusableHostLayer(_ t: String) -> (name: String, op: HostOp)? {
        guard let v = values[t], let root = rootTensor[v.layer], uses[root] == 1,
              case .host(let h) = layers[layerIndex(v.layer)].op else { return nil }
        return (v.layer, h)
    }

    /// Folds a per-output-channel map into conv `name` (on the accelerator or a host conv):
    /// `w' = w · s[o]`, `b' = (b[o] + pre[o]) · s[o] + post[o]` (nil: no scale, or 0). Batch norm is
    /// `s = γ/√(σ² + ε)`, `pre = −μ`, `post = β`; in float32, in this order (as the fixture script).
    mutating func foldIntoConv(_ name: String, scale s: [Float]?, pre: [Float]? = nil, post: [Float]? = nil) {
        func bias(_ b: Float, _ o: Int) -> Float {
            var x = b
            if let pre { x = x + pre[o] }
            if let s { x = x * s[o] }
            if let post { x = x + post[o] }
            return x
        }
        switch layers[layerIndex(name)].op {
        case .conv:
            var p = parameters.convs[name]!
            let per = p.filter.kernel * p.filter.kernel * p.filter.inChannels
            if let s { for o in p.bias.indices { for j in 0..<per { p.filter.scalars[o * per + j] = p.filter.scalars[o * per + j] * s[o] } } }
            for o in p.bias.indices { p.bias[o] = bias(p.bias[o], o) }
            parameters.convs[name] = p
            updateConv(name, bias: true)
        case .host(.depthwiseConv), .host(.conv):
            // [Cout][Cin/groups][Kh][Kw]: each output channel's weights together
            var p = parameters.hosts[name]!
            let per = p.weights.count / p.bias.count
            if let s { for o in p.bias.indices { for j in 0..<per { p.weights[o * per + j] = p.weights[o * per + j] * s[o] } } }
            for o in p.bias.indices { p.bias[o] = bias(p.bias[o], o) }
            parameters.hosts[name] = p
        case .host(.transposedConv(let oc, let f)):
            // [Cin][Cout][f][f]: output channel o's weights are strided
            var p = parameters.hosts[name]!
            if let s {
                for i in p.weights.indices { p.weights[i] = p.weights[i] * s[(i / (f * f)) % oc] }
            }
            for o in p.bias.indices { p.bias[o] = bias(p.bias[o], o) }
            parameters.hosts[name] = p
        default: fatalError("not a conv: \(name)")
        }
    }

    /// `c`'s values per channel of a `channels`-channel map: one value for all, or one per channel
    /// (shape `[1, C, 1, 1]`, `[C, 1, 1]`); nil when it has another shape.
    func perChannel(_ c: ONNXConstant, channels: Int) -> [Float]? {
        if c.count == 1 { return [Float](repeating: c.floats[0], count: channels) }
        guard c.count == channels, [[1, channels, 1, 1], [channels, 1, 1]].contains(c.dims) else { return nil }
        return c.floats
    }

    func layerIndex(_ name: String) -> Int { layers.firstIndex { $0.name == name }! }

    /// Replaces conv layer `name`'s op fields.
    mutating func updateConv(_ name: String, bias: Bool? = nil, activation: ActivationKind? = nil) {
        let i = layerIndex(name)
        guard case .conv(let o, let k, let s, let b, let act) = layers[i].op else { return }
        layers[i].op = .conv(outChannels: o, kernel: k, stride: s, bias: bias ?? b, activation: activation ?? act)
    }

    // MARK: ops

    mutating func constant(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        let out = node.output[0]
        if let t = a.tensor("value") {
            constants[out] = try ONNXConstant(t, what: "the value")
        } else if let f = a.float("value_float") {
            constants[out] = ONNXConstant(dims: [], floats: [f])
        } else if let fs = a.byName["value_floats"]?.floats {
            constants[out] = ONNXConstant(dims: [fs.count], floats: fs)
        } else if let i = a.int("value_int") {
            constants[out] = ONNXConstant(dims: [], ints: [i])
        } else if let i = a.ints("value_ints") {
            constants[out] = ONNXConstant(dims: [i.count], ints: i)
        } else {
            throw bad("only value, value_float(s) and value_int(s) constants are supported")
        }
    }

    mutating func conv(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        try allow(a, ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        if case .vector(let l, let n, 4)? = values[try input(node, 0)] {
            return try vectorConv(node, a, from: l, length: n)
        }
        let x = try mapInput(node, 0)
        let w = try constantInput(node, 1)
        guard w.dims.count == 4 else { throw bad("weights of shape \(w.dims): only 2-D convs ([Cout, Cin, Kh, Kw] weights) are supported") }
        let (co, ci, kh, kw) = (w.dims[0], w.dims[1], w.dims[2], w.dims[3])
        let group = a.int("group") ?? 1
        guard co > 0, ci > 0, kh > 0, kw > 0, group > 0, x.channels == ci * group, co % group == 0 else {
            throw bad("weights \(w.dims) with group \(group) do not read the \(x.channels) channels of '\(node.input[0])'")
        }
        if let ks = a.ints("kernel_shape"), ks != [kh, kw] { throw bad("kernel_shape \(ks) differs from the weights' \(kh)x\(kw)") }
        let strides = a.ints("strides") ?? [1, 1], dilations = a.ints("dilations") ?? [1, 1]
        guard strides.count == 2, dilations.count == 2, (strides + dilations).allSatisfy({ (1...ImageSize.maxSide).contains($0) }),
              kh <= ImageSize.maxSide, kw <= ImageSize.maxSide else {
            throw bad("strides \(strides), dilations \(dilations): two positive values each are needed")
        }
        // pads [top, left, bottom, right]
        let pads: [Int]
        switch a.string("auto_pad") ?? "NOTSET" {
        case "NOTSET": pads = a.ints("pads") ?? [0, 0, 0, 0]
        case "VALID": pads = [0, 0, 0, 0]
        case let v where v == "SAME_UPPER" || v == "SAME_LOWER":
            // (at stride 1 the padding does not depend on the map size)
            guard strides == [1, 1] else { throw bad("auto_pad \(v) with strides \(strides) pads by the map's size; give explicit pads") }
            let th = dilations[0] * (kh - 1), tw = dilations[1] * (kw - 1)
            let upper = v == "SAME_UPPER"
            pads = [upper ? th / 2 : th - th / 2, upper ? tw / 2 : tw - tw / 2, upper ? th - th / 2 : th / 2, upper ? tw - tw / 2 : tw / 2]
        case let v: throw bad("auto_pad '\(v)' is not supported")
        }
        guard pads.count == 4, pads.allSatisfy({ (0...ImageSize.maxSide).contains($0) }) else { throw bad("pads \(pads): four values ≥ 0 are needed") }
        var bias = [Float](repeating: 0, count: co)
        if let b = optionalInput(node, 2) {
            guard let c = constants[b], c.count == co else { throw bad("bias '\(b)' must be a constant of \(co) values") }
            bias = c.floats
        }
        // The accelerator's conv: dense, square odd kernel, 'same' padding, stride 1 or 2, no dilation.
        let k = kh, p = (kh - 1) / 2, s = strides[0]
        let same = kh == kw && kh % 2 == 1 && pads == [p, p, p, p] && strides[0] == strides[1] && (s == 1 || s == 2) && dilations == [1, 1]
        let host: HostOp?
        if same && group == 1 {
            host = nil
        } else if same && group == x.channels && co == group {
            host = .depthwiseConv(kernel: k, stride: s)   // [C][1][K][K] is already its [C][K][K]
        } else {
            host = .conv(HostConv(outChannels: co, kernelHeight: kh, kernelWidth: kw, strides: strides, dilations: dilations, pads: pads, groups: group))
        }
        if let host {
            let name = try append(node, .host(host), from: x.layer, preferred: weightLayerName(node, 1))
            parameters.hosts[name] = HostWeights(weights: w.floats, bias: bias)
            convStage[name] = .raw
            rootTensor[name] = node.output[0]
            values[node.output[0]] = .map(layer: name, channels: co)
            return
        }
        // ONNX [Cout][Cin][Kh][Kw] → the accelerator's [Cout][Kh][Kw][Cin].
        var filter = [Float](repeating: 0, count: w.count)
        for o in 0..<co { for c in 0..<ci { for ky in 0..<k { for kx in 0..<k {
            filter[((o * k + ky) * k + kx) * ci + c] = w.floats[((o * ci + c) * k + ky) * k + kx]
        } } } }
        let name = try append(node, .conv(outChannels: co, kernel: k, stride: s, bias: optionalInput(node, 2) != nil, activation: .none),
                              from: x.layer, preferred: weightLayerName(node, 1))
        parameters.convs[name] = ConvParameters(filter: try Filter(outChannels: co, kernel: k, inChannels: ci, scalars: filter), bias: bias)
        convStage[name] = .raw
        rootTensor[name] = node.output[0]
        values[node.output[0]] = .map(layer: name, channels: co)
    }

    mutating func batchNorm(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        try allow(a, ["epsilon", "momentum", "spatial", "training_mode"])
        guard (a.int("training_mode") ?? 0) == 0, (a.int("spatial") ?? 1) == 1 else {
            throw bad("only inference batch norm (training_mode 0, spatial 1) is supported")
        }
        try onlyFirstOutputUsed(node)
        let x = try input(node, 0)
        guard let conv = fusableConv(x, upTo: .raw, hostConvs: true) else {
            throw bad("batch norm is supported only right after a conv whose output nothing else reads (it is folded into the conv)")
        }
        let c = try mapInput(node, 0).channels
        let scale = try constantInput(node, 1), beta = try constantInput(node, 2)
        let mean = try constantInput(node, 3), variance = try constantInput(node, 4)
        for (what, t) in [("scale", scale), ("bias", beta), ("mean", mean), ("variance", variance)] where t.count != c {
            throw bad("\(what) has \(t.count) values for \(c) channels")
        }
        let eps = a.float("epsilon") ?? 1e-5
        // Folded in float32, in this order (tools/make-onnx-fixtures.py folds the same way):
        // s = γ / √(σ² + ε), w' = w · s, b' = (b − μ) · s + β.
        let s = (0..<c).map { scale.floats[$0] / (variance.floats[$0] + eps).squareRoot() }
        foldIntoConv(conv, scale: s, pre: mean.floats.map { -$0 }, post: beta.floats)
        rootTensor[conv] = node.output[0]
        values[node.output[0]] = values[x]
    }

    /// ReLU or PReLU (`slope`): the activation of the conv before it when nothing else reads the
    /// conv's output, else a layer of its own.
    mutating func activation(_ node: Onnx_NodeProto, _ kind: ActivationKind, slope: Float?) throws {
        let x = try input(node, 0)
        if let conv = fusableConv(x, upTo: .residual) {
            updateConv(conv, activation: kind)
            if let slope { parameters.convs[conv]!.preluSlope = slope }
            convStage[conv] = .activated
            rootTensor[conv] = node.output[0]
            values[node.output[0]] = values[x]
            return
        }
        if kind == .relu, case .vector(let l, let n, let rank)? = values[x] {
            let name = try append(node, .host(.relu), from: l)
            rootTensor[name] = node.output[0]
            values[node.output[0]] = .vector(layer: name, length: n, rank: rank)
            return
        }
        let m = try mapInput(node, 0)
        let name = try append(node, kind == .relu ? .relu : .prelu, from: m.layer)
        if let slope { parameters.prelus[name] = slope }
        values[node.output[0]] = .map(layer: name, channels: m.channels)
    }

    mutating func add(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        try allow(a, [])
        guard node.input.count == 2 else { throw bad("\(node.input.count) inputs: only the sum of two is supported") }
        let (l, r) = (try input(node, 0), try input(node, 1))
        if constants[l] != nil || constants[r] != nil {
            guard constants[l] == nil || constants[r] == nil else { throw bad("both inputs are constants") }
            let (t, c) = constants[l] != nil ? (r, constants[l]!) : (l, constants[r]!)
            try addBias(node, to: t, c)
            return
        }
        guard case .map(let lLayer, let lc)? = values[l], case .map(let rLayer, let rc)? = values[r] else {
            throw bad("only feature maps (or a constant bias) can be added")
        }
        guard lc == rc else { throw bad("channel mismatch: \(lc) + \(rc) channels") }
        // The residual add of the accelerator's output stage: a conv (with its batch norm) plus an
        // earlier value. The conv moves to the end of the list, so the value (e.g. a projection
        // shortcut computed after it) is earlier; nothing else reads the conv, so nothing moves with it.
        for (x, other) in [(l, rLayer), (r, lLayer)] {
            guard let conv = fusableConv(x, upTo: .raw), conv != other else { continue }
            var layer = layers.remove(at: layerIndex(conv))
            layer.residual = other
            layers.append(layer)
            convStage[conv] = .residual
            rootTensor[conv] = node.output[0]
            values[node.output[0]] = values[x]
            return
        }
        let name = try append(node, .add, from: lLayer, residual: rLayer)
        values[node.output[0]] = .map(layer: name, channels: lc)
    }

    /// A constant added to a conv's output per channel (shape `[1, C, 1, 1]`, `[C, 1, 1]` or one
    /// value), or to an fc's output (`[N]` or `[1, N]`): folded into the bias.
    mutating func addBias(_ node: Onnx_NodeProto, to t: String, _ c: ONNXConstant) throws {
        switch values[t] {
        case .map(_, let channels)?:
            if let conv = fusableConv(t, upTo: .raw, hostConvs: true), let add = perChannel(c, channels: channels) {
                foldIntoConv(conv, scale: nil, pre: add)
                rootTensor[conv] = node.output[0]
            } else {
                guard c.count == 1 else {
                    throw bad("a constant of shape \(c.dims) added to a feature map is supported only as a conv's bias (one value per channel, shape [1, C, 1, 1])")
                }
                return try affine(node, t, scale: 1, shift: c.floats[0])
            }
        case .vector(let fc, let n, _)?:
            guard fcLayers.contains(fc), rootTensor[fc].map({ uses[$0] == 1 }) == true,
                  c.count == n || c.count == 1, c.dims.count <= 2 else {
                if c.count == 1 { return try affine(node, t, scale: 1, shift: c.floats[0]) }
                throw bad("a constant added to a feature vector is supported only as an fc's bias ([\(n)])")
            }
            for o in 0..<n { parameters.fcs[fc]!.bias[o] += c.floats[c.count == 1 ? 0 : o] }
            rootTensor[fc] = node.output[0]
        case nil: throw bad("input '\(t)' is not computed before this node")
        }
        values[node.output[0]] = values[t]
    }

    mutating func pool(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        let isMax = node.opType == "MaxPool"
        try allow(a, Set(["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides"])
                  .union(isMax ? ["storage_order"] : ["count_include_pad"]))
        try onlyFirstOutputUsed(node)
        let x = try mapInput(node, 0)
        guard let ks = a.ints("kernel_shape"), ks.count == 2, ks[0] == ks[1], ks[0] > 0 else {
            throw bad("kernel_shape \(a.ints("kernel_shape") ?? []): only square 2-D windows are supported")
        }
        let k = ks[0]
        let strides = a.ints("strides") ?? [1, 1]
        guard strides.count == 2, strides[0] == strides[1], strides[0] > 0 else { throw bad("strides \(strides): only equal strides are supported") }
        let pads: [Int]
        switch a.string("auto_pad") ?? "NOTSET" {
        case "NOTSET": pads = a.ints("pads") ?? [0, 0, 0, 0]
        case "VALID": pads = [0, 0, 0, 0]
        case let v: throw bad("auto_pad '\(v)' is not supported; give explicit pads")
        }
        guard pads.count == 4, Set(pads).count == 1, pads[0] <= k / 2 else {
            throw bad("pads \(pads): only the same padding on every side, at most kernel/2, is supported")
        }
        let p = pads[0]
        guard (a.int("ceil_mode") ?? 0) == 0 else { throw bad("ceil_mode 1 is not supported (the output size is rounded down)") }
        if let d = a.ints("dilations"), d.contains(where: { $0 != 1 }) { throw bad("dilations \(d): only dilation 1 is supported") }
        if !isMax, (a.int("count_include_pad") ?? 0) != 0, p > 0 {
            throw bad("count_include_pad 1 with padding: the average is taken over the window positions inside the map only")
        }
        let op: LayerOp = isMax ? .maxPool(kernel: k, stride: strides[0], padding: p) : .avgPool(kernel: k, stride: strides[0], padding: p)
        let name = try append(node, op, from: x.layer)
        values[node.output[0]] = .map(layer: name, channels: x.channels)
    }

    /// `ReduceMean` over height and width: a global average pool.
    mutating func reduceMean(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        try allow(a, ["axes", "keepdims", "noop_with_empty_axes"])
        let x = try mapInput(node, 0)
        let axes = try a.ints("axes") ?? optionalInput(node, 1).map { _ in try constantInput(node, 1).ints ?? [] } ?? []
        guard Set(axes.map { $0 < 0 ? $0 + 4 : $0 }) == [2, 3] else {
            throw bad("axes \(axes): only the mean over height and width (axes 2, 3) is supported")
        }
        let keep = (a.int("keepdims") ?? 1) != 0
        let name = try append(node, .globalAvgPool, from: x.layer)
        values[node.output[0]] = .vector(layer: name, length: x.channels, rank: keep ? 4 : 2)
    }

    /// Flatten, Reshape, Squeeze and Unsqueeze of a feature vector between `[N, C, 1, 1]` and `[N, C]`
    /// (they move no data). A feature map cannot be flattened: `fc` reads the vector of a global pool.
    mutating func reshape(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        let t = try input(node, 0)
        guard case .vector(let layer, let n, let rank)? = values[t] else {
            if case .map? = values[t] {
                throw bad("reshaping a feature map is not supported (an fc layer reads the vector of a global average pool)")
            }
            throw bad("input '\(t)' is not computed before this node")
        }
        let out: Int
        switch node.opType {
        case "Flatten":
            try allow(a, ["axis"])
            guard (a.int("axis") ?? 1) == 1 else { throw bad("axis \(a.int("axis")!): only Flatten(axis=1) is supported") }
            out = 2
        case "Reshape":
            try allow(a, ["allowzero"])
            let shape = try constantInput(node, 1).ints ?? []
            // [N, C] or [N, C, 1, 1], with N as 1, 0 (copy) or −1 and C as n or −1
            let batch: Set<Int> = [1, 0, -1]
            if shape.count == 2, batch.contains(shape[0]), shape[1] == n || (shape[1] == -1 && shape[0] != -1) {
                out = 2
            } else if shape.count == 4, batch.contains(shape[0]), shape[1] == n || (shape[1] == -1 && shape[0] != -1), shape[2...] == [1, 1] {
                out = 4
            } else {
                throw bad("shape \(shape): a feature vector of \(n) reshapes only to [1, \(n)] or [1, \(n), 1, 1]")
            }
        default:
            try allow(a, ["axes"])
            let axes = try a.ints("axes") ?? optionalInput(node, 1).map { _ in try constantInput(node, 1).ints ?? [] } ?? []
            let squeeze = node.opType == "Squeeze"
            let normalized = Set(axes.map { $0 < 0 ? $0 + (squeeze ? rank : rank + axes.count) : $0 })
            guard normalized == [2, 3], rank == (squeeze ? 4 : 2) else {
                throw bad("axes \(axes) of a rank-\(rank) feature vector: only [N, C, 1, 1] ↔ [N, C] (axes 2, 3) is supported")
            }
            out = squeeze ? 2 : 4
        }
        values[node.output[0]] = .vector(layer: layer, length: n, rank: out)
    }

    /// Gemm (`α·A·B + β·C`, B transposed or not) or MatMul with constant weights: an fc layer.
    mutating func fullyConnected(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        let gemm = node.opType == "Gemm"
        try allow(a, gemm ? ["alpha", "beta", "transA", "transB"] : [])
        let t = try input(node, 0)
        guard case .vector(let layer, let n, let rank)? = values[t], rank == 2 else {
            throw bad("input '\(t)' must be a feature vector [N, C] (a global average pool, flattened); an fc over a feature map is not supported")
        }
        let b = try constantInput(node, 1)
        guard (a.int("transA") ?? 0) == 0 else { throw bad("transA 1 is not supported") }
        let transB = (a.int("transB") ?? 0) != 0
        guard b.dims.count == 2, b.dims[transB ? 1 : 0] == n else {
            throw bad("weights of shape \(b.dims) do not read \(n) features\(transB ? " (transB 1: [out, in])" : " ([in, out])")")
        }
        let outN = b.dims[transB ? 0 : 1]
        let alpha = a.float("alpha") ?? 1, beta = a.float("beta") ?? 1
        // [out][in], as FCParameters keeps them
        var w = [Float](repeating: 0, count: outN * n)
        for o in 0..<outN { for i in 0..<n { w[o * n + i] = alpha * b.floats[transB ? o * n + i : i * outN + o] } }
        var bias = [Float](repeating: 0, count: outN)
        if gemm, let cName = optionalInput(node, 2) {
            guard let c = constants[cName], c.count == outN || c.count == 1 else { throw bad("C '\(cName)' must be a constant of \(outN) values") }
            for o in 0..<outN { bias[o] = beta * c.floats[c.count == 1 ? 0 : o] }
        }
        let name = try append(node, .fullyConnected(outFeatures: outN), from: layer, preferred: weightLayerName(node, 1))
        parameters.fcs[name] = FCParameters(weights: w, bias: bias, outFeatures: outN, inFeatures: n)
        fcLayers.insert(name)
        rootTensor[name] = node.output[0]
        values[node.output[0]] = .vector(layer: name, length: outN, rank: 2)
    }

    /// DepthToSpace: CRD is PyTorch's PixelShuffle (the network's `pixelshuffle`). DCR (ONNX's
    /// default, TensorFlow's order) reads channel `(i·r + j)·C + c` where CRD reads `c·r² + i·r + j`,
    /// so the conv before it gets its output channels permuted into CRD order.
    mutating func depthToSpace(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        try allow(a, ["blocksize", "mode"])
        let x = try mapInput(node, 0)
        guard let r = a.int("blocksize"), r >= 2, r <= ImageSize.maxSide else { throw bad("blocksize \(a.int("blocksize") ?? 0): must be 2 or more") }
        guard x.channels % (r * r) == 0 else { throw bad("\(x.channels) channels are not divisible by \(r)² = \(r * r)") }
        switch a.string("mode") ?? "DCR" {
        case "CRD": break
        case "DCR":
            let t = try input(node, 0)
            guard let conv = fusableConv(t, upTo: .activated), layers[layerIndex(conv)].residual == nil else {
                throw bad("DepthToSpace in DCR order is supported only right after a conv without a residual that nothing else reads (its output channels are reordered to CRD, PyTorch's PixelShuffle order)")
            }
            let c = x.channels / (r * r)
            var p = parameters.convs[conv]!
            let f = p.filter, per = f.kernel * f.kernel * f.inChannels
            var w = f.scalars, b = p.bias
            for ch in 0..<c { for i in 0..<r { for j in 0..<r {
                let crd = ch * r * r + i * r + j, dcr = (i * r + j) * c + ch
                for e in 0..<per { w[crd * per + e] = f.scalars[dcr * per + e] }
                b[crd] = p.bias[dcr]
            } } }
            p.filter = try Filter(outChannels: f.outChannels, kernel: f.kernel, inChannels: f.inChannels, scalars: w)
            p.bias = b
            parameters.convs[conv] = p
        case let m: throw bad("mode '\(m)' is not supported (DCR or CRD)")
        }
        let name = try append(node, .pixelShuffle(factor: r), from: x.layer)
        values[node.output[0]] = .map(layer: name, channels: x.channels / (r * r))
    }

    /// Resize or Upsample, nearest neighbour, by the same integer factor in height and width.
    mutating func upsample(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        let x = try mapInput(node, 0)
        let mode = a.string("mode") ?? "nearest"
        guard mode == "nearest" || (mode == "linear" && node.opType == "Resize") else {
            throw bad("mode '\(mode)' is not supported: only nearest or (Resize) linear upsampling by an integer factor")
        }
        let scales: [Float]
        if node.opType == "Upsample" {
            try allow(a, ["mode", "scales"])
            // (opset 7–8 give the scales as an attribute, 9 as an input)
            if let s = a.byName["scales"]?.floats { scales = s } else { scales = try constantInput(node, 1).floats }
        } else {
            try allow(a, ["antialias", "axes", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside",
                          "extrapolation_value", "keep_aspect_ratio_policy", "mode", "nearest_mode"])
            guard a.ints("axes") == nil else { throw bad("the axes attribute is not supported") }
            // For an integer factor r, output x reads input x ÷ r under asymmetric/floor, and under
            // half_pixel with either rounding ((x + ½)/r − ½ is never halfway); asymmetric with
            // rounding reads (x + r/2) ÷ r instead.
            let ctm = a.string("coordinate_transformation_mode") ?? "half_pixel"
            let nearest = a.string("nearest_mode") ?? "round_prefer_floor"
            let halfPixel = ["half_pixel", "pytorch_half_pixel"].contains(ctm)
            let ok = mode == "linear" ? halfPixel && (a.int("antialias") ?? 0) == 0
                : (ctm == "asymmetric" && nearest == "floor") || (halfPixel && ["round_prefer_floor", "round_prefer_ceil"].contains(nearest))
            guard ok else {
                if mode == "linear" { throw bad("linear Resize with coordinate_transformation_mode '\(ctm)' is not supported (half_pixel: PyTorch's bilinear, align_corners=False)") }
                throw bad("coordinate_transformation_mode '\(ctm)' with nearest_mode '\(nearest)' is not supported (asymmetric with floor, or half_pixel with rounding: PyTorch's nearest)")
            }
            let scaleIndex = opset < 11 ? 1 : 2
            if opset >= 11, optionalInput(node, 3) != nil, optionalInput(node, 2) == nil {
                throw bad("sizes: only scales (an integer factor) are supported; export with scale_factor")
            }
            scales = try constantInput(node, scaleIndex).floats
        }
        guard scales.count == 4, scales[0] == 1, scales[1] == 1, scales[2] == scales[3], scales[2] >= 2,
              scales[2] == scales[2].rounded(), scales[2] <= Float(ImageSize.maxSide) else {
            throw bad("scales \(scales): only [1, 1, r, r] with an integer r ≥ 2 are supported")
        }
        let op: LayerOp = mode == "linear" ? .host(.upsampleBilinear(factor: Int(scales[2]))) : .upsample(factor: Int(scales[2]))
        let name = try append(node, op, from: x.layer)
        values[node.output[0]] = .map(layer: name, channels: x.channels)
    }
}

/// The host ops of imported models (`HostOp`): depthwise and transposed convs, constant
/// arithmetic, activations, products and concatenation.
extension ONNXGraphImporter {
    /// A 1×1 conv of a pooled vector `[N, C, 1, 1]` (squeeze-and-excitation): an fc layer.
    mutating func vectorConv(_ node: Onnx_NodeProto, _ a: ONNXAttributes, from layer: String, length n: Int) throws {
        let w = try constantInput(node, 1)
        guard w.dims.count == 4, w.dims[2] == 1, w.dims[3] == 1, w.dims[1] == n, (a.int("group") ?? 1) == 1 else {
            throw bad("a conv of a pooled vector is supported only as a 1×1 dense conv reading its \(n) channels (weights \(w.dims))")
        }
        let o = w.dims[0]
        var bias = [Float](repeating: 0, count: o)
        if let b = optionalInput(node, 2) {
            guard let c = constants[b], c.count == o else { throw bad("bias '\(b)' must be a constant of \(o) values") }
            bias = c.floats
        }
        let name = try append(node, .fullyConnected(outFeatures: o), from: layer, preferred: weightLayerName(node, 1))
        parameters.fcs[name] = FCParameters(weights: w.floats, bias: bias, outFeatures: o, inFeatures: n)
        fcLayers.insert(name)
        rootTensor[name] = node.output[0]
        values[node.output[0]] = .vector(layer: name, length: o, rank: 4)
    }

    /// A host layer applying `op` elementwise to the node's input (a map or a vector).
    mutating func hostElementwise(_ node: Onnx_NodeProto, _ op: HostOp, from t: String? = nil) throws {
        let t = try t ?? input(node, 0)
        guard let v = values[t] else { throw bad("input '\(t)' is not computed before this node") }
        let name = try append(node, .host(op), from: v.layer)
        rootTensor[name] = node.output[0]
        switch v {
        case .map(_, let c): values[node.output[0]] = .map(layer: name, channels: c)
        case .vector(_, let n, let r): values[node.output[0]] = .vector(layer: name, length: n, rank: r)
        }
    }

    /// `scale · t + shift`: merged into the affine layer before it when nothing else reads that one.
    mutating func affine(_ node: Onnx_NodeProto, _ t: String, scale: Float, shift: Float) throws {
        if let (name, op) = fusableHostLayer(t), case .affine(let a, let b) = op {
            layers[layerIndex(name)].op = .host(.affine(scale: scale * a, shift: scale * b + shift))
            rootTensor[name] = node.output[0]
            values[node.output[0]] = values[t]
            return
        }
        try hostElementwise(node, .affine(scale: scale, shift: shift), from: t)
    }

    /// Sub, Mul and Div: by a constant (folded into the conv before, else an affine layer for one
    /// value), or Mul of two values (a map by a map of its shape, or by a vector per channel).
    mutating func arithmetic(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        try allow(a, [])
        let (l, r) = (try input(node, 0), try input(node, 1))
        let op = node.opType
        switch (constants[l], constants[r]) {
        case (nil, nil):
            // the map first: a vector (squeeze-and-excitation) scales its channels (x − v and x / v
            // only in that order)
            var (x, y) = (l, r)
            if op == "Mul", case .vector? = values[x] { (x, y) = (r, l) }
            guard case .map(let xl, let c)? = values[x], let other = values[y] else {
                throw bad("\(op) needs a feature map and a map or vector computed before this node")
            }
            switch other {
            case .map(_, let oc) where oc == c: break
            case .vector(_, let n, 4) where n == c: break
            default: throw bad("\(op) of a \(c)-channel map and '\(y)': only a map of the same shape or a [N, \(c), 1, 1] vector")
            }
            let host: HostOp = op == "Mul" ? .multiply(by: other.layer) : op == "Sub" ? .subtract(by: other.layer) : .divide(by: other.layer)
            let name = try append(node, .host(host), from: xl)
            rootTensor[name] = node.output[0]
            values[node.output[0]] = .map(layer: name, channels: c)
        case (let c?, nil), (nil, let c?):
            let t = constants[l] == nil ? l : r
            let constantFirst = constants[l] != nil
            if op == "Div" && constantFirst { throw bad("a constant divided by a computed value is not supported") }
            if op == "Sub" {
                if constantFirst {   // c − x
                    guard c.count == 1 else { throw bad("a constant of shape \(c.dims) minus a computed value is not supported") }
                    return try affine(node, t, scale: -1, shift: c.floats[0])
                }
                return try addBias(node, to: t, ONNXConstant(dims: c.dims, floats: c.floats.map { -$0 }))
            }
            // Mul or Div by a constant: the conv before takes it per channel, else one value is affine
            let k = op == "Mul" ? c.floats : c.floats.map { 1 / $0 }
            let factor = ONNXConstant(dims: c.dims, floats: k)
            if case .map(_, let channels)? = values[t], let conv = fusableConv(t, upTo: .raw, hostConvs: true),
               let s = perChannel(factor, channels: channels) {
                foldIntoConv(conv, scale: s)
                rootTensor[conv] = node.output[0]
                values[node.output[0]] = values[t]
                return
            }
            guard c.count == 1 else { throw bad("a feature map times a constant of shape \(c.dims) is supported only right after a conv (folded into it)") }
            try affine(node, t, scale: k[0], shift: 0)
        default: throw bad("both inputs are constants")
        }
    }

    /// Clip: ReLU when it is `[0, ∞)` (the conv's activation when it can be), else a clamp layer.
    mutating func clip(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        try allow(a, ["min", "max"])
        // (opset 11 on: bounds as optional inputs; before: attributes)
        func bound(_ i: Int, _ attr: String, _ unbounded: Float) throws -> Float {
            if let t = optionalInput(node, i) {
                let c = try constantInput(node, i)
                guard c.count == 1 else { throw bad("the bound '\(t)' must be one value") }
                return c.floats[0]
            }
            return a.float(attr) ?? unbounded
        }
        let lo = try bound(1, "min", -.infinity), hi = try bound(2, "max", .infinity)
        if lo == 0 && hi == .infinity, case .map? = values[try input(node, 0)] {
            return try activation(node, .relu, slope: nil)
        }
        try hostElementwise(node, .clamp(lower: lo, upper: hi))
    }

    /// Concat of feature maps along the channels.
    mutating func concat(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        try allow(a, ["axis"])
        // of 1-D constants (exporters build Resize's scales so): a constant
        let parts = node.input.map { constants[$0] }
        if !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0!.dims.count <= 1 }) {
            let cs = parts.map { $0! }
            let ints = cs.allSatisfy { $0.ints != nil } ? cs.flatMap { $0.ints! } : nil
            let floats = cs.flatMap(\.floats)
            constants[node.output[0]] = ints.map { ONNXConstant(dims: [$0.count], ints: $0) } ?? ONNXConstant(dims: [floats.count], floats: floats)
            return
        }
        guard let axis = a.int("axis"), axis == 1 || axis == -3 else {
            throw bad("axis \(a.int("axis").map(String.init) ?? "missing"): only the channel axis (1) is supported")
        }
        guard node.input.count >= 2 else { throw bad("Concat of \(node.input.count) input") }
        var maps: [(layer: String, channels: Int)] = []
        for i in node.input.indices { maps.append(try mapInput(node, i)) }
        let name = try append(node, .host(.concat(with: maps.dropFirst().map(\.layer))), from: maps[0].layer)
        rootTensor[name] = node.output[0]
        values[node.output[0]] = .map(layer: name, channels: maps.reduce(0) { $0 + $1.channels })
    }

    /// ConvTranspose whose kernel equals its stride (no overlap, no padding): a host layer.
    mutating func convTranspose(_ node: Onnx_NodeProto, _ a: ONNXAttributes) throws {
        try allow(a, ["auto_pad", "dilations", "group", "kernel_shape", "output_padding", "pads", "strides"])
        let x = try mapInput(node, 0)
        let w = try constantInput(node, 1)
        guard w.dims.count == 4, w.dims[0] == x.channels, w.dims[2] == w.dims[3], w.dims[1] > 0 else {
            throw bad("weights of shape \(w.dims): a 2-D transposed conv reading \(x.channels) channels ([Cin, Cout, K, K]) is expected")
        }
        let (o, f) = (w.dims[1], w.dims[2])
        guard (a.int("group") ?? 1) == 1 else { throw bad("only group 1 is supported") }
        guard (a.ints("strides") ?? [1, 1]) == [f, f], (a.ints("pads") ?? [0, 0, 0, 0]).allSatisfy({ $0 == 0 }),
              (a.ints("dilations") ?? [1, 1]).allSatisfy({ $0 == 1 }), (a.ints("output_padding") ?? [0, 0]).allSatisfy({ $0 == 0 }),
              (a.string("auto_pad") ?? "NOTSET") == "NOTSET", f >= 1, f <= 64 else {
            throw bad("only kernel = stride (\(f)x\(f)), no padding, dilation 1 is supported")
        }
        var bias = [Float](repeating: 0, count: o)
        if let b = optionalInput(node, 2) {
            guard let c = constants[b], c.count == o else { throw bad("bias '\(b)' must be a constant of \(o) values") }
            bias = c.floats
        }
        let name = try append(node, .host(.transposedConv(outChannels: o, factor: f)), from: x.layer, preferred: weightLayerName(node, 1))
        parameters.hosts[name] = HostWeights(weights: w.floats, bias: bias)
        convStage[name] = .raw
        rootTensor[name] = node.output[0]
        values[node.output[0]] = .map(layer: name, channels: o)
    }
}
