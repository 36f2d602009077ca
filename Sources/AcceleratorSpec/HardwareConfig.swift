import Foundation

/// Every failure of the accelerator specification layer, in words a user can act on.
public enum AcceleratorSpecError: Error, Equatable, CustomStringConvertible {
    /// A configuration field is out of range.
    case invalidConfig(String)
    /// A layer does not fit the configured buffers (what, how much is needed, how much there is).
    case doesNotFit(String)
    /// A layer is malformed or unsupported by the accelerator.
    case invalidLayer(String)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid hardware config: \(m)"
        case .doesNotFit(let m): return "layer does not fit: \(m)"
        case .invalidLayer(let m): return "invalid layer: \(m)"
        }
    }
}

/// A tile shape in output pixels (height × width), e.g. 4x4.
public struct TileShape: Hashable, Codable, Sendable, CustomStringConvertible {
    public var height: Int, width: Int
    public init(height: Int, width: Int) { self.height = height; self.width = width }
    public var description: String { "\(height)x\(width)" }
}

/// The parameters of one accelerator instance, shared by the cycle-accurate model and the RTL
/// generator. See docs/microarchitecture.md for the meaning of every field.
public struct HardwareConfig: Hashable, Codable, Sendable {
    /// Output tile height and width in pixels (1...32): the PE array is tileH × tileW × lanesK.
    public var tileH: Int
    public var tileW: Int
    /// Output channels computed in parallel (1...64).
    public var lanesK: Int
    /// Input channels each PE reduces per cycle (power of two, divides memBytesPerCycle).
    public var lanesC: Int
    /// Activation and weight width in bits (only 8 is supported).
    public var activationWidth: Int
    public var weightWidth: Int
    /// Accumulator width in bits (16...32); the model rejects layers that could overflow it.
    public var accumulatorWidth: Int
    /// Capacities in bytes of the (double-buffered) input, the weight and the (double-buffered) output buffers.
    public var inputBufferBytes: Int
    public var weightBufferBytes: Int
    public var outputBufferBytes: Int
    /// DRAM word width B in bytes (power of two, ≥ 4, multiple of lanesC): one request per cycle.
    public var memBytesPerCycle: Int
    /// Cycles from a read request to its data (≥ 1) under the fixed memory profile.
    public var memLatency: Int
    /// Reads the memory port keeps in flight at most (accepted, data not yet returned); 1...1024.
    /// With more than `memLatency` the fixed profile never throttles (one read per cycle).
    public var maxOutstandingReads: Int
    /// Bits of a DRAM word address (16...32): the memory port's address width, so a layer's memory
    /// image holds at most 2^addressBits words (a layer that needs more is refused, naming both).
    /// 32 by default; a small part's board has a few megabytes (the iCE40 presets: 20, 4 MiB of
    /// 4-byte words), and every address register and adder of the RTL is this wide.
    public var addressBits: Int
    /// Clock frequency, for reporting milliseconds only.
    public var clockMHz: Double
    /// Tile shapes the PE array supports (1...4): the full tile and its halvings,
    /// `(tileH >> s, tileW >> s)` for s < tileShapes. A layer of a smaller shape runs up to
    /// (tileH·tileW)/(h·w) of its tiles side by side on the array, as one **tile group**
    /// (docs/microarchitecture.md §3.1). 1 = the full tile only.
    public var tileShapes: Int
    /// Bytes of the **line buffer** (docs/microarchitecture.md §6.5): a band of the layer's input map
    /// held on chip in map coordinates, from which each tile group's halos are copied into the input
    /// buffer, so that a pixel is read from DRAM once per pass however many halos hold it. tileH·tileW
    /// banks of `lineBankDepth` words (the generator then builds the line buffer and the copy engine).
    /// 0 = none.
    public var lineBufferBytes: Int
    /// **Packed products** (docs/microarchitecture.md §7.4): the PEs of lanes l and l + lanesK/2 of a
    /// pixel, which multiply the same activations, take each pair of their int8 products from one
    /// 25×8-bit multiplier (the two weights packed 16 bits apart, the lower product's sign
    /// corrected), which a DSP48E1/E2 computes in one block: half the DSPs for the PE array, the
    /// same results and cycles. Needs lanesK even; the lanes then group (§3.4) only where lanesK/2 is
    /// a multiple of the lanes per group (paired lanes take the same chunk). false = one multiplier
    /// per product.
    public var packedProducts: Bool
    /// **Packed sums** (docs/microarchitecture.md §7.4), with `packedProducts`: a PE pair packs its
    /// weights `16 + log2(lanesC)` bits apart (a 27×8-bit product, the DSP48E2's port) and sums its
    /// lanesC packed products before it separates the two lanes' dots, once, rather than
    /// separating every product: the same results and cycles, fewer LUTs. Needs lanesC ≤ 4 (the
    /// packed weight fits 27 bits). false = the products separated one by one (25×8 bits, DSP48E1).
    public var packedSums: Bool
    /// **MAC16 pairs** (docs/microarchitecture.md §7.4; iCE40): the PEs of lanes l and l + lanesK/2
    /// of a pixel, which multiply the same activations, take each pair of their int8 products from
    /// one SB_MAC16 in its two-8×8 mode (A = the two weights, B = the activation twice, O = the two
    /// signed products), which the generator instantiates for synthesis and states as products for
    /// simulation: half the SB_MAC16 for the PE array, the same results and cycles. Needs lanesK
    /// even; not with packedProducts; synthesises for iCE40 only. false = products inferred.
    public var mac16Pairs: Bool
    /// Whether the PEs of lanes l and l + lanesK/2 form pairs that share a DSP block (packed
    /// products or MAC16 pairs): paired lanes take the same activations.
    public var pairsLanes: Bool { packedProducts || mac16Pairs }
    /// **Tile lists** (docs/microarchitecture.md §6.1): the host writes a layer's active tiles as a
    /// list of 16-bit entries (ty in the high byte, tx in the low), in the order the engines take
    /// them, rather than a bitmap the mask scanner searches; the scanner then reads the list in
    /// order (a counter, no priority encoders). The same tiles in the same cycles, but the MASK
    /// burst is ⌈active tiles / (B/2)⌉ words rather than the bitmap's. Needs maps of at most 256
    /// tiles a side (`LayerPlan` refuses a larger one). false = a bitmap.
    public var tileList: Bool
    /// Tile-list entries in a B-byte DRAM word: B/2 (`tileList`).
    public var tileListEntriesPerWord: Int { memBytesPerCycle / 2 }
    /// The bits of a tile-list entry, and of each of its coordinates.
    public static let tileListEntryBits = 16
    /// **PReLU table** (docs/microarchitecture.md §7.5): each requant lane takes a PReLU layer's
    /// negative outputs from a 128-entry table the host writes (`PRELU_TABLE`, 128 writes before
    /// START; one block RAM a lane) rather than forming `q·slope` in logic: the same bytes and
    /// cycles. The RAM's read register is the lane's cut after the residual add, so it needs
    /// requantStages ≥ 4. false = the product in logic.
    public var preluTable: Bool
    /// The bits between a PE pair's two packed weights: 16 + log2(lanesC) with `packedSums` (room
    /// for the lower lane's whole dot), else 16 (one product).
    public var packedSpacing: Int { packedSums ? 16 + lanesC.trailingZeroBitCount : 16 }
    /// **Requant pipeline registers** (docs/microarchitecture.md §7.5), 0…`maxRequantStages`: each
    /// requant lane's bias add, M product, rounding add, shift-clamp, residual add and activation
    /// are cut by that many registers (in the order: after the product, before it, after the clamp,
    /// after the residual add, after the rounding add, after the activation, after the PReLU
    /// product), so its path from the
    /// shadow registers to the output buffer is shorter for the clock, and a tile is requantized
    /// that many cycles later (`requantDone`, §7.3). 0 = the whole lane in the row's cycle.
    public var requantStages: Int
    /// The most requant pipeline registers: one per cut of the lane.
    public static let maxRequantStages = 7
    /// Whether each requant lane's M product is two SB_MAC16 16×16 products of t's halves, each
    /// with t, M and its product in the cell's registers (`mac16Pairs`: the part has the cells;
    /// with the cuts before and after the product, `requantStages` ≥ 2), their sum after them:
    /// one requant stage more than `requantStages` (§7.5), every multiply between registers.
    public var requantProductRegisters: Bool { mac16Pairs && requantStages >= 2 }
    /// R: a requant lane's pipeline registers (§7.5), `requantStages` and the product's with
    /// `requantProductRegisters`; a tile is requantized R cycles after its last row's read.
    public var requantPipelineDepth: Int { requantStages + (requantProductRegisters ? 1 : 0) }
    /// **Requant slices** (docs/microarchitecture.md §7.5), a power of two: the requant engine takes
    /// a tile row in s cycles, so it has tileW·lanesK/s lanes instead of tileW·lanesK, and the
    /// kgroup slot is `Kc = max(T, tileH·s)`. Up to lanesK (s dividing it), slice j is lanes
    /// `j·lanesK/s …` of every column; beyond (s a multiple of lanesK, s/lanesK dividing tileW),
    /// **column slices**: slice j is lane `j ÷ c` of tileW/c columns, c = s/lanesK. 1 = a whole row a cycle.
    public var requantSlices: Int
    /// Whether a config of `lanesK` lanes and tiles `tileW` wide can take `s` requant slices: a power
    /// of two dividing lanesK, or lanesK times a power of two dividing tileW (column slices).
    public static func takesRequantSlices(_ s: Int, lanesK: Int, tileW: Int) -> Bool {
        guard s >= 1, isPow2(s), lanesK >= 1 else { return false }
        return lanesK % s == 0 || (s % lanesK == 0 && tileW % (s / lanesK) == 0)
    }
    /// Requant lanes per tile column: lanesK / requantSlices (1 with column slices).
    public var requantLanesPerColumn: Int { max(1, lanesK / requantSlices) }
    /// Column slices c (§7.5): slices a lane takes over the row's columns, requantSlices / lanesK
    /// when that is above 1, else 1; the requant engine's lanes then cover tileW/c columns.
    public var requantColumnSlices: Int { max(1, requantSlices / lanesK) }
    /// Cycles the requant engine takes for one kgroup of a tile: tileH·requantSlices.
    public var requantCycles: Int { tileH * requantSlices }
    /// **Registered engine boundaries** (docs/microarchitecture.md §7.3, §7.4): the load
    /// response's input-buffer write leaves the port sequencer through registers (its address is
    /// the walkers' longest path otherwise), so a loaded group reaches the compute engine (or the
    /// copy engine) a cycle later; the compute engine's buffer reads take an address stage (the
    /// bank terms registered, their sum into the RAMs the next cycle) and the PE array an operand
    /// stage (the rotated operands and weight chunks registered before the multipliers), so its
    /// pipeline is two cycles deeper. The FPGA presets set it; false = none of these.
    public var boundaryRegisters: Bool
    /// **Mechanisms left out** (`Mechanism`, docs/microarchitecture.md §2): optimisations the config
    /// does without — the mapper never chooses them and the RTL does not build their logic — to
    /// save logic on a small part. Empty: every mechanism.
    public var leftOut: Set<Mechanism>
    /// W: cycles a loaded group takes to reach its consumer beyond its last write (§7.3): 1 with `boundaryRegisters`.
    public var loadedDelay: Int { boundaryRegisters ? 1 : 0 }
    /// P: cycles from a step's issue to its final accumulator (§7.4): operand read, multiply +
    /// reduce, accumulate, and with `boundaryRegisters` the address stage before the read and the
    /// operand stage before the multipliers.
    public var computePipelineDepth: Int { LayerPlan.pipelineDepth + computeAddressStages + operandStages }
    /// The compute engine's address stages before its buffer reads: 1 with `boundaryRegisters`.
    public var computeAddressStages: Int { boundaryRegisters ? 1 : 0 }
    /// The PE array's operand stages between the rotation and the multipliers: 1 with `boundaryRegisters`.
    public var operandStages: Int { boundaryRegisters ? 1 : 0 }
    /// Cycles from a tile's take to the next take at the earliest (§7.3): the mask scanner offers
    /// the next tile two cycles after a take; with `boundaryRegisters` the port sequencer registers
    /// the offered tile's geometry first, so three.
    public var takeInterval: Int { boundaryRegisters ? 3 : 2 }
    /// Whether the take is registered before the taken tile's load starts (§7.3): its request
    /// walker starts, and its first halo and residual addresses are formed, in the cycles after
    /// the take, so a tile's requests start two cycles after its take rather than one. A config
    /// sized for cells (no weight prefetch) with boundary registers, one tile shape (groups of one
    /// tile), no line buffer, no halo reuse (tagged loads, §7.3) and no resident halos: the iCE40
    /// presets, whose take shares two SB_MAC16 products with the residual and the store, and whose
    /// multiply then sits between the blocks' input registers rather than in the take's cycle
    /// (issue 13).
    public var registeredTake: Bool {
        boundaryRegisters && !has(.weightPrefetch) && tileShapes == 1 && lineBufferBytes == 0 && !has(.haloReuse) && !has(.residentHalos)
    }
    /// Whether the pass's end is registered before the layer sequencer acts on it (§14): the
    /// pass's last store request, once accepted, advances the pass (some 80 registers of the layer
    /// sequencer) a cycle later, so every pass's TILES phase is a cycle longer. Set with
    /// ``registeredTake`` when no weight handoff runs beside the last pass: the iCE40 presets, where
    /// the store walker's last element and the pass advance were one path (issue 13).
    public var registeredPassEnd: Bool { registeredTake && !has(.weightHandoff) }
    /// The fewest cycles of a pass's WEIGHTS phase (§7.2): the scanner offers the pass's first tile
    /// three cycles after WEIGHTS starts (§14), and a take a tile's geometry stages after that.
    public var minWeightsCycles: Int { takeInterval + 1 }

