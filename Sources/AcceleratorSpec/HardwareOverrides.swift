extension HardwareConfig {
    /// This config with some fields overridden (nil keeps the base's value): the one rule behind
    /// every command's `--config` + `--tile/--lanes-k/--lanes-c/--mem-bytes/...` and every
    /// `sparsetile sweep` point (docs/microarchitecture.md §2).
    ///
    /// - **Bank depths are kept.** The buffers are resized so that the input banks keep the base's
    ///   depth `DI`, the weight banks `DW` and the output buffer `DO` words per pixel: a bank is a
    ///   memory of a given depth, and the tile and lane counts only say how many of them there are
    ///   (and B how wide). So `inputBufferBytes = 2·tileH·tileW·B·DI`, `outputBufferBytes =
    ///   2·tileH·tileW·B·DO` and `weightBufferBytes = lanesK·B·DW`, all with the new geometry.
    /// - **Tile shapes.** `tileShapes` when given; else the base's count, lowered until the tile
    ///   divides into that many halvings (a `2x2` tile on the default config's four shapes gets two:
    ///   2×2 and 1×1), so that overriding the tile alone never makes an invalid config.
    /// - **The line buffer** (§6.5): `lineBufferBytes` when given, in bytes like the other buffers;
    ///   else the base's bank depth `DL` is kept like the others (`tileH·tileW·B·DL`), and a tile
    ///   whose sides are not powers of two, which cannot hold one, gets none.
    /// - **Requant slices** (§7.5): `requantSlices` when given; else the base's, halved until the
    ///   lanes and tile take it (`takesRequantSlices`), so that overriding the lanes or the tile
    ///   alone never makes an invalid config.
    /// - **Packed sums** (§7.4): `packedSums` when given; else the base's, dropped when the result
    ///   has no packed products or more than 4 lanesC.
    /// - **PReLU table** (§7.5): `preluTable` when given; else the base's, dropped when the
    ///   requant lanes have fewer than 4 cuts.
    /// - `memLatency`, `clockMHz`, `packedProducts`, `mac16Pairs`, `tileList`, `requantStages`, `boundaryRegisters`, `leftOut` and `addressBits` are set as given (`maxOutstandingReads` is the base's).
    ///
    /// Throws `AcceleratorSpecError.invalidConfig` when the result is out of range (`validate()`).
    public func overriding(tileH: Int? = nil, tileW: Int? = nil, lanesK: Int? = nil, lanesC: Int? = nil,
                           memBytesPerCycle: Int? = nil, memLatency: Int? = nil, clockMHz: Double? = nil,
                           tileShapes: Int? = nil, lineBufferBytes: Int? = nil, packedProducts: Bool? = nil, packedSums: Bool? = nil, mac16Pairs: Bool? = nil,
                           tileList: Bool? = nil, preluTable: Bool? = nil, requantStages: Int? = nil, requantSlices: Int? = nil, boundaryRegisters: Bool? = nil,
                           leftOut: Set<Mechanism>? = nil, addressBits: Int? = nil) throws -> HardwareConfig {
        // (the depths of the base, before any geometry changes)
        let (DI, DW, DO, DL) = (inputBankDepth, weightBankDepth, outputWordsPerPixel, lineBankDepth)
        var c = self
        if let v = tileH { c.tileH = v }
        if let v = tileW { c.tileW = v }
        if let v = lanesK { c.lanesK = v }
        if let v = lanesC { c.lanesC = v }
        if let v = memBytesPerCycle { c.memBytesPerCycle = v }
        if let v = memLatency { c.memLatency = v }
        if let v = clockMHz { c.clockMHz = v }
        if let v = lineBufferBytes { c.lineBufferBytes = v }
        if let v = packedProducts { c.packedProducts = v }
        if let v = mac16Pairs { c.mac16Pairs = v }
        if let v = tileList { c.tileList = v }
        if let v = preluTable { c.preluTable = v } else if (requantStages ?? c.requantStages) < 4 { c.preluTable = false }
        if let v = requantStages { c.requantStages = v }
        if let v = boundaryRegisters { c.boundaryRegisters = v }
        if let v = leftOut { c.leftOut = v }
        if let v = addressBits { c.addressBits = v }
        if let v = packedSums {
            c.packedSums = v
        } else if !c.packedProducts || c.lanesC > 4 {
            c.packedSums = false
        }
        if let v = requantSlices {
            c.requantSlices = v
        } else {
            while c.requantSlices > 1 && !HardwareConfig.takesRequantSlices(c.requantSlices, lanesK: c.lanesK, tileW: c.tileW) { c.requantSlices /= 2 }
        }
        if let v = tileShapes {
            c.tileShapes = v
        } else {
            while c.tileShapes > 1 && (c.tileH % (1 << (c.tileShapes - 1)) != 0 || c.tileW % (1 << (c.tileShapes - 1)) != 0) {
                c.tileShapes -= 1
            }
        }
        // Out-of-range geometry is reported by validate() below, naming the field, not as an
        // arithmetic overflow here; so are products too large for an Int (a config JSON may hold any
        // buffer size).
        if (1...32).contains(c.tileH), (1...32).contains(c.tileW), (1...64).contains(c.lanesK), (1...256).contains(c.memBytesPerCycle) {
            func bytes(_ field: String, _ factors: Int...) throws -> Int {
                try factors.reduce(1) { p, f in
                    let (r, overflow) = p.multipliedReportingOverflow(by: f)
                    if overflow { throw AcceleratorSpecError.invalidConfig("\(field) \(factors.map(String.init).joined(separator: "·")) is too large") }
                    return r
                }
            }
            let B = c.memBytesPerCycle
            c.inputBufferBytes = try bytes("inputBufferBytes", 2, c.tileH, c.tileW, B, DI)
            c.outputBufferBytes = try bytes("outputBufferBytes", 2, c.tileH, c.tileW, B, DO)
            c.weightBufferBytes = try bytes("weightBufferBytes", c.lanesK, B, DW)
            if lineBufferBytes == nil && DL > 0 {
                let pow2 = { (x: Int) in x & (x - 1) == 0 }
                c.lineBufferBytes = pow2(c.tileH) && pow2(c.tileW) ? try bytes("lineBufferBytes", c.tileH, c.tileW, B, DL) : 0
            }
        }
        try c.validate()
        return c
    }
}
