// API pinned by the lead; bodies are filled in by the ops work (issue 2).

/// One int8 conv layer as the accelerator runs it: accumulate, add bias, requantize,
/// add the residual with saturation, apply the activation (see `requantizedOutput`).
public struct QuantizedConv: Sendable {
    public var filter: Filter<Int8>
    public var bias: [Int32]
    public var geometry: ConvGeometry
    public var requantization: Requantization
    public var activation: Activation

    public init(filter: Filter<Int8>, bias: [Int32], geometry: ConvGeometry,
                requantization: Requantization, activation: Activation) throws {
        guard bias.count == filter.outChannels else {
            throw SparseCNNError.shapeMismatch("bias has \(bias.count) values for \(filter.outChannels) output channels")
        }
        guard filter.kernel == geometry.kernel else {
            throw SparseCNNError.shapeMismatch("filter kernel \(filter.kernel) differs from geometry kernel \(geometry.kernel)")
        }
        self.filter = filter
        self.bias = bias
        self.geometry = geometry
        self.requantization = requantization
        self.activation = activation
    }

    public func outputShape(for input: TensorShape) -> TensorShape {
        geometry.outputShape(input: input, outChannels: filter.outChannels)
    }

    /// Dense reference: every output pixel computed. `residual`, when given, has the output's shape.
    ///
    /// Each element is `requantizedOutput(acc, bias[o], requantization, residual, activation)`
    /// with `acc` from `conv2dAccumulators`.
    public func callAsFunction(_ input: QTensor, residual: QTensor?) throws -> QTensor {
        let acc = try conv2dAccumulators(input, filter, geometry: geometry)
        try checkResidual(residual, outputShape: acc.shape)
        var out = [Int8](repeating: 0, count: acc.shape.count)
        acc.scalars.withUnsafeBufferPointer { a in
            bias.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { y in
                    withOptionalPointer(residual) { r in
                        let c = acc.channels
                        // The output stage costs a few per cent of the conv: worth both cores.
                        ConvKernel.parallelChunks(acc.shape.pixels, work: acc.shape.count * 16) { pixels in
                            let offset = pixels.lowerBound * c
                            requantizeRun(acc: a.baseAddress! + offset, bias: b.baseAddress!, channels: c,
                                          pixels: pixels.count, residual: r.map { $0 + offset },
                                          output: y.baseAddress! + offset)
                        }
                    }
                }
            }
        }
        return try QTensor(shape: acc.shape, scalars: out)
    }

    /// Throws unless `residual` is absent or has exactly the layer's output shape.
    func checkResidual(_ residual: QTensor?, outputShape: TensorShape) throws {
        if let residual, residual.shape != outputShape {
            throw SparseCNNError.shapeMismatch("residual is \(residual.shape) but the layer's output is \(outputShape)")
        }
    }

    /// The output stage over `pixels` consecutive NHWC pixels of `channels` accumulators each.
    /// `residual`, when non-nil, points at the matching residual elements.
    func requantizeRun(acc: UnsafePointer<Int32>, bias: UnsafePointer<Int32>, channels: Int, pixels: Int,
                       residual: UnsafePointer<Int8>?, output: UnsafeMutablePointer<Int8>) {
        // Two loops so the per-element residual test is not in the hot path.
        var i = 0
        if let residual {
            for _ in 0..<pixels {
                for o in 0..<channels {
                    output[i] = requantizedOutput(accumulator: acc[i], bias: bias[o], requantization: requantization,
                                                  residual: residual[i], activation: activation)
                    i += 1
                }
            }
        } else {
            for _ in 0..<pixels {
                for o in 0..<channels {
                    output[i] = requantizedOutput(accumulator: acc[i], bias: bias[o], requantization: requantization,
                                                  residual: nil, activation: activation)
                    i += 1
                }
            }
        }
    }
}

/// Runs `body` with a pointer to `tensor`'s scalars, or nil when there is no tensor.
func withOptionalPointer<R>(_ tensor: QTensor?, _ body: (UnsafePointer<Int8>?) -> R) -> R {
    guard let tensor else { return body(nil) }
    return tensor.scalars.withUnsafeBufferPointer { body($0.baseAddress!) }
}