    public init(tileH: Int, tileW: Int, lanesK: Int, lanesC: Int,
                activationWidth: Int = 8, weightWidth: Int = 8, accumulatorWidth: Int = 32,
                inputBufferBytes: Int, weightBufferBytes: Int, outputBufferBytes: Int,
                memBytesPerCycle: Int, memLatency: Int, maxOutstandingReads: Int? = nil, addressBits: Int = 32, clockMHz: Double = 200,
                tileShapes: Int = 1, lineBufferBytes: Int = 0, packedProducts: Bool = false, packedSums: Bool = false, mac16Pairs: Bool = false,
                tileList: Bool = false, preluTable: Bool = false, requantStages: Int = 0, requantSlices: Int = 1, boundaryRegisters: Bool = false,
                leftOut: Set<Mechanism> = []) throws {
        self.tileH = tileH; self.tileW = tileW; self.lanesK = lanesK; self.lanesC = lanesC
        self.activationWidth = activationWidth; self.weightWidth = weightWidth
        self.accumulatorWidth = accumulatorWidth
        self.inputBufferBytes = inputBufferBytes; self.weightBufferBytes = weightBufferBytes
        self.outputBufferBytes = outputBufferBytes
        self.memBytesPerCycle = memBytesPerCycle; self.memLatency = memLatency; self.clockMHz = clockMHz
        self.addressBits = addressBits
        self.tileShapes = tileShapes; self.lineBufferBytes = lineBufferBytes; self.packedProducts = packedProducts
        self.packedSums = packedSums; self.mac16Pairs = mac16Pairs; self.tileList = tileList; self.preluTable = preluTable
        self.requantStages = requantStages; self.requantSlices = requantSlices; self.boundaryRegisters = boundaryRegisters
        self.leftOut = leftOut
        self.maxOutstandingReads = maxOutstandingReads ?? Self.defaultMaxOutstandingReads(memLatency: memLatency)
        try validate()
    }

