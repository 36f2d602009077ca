/// One int8 conv layer as the accelerator runs it: shape, parameters, tensors and masks.
///
/// Output = `requantizedOutput(acc + bias, requantization, residual, activation)` on active
/// tiles, the layer's default (residual, else zero) elsewhere (SBNet semantics).
public struct LayerJob: Sendable {
    /// Name for reports.
    public var name: String
    public var geometry: ConvGeometry
    public var filter: Filter<Int8>
    public var bias: [Int32]
    public var requantization: Requantization
    public var activation: Activation
    public var input: QTensor
    /// Has the output's shape when present.
    public var residual: QTensor?
    /// Over output tiles; its tile size is the layer's tile shape, one of the config's `shapes`.
    public var tileMask: TileMask
    /// Optional pixel-level gating inside active tiles (splits issued from useful MACs only).
    public var pixelMask: PixelMask?
    /// How the layer meets its neighbours in a network run (§7.2, weight handoff); a layer on its own by default.
    public var handoff = WeightHandoff()
    /// The output channels this run computes, a window [first, end) (§4, register CHANNELS); nil = all.
    /// The other channels keep the output region's contents (`baseOutput`). An SMSR channel mask's
    /// sparse tiles run so: the selected channels over the tiles the dense run skipped (docs/masks.md).
    public var channels: Range<Int>? = nil
    /// The output region's contents before the run (what the run leaves where it writes nothing): by
    /// default the residual, else zero; e.g. the dense run's output for a channel-window run.
    public var baseOutput: QTensor? = nil
    /// `channels`, or all of them.
    public var channelWindow: Range<Int> { channels ?? 0..<outChannels }

    public var kernel: Int { geometry.kernel }
    public var stride: Int { geometry.stride }
    public var inShape: TensorShape { input.shape }
    public var outShape: TensorShape { geometry.outputShape(input: input.shape, outChannels: filter.outChannels) }
    public var inChannels: Int { input.channels }
    public var outChannels: Int { filter.outChannels }

    /// Validates shapes against each other (not against a hardware config: see `LayerPlan`).
    public init(name: String = "layer", geometry: ConvGeometry, filter: Filter<Int8>, bias: [Int32],
                requantization: Requantization, activation: Activation, input: QTensor,
                residual: QTensor? = nil, tileMask: TileMask, pixelMask: PixelMask? = nil) throws {
        func fail(_ m: String) throws -> Never { throw AcceleratorSpecError.invalidLayer("\(name): \(m)") }
        if filter.kernel != geometry.kernel { try fail("filter kernel \(filter.kernel) differs from geometry kernel \(geometry.kernel)") }
        if filter.inChannels != input.channels { try fail("filter has \(filter.inChannels) input channels, input tensor \(input.channels)") }
        if bias.count != filter.outChannels { try fail("bias has \(bias.count) values for \(filter.outChannels) output channels") }
        let out = geometry.outputShape(input: input.shape, outChannels: filter.outChannels)
        if let r = residual, r.shape != out { try fail("residual shape \(r.shape) differs from output shape \(out)") }
        if tileMask.mapHeight != out.height || tileMask.mapWidth != out.width {
            try fail("tile mask covers \(tileMask.mapHeight)x\(tileMask.mapWidth), output is \(out.height)x\(out.width)")
        }
        if let p = pixelMask, p.height != out.height || p.width != out.width {
            try fail("pixel mask is \(p.height)x\(p.width), output is \(out.height)x\(out.width)")
        }
        self.name = name; self.geometry = geometry; self.filter = filter; self.bias = bias
        self.requantization = requantization; self.activation = activation; self.input = input
        self.residual = residual; self.tileMask = tileMask; self.pixelMask = pixelMask
    }

    /// Builds a job from raw arrays (NHWC input, [Cout][K][K][Cin] weights, row-major tile mask bits).
    public init(name: String = "layer", kernel: Int, stride: Int, inHeight: Int, inWidth: Int,
                inChannels: Int, outChannels: Int, weights: [Int8], bias: [Int32], input: [Int8],
                residual: [Int8]? = nil, multiplier: Int32, shift: Int32, activation: Activation,
                tileH: Int, tileW: Int, tileMaskBits: [Bool]? = nil, pixelMaskBits: [Bool]? = nil) throws {
        let g = try ConvGeometry(kernel: kernel, stride: stride)
        let f = try Filter(outChannels: outChannels, kernel: kernel, inChannels: inChannels, scalars: weights)
        let inT = try QTensor(shape: TensorShape(height: inHeight, width: inWidth, channels: inChannels), scalars: input)
        let out = g.outputShape(input: inT.shape, outChannels: outChannels)
        let res = try residual.map { try QTensor(shape: out, scalars: $0) }
        let tm: TileMask
        if let bits = tileMaskBits {
            tm = try TileMask(mapHeight: out.height, mapWidth: out.width, tileHeight: tileH, tileWidth: tileW, bits: bits)
        } else {
            tm = TileMask(mapHeight: out.height, mapWidth: out.width, tileHeight: tileH, tileWidth: tileW, repeating: true)
        }
        let pm = try pixelMaskBits.map { try PixelMask(height: out.height, width: out.width, bits: $0) }
        try self.init(name: name, geometry: g, filter: f, bias: bias,
                      requantization: Requantization(multiplier: multiplier, shift: shift),
                      activation: activation, input: inT, residual: res, tileMask: tm, pixelMask: pm)
    }

    /// The same job with another tile mask (e.g. all ones for the dense baseline).
    public func with(tileMask: TileMask) -> LayerJob {
        var j = self; j.tileMask = tileMask; return j
    }

    /// Worst-case |acc + bias| = K²·Cin·128·128 + max|bias|.
    public var worstCaseAccumulator: Int {
        kernel * kernel * inChannels * 128 * 128 + (bias.map { Int($0.magnitude) }.max() ?? 0)
    }
}

/// Where a layer's halos live across its passes (§4): reloaded every pass, or resident in the input
/// buffer's halves (up to two tile groups) or quarters (up to four); register field PASS.resident.
public enum HaloResidency: Int, Sendable {
    case none = 0, halves = 1, quarters = 2
}

/// One output-channel pass: channels `[firstChannel, endChannel)`.
public struct OutputPass: Hashable, Sendable {
    public var index: Int
    public var firstChannel: Int
    public var endChannel: Int
    public var channels: Int { endChannel - firstChannel }
    public init(index: Int, firstChannel: Int, endChannel: Int) {
        self.index = index; self.firstChannel = firstChannel; self.endChannel = endChannel
    }
}

