/// Word addresses (in B-byte DRAM words) of a layer job's regions in DRAM.
///
/// Regions follow each other in this order, each starting on a word boundary:
/// tile mask, bias, weights, input, residual (if any), output, then for a weight handoff (§7.2)
/// the next layer's first-pass words (if the layer hands them on) and the warm-up mask (if it
/// starts preloaded).
public struct MemoryRegions: Hashable, Codable, Sendable {
    public var mask: Int
    public var bias: Int
    public var weights: Int
    public var input: Int
    /// Equal to `output` (zero length) when the layer has no residual.
    public var residual: Int
    public var output: Int
    /// The next layer's first-pass bias words, then its weight words (§7.2); zero length without.
    public var next: Int
    /// Mw zero words: the tile mask of the warm-up run that preloads a preloaded layer's first pass
    /// when it runs on its own (co-simulation, §7.2); zero length unless the layer is preloaded.
    public var warmUpMask: Int
    /// Total words of the image.
    public var end: Int

    public init(mask: Int, bias: Int, weights: Int, input: Int, residual: Int, output: Int, next: Int? = nil,
                warmUpMask: Int? = nil, end: Int) {
        self.mask = mask; self.bias = bias; self.weights = weights; self.input = input
        self.residual = residual; self.output = output; self.end = end
        self.next = next ?? end; self.warmUpMask = warmUpMask ?? end
    }

    /// The layout of `plan`'s image (`MemoryImage`): the regions back to back from word 0.
    public init(plan: LayerPlan) {
        let B = plan.wordBytes
        var r = MemoryRegions(mask: 0, bias: 0, weights: 0, input: 0, residual: 0, output: 0, next: 0, warmUpMask: 0, end: 0)
        r.bias = r.mask + plan.maskWords
        r.weights = r.bias + (plan.cout * 4 + B - 1) / B
        r.input = r.weights + plan.cout * plan.tapWords
        r.residual = r.input + plan.mapHeight * plan.mapWidth * plan.inWords
        let outWordsTotal = plan.outH * plan.outW * plan.outWords
        r.output = r.residual + (plan.hasResidual ? outWordsTotal : 0)
        r.next = r.output + outWordsTotal
        r.warmUpMask = r.next + (plan.next?.words ?? 0)
        r.end = r.warmUpMask + (plan.preloaded ? plan.maskWords : 0)
        self = r
    }

    /// Refuses regions that end past the words `config`'s DRAM port addresses (2^addressBits):
    /// the RTL's addresses would wrap.
    public func checkAddressable(by config: HardwareConfig, name: String) throws {
        let words = 1 << config.addressBits
        if end > words {
            throw AcceleratorSpecError.invalidLayer("\(name): its memory image ends at word \(end), past the \(words) words a \(config.addressBits)-bit DRAM address reaches (addressBits)")
        }
    }

    /// The same regions `words` further on (an image placed after another in one memory).
    public func shifted(by words: Int) -> MemoryRegions {
        MemoryRegions(mask: mask + words, bias: bias + words, weights: weights + words, input: input + words, residual: residual + words,
                      output: output + words, next: next + words, warmUpMask: warmUpMask + words, end: end + words)
    }
}

/// The DRAM contents the host prepares for one layer job (docs/microarchitecture.md, "Memory image").
public struct MemoryImage: Sendable {
    public let regions: MemoryRegions
    /// B bytes per word.
    public let wordBytes: Int
    /// `regions.end · wordBytes` bytes; pad bytes are zero.
    public var bytes: [UInt8]

    /// Which regions an image holds (the layout is always the whole one).
    public enum Contents: Sendable {
        /// Every region: what the host writes (the RTL and the stepped model read it word by word).
        case all
        /// The bias and weight regions only (the words a weight handoff copies, §7.2).
        case parameters
        /// The output region only, pre-initialised (the fast model writes its outputs there).
        case output
    }

