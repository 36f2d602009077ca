import Foundation

/// Reading and writing networks in the JSON schema of docs/network-schema.md.
extension Network {
    /// Parses a network from JSON text; every problem is a `SparseCNNError` naming the layer.
    public init(json data: Data, source: String = "network JSON") throws {
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: data) } catch {
            throw SparseCNNError.malformedFile(path: source, reason: "not valid JSON (\(error.localizedDescription))")
        }
        func bad(_ why: String) -> SparseCNNError { .malformedFile(path: source, reason: why) }
        guard let obj = root as? [String: Any] else { throw bad("the top level must be an object with \"layers\"") }
        let known: Set<String> = ["name", "inputChannels", "inputSize", "layers"]
        if let k = obj.keys.sorted().first(where: { !known.contains($0) }) {
            throw bad("unknown top-level key '\(k)' (allowed: \(known.sorted().joined(separator: ", ")))")
        }
        let name = (obj["name"] as? String) ?? "network"
        let inC: Int
        if let v = obj["inputChannels"] {
            guard let c = Self.int(v), c > 0 else { throw bad("\"inputChannels\" must be a positive integer") }
            inC = c
        } else { inC = 3 }
        var size: ImageSize?
        if let v = obj["inputSize"] {
            // The limit of --input-size: a size that large can never run, and sizes near Int.max overflow the shapes.
            guard let a = v as? [Any], a.count == 2, let h = Self.int(a[0]), let w = Self.int(a[1]),
                  (1...ImageSize.maxSide).contains(h), (1...ImageSize.maxSide).contains(w) else {
                throw bad("\"inputSize\" must be [height, width] with integers in 1...\(ImageSize.maxSide)")
            }
            size = ImageSize(height: h, width: w)
        }
        guard let arr = obj["layers"] as? [Any] else { throw bad("\"layers\" must be an array of layer objects") }
        var layers: [NetworkLayer] = []
        for (i, item) in arr.enumerated() {
            guard let l = item as? [String: Any] else { throw bad("layer \(i) is not an object") }
            guard let op = l["op"] as? String else { throw bad("layer \(i) has no \"op\" string") }
            let label = "layer \(i) (\((l["name"] as? String) ?? op))"
            let common: Set<String> = ["op", "name", "from"]
            let extra: Set<String>
            switch op {
            case "conv": extra = ["out", "kernel", "stride", "bias", "activation", "residual"]
            case "maxpool", "avgpool": extra = ["kernel", "stride", "padding"]
            case "fc": extra = ["out"]
            case "pixelshuffle", "upsample": extra = ["factor"]
            case "add": extra = ["residual"]
            case "gap", "relu", "prelu": extra = []
            default:
                throw bad("\(label): unknown op '\(op)' (known: conv, maxpool, avgpool, gap, fc, pixelshuffle, upsample, relu, prelu, add)")
            }
            if let k = l.keys.sorted().first(where: { !common.contains($0) && !extra.contains($0) }) {
                throw bad("\(label): unknown key '\(k)' for op '\(op)' (allowed: \(common.union(extra).sorted().joined(separator: ", ")))")
            }
            func int(_ key: String, default d: Int? = nil) throws -> Int {
                guard let v = l[key] else {
                    if let d { return d }
                    throw bad("\(label): op '\(op)' needs \"\(key)\"")
                }
                guard let n = Self.int(v) else { throw bad("\(label): \"\(key)\" must be an integer") }
                return n
            }
            func string(_ key: String) throws -> String? {
                guard let v = l[key] else { return nil }
                guard let s = v as? String else { throw bad("\(label): \"\(key)\" must be a string") }
                return s
            }
            let parsed: LayerOp
            switch op {
            case "conv":
                let k = try int("kernel")
                guard k > 0, k % 2 == 1 else { throw bad("\(label): bad kernel \(k): kernels must be odd and positive (1, 3, 5, ...)") }
                let s = try int("stride", default: 1)
                guard s == 1 || s == 2 else { throw bad("\(label): bad stride \(s): only 1 and 2 are supported") }
                let actName = try string("activation") ?? "none"
                guard let act = ActivationKind(rawValue: actName) else {
                    throw bad("\(label): unknown activation '\(actName)' (none, relu, prelu)")
                }
                var bias = true
                if let b = l["bias"] {
                    guard Self.isBool(b), let bb = b as? Bool else { throw bad("\(label): \"bias\" must be true or false") }
                    bias = bb
                }
                parsed = .conv(outChannels: try int("out"), kernel: k, stride: s, bias: bias, activation: act)
            case "maxpool", "avgpool":
                let k = try int("kernel"), s = try int("stride", default: k), p = try int("padding", default: 0)
                parsed = op == "maxpool" ? .maxPool(kernel: k, stride: s, padding: p) : .avgPool(kernel: k, stride: s, padding: p)
            case "fc": parsed = .fullyConnected(outFeatures: try int("out"))
            case "pixelshuffle": parsed = .pixelShuffle(factor: try int("factor", default: 2))
            case "upsample": parsed = .upsample(factor: try int("factor", default: 2))
            case "add": parsed = .add
            case "gap": parsed = .globalAvgPool
            case "relu": parsed = .relu
            default: parsed = .prelu
            }
            let lname = try string("name") ?? "\(op).\(i)"
            layers.append(NetworkLayer(lname, parsed, from: try string("from"), residual: try string("residual")))
        }
        do {
            try self.init(name: name, inputChannels: inC, layers: layers, defaultInputSize: size)
        } catch let e as SparseCNNError {
            if case .invalidArgument(let m) = e { throw bad(m) }
            throw e
        }
    }

    /// Reads a network file (JSON schema of docs/network-schema.md).
    public static func load(path: String) throws -> Network {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SparseCNNError.malformedFile(path: path, reason: "cannot read the file (missing or unreadable)")
        }
        return try Network(json: data, source: path)
    }

    /// The network in the JSON schema (pretty-printed, keys sorted); `Network(json:)` reads it back.
    public func jsonData() throws -> Data {
        var obj: [String: Any] = ["name": name, "inputChannels": inputChannels]
        if let d = defaultInputSize { obj["inputSize"] = [d.height, d.width] }
        obj["layers"] = layers.map { layer -> [String: Any] in
            var l: [String: Any] = ["op": layer.op.kind, "name": layer.name]
            if let f = layer.from { l["from"] = f }
            if let r = layer.residual { l["residual"] = r }
            switch layer.op {
            case .conv(let o, let k, let s, let b, let a):
                l["out"] = o; l["kernel"] = k; l["stride"] = s; l["bias"] = b; l["activation"] = a.rawValue
            case .maxPool(let k, let s, let p), .avgPool(let k, let s, let p):
                l["kernel"] = k; l["stride"] = s; l["padding"] = p
            case .fullyConnected(let n): l["out"] = n
            case .pixelShuffle(let f), .upsample(let f): l["factor"] = f
            case .globalAvgPool, .relu, .prelu, .add: break
            case .host(let h):
                // (imported models' host ops are not in the schema: written to be read by people, not read back)
                switch h {
                case .depthwiseConv(let k, let s): l["kernel"] = k; l["stride"] = s
                case .conv(let g):
                    l["out"] = g.outChannels; l["kernel"] = [g.kernelHeight, g.kernelWidth]; l["strides"] = g.strides
                    l["dilations"] = g.dilations; l["pads"] = g.pads; l["groups"] = g.groups
                case .transposedConv(let o, let f): l["out"] = o; l["factor"] = f
                case .affine(let a, let b): l["scale"] = a; l["shift"] = b
                case .clamp(let lo, let hi): l["min"] = lo; l["max"] = hi
                case .hardSigmoid(let a, let b): l["alpha"] = a; l["beta"] = b
                case .multiply(let by), .subtract(let by), .divide(let by): l["by"] = by
                case .upsampleBilinear(let f): l["factor"] = f
                case .concat(let with): l["with"] = with
                case .relu, .hardSwish, .sigmoid: break
                }
            }
            return l
        }
        return try JSONSerialization.data(withJSONObject: obj, options: [.prettyPrinted, .sortedKeys])
    }

    /// True for JSON `true`/`false` (on Linux an NSNumber 1 also casts to Bool, so look at its type).
    private static func isBool(_ v: Any) -> Bool {
        guard let n = v as? NSNumber else { return false }
        let t = String(cString: n.objCType)
        return t == "c" || t == "B"
    }

    private static func int(_ v: Any) -> Int? {
        if isBool(v) { return nil }
        if let n = v as? Int { return n }
        if let d = v as? Double, d == d.rounded(), abs(d) < 1e9 { return Int(d) }
        return nil
    }
}