/// How a `LayerJob` maps onto a `HardwareConfig`: every derived count the engines use.
/// All formulas are those of docs/microarchitecture.md.
public struct LayerPlan: Sendable {
    public let config: HardwareConfig
    /// The layer's own kernel K×K, stride and padding, input map and channels (what reports and the
    /// bound count).
    public let kernel: Int, stride: Int, pad: Int
    public let inH: Int, inW: Int, cin: Int
    /// Tap packing (§3.2): the host lays out each output row's K vertical taps side by side in the
    /// input words, and the engines run a 1×K kernel over K·Cin channels (`packsTaps`).
    public let tapsPacked: Bool
    /// The input and kernel as the engines see them (§3.2, §3.3): a `kernelHeight` × `kernelWidth`
    /// kernel at strides `strideY`, `strideX` and paddings `padY`, `padX`, over an input map
    /// `mapHeight` × `mapWidth` of `mapChannels` channels. Without tap packing the rows are K, S,
    /// pad, H and the channels Cin; with it 1, 1, 0, Ho and K·Cin. The columns are K, S, pad, W,
    /// except with output pairs (K + 1, 2, pad).
    public let kernelHeight: Int, strideY: Int, padY: Int, mapHeight: Int
    public let kernelWidth: Int, strideX: Int, padX: Int, mapWidth: Int, mapChannels: Int
    /// Taps of the engines' kernel, kernelHeight·kernelWidth, and a channel's weight words, taps × CW.
    public var engineTaps: Int { kernelHeight * kernelWidth }
    public var tapWords: Int { engineTaps * inWords }
    /// Output pairs (§3.3): a layer with few output channels computes output columns 2x′ and 2x′+1
    /// side by side in the output-channel lanes. The engines then see an output map of Wo/2 columns
    /// of 2·Cout channels (the same bytes: NHWC puts pixel 2x′+1's channels right after 2x′'s), a
    /// kernel K × (K+1) at column stride 2, and tiles twice as wide in the layer's own map.
    public let outputPairs: Bool
    /// The output map as the engines see it (§3.3): outH × outW pixels of cout channels, outW = Wo
    /// and cout = Cout without output pairs, Wo/2 and 2·Cout with them.
    public let outH: Int, outW: Int, cout: Int
    /// The layer's own output width and channels (what reports and the bound count).
    public let layerOutW: Int, layerCout: Int
    /// Output columns of the layer's own map per engine output pixel: 2 with output pairs, else 1.
    public var columnsPerOutput: Int { outputPairs ? 2 : 1 }
    public let hasResidual: Bool
    /// B bytes per DRAM word.
    public let wordBytes: Int
    /// Words per input pixel CW = ceil(Cin/B) (of the engines' input map, §3.2), per output pixel COW = ceil(Cout/B).
    public let inWords: Int, outWords: Int
    /// c-chunks per tap NC = ceil(Cin/lanesC); steps per kgroup T = kernelHeight·kernelWidth·NC (K²·NC
    /// without tap packing or output pairs; KH·KW·CW·NJ with grouped lanes); kgroup slot Kc
    /// (`kgroupCycles(steps:config:)`).
    public let chunks: Int, steps: Int, kgroupCycles: Int

    /// The kgroup slot Kc of a layer of `steps` steps per kgroup (§7.4, §7.5): max(T, tileH·s), s the
    /// requant slices (the requant engine's cycles per kgroup, reading the shadow registers while
    /// the next kgroup accumulates); T + tileH·s − 1 without shadows (`Mechanism.accumulatorShadows`:
    /// the next kgroup's first sum lands in the accumulators the cycle after the requant engine's
    /// last read of them).
    public static func kgroupCycles(steps: Int, config: HardwareConfig) -> Int {
        config.has(.accumulatorShadows) ? max(steps, config.requantCycles) : steps + config.requantCycles - 1
    }
    /// Grouped lanes (§3.4): a layer of one kgroup of few output channels whose input words are
    /// wide runs each step on a whole input word: lane group r (GL = B/lanesC lanes) takes the
    /// word's GL chunks and sums their dot products into output channel j·R + r (R = lanesK/GL
    /// groups), so a tap takes CW·NJ steps, NJ = ⌈cout/R⌉, instead of NC (`groupsLanes`).
    public let lanesGrouped: Bool
    /// Steps per input word of a tap: NJ = ⌈cout/R⌉ with grouped lanes, else 1 (§3.4).
    public let subSteps: Int
    /// The layer's tile shape h×w (its tile mask's tiles), and the slots of a tile group: the
    /// (tileH/h)×(tileW/w) tiles the PE array runs side by side (§3.1). 1×1 slot for the full tile.
    public let shape: TileShape
    public let slotsHigh: Int, slotsWide: Int
    public var slots: Int { slotsHigh * slotsWide }
    /// Tiles per group (§3.1): the slots, or as many as the input buffer holds the halos of when
    /// that is fewer (the other slots compute nothing). Register field LAYER0.group holds it − 1.
    public let groupSize: Int
    /// Whether a pass's first tile group takes the remainder of its tiles (else the last does, §3.1).
    public let remainderFirst: Bool
    /// s of the shape (tileH >> s)×(tileW >> s): register field LAYER0.shape.
    public var shapeLevel: Int { slotsHigh.trailingZeroBitCount }
    /// Halo rows/cols of one tile: (h−1)·strideY+kernelHeight, (w−1)·strideX+kernelWidth; row/col slots per bank.
    public let haloH: Int, haloW: Int, rowSlots: Int, colSlots: Int
    /// Input-bank words of one tile (its region): rowSlots·colSlots·CW.
    public let regionWords: Int
    /// Input-bank words a tile group needs: groupSize·regionWords.
    public let inputBankWords: Int
    /// Halo columns a tile shares with its left-hand neighbour (§6.2, "Halo reuse"): the first
    /// KW − SX columns of a tile's halo are the last ones of the tile to its left. In a group they
    /// are read from that tile's region when it sits in the slot to the left (`sharesLeft`); in the
    /// column ring from where the tile before it left them (`haloPlacement`). Either way a load
    /// skips them. 0 when KW ≤ SX, or when neither applies.
    public let sharedColumns: Int
    /// The column ring (§6.2, "The column ring"): a layer at the full-tile shape (one tile per
    /// group) whose halos are not resident keeps the input buffer as a ring of `ringBlocks` column
    /// blocks, so that a tile that continues the previous tile's row reads its shared columns where
    /// that tile left them. Derived in the hardware from LAYER0.shape, K, S, pairs and PASS.resident.
    public let columnRing: Bool
    /// The row ring (§6.2, "The row ring"): the same ring of row blocks, with the tiles in
    /// column-major order, so that a tile that continues the previous tile's column reads its first
    /// KH − SY halo rows (`sharedRows`) where that tile left them. A layer takes it instead of the
    /// column ring when a tile below its neighbour loads fewer words than one beside it,
    /// h·SY·HW < HH·w·SX (output pairs: columns at stride 2).
    public let rowRing: Bool
    /// Halo rows a tile shares with the tile above it in the row ring, KH − SY; else 0.
    public let sharedRows: Int
    /// The line buffer (§6.5): each tile's load brings the row segments of the input map that no
    /// earlier tile of the pass brought into a band of the map on chip (`lineBand`), and each group's
    /// halos are copied from there into its half of the input buffer. A layer takes it when the
    /// config has a line buffer, its halos are not resident, and any two consecutive groups' halos
    /// span at most the rows it holds (`lineRowCapacity`). No ring and no halo reuse then: the copy
    /// moves whole halos.
    public let lineBuffer: Bool
    /// Column slots of one line-buffer row slot: the engine columns of the padded map, ⌈(padX +
    /// mapWidth)/SX⌉, in blocks of tileW, SX phases each (0 without a line buffer).
    public let lineColumnSlots: Int
    /// Row blocks (tileH engine rows of SY phases) the line buffer holds: ⌊lineBankDepth /
    /// (SY·lineColumnSlots·CW)⌋ (0 without a line buffer; the row block's index mod this is a
    /// small remainder: row blocks of a map up to maxMapSize/tileH).
    public let lineBlocks: Int
    /// Whether the input buffer is one ring (of column or row blocks) rather than parts per group.
    public var haloRing: Bool { columnRing || rowRing }
    /// Blocks of one tile's halo along the ring, nb = CS/SX (RS/SY with the row ring), and of the
    /// ring, `ringTiles`·nb (2·nb: the two halves' words; 3·nb in a ring of three).
    public var tileBlocks: Int { rowRing ? rowSlots / strideY : colSlots / strideX }
    public var ringBlocks: Int { ringTiles * tileBlocks }
    /// Tiles' blocks the ring holds (§6.2, "A ring of three"): 3 when three tiles' halos fit the
    /// buffer's 2·DI words per bank and the layer has no residual (the residual buffer has two
    /// halves), else 2. With three, a tile's load no longer waits for the tile two before it to be
    /// computed (§7.3: eligibility ρ_{i−3}).
    public var ringTiles: Int { haloRing && !hasResidual && 3 * inputBankWords <= 2 * config.inputBankDepth ? 3 : 2 }
    /// The output channels the run computes (`LayerJob.channels`): all, or a window.
    public let window: Range<Int>
    /// The window in the engines' channels (register CHANNELS): `window`, or all 2·Cout with output pairs.
    public var engineWindow: Range<Int> { outputPairs ? 0..<cout : window }
    /// Channels per pass (a multiple of lanesK unless it is all of the window).
    public let passChannels: Int
    /// Whether the passes alternate between the two halves of the weight buffer and the bias RAM and
    /// each pass's weights load during the previous pass (§4, §7.2): a layer of several passes of
    /// which one kgroup fits half the buffer.
    public let prefetch: Bool
    /// The weight handoff (§7.2): weight words of pass 0 already in the ring (with its bias words),
    /// the ring address of pass 0, its bias-RAM half, what the layer hands on of the next one.
    public private(set) var preloadedWords: Int
    public private(set) var ringBase: Int
    public private(set) var biasHalf0: Int
    public private(set) var next: NextLayerWeights?
    public var preloaded: Bool { preloadedWords > 0 }
    /// Whether the halos stay in the input buffer across passes (§4, §7.3), and where: a layer of
    /// several passes with at most two tile groups keeps group i in input half i; one with three
    /// or four whose group fits a quarter of the buffer (`inputBankWords ≤ ⌊DI/2⌋`) keeps group i
    /// in quarter i. Passes after the first then load no halo words (only residual words, if any).
    public let haloResidency: HaloResidency
    public var haloResident: Bool { haloResidency != .none }
    public let passes: [OutputPass]
    public let tilesHigh: Int, tilesWide: Int
    /// log2 of the mask's pitch (§6.1): the bits of tile row ty start at ty·2^p (of tile column tx at
    /// tx·2^p with the row ring), 2^p the least power of two ≥ TW (≥ TH), so that the scanner splits
    /// a bit index into (ty, tx) with a shift and a mask instead of a divider (issue 13).
    public let maskPitchLog2: Int
    /// Mask words Mw = ⌈TH·2^p / (8·B)⌉ (⌈TW·2^p / (8·B)⌉ with the row ring); with a tile list
    /// (`HardwareConfig.tileList`), ⌈active tiles / (B/2)⌉, at least 1.
    public let maskWords: Int
    /// The active tiles, the entries of a tile list (`MASK_TILES`).
    public let maskTiles: Int

