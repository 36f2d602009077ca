// API pinned by the lead; bodies are filled in by the ops work (issue 2).

public func relu(_ x: FloatTensor) -> FloatTensor { fatalError("stub") }
/// PReLU with one slope for the whole tensor.
public func prelu(_ x: FloatTensor, slope: Float) -> FloatTensor { fatalError("stub") }
/// Elementwise sum of two same-shaped tensors.
public func add(_ a: FloatTensor, _ b: FloatTensor) throws -> FloatTensor { fatalError("stub") }
/// `out = W · x + b` with W in [out][in] order.
public func fullyConnected(_ x: [Float], weights: [Float], bias: [Float], outFeatures: Int) throws -> [Float] { fatalError("stub") }
/// Depth-to-space by `factor` (PyTorch `PixelShuffle`): C·r² channels → C channels, r× larger map.
/// Channel `c·r² + dy·r + dx` of input pixel (y, x) lands at output (y·r+dy, x·r+dx, c).
public func pixelShuffle<T: Sendable>(_ x: Tensor<T>, factor: Int) throws -> Tensor<T> { fatalError("stub") }
