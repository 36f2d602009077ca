// API pinned by the lead; bodies are filled in by the ops work (issue 2).

extension QuantizedConv {
    /// SBNet-style sparse convolution: gathers the halo block of every active output tile,
    /// convolves the stack densely and scatters the tiles into a copy of the default output
    /// (the residual when given, else zeros). Equal to the dense layer on active tiles, bit for bit.
    public func sparse(_ input: QTensor, tileMask: TileMask, residual: QTensor?) throws -> QTensor {
        fatalError("stub")
    }
}
