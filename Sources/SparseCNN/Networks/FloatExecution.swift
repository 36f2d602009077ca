/// A layer's float output: a feature map or a feature vector.
public enum FloatValue: Sendable {
    case map(FloatTensor)
    case vector([Float])

    public var maxAbs: Float {
        switch self {
        case .map(let t): return maxMagnitude(t.scalars)
        case .vector(let v): return maxMagnitude(v)
        }
    }
}

/// What a float run leaves behind: the output and the max |value| of every layer's output
/// (the statistics int8 calibration needs).
public struct FloatRunResult: Sendable {
    public var output: FloatValue
    /// Max absolute value of every layer's output, by layer name (and `input`).
    public var maxAbs: [String: Float]
}

extension NetworkPlan {
    /// For every value name, the index of the last step that reads it (intermediates are freed after).
    func lastUse() -> [String: Int] {
        var last: [String: Int] = [:]
        for (i, s) in steps.enumerated() {
            last[s.source] = i
            if let r = s.layer.residual { last[r] = i }
            if case .host(let h) = s.layer.op { for e in h.extraInputs { last[e] = i } }
        }
        return last
    }

    func checkInput(_ shape: TensorShape) throws {
        guard shape == input else {
            throw SparseCNNError.shapeMismatch("network '\(network.name)' was planned for input \(input), got \(shape)")
        }
    }

    /// Runs the network in float32. `parameters` must hold every conv/fc/prelu layer's weights.
    /// `observe(name, value)` sees every layer's output as it is made (e.g. per-channel statistics).
    public func runFloat(_ input: FloatTensor, parameters: NetworkParameters,
                         observe: ((String, FloatValue) -> Void)? = nil) throws -> FloatRunResult {
        try checkInput(input.shape)
        let last = lastUse()
        var values: [String: FloatValue] = [Network.inputName: .map(input)]
        var maxAbs: [String: Float] = [Network.inputName: FloatValue.map(input).maxAbs]
        var out = FloatValue.map(input)
        for (i, step) in steps.enumerated() {
            let name = step.layer.name
            let x = values[step.source]!
            var residual: FloatTensor?
            if let r = step.layer.residual, case .map(let t) = values[r]! { residual = t }
            switch (step.layer.op, x) {
            case (.conv(_, let k, let s, _, let act), .map(let t)):
                guard let p = parameters.convs[name] else { throw SparseCNNError.invalidArgument("no weights for conv layer '\(name)'") }
                var y = try conv2d(t, p.filter, bias: p.bias, geometry: try ConvGeometry(kernel: k, stride: s))
                if let r = residual { try addInPlace(&y, r) }
                switch act {
                case .none: break
                case .relu: reluInPlace(&y)
                case .prelu: preluInPlace(&y, slope: p.preluSlope ?? 0.25)
                }
                out = .map(y)
            case (.maxPool(let k, let s, let p), .map(let t)): out = .map(try maxPool2d(t, kernel: k, stride: s, padding: p))
            case (.avgPool(let k, let s, let p), .map(let t)): out = .map(try avgPool2d(t, kernel: k, stride: s, padding: p))
            case (.globalAvgPool, .map(let t)): out = .vector(globalAveragePool(t))
            case (.fullyConnected(let n), .vector(let v)):
                guard let p = parameters.fcs[name] else { throw SparseCNNError.invalidArgument("no weights for fc layer '\(name)'") }
                out = .vector(try fullyConnected(v, weights: p.weights, bias: p.bias, outFeatures: n))
            case (.pixelShuffle(let f), .map(let t)): out = .map(try pixelShuffle(t, factor: f))
            case (.upsample(let f), .map(let t)): out = .map(try upsampleNearest(t, factor: f))
            case (.relu, .map(let t)): out = .map(relu(t))
            case (.prelu, .map(let t)): out = .map(prelu(t, slope: parameters.prelus[name] ?? 0.25))
            case (.add, .map(let t)): out = .map(try add(t, residual!))
            case (.host(let h), _):
                if h.hasWeights && parameters.hosts[name] == nil { throw SparseCNNError.invalidArgument("no weights for host layer '\(name)'") }
                out = try h.run(x, extras: h.extraInputs.map { values[$0]! }, weights: parameters.hosts[name])
            default: throw SparseCNNError.invalidArgument("layer '\(name)': op '\(step.layer.op.kind)' cannot read this input")
            }
            maxAbs[name] = out.maxAbs
            observe?(name, out)
            values[name] = out
            for (k, l) in last where l == i { values[k] = nil }
        }
        return FloatRunResult(output: out, maxAbs: maxAbs)
    }
}
