import AcceleratorSpec

extension TileModel {
    /// The tile shape of `layer.maskTiles` (the config's shapes, and their pair shapes where the layer
    /// takes output pairs, §3.3) with which `layer` takes the fewest model cycles (timing only), its
    /// tile mask pooled from its pixel mask at that shape; ties go to the larger tile, then unpaired.
    /// Shapes whose tile group does not fit the input buffer are skipped. The full tile when the
    /// config has one shape.
    public func bestShape(for layer: TimingLayer) throws -> TileShape {
        let shapes = layer.maskTiles(config: config)
        if case .fixed(let m) = layer.selection {
            // A mask chosen at one shape fixes the layer's shape.
            let s = TileShape(height: m.tileHeight, width: m.tileWidth)
            guard shapes.contains(s) else {
                throw AcceleratorSpecError.invalidLayer("layer \(layer.name): its tile mask was chosen at \(s.height)x\(s.width) tiles, which this configuration does not support (its shapes: \(shapes.map { "\($0.height)x\($0.width)" }.joined(separator: ", ")))")
            }
            return s
        }
        if shapes.count == 1 { return shapes[0] }
        // (a pair shape, §3.3, is a tile twice as wide as one of the config's: output pairs)
        var best: (shape: TileShape, cycles: Int)? = nil
        var firstError: Error? = nil
        for shape in shapes {
            do {
                let c = try cycles(layer.job(config: config, shape: shape))
                if best == nil || c < best!.cycles { best = (shape, c) }
            } catch { firstError = firstError ?? error }
        }
        guard let b = best else { throw firstError! }
        return b.shape
    }
}
