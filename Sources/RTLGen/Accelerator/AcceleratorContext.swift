import AcceleratorSpec

/// What every engine of one accelerator build shares: the configuration, the generator limits,
/// the fault to build in, the module names, the register map, the geometry constants derived from
/// them, the channels between the engines (`EngineChannels`) and the building blocks built so far
/// (a RAM shape, the PE, … is one module however many engines instantiate it).
final class AcceleratorContext {
    let cfg: HardwareConfig
    let limits: AcceleratorLimits
    /// The deliberate bug to build in (`.none`: the correct design); see FaultInjection.swift.
    let fault: FaultInjection
    /// Module names (top, engines, PE, blocks).
    let names: AcceleratorNames
    /// The CSR map (§8): offsets of the write decode and the read mux, field bit ranges.
    let regs: RegisterMap
    /// Modules instantiated in arrays (RAMs, PE, requant lane, …), by name: built once.
    private var blocks: [String: Module] = [:]

    // Geometry
    let tH: Int, tW: Int, LK: Int, LC: Int, B: Int
    let lgB: Int, lgLC: Int
    /// Words per bank half (halo), per weight bank, per output pixel.
    let DI: Int, DW: Int, DO: Int
    let accW: Int
    /// Mask words the scanner holds.
    let maxMw: Int
    /// Words of a bias-RAM half: the most bias words a pass can have (4·DO + 2); the RAM holds two.
    let DB: Int
    /// Group counters of a pass: a group holds a tile at least, so a pass has at most
    /// `limits.maxTiles` groups (the counters are compared, li = si and the copy engine's
    /// requantized + 1 ≥ started, so they must not wrap).
    var cntW: Int { bitsFor(limits.maxTiles(cfg)) + 1 }
    /// Tile coordinates (ty, tx): below the largest map's tile rows and columns at the smallest shape.
    var tileCoordW: Int {
        let h = tH >> (cfg.tileShapes - 1), w = tW >> (cfg.tileShapes - 1)
        return bitsFor(max((limits.maxMapSize + h - 1) / h, (limits.maxMapSize + w - 1) / w))
    }
    /// Halo banks (tileH·tileW).
    var nBanks: Int { tH * tW }
    /// Tile shapes (§3.1) and the most tiles of a group: 4^(shapes−1) at the smallest shape.
    var levels: Int { cfg.tileShapes }
    var maxSlots: Int { 1 << (2 * (cfg.tileShapes - 1)) }
    /// Address widths: halo bank (two halves), weight bank, bias RAM, byte-sliced residual/output RAM.
    var awI: Int { Memory.addressWidth(depth: 2 * DI) }
    var awW: Int { Memory.addressWidth(depth: DW) }
    var awB: Int { Memory.addressWidth(depth: 2 * DB) }
    var awO: Int { Memory.addressWidth(depth: 2 * tH * DO) }
    /// Width of the halo bank's word arithmetic (§6.2): a ring's quantities, the bank terms and the
    /// address sums. A layer's region is at most DI words (the mapper's check), so a ring's size is
    /// at most 2·DI and a wrap's operand below twice that: awI + 2 bits hold every value, and the
    /// address sums are taken modulo the bank's 2^awI words anyway.
    var haloW: Int { awI + 2 }
    /// A map coordinate as the port sequencer's walkers keep it (signed): an input map's side is at
    /// most 2·maxMapSize, a halo's origin at least −maxKernel/2 and its end at most the side plus the
    /// largest kernel.
    var walkW: Int { bitsFor(2 * limits.maxMapSize + limits.maxKernel + 1) + 1 }
    /// DRAM word addresses and the word offsets added to them: the port's `addressBits` (§2).
    var addrW: Int { cfg.addressBits }
    /// A burst's lengths and word counters (§7.2): a WEIGHTS burst is at most the weight buffer's
    /// lanesK·DW words and a bias half's DB, a MASK burst the mask's words.
    var burstW: Int { bitsFor(max(LK * DW + DB, maxMw)) + 1 }
    // Counter widths from the buffers they index (issue 13: every counter as wide as what it
    // counts, not a register field's 16 or 24 bits). The mapper's pass needs one output channel's
    // weights, KH·KW·CW words, in a bank, and a pass's output words per pixel in DO (§4); the RTL
    // refuses a layer whose CW or PASS.pc does not fit `cwW` or `passChannelsW` bits (LayerParams),
    // and the host-computed STEPS, TAP_WORDS and KGROUPS of a planned layer fit theirs.
    /// Input words of a pixel, CW = ⌈Cin/B⌉ ≤ DW, and a channel's weight words KH·KW·CW ≤ DW.
    var cwW: Int { bitsFor(DW) }
    /// Lane chunks of a pixel, NC = ⌈Cin/lanesC⌉ ≤ DW·B/lanesC (lanesC divides B or is above it).
    var ncW: Int { bitsFor(DW * max(1, B / LC)) }
    /// Steps of a kgroup, T = KH·KW·NC ≤ DW·B/lanesC (KH·KW·CW·NJ ≤ DW·NJ with grouped lanes), and
    /// the kgroup slot Kc ≤ T + tileH·s − 1 (`LayerPlan.kgroupCycles`).
    var stepW: Int { bitsFor(DW * max(1, B / LC, LayerPlan.laneGroups(cfg)?.lanes ?? 1) + cfg.requantCycles) }
    /// A channel index of a map, up to Cin and Cout ≤ `HardwareConfig.maxMapChannels` (the RTL
    /// refuses a layer past it; the mapper never plans one).
    var chW: Int { bitsFor(cfg.maxMapChannels) }
    /// Whether the config is sized for its logic cells rather than for 8-LUT-level paths: one that
    /// leaves out the weight prefetch (§2; the iCE40 presets, clocked at tens of MHz). Where the two
    /// conflict — a multiplier shared through a multiplexer, comparisons after a shared adder — the
    /// generator takes the cells' side for it and the paths' side for any other (issue 13).
    var sizedForCells: Bool { !cfg.has(.weightPrefetch) }
    /// A pass's channels, pc ≤ DO·B (its outputs fit the output buffer's DO words a pixel).
    var passChannelsW: Int { bitsFor(DO * B) }
    /// A pass's kgroups, ⌈pc/lanesK⌉, and a kgroup index.
    var kgroupW: Int { bitsFor((DO * B + LK - 1) / LK) }
    /// A pass's output words of a pixel (≤ DO; one more from an unaligned window is the host's error).
    var passWordsW: Int { bitsFor(DO + 1) }
    /// Bits of a byte index within a B-byte word (at least 1).
    var lgBb: Int { max(lgB, 1) }
    /// The line buffer (§6.5): words per bank (0: the config has none, and nothing of it is built).
    var DL: Int { cfg.lineBankDepth }
    var hasLine: Bool { DL > 0 }
    var awL: Int { Memory.addressWidth(depth: max(DL, 2)) }