    /// Pipeline depth from step issue to final accumulator: operand read, multiply+reduce, accumulate
    /// (without the address stage of `HardwareConfig.boundaryRegisters`: `computePipelineDepth`).
    public static let pipelineDepth = 3

    public init(job: LayerJob, config: HardwareConfig) throws {
        try config.validate()
        self.config = config
        let B = config.memBytesPerCycle
        kernel = job.kernel; stride = job.stride; pad = job.geometry.padding
        inH = job.inShape.height; inW = job.inShape.width; cin = job.inChannels
        layerOutW = job.outShape.width; layerCout = job.outChannels
        tapsPacked = Self.packsTaps(kernel: kernel, stride: stride, inChannels: cin, config: config)
        // Output pairs follow from the tile mask: tiles twice as wide as a shape of the config (§3.3).
        let maskTile = TileShape(height: job.tileMask.tileHeight, width: job.tileMask.tileWidth)
        let pairShape = TileShape(height: maskTile.height, width: maskTile.width / 2)
        window = job.channelWindow
        if window.isEmpty || window.lowerBound < 0 || window.upperBound > layerCout {
            throw AcceleratorSpecError.invalidLayer("\(job.name): channel window \(window.lowerBound)..<\(window.upperBound) is not a non-empty part of its \(layerCout) output channels")
        }
        if let b = job.baseOutput, b.shape != job.outShape {
            throw AcceleratorSpecError.invalidLayer("\(job.name): base output \(b.shape) differs from the output shape \(job.outShape)")
        }
        // (a channel window runs unpaired: pairs interleave the channels of two columns, §3.3)
        outputPairs = window.count == layerCout && !config.shapes.contains(maskTile) && maskTile.width % 2 == 0 && config.shapes.contains(pairShape)
            && Self.pairsOutputs(kernel: kernel, stride: stride, inChannels: cin, outChannels: layerCout, outWidth: layerOutW, config: config)
        outH = job.outShape.height; outW = outputPairs ? layerOutW / 2 : layerOutW; cout = outputPairs ? 2 * layerCout : layerCout
        kernelHeight = tapsPacked ? 1 : kernel; strideY = tapsPacked ? 1 : stride; padY = tapsPacked ? 0 : pad
        mapHeight = tapsPacked ? outH : inH
        kernelWidth = outputPairs ? kernel + 1 : kernel
        strideX = outputPairs ? 2 : stride; padX = pad
        mapWidth = inW; mapChannels = tapsPacked ? kernel * cin : cin
        hasResidual = job.residual != nil
        wordBytes = B
        inWords = (mapChannels + B - 1) / B
        outWords = (cout + B - 1) / B
        chunks = (mapChannels + config.lanesC - 1) / config.lanesC
        // (one kgroup of the engines' channels, all of them: a channel window runs ungrouped)
        lanesGrouped = window.count == layerCout
            && Self.groupsLanes(outChannels: cout, mapChannels: mapChannels, tapsPacked: tapsPacked, config: config)
        subSteps = lanesGrouped ? Self.subSteps(outChannels: cout, config: config) : 1
        steps = kernelHeight * kernelWidth * (lanesGrouped ? inWords * subSteps : chunks)
        kgroupCycles = Self.kgroupCycles(steps: steps, config: config)
        let name = job.name
        shape = outputPairs ? pairShape : maskTile
        if !config.shapes.contains(shape) {
            let list = config.shapes.map(\.description).joined(separator: ", ")
            let pairs = config.shapes.contains(pairShape) && maskTile.width % 2 == 0
                ? " (\(maskTile) tiles are \(pairShape) with output pairs, §3.3, which this layer does not take)" : ""
            throw AcceleratorSpecError.invalidLayer("\(name): tile mask uses \(maskTile) tiles; the config's tile shapes are \(list)\(pairs)")
        }
        slotsHigh = config.tileH / shape.height; slotsWide = config.tileW / shape.width
        haloH = (shape.height - 1) * strideY + kernelHeight
        haloW = (shape.width - 1) * strideX + kernelWidth
        rowSlots = ((haloH - 1) / strideY / config.tileH + 1) * strideY
        colSlots = ((haloW - 1) / strideX / config.tileW + 1) * strideX
        regionWords = rowSlots * colSlots * inWords
        // As many tiles per group as the slots, or as the banks hold when that is fewer.
        groupSize = max(1, min(slotsHigh * slotsWide, config.inputBankDepth / regionWords))
        inputBankWords = groupSize * regionWords
        // The partial group goes where it shortens the pass: first, when a tile loads more words than
        // it stores (the first group's load is the wait before any compute), else last (the last
        // group's store is the tail after it).
        let tileStore = shape.height * shape.width * outWords
        remainderFirst = haloH * haloW * inWords + (hasResidual ? tileStore : 0) > tileStore
        tilesHigh = job.tileMask.tilesHigh; tilesWide = job.tileMask.tilesWide

        if max(job.inChannels, job.outChannels) > config.maxMapChannels {
            throw AcceleratorSpecError.doesNotFit("\(name): \(job.inChannels) → \(job.outChannels) channels, more than the \(config.maxMapChannels) a map may have at this config (B·(2^w − 1), w the bits of a weight bank's \(config.weightBankDepth) words, §2)")
        }
        let limit = (1 << (config.accumulatorWidth - 1)) - 1
        if job.worstCaseAccumulator > limit {
            throw AcceleratorSpecError.doesNotFit("\(name): worst-case |accumulator| K²·Cin·128²+|bias| = \(job.worstCaseAccumulator) exceeds the \(config.accumulatorWidth)-bit accumulator (max \(limit)) by \(job.worstCaseAccumulator - limit)")
        }
        if inputBankWords > config.inputBankDepth {
            let need = inputBankWords * 2 * config.tileH * config.tileW * B
            let group = groupSize > 1 ? "\(groupSize) tiles of \(shape) x " : ""
            throw AcceleratorSpecError.doesNotFit("\(name): input buffer needs \(need) bytes (bank depth \(inputBankWords) words = \(group)\(rowSlots)x\(colSlots) slots x \(inWords) words), have \(config.inputBufferBytes): short by \(need - config.inputBufferBytes) bytes")
        }
        // Largest pass (multiple of lanesK, or all of Cout) whose weights and outputs fit. A layer
        // of one pass may use the whole weight buffer; a layer of several passes gets half of it
        // per pass, so that the next pass's weights load into the other half while a pass computes
        // (§7.2, weight prefetch).
        let K2 = kernelHeight * kernelWidth, lk = config.lanesK, inWords = self.inWords, cout = self.cout
        func weightWords(_ pc: Int) -> Int { (pc + lk - 1) / lk * K2 * inWords }
        func outputWords(first: Int, end: Int) -> Int { (end - 1) / B - first / B + 1 }
        var weightCapacity = config.weightBankDepth
        // (over the channel window: engine channels with output pairs, whose window is all of them)
        let first = outputPairs ? 0 : window.lowerBound, end = outputPairs ? cout : window.upperBound  // (engineWindow)
        func fits(_ pc: Int) -> Bool {
            if weightWords(pc) > weightCapacity { return false }
            var o = first
            while o < end {
                let e = min(end, o + pc)
                if outputWords(first: o, end: e) > config.outputWordsPerPixel { return false }
                o = e
            }
            return true
        }
        var pc = end - first
        var prefetch = false
        if !fits(pc) {
            // Several passes: half the buffer each (prefetch), unless not even one kgroup fits half
            // (or the config leaves the prefetch out, §2).
            prefetch = config.has(.weightPrefetch) && weightWords(min(lk, end - first)) <= Self.prefetchHalfDepth(config)
            if prefetch { weightCapacity = Self.prefetchHalfDepth(config) }
            pc = (end - first - 1) / lk * lk
            while pc > 0 && !fits(pc) { pc -= lk }
        }
        if pc <= 0 {
            let one = min(lk, end - first)
            if weightWords(one) > config.weightBankDepth {
                let need = weightWords(one) * lk * B
                throw AcceleratorSpecError.doesNotFit("\(name): one kgroup of weights (\(one) channels x \(K2) taps x \(inWords) words per bank) needs \(need) weight-buffer bytes, have \(config.weightBufferBytes): short by \(need - config.weightBufferBytes) bytes")
            }
            let need = 2 * config.tileH * config.tileW * 2 * B
            throw AcceleratorSpecError.doesNotFit("\(name): output buffer needs at least \(need) bytes for one kgroup, have \(config.outputBufferBytes): short by \(need - config.outputBufferBytes) bytes")
        }
        passChannels = pc
        self.prefetch = prefetch
        var ps: [OutputPass] = []
        var o = first
        while o < end { ps.append(OutputPass(index: ps.count, firstChannel: o, endChannel: min(end, o + pc))); o += pc }
        passes = ps
        let groupCount = (job.tileMask.activeCount + groupSize - 1) / groupSize
        // (not with a channel window: the RTL tells a first pass by o0 = 0)
        haloResidency = ps.count == 1 || first != 0 || !config.has(.residentHalos) ? .none : groupCount <= 2 ? .halves
            : groupCount <= 4 && inputBankWords <= config.inputBankDepth / 2 ? .quarters : .none
        let overlap = kernelWidth - strideX, rowOverlap = haloH - shape.height * strideY
        if config.lineBankDepth > 0 && haloResidency == .none {
            let cs = ((padX + mapWidth - 1) / strideX / config.tileW + 1) * strideX
            lineColumnSlots = cs
            lineBlocks = config.lineBankDepth / (strideY * cs * inWords)
        } else {
            lineColumnSlots = 0; lineBlocks = 0
        }
        lineBuffer = lineBlocks > 0 && Self.lineSpan(tiles: job.tileMask.activeTiles, groupSize: groupSize, remainderFirst: remainderFirst,
                                                     rows: { [shape, strideY, padY, haloH, mapHeight] ty in
            Self.lineRows(ty: ty, height: shape.height, strideY: strideY, padY: padY, haloH: haloH, mapHeight: mapHeight)
        }) <= lineBlocks * config.tileH * strideY
        let ringable = slotsHigh * slotsWide == 1 && haloResidency == .none && !lineBuffer && config.has(.haloReuse)
        // (the axis whose continuing tile loads fewer words; columns on a tie)
        rowRing = ringable && rowOverlap > 0
            && (overlap <= 0 || shape.height * strideY * haloW < haloH * shape.width * strideX)
        columnRing = ringable && overlap > 0 && !rowRing
        sharedRows = rowRing ? rowOverlap : 0
        maskPitchLog2 = Self.pitchLog2(rowRing ? tilesHigh : tilesWide)
        maskTiles = job.tileMask.activeCount
        if config.tileList {
            let side = 1 << (HardwareConfig.tileListEntryBits / 2)
            if tilesHigh > side || tilesWide > side {
                throw AcceleratorSpecError.invalidLayer("\(name): \(tilesHigh)x\(tilesWide) tiles; a tile list's entries hold at most \(side) tiles a side (§6.1)")
            }
            maskWords = max(1, (maskTiles + config.tileListEntriesPerWord - 1) / config.tileListEntriesPerWord)
        } else {
            maskWords = (((rowRing ? tilesWide : tilesHigh) << maskPitchLog2) + 8 * B - 1) / (8 * B)
        }
        sharedColumns = overlap > 0 && !lineBuffer && config.has(.haloReuse) && (slotsWide > 1 && groupSize > 1 || columnRing) ? overlap : 0

        preloadedWords = 0; ringBase = 0; biasHalf0 = 0; next = nil
        let h = job.handoff
        try validate(handoff: h, name: name)
        preloadedWords = h.preloadedWords; ringBase = h.ringBase; biasHalf0 = h.biasHalf; next = h.next
        // (the layer's own image within the DRAM port's addresses; placed after others, or with a
        // handoff's words, the host's programme checks it again where it is, `RegisterMap`)
        try MemoryRegions(plan: self).checkAddressable(by: config, name: name)
    }

