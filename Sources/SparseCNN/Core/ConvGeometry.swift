/// Kernel size and stride of a convolution with "same" zero padding.
///
/// Padding is `(kernel - 1) / 2` on every side, so the output is `ceil(H / stride)` high and
/// output pixel (oy, ox) reads input rows `oy·stride - pad ..< oy·stride - pad + kernel`
/// (PyTorch's `padding = kernel // 2`, which is what ResNet-18 and SRResNet use).
public struct ConvGeometry: Hashable, Codable, Sendable {
    public var kernel: Int
    public var stride: Int

    public init(kernel: Int, stride: Int) throws {
        guard kernel > 0, kernel % 2 == 1 else {
            throw SparseCNNError.invalidArgument("kernel \(kernel): only odd kernels are supported ('same' padding)")
        }
        guard stride == 1 || stride == 2 else {
            throw SparseCNNError.invalidArgument("stride \(stride): only strides 1 and 2 are supported")
        }
        self.kernel = kernel
        self.stride = stride
    }

    @inlinable public var padding: Int { (kernel - 1) / 2 }

    /// Output size along one axis for an input of `size` pixels: `ceil(size / stride)`.
    @inlinable public func outputSize(_ size: Int) -> Int { (size + stride - 1) / stride }

    public func outputShape(input: TensorShape, outChannels: Int) -> TensorShape {
        TensorShape(height: outputSize(input.height), width: outputSize(input.width), channels: outChannels)
    }
}