    private init(unchecked tileH: Int, _ tileW: Int, _ lanesK: Int, _ lanesC: Int,
                 _ input: Int, _ weight: Int, _ output: Int, _ b: Int, _ l: Int, shapes: Int = 1, line: Int = 0) {
        self.tileH = tileH; self.tileW = tileW; self.lanesK = lanesK; self.lanesC = lanesC
        activationWidth = 8; weightWidth = 8; accumulatorWidth = 32
        inputBufferBytes = input; weightBufferBytes = weight; outputBufferBytes = output
        memBytesPerCycle = b; memLatency = l; clockMHz = 200; addressBits = 32; tileShapes = shapes; lineBufferBytes = line; packedProducts = false; packedSums = false; mac16Pairs = false; tileList = false; preluTable = false; requantStages = 0; requantSlices = 1; boundaryRegisters = false; leftOut = []
        maxOutstandingReads = Self.defaultMaxOutstandingReads(memLatency: l)
    }

    /// The default read window: the smallest power of two above `memLatency`, at least 16, so the
    /// fixed profile streams one read per cycle.
    /// Stops doubling before it would overflow: a config JSON may give any latency, and
    /// `validate()` then refuses one outside 1...4096 naming memLatency.
    public static func defaultMaxOutstandingReads(memLatency l: Int) -> Int {
        var n = 16
        while n <= l, n <= Int.max / 2 { n *= 2 }
        return n
    }