    /// The plan with another weight handoff (its checks are `validate(handoff:)`'s).
    public func with(handoff h: WeightHandoff) -> LayerPlan {
        var p = self
        p.preloadedWords = h.preloadedWords; p.ringBase = h.ringBase; p.biasHalf0 = h.biasHalf; p.next = h.next
        return p
    }

    /// A handoff the buffers can hold: pass 0's preloaded words are whole kgroups of it at a ring
    /// address of the buffer, and what the layer hands on fits beside its last pass (§7.2).
    private func validate(handoff h: WeightHandoff, name: String) throws {
        if !config.has(.weightHandoff) && (h.preloaded || h.next != nil) {
            throw AcceleratorSpecError.invalidLayer("\(name): the config leaves out the weight handoff (§7.2)")
        }
        if window.count != layerCout && (h.preloaded || h.next != nil) {
            throw AcceleratorSpecError.invalidLayer("\(name): a channel-window run takes no part in a weight handoff (§7.2)")
        }
        let DW = config.weightBankDepth, p0 = passes[0], k2cw = tapWords
        let fullPass = weightWordCount(p0)
        if !(0..<DW).contains(h.ringBase) || !(0...1).contains(h.biasHalf) || h.preloadedWords < 0 || h.preloadedWords > fullPass
            || (h.preloadedWords != fullPass && h.preloadedWords % (config.lanesK * k2cw) != 0) {
            throw AcceleratorSpecError.invalidLayer("\(name): weight handoff: \(h.preloadedWords) preloaded words at ring address \(h.ringBase) (bias half \(h.biasHalf)) are not whole kgroups of the first pass's \(fullPass) words in a \(DW)-word ring")
        }
        guard let n = h.next else { return }
        let planned = with(handoff: h), last = passes[passes.count - 1], used = planned.ringWords(last)
        // (the burst's kgroups, after those of the next layer handed on two ahead; with words of the
        // layer after next at its end, the next layer's are whole kgroups: one run of the ring)
        let kgroupWords = config.lanesK * n.wordsPerChannel
        let kgroups = n.wordsPerChannel < 1 ? 0 : (n.weightWords / n.wordsPerChannel + config.lanesK - 1) / config.lanesK
        let first = kgroupWords < 1 ? 0 : n.firstWord / kgroupWords
        if n.passBase != (planned.weightBase(last) + used) % DW || n.ringBase != (n.passBase + first * n.wordsPerChannel) % DW
            || n.biasHalf != 1 - planned.biasHalf(last)
            || n.biasWords < 1 || n.biasWords > Self.biasHalfDepth(config) || n.wordsPerChannel < 1
            || n.firstWord < 0 || n.firstWord % max(1, kgroupWords) != 0 || n.followingWords < 0 || n.ownWords < 0
            || (n.ownWords == 0 && (n.firstWord == 0 || n.followingWords > 0))
            || (n.followingWords > 0 && n.ownWords % kgroupWords != 0)
            || (first + kgroups) * n.wordsPerChannel > DW - used || !(n.bytes.isEmpty || n.bytes.count == n.words * wordBytes) {
            throw AcceleratorSpecError.invalidLayer("\(name): weight handoff: the next layer's \(n.biasWords) bias and \(n.weightWords) weight words (ring address \(n.ringBase), bias half \(n.biasHalf)) do not fit beside the last pass's \(used) words")
        }
    }