    init(config: HardwareConfig, limits: AcceleratorLimits, names: AcceleratorNames, fault: FaultInjection,
         registers: RegisterMap) {
        cfg = config; self.limits = limits; self.names = names; self.fault = fault; regs = registers
        tH = config.tileH; tW = config.tileW; LK = config.lanesK; LC = config.lanesC; B = config.memBytesPerCycle
        lgB = log2Exact(B); lgLC = log2Exact(LC)
        DI = config.inputBankDepth; DW = config.weightBankDepth; DO = config.outputWordsPerPixel
        accW = config.accumulatorWidth
        maxMw = limits.maxMaskWords(config)
        DB = LayerPlan.biasHalfDepth(config)
    }

    /// `a + b` in the weight-bank ring, modulo DW, for a and b below DW (§6.3): one compare and subtract.
    func ringSum(_ a: some ExprConvertible, _ b: some ExprConvertible) -> Expr {
        let w = awW + 1
        let sum = a.expr.fit(w) + b.expr.fit(w)
        return mux(sum >= DW, sum - DW, sum).fit(awW)
    }

    /// The channels between the engines.
    var channels: EngineChannels { EngineChannels(self) }

    /// The building block `name` (a module instantiated in arrays): built by `body` the first time it
    /// is asked for, the same module after that.
    func block(_ name: String, documentation: String, _ body: (ModuleBuilder) throws -> Void) throws -> Module {
        if let m = blocks[name] { return m }
        let r = ModuleBuilder(name, documentation: documentation)
        try body(r)
        let m = try r.build()
        blocks[name] = m
        return m
    }

    /// A building block built elsewhere (`build` makes it the first time `name` is asked for).
    func block(_ name: String, _ build: () throws -> Module) throws -> Module {
        if let m = blocks[name] { return m }
        let m = try build()
        blocks[name] = m
        return m
    }

    /// The CSR field `field` of the RW register `register`: the bits the map gives it (§8).
    func field(_ register: String, _ field: String) -> RegisterField {
        guard let f = regs[register]?.field(field) else {
            preconditionFailure("register map without \(register).\(field) (AcceleratorGenerator checks the layout)")
        }
        return f
    }
}

/// One engine of the accelerator: a type that builds its module (`<prefix><engine>`), declaring
/// its ports from the channels of `EngineChannels` (producer side or flipped).
protocol AcceleratorEngine {
    var ctx: AcceleratorContext { get }
    func build() throws -> Module
}

extension AcceleratorEngine {
    var cfg: HardwareConfig { ctx.cfg }
    var tH: Int { ctx.tH }
    var tW: Int { ctx.tW }
    var LK: Int { ctx.LK }
    var LC: Int { ctx.LC }
    var B: Int { ctx.B }
    var lgB: Int { ctx.lgB }
    var lgLC: Int { ctx.lgLC }
    var DI: Int { ctx.DI }
    var DW: Int { ctx.DW }
    var DO: Int { ctx.DO }
    var DB: Int { ctx.DB }
    var accW: Int { ctx.accW }
    var cntW: Int { ctx.cntW }
    var tileCoordW: Int { ctx.tileCoordW }
    var lgBb: Int { ctx.lgBb }
    var haloW: Int { ctx.haloW }
    var burstW: Int { ctx.burstW }
    var walkW: Int { ctx.walkW }
    var addrW: Int { ctx.addrW }
    var names: AcceleratorNames { ctx.names }
    var fault: FaultInjection { ctx.fault }
    var ch: EngineChannels { ctx.channels }

    /// The layer record's fields `names` in engine `m` (`EngineChannels.layer`); those a left-out
    /// mechanism holds constant (§2) as wires of their value.
    func layerRecord(in m: ModuleBuilder, reading names: [String]) -> BundleSignals {
        m.recordInput(ch.layer.name, ch.layer.bundle, reading: names, constants: ch.layerConstants)
    }
}