    /// Small reference instance: 4×4 tile, 4×4 lanes, 16-byte DRAM port.
    public static let small = HardwareConfig(unchecked: 4, 4, 4, 4, 128 << 10, 64 << 10, 32 << 10, 16, 8)
    /// Default reference instance: 8×8 tile, 8×8 lanes (4096 MACs/cycle), 32-byte DRAM port, tile
    /// shapes 8×8, 4×4, 2×2 and 1×1, a 512 KiB line buffer.
    public static let `default` = HardwareConfig(unchecked: 8, 8, 8, 8, 512 << 10, 256 << 10, 64 << 10, 32, 20, shapes: 4, line: 512 << 10)

    /// MACs the PE array performs per cycle: tileH·tileW·lanesK·lanesC.
    public var macsPerCycle: Int { tileH * tileW * lanesK * lanesC }

    private static func isPow2(_ x: Int) -> Bool { x > 0 && x & (x - 1) == 0 }

    /// Throws `AcceleratorSpecError.invalidConfig` naming the first field out of range.
    public func validate() throws {
        func fail(_ m: String) throws -> Never { throw AcceleratorSpecError.invalidConfig(m) }
        if !(1...32).contains(tileH) { try fail("tileH \(tileH) must be in 1...32") }
        if !(1...32).contains(tileW) { try fail("tileW \(tileW) must be in 1...32") }
        if !(1...64).contains(lanesK) { try fail("lanesK \(lanesK) must be in 1...64") }
        if !(lanesC >= 1 && lanesC <= 64 && Self.isPow2(lanesC)) { try fail("lanesC \(lanesC) must be a power of two in 1...64") }
        if activationWidth != 8 { try fail("activationWidth \(activationWidth): only 8-bit activations are supported") }
        if weightWidth != 8 { try fail("weightWidth \(weightWidth): only 8-bit weights are supported") }
        if !(16...32).contains(accumulatorWidth) { try fail("accumulatorWidth \(accumulatorWidth) must be in 16...32") }
        if !(memBytesPerCycle >= 4 && memBytesPerCycle <= 256 && Self.isPow2(memBytesPerCycle)) {
            try fail("memBytesPerCycle \(memBytesPerCycle) must be a power of two in 4...256")
        }
        if memBytesPerCycle % lanesC != 0 { try fail("memBytesPerCycle \(memBytesPerCycle) must be a multiple of lanesC \(lanesC)") }
        if memLatency < 1 || memLatency > 4096 { try fail("memLatency \(memLatency) must be in 1...4096") }
        if !(16...32).contains(addressBits) { try fail("addressBits \(addressBits) must be in 16...32 (bits of a DRAM word address)") }
        if !(1...1024).contains(maxOutstandingReads) { try fail("maxOutstandingReads \(maxOutstandingReads) must be in 1...1024") }
        if inputBufferBytes <= 0 { try fail("inputBufferBytes \(inputBufferBytes) must be positive") }
        if weightBufferBytes <= 0 { try fail("weightBufferBytes \(weightBufferBytes) must be positive") }
        if outputBufferBytes <= 0 { try fail("outputBufferBytes \(outputBufferBytes) must be positive") }
        if inputBufferBytes % (2 * tileH * tileW * memBytesPerCycle) != 0 {
            try fail("inputBufferBytes \(inputBufferBytes) must be a multiple of 2·tileH·tileW·memBytesPerCycle = \(2 * tileH * tileW * memBytesPerCycle)")
        }
        if weightBufferBytes % (lanesK * memBytesPerCycle) != 0 {
            try fail("weightBufferBytes \(weightBufferBytes) must be a multiple of lanesK·memBytesPerCycle = \(lanesK * memBytesPerCycle)")
        }
        if outputBufferBytes % (2 * tileH * tileW * memBytesPerCycle) != 0 {
            try fail("outputBufferBytes \(outputBufferBytes) must be a multiple of 2·tileH·tileW·memBytesPerCycle = \(2 * tileH * tileW * memBytesPerCycle)")
        }
        if !(clockMHz > 0 && clockMHz.isFinite) { try fail("clockMHz \(clockMHz) must be positive") }
        if !(1...4).contains(tileShapes) { try fail("tileShapes \(tileShapes) must be in 1...4") }
        let halvings = 1 << (tileShapes - 1)
        if tileH % halvings != 0 || tileW % halvings != 0 {
            try fail("tileShapes \(tileShapes) needs tileH and tileW divisible by \(halvings); tile is \(tileH)x\(tileW)")
        }
        if lineBufferBytes < 0 || lineBufferBytes % (tileH * tileW * memBytesPerCycle) != 0 {
            try fail("lineBufferBytes \(lineBufferBytes) must be 0 or a positive multiple of tileH·tileW·memBytesPerCycle = \(tileH * tileW * memBytesPerCycle)")
        }
        if lineBufferBytes > 0 && !(Self.isPow2(tileH) && Self.isPow2(tileW)) {
            try fail("lineBufferBytes \(lineBufferBytes) needs tileH and tileW powers of two (the line buffer's banks are the map's rows and columns mod the tile); tile is \(tileH)x\(tileW)")
        }
        if !(0...Self.maxRequantStages).contains(requantStages) {
            try fail("requantStages \(requantStages) must be 0…\(Self.maxRequantStages) (pipeline registers in a requant lane)")
        }
        if !Self.takesRequantSlices(requantSlices, lanesK: lanesK, tileW: tileW) {
            try fail("requantSlices \(requantSlices) must be a power of two dividing lanesK \(lanesK), or lanesK times a power of two dividing tileW \(tileW) (a tile row's lanes, then its columns, in that many cycles)")
        }
        if packedProducts {
            if lanesK % 2 != 0 { try fail("packedProducts needs lanesK even (lanes l and l + lanesK/2 share a multiplier); lanesK is \(lanesK)") }
        }
        if packedSums {
            if !packedProducts { try fail("packedSums needs packedProducts (it sums a PE pair's packed products)") }
            if lanesC > 4 { try fail("packedSums needs lanesC ≤ 4 (the weights packed 16 + log2(lanesC) bits apart fit a 27-bit port); lanesC is \(lanesC)") }
        }
        if preluTable && requantStages < 4 {
            try fail("preluTable needs requantStages ≥ 4 (the table's read register is the requant lane's cut after the residual add); it is \(requantStages)")
        }
        if mac16Pairs {
            if lanesK % 2 != 0 { try fail("mac16Pairs needs lanesK even (lanes l and l + lanesK/2 share an SB_MAC16); lanesK is \(lanesK)") }
            if packedProducts { try fail("mac16Pairs and packedProducts are two ways to pair a PE's products in one DSP block; choose one") }
        }
    }