    /// The part of the input buffer group `i` of a pass uses (§6.2): half i mod 2, or quarter
    /// i mod 4 when halos are resident in quarters; the one ring with a ring (column or row).
    public func haloPart(group i: Int) -> Int { haloRing ? 0 : haloResidency == .quarters ? i & 3 : i & 1 }
    /// Parts of the input buffer and words of each (per bank): two halves (four quarters with
    /// resident halos) of `inputBankWords`, or one ring of `ringTiles` tiles' words.
    public var haloParts: (count: Int, words: Int) {
        haloRing ? (1, ringTiles * inputBankWords) : (haloResidency == .quarters ? 4 : 2, inputBankWords)
    }

    /// Where the tile groups of a pass keep their halos (§6.2): per group, which of its tiles read
    /// their first `sharedColumns` halo columns (`sharedRows` rows, in the row ring) instead of
    /// loading them (`shares`), and, with a ring, the ring block of its tile's first halo column (row)
    /// (`block`; else 0). In the ring a tile shares when it continues the row (column) of the tile
    /// before it (same tile row, tx one more; same tile column, ty one more) and keeps a halo column
    /// (row) of its own, and takes the next block; any other tile takes the block after the previous
    /// tile's nb, so the two never overlap (`ringBlocks` blocks). The pass's first tile takes block 0:
    /// passes do not overlap.
    public func haloPlacement(_ groups: [[(ty: Int, tx: Int)]]) -> (shares: [[Bool]], block: [Int]) {
        guard haloRing else { return (groups.map { sharesLeft($0) }, Array(repeating: 0, count: groups.count)) }
        var shares: [[Bool]] = [], block: [Int] = []
        for (i, g) in groups.enumerated() {
            let tile = g[0]
            var s = false
            if i > 0, let prev = groups[i - 1].first {
                s = rowRing ? prev.tx == tile.tx && prev.ty + 1 == tile.ty && sharedRowEnd(ty: tile.ty) < haloRows(ty: tile.ty).upperBound
                            : prev.ty == tile.ty && prev.tx + 1 == tile.tx && sharedEnd(tx: tile.tx) < haloCols(tx: tile.tx).upperBound
            }
            shares.append([s])
            block.append(i == 0 ? 0 : (block[i - 1] + (s ? 1 : tileBlocks)) % ringBlocks)
        }
        return (shares, block)
    }

    /// The index of tile (ty, tx) in the mask (§6.1): raster order, ty·2^p + tx, or column-major,
    /// tx·2^p + ty, with the row ring (the order in which the engines take the tiles; `maskPitchLog2`).
    public func maskIndex(ty: Int, tx: Int) -> Int { rowRing ? tx << maskPitchLog2 | ty : ty << maskPitchLog2 | tx }
    /// ⌈log2 n⌉: the mask pitch's exponent for rows of n tiles.
    public static func pitchLog2(_ n: Int) -> Int { var p = 0; while (1 << p) < n { p += 1 }; return p }
    /// The tile-list entry of tile (ty, tx) (§6.1): ty in the high half of its
    /// `HardwareConfig.tileListEntryBits`, tx in the low.
    public static func tileListEntry(ty: Int, tx: Int) -> Int { ty << (HardwareConfig.tileListEntryBits / 2) | tx }
    /// The tile of tile-list entry `entry` (`tileListEntry`'s inverse).
    public static func tile(ofTileListEntry entry: Int) -> (ty: Int, tx: Int) {
        let half = HardwareConfig.tileListEntryBits / 2
        return (entry >> half, entry & ((1 << half) - 1))
    }
    /// The active tiles of `mask` in the order the engines take them (`maskIndex`).
    public func scanOrder(_ mask: TileMask) -> [(ty: Int, tx: Int)] {
        let tiles = mask.activeTiles
        return rowRing ? tiles.sorted { ($0.tx, $0.ty) < ($1.tx, $1.ty) } : tiles
    }

