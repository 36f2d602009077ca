// SBNet-style sparse convolution (Ren et al., "SBNet: Sparse Blocks Network for Fast Inference"):
// gather the input block every active output tile needs, run the ordinary dense kernel over the
// stack of blocks with no padding, and scatter each tile's outputs into a copy of the default
// output. Inactive tiles cost no MACs and are never written, as on the accelerator.

/// Where the active tiles of one layer sit and how big their gathered input blocks are.
struct SparseTilePlan {
    let tiles: [(ty: Int, tx: Int)]
    let tileHeight: Int, tileWidth: Int
    /// Input block of one tile: `(tileHeight − 1)·stride + K` rows, likewise columns.
    let blockHeight: Int, blockWidth: Int
    let stride: Int, pad: Int

    init(tileMask: TileMask, geometry: ConvGeometry) {
        tiles = tileMask.activeTiles
        tileHeight = tileMask.tileHeight
        tileWidth = tileMask.tileWidth
        stride = geometry.stride
        pad = geometry.padding
        blockHeight = (tileHeight - 1) * stride + geometry.kernel
        blockWidth = (tileWidth - 1) * stride + geometry.kernel
    }

    /// The dense conv over the stacked blocks: one image per active tile, valid padding, each
    /// producing a full `tileHeight × tileWidth` tile (edge tiles' surplus pixels are dropped
    /// on scatter).
    func convPlan(channelsIn: Int, channelsOut: Int, kernel: Int) -> ConvPlan {
        ConvPlan(batch: tiles.count, inH: blockHeight, inW: blockWidth, cin: channelsIn,
                 outH: tileHeight, outW: tileWidth, cout: channelsOut,
                 kernel: kernel, stride: stride, pad: 0)
    }

    /// Copies every active tile's halo block out of `input` (NHWC `height × width × channels`)
    /// into a stack of `blockHeight × blockWidth × channels` blocks. Positions outside the image
    /// are zero, which is exactly the dense layer's "same" zero padding.
    func gather(_ input: UnsafePointer<Float>, height: Int, width: Int, channels: Int) -> [Float] {
        var stack = [Float](repeating: 0, count: tiles.count * blockHeight * blockWidth * channels)
        stack.withUnsafeMutableBufferPointer { s in
            let base = s.baseAddress!
            forEachBlockRow(height: height, width: width, channels: channels) { dst, src, count in
                (base + dst).update(from: input + src, count: count)
            }
        }
        return stack
    }

    /// `gather` for int8 input, widened to the int16 form the dense int8 kernel computes on.
    func gatherWidened(_ input: UnsafePointer<Int8>, height: Int, width: Int, channels: Int) -> [Int16] {
        var stack = [Int16](repeating: 0, count: tiles.count * blockHeight * blockWidth * channels)
        stack.withUnsafeMutableBufferPointer { s in
            let base = s.baseAddress!
            forEachBlockRow(height: height, width: width, channels: channels) { dst, src, count in
                let d = base + dst, x = input + src
                for i in 0..<count { d[i] = Int16(x[i]) }
            }
        }
        return stack
    }

    /// The in-image part of every row of every tile's halo block, as `copy(dstOffset, srcOffset,
    /// count)` in elements (destination in the stack, source in the input map). Tiles own
    /// disjoint blocks of the stack, so they are handled in parallel.
    func forEachBlockRow(height: Int, width: Int, channels: Int, _ copy: (Int, Int, Int) -> Void) {
        let blockSize = blockHeight * blockWidth * channels
        ConvKernel.parallelChunks(tiles.count, work: tiles.count * blockSize * 4) { range in
            for n in range {
                let tile = tiles[n]
                // Top-left input pixel of the block: the first tap of the tile's first output pixel.
                let iy0 = tile.ty * tileHeight * stride - pad, ix0 = tile.tx * tileWidth * stride - pad
                let xLo = max(0, ix0), xHi = min(width, ix0 + blockWidth)
                guard xLo < xHi else { continue }
                let yLo = max(0, iy0), yHi = min(height, iy0 + blockHeight)
                for iy in yLo..<max(yLo, yHi) {
                    copy(n * blockSize + ((iy - iy0) * blockWidth + (xLo - ix0)) * channels,
                         (iy * width + xLo) * channels, (xHi - xLo) * channels)
                }
            }
        }
    }