    /// The tile shapes the PE array supports, largest first: `(tileH >> s, tileW >> s)`, s < tileShapes.
    public var shapes: [TileShape] {
        (0..<tileShapes).map { TileShape(height: tileH >> $0, width: tileW >> $0) }
    }

    /// Words (of B bytes) per input-buffer bank per half: inputBufferBytes / (2·tileH·tileW·B).
    public var inputBankDepth: Int { inputBufferBytes / (2 * tileH * tileW * memBytesPerCycle) }
    /// Words per line-buffer bank (§6.5): lineBufferBytes / (tileH·tileW·B); 0 without one.
    public var lineBankDepth: Int { lineBufferBytes / (tileH * tileW * memBytesPerCycle) }
    /// Words per weight-buffer bank: weightBufferBytes / (lanesK·B).
    public var weightBankDepth: Int { weightBufferBytes / (lanesK * memBytesPerCycle) }
    /// The most channels a map may have, a layer's Cin and Cout (§2): B·(2^w − 1) for w the bits
    /// of a count up to a weight bank's DW words (a tap's CW ≤ DW), at most the 16-bit LAYER2
    /// fields' 65 535 — so that a pixel's words of any map fit the RTL's word counters, and its
    /// channel counters are as wide as this, not 16 bits (issue 13).
    public var maxMapChannels: Int {
        var w = 1
        while (1 << w) <= weightBankDepth { w += 1 }
        return min(memBytesPerCycle * ((1 << w) - 1), 65_535)
    }
    /// Words per output pixel one output-buffer half holds: outputBufferBytes / (2·tileH·tileW·B).
    public var outputWordsPerPixel: Int { outputBufferBytes / (2 * tileH * tileW * memBytesPerCycle) }

