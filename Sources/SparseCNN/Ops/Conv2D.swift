// API pinned by the lead; bodies are filled in by the ops work (issue 2).

/// Dense float convolution, "same" zero padding, NHWC in and out.
public func conv2d(_ input: FloatTensor, _ filter: Filter<Float>, bias: [Float]?, geometry: ConvGeometry) throws -> FloatTensor {
    fatalError("stub")
}

/// Dense int8 convolution to int32 accumulators (no bias): the exact sums the PE array forms.
public func conv2dAccumulators(_ input: QTensor, _ filter: Filter<Int8>, geometry: ConvGeometry) throws -> Tensor<Int32> {
    fatalError("stub")
}
