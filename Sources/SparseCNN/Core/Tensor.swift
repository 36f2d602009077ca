/// The shape of one feature map: height × width × channels (batch is always 1).
public struct TensorShape: Hashable, Codable, Sendable, CustomStringConvertible {
    public var height: Int
    public var width: Int
    public var channels: Int

    public init(height: Int, width: Int, channels: Int) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    public var count: Int { height * width * channels }
    public var pixels: Int { height * width }
    public var description: String { "\(height)x\(width)x\(channels)" }
    /// As written in reports and JSON: `[H, W, C]`.
    public var array: [Int] { [height, width, channels] }
}

/// A feature map in NHWC order with N = 1: channel fastest, then column, then row.
///
/// The same layout is used by the int8 software path, the cycle-accurate model and the
/// accelerator's memory image, so a tensor's `scalars` can be copied between them as bytes.
public struct Tensor<Scalar>: Sendable where Scalar: Sendable {
    public let shape: TensorShape
    public var scalars: [Scalar]

    /// Wraps `scalars` (NHWC); fails when their number is not `shape.count`.
    public init(shape: TensorShape, scalars: [Scalar]) throws {
        guard shape.height > 0, shape.width > 0, shape.channels > 0 else {
            throw SparseCNNError.invalidArgument("tensor shape \(shape) has a zero or negative dimension")
        }
        guard scalars.count == shape.count else {
            throw SparseCNNError.shapeMismatch("tensor of shape \(shape) needs \(shape.count) values, got \(scalars.count)")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor with every element equal to `value`.
    public init(shape: TensorShape, repeating value: Scalar) {
        precondition(shape.height > 0 && shape.width > 0 && shape.channels > 0, "tensor shape \(shape) has a zero dimension")
        self.shape = shape
        self.scalars = Array(repeating: value, count: shape.count)
    }

    @inlinable public var height: Int { shape.height }
    @inlinable public var width: Int { shape.width }
    @inlinable public var channels: Int { shape.channels }

    /// Flat index of (y, x, c) in NHWC.
    @inlinable public func index(_ y: Int, _ x: Int, _ c: Int) -> Int {
        (y * shape.width + x) * shape.channels + c
    }

    @inlinable public subscript(y: Int, x: Int, c: Int) -> Scalar {
        get { scalars[index(y, x, c)] }
        set { scalars[index(y, x, c)] = newValue }
    }
}

extension Tensor: Equatable where Scalar: Equatable {}

public typealias FloatTensor = Tensor<Float>
public typealias QTensor = Tensor<Int8>

/// Convolution weights in [Cout][Kh][Kw][Cin] order (Kh = Kw = `kernel`), the order the
/// accelerator streams them in.
public struct Filter<Scalar>: Sendable where Scalar: Sendable {
    public let outChannels: Int
    public let kernel: Int
    public let inChannels: Int
    public var scalars: [Scalar]

    public init(outChannels: Int, kernel: Int, inChannels: Int, scalars: [Scalar]) throws {
        guard outChannels > 0, inChannels > 0, kernel > 0 else {
            throw SparseCNNError.invalidArgument("filter \(outChannels)x\(kernel)x\(kernel)x\(inChannels) has a zero dimension")
        }
        guard kernel % 2 == 1 else {
            throw SparseCNNError.invalidArgument("kernel size \(kernel) is even; 'same' padding needs an odd kernel")
        }
        let n = outChannels * kernel * kernel * inChannels
        guard scalars.count == n else {
            throw SparseCNNError.shapeMismatch("filter \(outChannels)x\(kernel)x\(kernel)x\(inChannels) needs \(n) values, got \(scalars.count)")
        }
        self.outChannels = outChannels
        self.kernel = kernel
        self.inChannels = inChannels
        self.scalars = scalars
    }

    @inlinable public func index(_ o: Int, _ ky: Int, _ kx: Int, _ c: Int) -> Int {
        ((o * kernel + ky) * kernel + kx) * inChannels + c
    }

    @inlinable public subscript(o: Int, ky: Int, kx: Int, c: Int) -> Scalar {
        get { scalars[index(o, ky, kx, c)] }
        set { scalars[index(o, ky, kx, c)] = newValue }
    }
}

extension Filter: Equatable where Scalar: Equatable {}