    // MARK: JSON

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case tileH, tileW, lanesK, lanesC, activationWidth, weightWidth, accumulatorWidth
        case inputBufferBytes, weightBufferBytes, outputBufferBytes, memBytesPerCycle, memLatency, maxOutstandingReads, addressBits, clockMHz
        case tileShapes, lineBufferBytes, packedProducts, packedSums, mac16Pairs, tileList, preluTable, requantStages, requantSlices, boundaryRegisters, leftOut
    }

    /// Every field; `tileShapes` only when above 1, `lineBufferBytes` only when not 0 and
    /// `packedProducts`, `packedSums`, `mac16Pairs`, `tileList` and `preluTable` only when true, `requantStages` only when not 0, `requantSlices` only when
    /// above 1, `boundaryRegisters` only when true, `addressBits` only when not 32, `leftOut` only when not empty (its names in
    /// `Mechanism` order), so that configs without them keep their content hash.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tileH, forKey: .tileH); try c.encode(tileW, forKey: .tileW)
        try c.encode(lanesK, forKey: .lanesK); try c.encode(lanesC, forKey: .lanesC)
        try c.encode(activationWidth, forKey: .activationWidth); try c.encode(weightWidth, forKey: .weightWidth)
        try c.encode(accumulatorWidth, forKey: .accumulatorWidth)
        try c.encode(inputBufferBytes, forKey: .inputBufferBytes); try c.encode(weightBufferBytes, forKey: .weightBufferBytes)
        try c.encode(outputBufferBytes, forKey: .outputBufferBytes)
        try c.encode(memBytesPerCycle, forKey: .memBytesPerCycle); try c.encode(memLatency, forKey: .memLatency)
        try c.encode(maxOutstandingReads, forKey: .maxOutstandingReads); try c.encode(clockMHz, forKey: .clockMHz)
        if tileShapes != 1 { try c.encode(tileShapes, forKey: .tileShapes) }
        if lineBufferBytes != 0 { try c.encode(lineBufferBytes, forKey: .lineBufferBytes) }
        if packedProducts { try c.encode(packedProducts, forKey: .packedProducts) }
        if packedSums { try c.encode(packedSums, forKey: .packedSums) }
        if mac16Pairs { try c.encode(mac16Pairs, forKey: .mac16Pairs) }
        if tileList { try c.encode(tileList, forKey: .tileList) }
        if preluTable { try c.encode(preluTable, forKey: .preluTable) }
        if requantStages != 0 { try c.encode(requantStages, forKey: .requantStages) }
        if requantSlices != 1 { try c.encode(requantSlices, forKey: .requantSlices) }
        if boundaryRegisters { try c.encode(boundaryRegisters, forKey: .boundaryRegisters) }
        if !leftOut.isEmpty { try c.encode(leftOut.sorted(), forKey: .leftOut) }
        if addressBits != 32 { try c.encode(addressBits, forKey: .addressBits) }
    }

    /// Decodes and validates; missing widths default to 8/8/32, addressBits to 32, clockMHz to 200 and
    /// maxOutstandingReads to `defaultMaxOutstandingReads(memLatency:)`.
    /// Unknown keys are errors that name the key (and the known one it most likely meant), so a
    /// misspelt field is never silently left at its default.
    public init(from decoder: Decoder) throws {
        struct AnyKey: CodingKey {
            var stringValue: String, intValue: Int? = nil
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { return nil }
        }
        let known = CodingKeys.allCases.map(\.rawValue)
        for k in try decoder.container(keyedBy: AnyKey.self).allKeys where !known.contains(k.stringValue) {
            let meant = known.first { $0.lowercased() == k.stringValue.lowercased() }
            throw AcceleratorSpecError.invalidConfig("unknown key \"\(k.stringValue)\"" + (meant.map { " (did you mean \"\($0)\"?)" } ?? "")
                + "; a hardware config has \(known.joined(separator: ", "))")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            tileH: c.decode(Int.self, forKey: .tileH), tileW: c.decode(Int.self, forKey: .tileW),
            lanesK: c.decode(Int.self, forKey: .lanesK), lanesC: c.decode(Int.self, forKey: .lanesC),
            activationWidth: c.decodeIfPresent(Int.self, forKey: .activationWidth) ?? 8,
            weightWidth: c.decodeIfPresent(Int.self, forKey: .weightWidth) ?? 8,
            accumulatorWidth: c.decodeIfPresent(Int.self, forKey: .accumulatorWidth) ?? 32,
            inputBufferBytes: c.decode(Int.self, forKey: .inputBufferBytes),
            weightBufferBytes: c.decode(Int.self, forKey: .weightBufferBytes),
            outputBufferBytes: c.decode(Int.self, forKey: .outputBufferBytes),
            memBytesPerCycle: c.decode(Int.self, forKey: .memBytesPerCycle),
            memLatency: c.decode(Int.self, forKey: .memLatency),
            maxOutstandingReads: c.decodeIfPresent(Int.self, forKey: .maxOutstandingReads),
            addressBits: c.decodeIfPresent(Int.self, forKey: .addressBits) ?? 32,
            clockMHz: c.decodeIfPresent(Double.self, forKey: .clockMHz) ?? 200,
            tileShapes: c.decodeIfPresent(Int.self, forKey: .tileShapes) ?? 1,
            lineBufferBytes: c.decodeIfPresent(Int.self, forKey: .lineBufferBytes) ?? 0,
            packedProducts: c.decodeIfPresent(Bool.self, forKey: .packedProducts) ?? false,
            packedSums: c.decodeIfPresent(Bool.self, forKey: .packedSums) ?? false,
            mac16Pairs: c.decodeIfPresent(Bool.self, forKey: .mac16Pairs) ?? false,
            tileList: c.decodeIfPresent(Bool.self, forKey: .tileList) ?? false,
            preluTable: c.decodeIfPresent(Bool.self, forKey: .preluTable) ?? false,
            requantStages: c.decodeIfPresent(Int.self, forKey: .requantStages) ?? 0,
            requantSlices: c.decodeIfPresent(Int.self, forKey: .requantSlices) ?? 1,
            boundaryRegisters: c.decodeIfPresent(Bool.self, forKey: .boundaryRegisters) ?? false,
            leftOut: Mechanism.list((c.decodeIfPresent([String].self, forKey: .leftOut) ?? []).joined(separator: ",")))
    }

    /// Canonical JSON: sorted keys, no whitespace. The content hash is computed over these bytes.
    public func canonicalJSON() -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try! e.encode(self)
    }

    /// Human-readable JSON (sorted keys, pretty printed).
    public func prettyJSON() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }

    /// Parses and validates a config from JSON bytes.
    public static func fromJSON(_ data: Data) throws -> HardwareConfig {
        do { return try JSONDecoder().decode(HardwareConfig.self, from: data) }
        catch let e as AcceleratorSpecError { throw e }
        catch { throw AcceleratorSpecError.invalidConfig("malformed JSON: \(error)") }
    }

    /// Stable content hash: 64-bit FNV-1a over `canonicalJSON()`, 16 lowercase hex digits.
    public var contentHash: String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in canonicalJSON() { h ^= UInt64(b); h = h &* 0x100000001b3 }
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