    /// Lays out `job` for `plan`: mask bits LSB-first in scan order (`LayerPlan.maskIndex`: raster, or
    /// column-major with the row ring), or with a tile list its entries in that order
    /// (`LayerPlan.tileListEntry`, 16 bits little-endian); bias int32 little-endian,
    /// B/4 per word; weights [Cout][K][K][CW words]; input and residual NHWC with CW/COW words per
    /// pixel; the output region pre-initialised with the residual (or zeros). With packed taps (§3.2)
    /// the weights are [Cout][K][1][CW words] and the input H × Wo words of K·Cin bytes; with output
    /// pairs (§3.3) [2·Cout][K][K+1][CW words], and outputs and residual H × Wo/2 pixels of 2·Cout.
    /// The output region holds the job's `baseOutput` when it has one. `contents`
    /// leaves the other regions zero.
    public init(job: LayerJob, plan: LayerPlan, contents: Contents = .all) {
        let B = plan.wordBytes
        wordBytes = B
        let nTiles = plan.tilesHigh * plan.tilesWide
        let r = MemoryRegions(plan: plan)
        regions = r
        var b = [UInt8](repeating: 0, count: r.end * B)
        let all = contents == .all, parameters = contents != .output
        if let n = plan.next, !n.bytes.isEmpty, all { b.replaceSubrange((r.next * B)..<(r.warmUpMask * B), with: n.bytes) }
        // (in scan order: column-major with the row ring, §6.2)
        if plan.config.tileList {
            // a tile list: 16-bit little-endian entries in the engines' order, B/2 a word (§6.1)
            for (n, t) in plan.scanOrder(job.tileMask).enumerated() where all {
                let e = LayerPlan.tileListEntry(ty: t.ty, tx: t.tx)
                b[r.mask * B + 2 * n] = UInt8(e & 0xFF); b[r.mask * B + 2 * n + 1] = UInt8(e >> 8)
            }
        } else {
            for t in 0..<nTiles where all && job.tileMask.bits[t] {
                let i = plan.maskIndex(ty: t / plan.tilesWide, tx: t % plan.tilesWide)
                b[r.mask * B + i / 8] |= UInt8(1 << (i % 8))
            }
        }
        // With output pairs (§3.3) engine channel o is channel o mod Cout of column 2x′ + o ÷ Cout.
        let layerCout = plan.layerCout
        for o in 0..<plan.cout where parameters {
            let u = UInt32(bitPattern: job.bias[o % layerCout])
            for k in 0..<4 { b[r.bias * B + o * 4 + k] = UInt8(truncatingIfNeeded: u >> (8 * k)) }
        }
        let K = plan.kernel, KW = plan.kernelWidth, cin = plan.cin, CW = plan.inWords
        // With tap packing (§3.2) tap (ky, kx) of channel o is bytes ky·Cin… of word tap (o, 0, kx).
        let packed = plan.tapsPacked
        // With output pairs, engine channel o = j·Cout + c has channel c's tap kx at column kx + j of
        // its K+1 (the other column zero).
        if parameters { job.filter.scalars.withUnsafeBufferPointer { w in
            for oe in 0..<plan.cout { for ky in 0..<K { for kx in 0..<K {
                let o = oe % layerCout, j = oe / layerCout
                let tap = oe * plan.engineTaps + (packed ? 0 : ky * KW) + kx + j
                let dst = (r.weights + tap * CW) * B + (packed ? ky * cin : 0), src = ((o * K + ky) * K + kx) * cin
                for c in 0..<cin { b[dst + c] = UInt8(bitPattern: w[src + c]) }
            } } }
        } }
        if all { job.input.scalars.withUnsafeBufferPointer { x in
            if packed {
                // input word (y', x) holds, for ky = 0…K−1, pixel (y'·S + ky − pad, x) (zeros outside the map)
                let S = plan.stride, W = plan.inW
                for yp in 0..<plan.mapHeight { for ix in 0..<W { for ky in 0..<K {
                    let iy = yp * S + ky - plan.pad
                    guard iy >= 0 && iy < plan.inH else { continue }
                    let dst = (r.input + (yp * W + ix) * CW) * B + ky * cin, src = (iy * W + ix) * cin
                    for c in 0..<cin { b[dst + c] = UInt8(bitPattern: x[src + c]) }
                } } }
            } else {
                for p in 0..<(plan.inH * plan.inW) {
                    let dst = (r.input + p * CW) * B, src = p * cin
                    for c in 0..<cin { b[dst + c] = UInt8(bitPattern: x[src + c]) }
                }
            }
        } }
        let cout = plan.cout, COW = plan.outWords
        if let res = job.residual, contents != .parameters {
            res.scalars.withUnsafeBufferPointer { x in
                for p in 0..<(plan.outH * plan.outW) {
                    let d1 = (r.residual + p * COW) * B, d2 = (r.output + p * COW) * B, src = p * cout
                    for c in 0..<cout {
                        let v = UInt8(bitPattern: x[src + c])
                        if all { b[d1 + c] = v }
                        b[d2 + c] = v
                    }
                }
            }
        }
        // A base output (e.g. the dense run's, under a channel-window run) replaces the default.
        if let base = job.baseOutput, contents != .parameters {
            base.scalars.withUnsafeBufferPointer { x in
                for p in 0..<(plan.outH * plan.outW) {
                    let d = (r.output + p * COW) * B, src = p * cout
                    for c in 0..<cout { b[d + c] = UInt8(bitPattern: x[src + c]) }
                }
            }
        }
        bytes = b
    }

    /// Reads the output region back as the layer's NHWC tensor (output pairs, §3.3, are the same
    /// bytes in the same order).
    public func output(plan: LayerPlan) -> QTensor {
        let B = wordBytes, COW = plan.outWords, cout = plan.cout
        var s = [Int8](repeating: 0, count: plan.outH * plan.outW * cout)
        for p in 0..<(plan.outH * plan.outW) {
            let src = (regions.output + p * COW) * B
            for c in 0..<cout { s[p * cout + c] = Int8(bitPattern: bytes[src + c]) }
        }
        return try! QTensor(shape: TensorShape(height: plan.outH, width: plan.layerOutW, channels: plan.layerCout), scalars: s)
    }
}