    /// Calls `body(y, x0, count, srcOffset)` for every row segment of in-map output pixels of
    /// the active tiles `tileRange`: pixels (y, x0 ..< x0 + count) of the map come from pixels
    /// `srcOffset ..< srcOffset + count` of the stacked conv output. Edge tiles' pixels beyond
    /// the map are skipped.
    func forEachValidRow(of tileRange: Range<Int>, mapHeight: Int, mapWidth: Int, _ body: (Int, Int, Int, Int) -> Void) {
        for n in tileRange {
            let tile = tiles[n]
            let y0 = tile.ty * tileHeight, x0 = tile.tx * tileWidth
            let count = min(tileWidth, mapWidth - x0)
            for y in y0..<min(y0 + tileHeight, mapHeight) {
                body(y, x0, count, (n * tileHeight + (y - y0)) * tileWidth)
            }
        }
    }
}

/// Throws unless `tileMask` covers exactly the `outputShape` map.
func checkTileMask(_ tileMask: TileMask, outputShape: TensorShape, operation: String) throws {
    guard tileMask.mapHeight == outputShape.height, tileMask.mapWidth == outputShape.width else {
        throw SparseCNNError.shapeMismatch(
            "\(operation): tile mask covers a \(tileMask.mapHeight)x\(tileMask.mapWidth) map but the layer's output is \(outputShape.height)x\(outputShape.width) (the mask is per output pixel)")
    }
}

extension QuantizedConv {
    /// SBNet-style sparse convolution: gathers the halo block of every active output tile,
    /// convolves the stack densely and scatters the tiles into a copy of the default output
    /// (the residual when given, else zeros). Equal to the dense layer on active tiles, bit for bit.
    ///
    /// `tileMask` is over the layer's *output* map (`ceil(H / stride) × ceil(W / stride)`); a mask
    /// of another size, an input with the wrong channel count or a residual of another shape
    /// than the output throws `SparseCNNError.shapeMismatch`.
    public func sparse(_ input: QTensor, tileMask: TileMask, residual: QTensor?) throws -> QTensor {
        try checkConvOperands(inputChannels: input.channels, filterInChannels: filter.inChannels,
                              filterKernel: filter.kernel, geometry: geometry, operation: "sparse conv")
        let outShape = outputShape(for: input.shape)
        try checkTileMask(tileMask, outputShape: outShape, operation: "sparse conv")
        try checkResidual(residual, outputShape: outShape)

        // Inactive tiles keep the default: SBNet scatters into a copy of the base tensor.
        var out = residual?.scalars ?? [Int8](repeating: 0, count: outShape.count)
        let tiles = SparseTilePlan(tileMask: tileMask, geometry: geometry)
        guard !tiles.tiles.isEmpty else { return try QTensor(shape: outShape, scalars: out) }

        // Gathered straight into the int16 form the dense kernel computes on.
        let stack = input.scalars.withUnsafeBufferPointer {
            tiles.gatherWidened($0.baseAddress!, height: input.height, width: input.width, channels: input.channels)
        }
        let plan = tiles.convPlan(channelsIn: input.channels, channelsOut: filter.outChannels, kernel: filter.kernel)
        var acc = [Int32](repeating: 0, count: plan.batch * plan.outH * plan.outW * plan.cout)
        stack.withUnsafeBufferPointer { x in
            filter.scalars.withUnsafeBufferPointer { w in
                acc.withUnsafeMutableBufferPointer { y in
                    ConvKernel.widened(plan, input: x.baseAddress!, weights: w.baseAddress!, output: y.baseAddress!)
                }
            }
        }

        let cout = filter.outChannels, mapWidth = outShape.width
        let hasResidual = residual != nil
        acc.withUnsafeBufferPointer { a in
            bias.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { y in
                    let yBase = y.baseAddress!
                    // Tiles cover disjoint output pixels, so they are scattered in parallel.
                    ConvKernel.parallelChunks(tiles.tiles.count, work: acc.count * 16) { tileRange in
                        tiles.forEachValidRow(of: tileRange, mapHeight: outShape.height, mapWidth: mapWidth) { py, px, count, src in
                            let dst = yBase + (py * mapWidth + px) * cout
                            // `out` already holds the residual here, so it is read in place.
                            requantizeRun(acc: a.baseAddress! + src * cout, bias: b.baseAddress!, channels: cout,
                                          pixels: count, residual: hasResidual ? UnsafePointer(dst) : nil, output: dst)
                        }
                    }
                }
            }
        }
        return try QTensor(shape: outShape, scalars: out)
    }
}

