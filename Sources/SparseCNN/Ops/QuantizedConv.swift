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
    public func callAsFunction(_ input: QTensor, residual: QTensor?) throws -> QTensor {
        fatalError("stub")
    }
}
