// API pinned by the lead; bodies are filled in by the ops work (issue 2).

/// Max pooling with explicit zero-free padding (padded positions never win), NHWC.
public func maxPool2d<T: Comparable & Sendable>(_ input: Tensor<T>, kernel: Int, stride: Int, padding: Int) throws -> Tensor<T> {
    fatalError("stub")
}

/// Average pooling over the window positions inside the map (padding not counted), float.
public func avgPool2d(_ input: FloatTensor, kernel: Int, stride: Int, padding: Int) throws -> FloatTensor {
    fatalError("stub")
}

/// Mean of every channel over the whole map.
public func globalAveragePool(_ input: FloatTensor) -> [Float] {
    fatalError("stub")
}