extension QuantizedConv {
    /// `sparse` with an SMSR-style channel mask: the tiles of `tileMask` compute every channel, the
    /// other tiles the channels `channelMask` selects; everything else keeps the default (the
    /// residual, or zero). Without a channel mask, or with none selected, it is `sparse`.
    public func sparse(_ input: QTensor, tileMask: TileMask, residual: QTensor?, channelMask: ChannelMask?) throws -> QTensor {
        let full = try sparse(input, tileMask: tileMask, residual: residual)
        guard let channelMask, channelMask.selectedCount > 0 else { return full }
        let cout = filter.outChannels
        guard channelMask.channels == cout else {
            throw SparseCNNError.shapeMismatch("channel mask has \(channelMask.channels) channels; the layer has \(cout) output channels")
        }
        // The sparse tiles run a layer of the selected channels only (the same requantization and
        // activation, the residual's selected channels), scattered into those channels.
        let sel = channelMask.selected
        let taps = filter.kernel * filter.kernel * filter.inChannels
        var w = [Int8](); w.reserveCapacity(sel.count * taps)
        for c in sel { w += filter.scalars[(c * taps)..<((c + 1) * taps)] }
        let sub = try QuantizedConv(filter: Filter(outChannels: sel.count, kernel: filter.kernel, inChannels: filter.inChannels, scalars: w),
                                    bias: sel.map { bias[$0] }, geometry: geometry, requantization: requantization, activation: activation)
        let subResidual = try residual.map { r in
            try QTensor(shape: TensorShape(height: r.height, width: r.width, channels: sel.count),
                        scalars: (0..<r.shape.pixels).flatMap { p in sel.map { r.scalars[p * cout + $0] } })
        }
        var rest = tileMask
        rest.bits = tileMask.bits.map { !$0 }
        let part = try sub.sparse(input, tileMask: rest, residual: subResidual)
        var out = full
        for (ty, tx) in rest.activeTiles {
            let r = rest.pixelRange(ty: ty, tx: tx)
            for y in r.rows {
                for x in r.cols {
                    let p = y * full.width + x
                    for (j, c) in sel.enumerated() { out.scalars[p * cout + c] = part.scalars[p * sel.count + j] }
                }
            }
        }
        return out
    }
}

/// SBNet-style sparse float convolution: `conv2d` on the active tiles of `tileMask` (over the
/// output map), `base` (or zeros) elsewhere.
///
/// On active tiles it equals `conv2d` bit for bit for finite inputs: both sum the taps in the same
/// order, and where the dense conv skips a padded tap the gathered block holds an explicit zero,
/// whose ±0 product leaves the running sum unchanged (a sum that starts at +0 never becomes −0).
public func sparseConv2d(_ input: FloatTensor, _ filter: Filter<Float>, bias: [Float]?, geometry: ConvGeometry,
                         tileMask: TileMask, base: FloatTensor?) throws -> FloatTensor {
    try checkConvOperands(inputChannels: input.channels, filterInChannels: filter.inChannels,
                          filterKernel: filter.kernel, geometry: geometry, operation: "sparse conv2d")
    if let bias, bias.count != filter.outChannels {
        throw SparseCNNError.shapeMismatch("sparse conv2d: bias has \(bias.count) values for \(filter.outChannels) output channels")
    }
    let outShape = geometry.outputShape(input: input.shape, outChannels: filter.outChannels)
    try checkTileMask(tileMask, outputShape: outShape, operation: "sparse conv2d")
    if let base, base.shape != outShape {
        throw SparseCNNError.shapeMismatch("sparse conv2d: base is \(base.shape) but the output is \(outShape)")
    }
    var out = base?.scalars ?? [Float](repeating: 0, count: outShape.count)
    let tiles = SparseTilePlan(tileMask: tileMask, geometry: geometry)
    guard !tiles.tiles.isEmpty else { return try FloatTensor(shape: outShape, scalars: out) }

    let stack = input.scalars.withUnsafeBufferPointer {
        tiles.gather($0.baseAddress!, height: input.height, width: input.width, channels: input.channels)
    }
    let plan = tiles.convPlan(channelsIn: input.channels, channelsOut: filter.outChannels, kernel: filter.kernel)
    var acc = [Float](repeating: 0, count: plan.batch * plan.outH * plan.outW * plan.cout)
    stack.withUnsafeBufferPointer { x in
        filter.scalars.withUnsafeBufferPointer { w in
            acc.withUnsafeMutableBufferPointer { y in
                ConvKernel.float(plan, input: x.baseAddress!, weights: w.baseAddress!, output: y.baseAddress!)
            }
        }
    }
    let cout = filter.outChannels, mapWidth = outShape.width
    tiles.forEachValidRow(of: 0..<tiles.tiles.count, mapHeight: outShape.height, mapWidth: mapWidth) { py, px, count, src in
        for i in 0..<(count * cout) {
            out[(py * mapWidth + px) * cout + i] = acc[src * cout + i] + (bias?[i % cout] ?? 0)
        }
    }
    return try FloatTensor(shape: outShape, scalars: out)
}