    /// The tile groups of a pass: the active tiles in scan order, `groupSize` at a time, except that
    /// with `remainderFirst` the first takes the remainder (`firstGroupSize`): the group loaded
    /// before any compute can start is then the smallest and the later ones are full (§3.1).
    public func groups(of tiles: [(ty: Int, tx: Int)]) -> [[(ty: Int, tx: Int)]] {
        let first = firstGroupSize(tiles: tiles.count)
        return [Array(tiles[0..<first])].filter { !$0.isEmpty }
            + Swift.stride(from: first, to: tiles.count, by: groupSize).map { Array(tiles[$0..<min(tiles.count, $0 + groupSize)]) }
    }
    /// Tiles in a pass's first group: with `remainderFirst` active tiles mod groupSize (groupSize when
    /// that is 0), else groupSize; at most the tiles (register field `LAYER0.first` = this − 1).
    public func firstGroupSize(tiles n: Int) -> Int { remainderFirst && n % groupSize != 0 ? n % groupSize : min(n, groupSize) }
    /// The slot (row, column) of position `k` in a group; its PE-array origin is (qy·h, qx·w).
    public func slot(_ k: Int) -> (qy: Int, qx: Int) { (k / slotsWide, k % slotsWide) }

    /// Whether a layer packs its kernel taps into idle input-channel lanes (§3.2): a kernel taller
    /// than 1 whose Cin is below lanesC, when that takes fewer steps, K·⌈K·Cin/lanesC⌉ < K²·⌈Cin/lanesC⌉,
    /// and no more input words per output row and column, ⌈K·Cin/B⌉ ≤ S·⌈Cin/B⌉.
    public static func packsTaps(kernel: Int, stride: Int, inChannels cin: Int, config: HardwareConfig) -> Bool {
        guard config.has(.tapPacking), kernel > 1, cin < config.lanesC else { return false }
        func ceil(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
        let lc = config.lanesC, B = config.memBytesPerCycle
        return kernel * ceil(kernel * cin, lc) < kernel * kernel * ceil(cin, lc) && ceil(kernel * cin, B) <= stride * ceil(cin, B)
    }

    /// Whether a layer computes its output columns in pairs (§3.3) when its tile mask asks for it: a
    /// layer at stride 1, without packed taps, of even output width, whose kernel K+1 wide still fits
    /// the K field, and for which pairs take fewer steps per output pixel,
    /// ⌈2·Cout/lanesK⌉·(K+1)·τ(2·Cout) < 2·⌈Cout/lanesK⌉·K·τ(Cout), τ(n) the steps per tap of n
    /// channels (`tapSteps`; NC unless lanes group, §3.4) (few output channels: SRResNet's 3-channel tail).
    public static func pairsOutputs(kernel: Int, stride: Int, inChannels cin: Int, outChannels cout: Int, outWidth: Int,
                                    config: HardwareConfig) -> Bool {
        guard config.has(.outputPairs), stride == 1, outWidth % 2 == 0, kernel + 1 <= maxPairKernelWidth,
              !packsTaps(kernel: kernel, stride: stride, inChannels: cin, config: config) else { return false }
        func ceil(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
        return ceil(2 * cout, config.lanesK) * (kernel + 1) * tapSteps(outChannels: 2 * cout, mapChannels: cin, config: config)
            < 2 * ceil(cout, config.lanesK) * kernel * tapSteps(outChannels: cout, mapChannels: cin, config: config)
    }

    /// The lane groups of a config (§3.4): GL = B/lanesC lanes per group (the chunks of a word) and
    /// R = lanesK/GL groups; nil when lanes cannot group (GL < 2, lanesK not a multiple of GL, or
    /// packed products whose paired lanes would take different chunks), or when the config leaves them out.
    public static func laneGroups(_ config: HardwareConfig) -> (lanes: Int, groups: Int)? {
        let gl = config.memBytesPerCycle / config.lanesC
        // (with packed products, §7.4, lanes l and l + lanesK/2 share a multiplier and so must take
        // the same chunk: lanesK/2 a multiple of GL, else the lanes do not group)
        guard config.has(.groupedLanes), gl >= 2, config.lanesK % gl == 0, !config.pairsLanes || (config.lanesK / 2) % gl == 0 else { return nil }
        return (gl, config.lanesK / gl)
    }
    /// NJ = ⌈cout/R⌉: the steps of one input word with grouped lanes (§3.4).
    public static func subSteps(outChannels cout: Int, config: HardwareConfig) -> Int {
        guard let g = laneGroups(config) else { return 1 }
        return (cout + g.groups - 1) / g.groups
    }
    /// Whether a layer groups its lanes (§3.4): a config whose lanes group, a layer without packed
    /// taps whose engine channels make one kgroup (cout ≤ lanesK), when that takes fewer steps per
    /// tap, CW·NJ < NC.
    public static func groupsLanes(outChannels cout: Int, mapChannels: Int, tapsPacked: Bool, config: HardwareConfig) -> Bool {
        guard laneGroups(config) != nil, !tapsPacked, cout <= config.lanesK else { return false }
        func ceil(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
        return ceil(mapChannels, config.memBytesPerCycle) * subSteps(outChannels: cout, config: config) < ceil(mapChannels, config.lanesC)
    }
    /// Steps per tap and kgroup of a layer without packed taps of `cout` engine channels over
    /// `mapChannels` input channels: CW·NJ when its lanes group (§3.4), else NC.
    static func tapSteps(outChannels cout: Int, mapChannels: Int, config: HardwareConfig) -> Int {
        func ceil(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
        return groupsLanes(outChannels: cout, mapChannels: mapChannels, tapsPacked: false, config: config)
            ? ceil(mapChannels, config.memBytesPerCycle) * subSteps(outChannels: cout, config: config) : ceil(mapChannels, config.lanesC)
    }
    /// The widest kernel the column engines run (the K field of LAYER0 is 4 bits).
    public static let maxPairKernelWidth = 15

    /// The tile shapes a layer's tile mask may use (§3.1, §3.3): the config's shapes and, for a layer
    /// that takes output pairs, each of them twice as wide (a pair shape's tiles in the layer's map).
    public static func maskTiles(kernel: Int, stride: Int, inChannels cin: Int, outChannels cout: Int, outWidth: Int,
                                 config: HardwareConfig) -> [TileShape] {
        let pairs = pairsOutputs(kernel: kernel, stride: stride, inChannels: cin, outChannels: cout, outWidth: outWidth, config: config)
        return config.shapes + (pairs ? config.shapes.map { TileShape(height: $0.height, width: 2 * $0.width) }
                                           .filter { !config.shapes.contains($0) } : [])
    }

    /// Words of a weight-bank half (and the address of the second half): the capacity of one pass of
    /// a layer of several passes, whose pass p uses half p mod 2 (§7.2).
    public static func prefetchHalfDepth(_ c: HardwareConfig) -> Int { c.weightBankDepth / 2 }
    /// Words of a bias-RAM half: the most bias words a pass can have, 4·DO + 2 (§6.3).
    public static func biasHalfDepth(_ c: HardwareConfig) -> Int { 4 * c.outputWordsPerPixel + 2 }
    /// Words per weight bank of pass `p`: G·K·KW·CW, its stretch of the ring (§6.3).
    public func ringWords(_ p: OutputPass) -> Int { kgroups(p) * tapWords }
    /// Ring address of pass `p`'s first weight word: pass 0 at `ringBase`, each pass right after the
    /// previous one, modulo the bank depth DW (§6.3, §7.2).
    public func weightBase(_ p: OutputPass) -> Int {
        (ringBase + passes[..<p.index].reduce(0) { $0 + ringWords($1) }) % config.weightBankDepth
    }
    /// The bias-RAM half pass `p` reads: (biasHalf0 + p) mod 2 (§6.3).
    public func biasHalf(_ p: OutputPass) -> Int { (biasHalf0 + p.index) % 2 }

    /// Kgroups G = ceil(passChannels/lanesK) of a pass.
    public func kgroups(_ p: OutputPass) -> Int { (p.channels + config.lanesK - 1) / config.lanesK }
    /// First DRAM word (within a pixel) overlapping the pass's channels, and how many words overlap (OW).
    public func passWordBase(_ p: OutputPass) -> Int { p.firstChannel / wordBytes }
    public func passWords(_ p: OutputPass) -> Int { (p.endChannel - 1) / wordBytes - p.firstChannel / wordBytes + 1 }
    /// Bias words overlapping the pass's channels (4 bytes per channel, packed B/4 per word).
    public func biasWordRange(_ p: OutputPass) -> Range<Int> {
        (p.firstChannel * 4 / wordBytes)..<((p.endChannel * 4 - 1) / wordBytes + 1)
    }
    /// Ring words of pass 0 already in when the layer starts preloaded: its preloaded kgroups × K·KW·CW
    /// (where WEIGHTS(0) writes the rest, RING.skip).
    public var preloadedRingWords: Int {
        (preloadedWords / tapWords + config.lanesK - 1) / config.lanesK * tapWords
    }
    /// The preloaded weights' bytes as the bound counts them, channels·K²·Cin (§9).
    public var preloadedWeightBytes: Int { preloadedWords / tapWords * kernel * kernel * cin / columnsPerOutput }
    /// Weight words of a pass: channels × K·kernelWidth taps × CW, contiguous in DRAM.
    public func weightWordCount(_ p: OutputPass) -> Int { p.channels * tapWords }

    /// Input rows (or columns) of the halo of tile row `ty` (column) that lie inside the map.
    public func haloInputRange(tileIndex t: Int, tile: Int, stride: Int, pad: Int, inSize: Int, halo: Int) -> Range<Int> {
        let first = t * tile * stride - pad
        return max(0, first)..<min(inSize, first + halo)
    }
    /// Rows of the engines' input map (§3.2) in the halo of tile row `ty`.
    public func haloRows(ty: Int) -> Range<Int> {
        haloInputRange(tileIndex: ty, tile: shape.height, stride: strideY, pad: padY, inSize: mapHeight, halo: haloH)
    }
    /// Columns of the engines' input map (§3.2) in the halo of tile column `tx`.
    public func haloCols(tx: Int) -> Range<Int> {
        haloInputRange(tileIndex: tx, tile: shape.width, stride: strideX, pad: padX, inSize: mapWidth, halo: haloW)
    }
    /// Rows of the layer's own input map that tile row `ty` reads (the bound's halo, §9), with or
    /// without tap packing.
    public func inputRows(ty: Int) -> Range<Int> {
        haloInputRange(tileIndex: ty, tile: shape.height, stride: stride, pad: pad, inSize: inH, halo: (shape.height - 1) * stride + kernel)
    }
    /// Columns of the layer's own input map that tile column `tx` reads (the bound's halo, §9),
    /// with or without output pairs.
    public func inputCols(tx: Int) -> Range<Int> {
        let w = shape.width * columnsPerOutput
        return haloInputRange(tileIndex: tx, tile: w, stride: stride, pad: pad, inSize: inW, halo: (w - 1) * stride + kernel)
    }
    /// Valid output pixel ranges of a tile (edge tiles clipped).
    public func outRows(ty: Int) -> Range<Int> { (ty * shape.height)..<min(outH, (ty + 1) * shape.height) }
    public func outCols(tx: Int) -> Range<Int> { (tx * shape.width)..<min(outW, (tx + 1) * shape.width) }
    /// Columns of the layer's own output map in tile column `tx` (twice `outCols` with output pairs).
    public func layerOutCols(tx: Int) -> Range<Int> {
        let w = shape.width * columnsPerOutput
        return (tx * w)..<min(layerOutW, (tx + 1) * w)
    }

    /// Whether each tile of a group reads its first `sharedColumns` halo columns from the region of
    /// the tile before it (§6.2, "Halo reuse"): that tile is its left-hand neighbour in the map (same
    /// tile row, tx − 1) and sits in the slot to its left (k is not the first of a slot row), the
    /// tile keeps at least one halo column of its own to load (at the map's right edge it might not),
    /// and the tile to its left holds all the shared columns itself: they are its last KW − SX, so
    /// when that is more than w·SX, that tile must not share in turn.
    public func sharesLeft(_ group: [(ty: Int, tx: Int)]) -> [Bool] {
        var shares = [Bool](repeating: false, count: group.count)
        guard sharedColumns > 0 else { return shares }
        let chains = sharedColumns <= shape.width * strideX
        for k in group.indices where k > 0 && k % slotsWide != 0 {
            let left = group[k - 1], tile = group[k]
            shares[k] = left.ty == tile.ty && left.tx + 1 == tile.tx && sharedEnd(tx: tile.tx) < haloCols(tx: tile.tx).upperBound
                && (chains || !shares[k - 1])
        }
        return shares
    }
    /// The map column after a tile's shared columns: its halo origin + `sharedColumns`.
    private func sharedEnd(tx: Int) -> Int { tx * shape.width * strideX - padX + sharedColumns }
    /// The map row after a tile's shared rows in the row ring: its halo origin + `sharedRows`.
    private func sharedRowEnd(ty: Int) -> Int { ty * shape.height * strideY - padY + sharedRows }
    /// Columns of the engines' input map a tile's load reads: its halo columns in the map, from the
    /// end of the shared ones when it `shares` them with its left-hand neighbour.
    public func loadCols(tx: Int, shares: Bool) -> Range<Int> {
        let c = haloCols(tx: tx)
        return shares && !rowRing ? max(c.lowerBound, sharedEnd(tx: tx))..<c.upperBound : c
    }
    /// Rows of the engines' input map a tile's load reads: its halo rows in the map, from the end of
    /// the shared ones when, in the row ring, it `shares` them with the tile above it.
    public func loadRows(ty: Int, shares: Bool) -> Range<Int> {
        let r = haloRows(ty: ty)
        return shares && rowRing ? max(r.lowerBound, sharedRowEnd(ty: ty))..<r.upperBound : r
    }
    /// Halo words a tile's load requests in pass `p`: its in-bounds halo words (without the shared
    /// columns or rows, `shares`), none in the passes after the first when the halos are resident,
    /// none with the line buffer (the halos are copied from it, §6.5).
    public func haloWords(ty: Int, tx: Int, pass p: OutputPass, shares: Bool = false) -> Int {
        haloResident && p.index > 0 || lineBuffer ? 0 : loadRows(ty: ty, shares: shares).count * loadCols(tx: tx, shares: shares).count * inWords
    }
    /// Load requests of one tile: its halo words, then (residual layers) valid pixels × OW residual
    /// words. A group of tiles with none is ready the cycle after its last tile is taken (§7.3).
    public func loadWords(ty: Int, tx: Int, pass p: OutputPass, shares: Bool = false) -> Int {
        haloWords(ty: ty, tx: tx, pass: p, shares: shares) + (hasResidual ? storeWords(ty: ty, tx: tx, pass: p) : 0)
    }
    /// Store requests of one tile: valid pixels × OW words.
    public func storeWords(ty: Int, tx: Int, pass p: OutputPass) -> Int {
        outRows(ty: ty).count * outCols(tx: tx).count * passWords(p)
    }

    /// Input-buffer bank and address of halo position (hy, hx), word w, of the tile in group slot
    /// (qy, qx) (§6.2): the slot's origin (qy·h, qx·w) shifts the bank; its region is the
    /// (qy·slotsWide + qx)-th block of `regionWords`.
    @inlinable public func inputBank(hy: Int, hx: Int, slot: (qy: Int, qx: Int) = (0, 0)) -> (by: Int, bx: Int) {
        ((hy / strideY + slot.qy * shape.height) % config.tileH, (hx / strideX + slot.qx * shape.width) % config.tileW)
    }
    @inlinable public func inputAddress(hy: Int, hx: Int, word w: Int, slot: (qy: Int, qx: Int) = (0, 0)) -> Int {
        let rs = (hy / strideY) / config.tileH * strideY + hy % strideY
        let cs = (hx / strideX) / config.tileW * strideX + hx % strideX
        return (slot.qy * slotsWide + slot.qx) * regionWords + (rs * colSlots + cs) * inWords + w
    }
    /// With the column ring (§6.2): halo column hx of the tile whose first column is in ring block
    /// `block` is in block (hx÷SX÷tileW + block) mod `ringBlocks`; a row slot holds the ring's column
    /// slots (2·CS, or 3·CS in a ring of three).
    /// With the row ring: halo row hy of the tile whose first row is in ring block `block` is in
    /// block (hy÷SY÷tileH + block) mod `ringBlocks`, of CS column slots each.
    @inlinable public func ringInputAddress(hy: Int, hx: Int, word w: Int, block: Int) -> Int {
        if rowRing {
            let rs = ((hy / strideY) / config.tileH + block) % ringBlocks * strideY + hy % strideY
            let cs = (hx / strideX) / config.tileW * strideX + hx % strideX
            return (rs * colSlots + cs) * inWords + w
        }
        let rs = (hy / strideY) / config.tileH * strideY + hy % strideY
        let cs = ((hx / strideX) / config.tileW + block) % ringBlocks * strideX + hx % strideX
        return (rs * ringTiles * colSlots + cs) * inWords + w
    }
    /// Weight-buffer address of local channel oLocal's tap (ky, kx) (kx < kernelWidth), word w; the
    /// bank is oLocal mod lanesK.
    @inlinable public func weightAddress(oLocal: Int, ky: Int, kx: Int, word w: Int) -> Int {
        ((oLocal / config.lanesK) * engineTaps + ky * kernelWidth + kx) * inWords + w
    }
}

extension LayerJob {
    /// The job of one recorded conv layer of an int8 network run (its input, residual and
    /// parameters exactly as run); the record's `output` is what the accelerator must produce
    /// when `tileMask` is the mask the run used.
    public init(record: ConvLayerRecord, tileMask: TileMask, pixelMask: PixelMask? = nil) throws {
        if let c = record.channelMask, c.selectedCount > 0 {
            throw AcceleratorSpecError.invalidLayer("layer \(record.name) has a channel mask (\(c.selectedCount) of \(c.channels) channels in its sparse tiles): it runs as several jobs, `LayerJob.runs(record:tileMask:pixelMask:)` (docs/masks.md, \"Channel masks\")")
        }
        try self.init(name: record.name, geometry: record.conv.geometry, filter: record.conv.filter,
                      bias: record.conv.bias, requantization: record.conv.requantization,
                      activation: record.conv.activation, input: record.input, residual: record.residual,
                      tileMask: tileMask, pixelMask: pixelMask)
    }
}

extension LayerJob {
    /// The name of layer `layer`'s channel-window run over `channels`: `<layer>.ch<first>-<last>`.
    public static func windowRunName(layer: String, channels: Range<Int>) -> String {
        "\(layer).ch\(channels.lowerBound)-\(channels.upperBound - 1)"
    }
    /// The layer a `windowRunName` names, nil for any other name.
    public static func layer(ofWindowRun name: String) -> String? {
        guard let r = name.range(of: ".ch", options: .backwards) else { return nil }
        let parts = name[r.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard r.lowerBound > name.startIndex, parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) else { return nil }
        return String(name[..<r.lowerBound])
    }

    /// The runs of one recorded conv layer (docs/masks.md, "Channel masks"), each with the output the
    /// accelerator must leave after it: the layer over `tileMask`, every channel; then, when the
    /// record has a channel mask, one channel-window run (§4) per run of consecutive selected channels
    /// over the other tiles, on the output so far. The last run's output is the record's. The window
    /// runs are unpaired (§3.3): a dense run in output pairs leaves its other tiles to them at the
    /// pair shape's own tiles, half as wide, on `config`.
    public static func runs(record: ConvLayerRecord, tileMask: TileMask, pixelMask: PixelMask? = nil,
                            config: HardwareConfig) throws -> [(job: LayerJob, golden: QTensor)] {
        guard let c = record.channelMask, c.selectedCount > 0 else {
            return [(try LayerJob(record: record, tileMask: tileMask, pixelMask: pixelMask), record.output)]
        }
        var plain = record
        plain.channelMask = nil
        let dense = try LayerJob(record: plain, tileMask: tileMask, pixelMask: pixelMask)
        var output = try record.conv.sparse(record.input, tileMask: tileMask, residual: record.residual)
        var out: [(job: LayerJob, golden: QTensor)] = [(dense, output)]
        var rest = tileMask
        rest.bits = tileMask.bits.map { !$0 }
        if try LayerPlan(job: dense, config: config).outputPairs {
            let w = tileMask.tileWidth / 2
            let tiles = TileMask(mapHeight: tileMask.mapHeight, mapWidth: tileMask.mapWidth, tileHeight: tileMask.tileHeight, tileWidth: w, repeating: false)
            rest = try TileMask(mapHeight: tileMask.mapHeight, mapWidth: tileMask.mapWidth, tileHeight: tileMask.tileHeight, tileWidth: w,
                                bits: (0..<tiles.bits.count).map { i in !tileMask[i / tiles.tilesWide, (i % tiles.tilesWide) / 2] })
        }
        guard rest.activeCount > 0 else { return out }
        let cout = record.outputShape.channels
        var first = 0
        while first < cout {
            guard c.bits[first] else { first += 1; continue }
            var end = first
            while end < cout && c.bits[end] { end += 1 }
            var w = dense.with(tileMask: rest)
            w.name = windowRunName(layer: record.name, channels: first..<end)
            w.pixelMask = nil
            w.channels = first..<end
            w.baseOutput = output
            for (ty, tx) in rest.activeTiles {
                let r = rest.pixelRange(ty: ty, tx: tx)
                for y in r.rows { for x in r.cols {
                    let p = (y * output.width + x) * cout
                    for ch in first..<end { output.scalars[p + ch] = record.output.scalars[p + ch] }
                } }
            }
            out.append((w, output))
            first = end
        }
        return out
    }
}
