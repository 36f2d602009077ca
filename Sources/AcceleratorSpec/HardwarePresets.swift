extension HardwareConfig {
    /// Named presets, one per FPGA part of the same name (`sparsetile synth --part`): the
    /// configuration meant for that part, at the MACs a cycle issue 13 asks of it — 8 on the iCE40
    /// UP5K (its 8 SB_MAC16), 4 in LUTs on the HX8K (no DSPs), 256 on the XC7Z020 and 2 048 on the
    /// XCZU7EV, both with packed products (§7.4) for their DSP budgets (the XCZU7EV's summed before
    /// they are separated: its DSP48E2 takes the 27-bit packed weight, and the LUTs are its limit);
    /// the UP5K's PE pairs take their two products from one SB_MAC16 in its two-8×8 mode (`mac16Pairs`).
    /// The requant engines take a row in slices (§7.5): one lane on the iCE40 parts (4 slices on the
    /// UP5K, 2 on the HX8K: column slices, each lane's 33×17-bit product is 2 SB_MAC16 or ~600 LUTs),
    /// 16 lanes rather than 64 on the XCZU7EV (4 slices; its 1.9 products per DSP need it). The
    /// XCZU7EV's output and residual buffers hold 4 words a pixel (128 channels a pass): its weight
    /// banks hold fewer channels of a wide layer anyway, and its 512 byte-lane RAMs are LUT RAM, 64
    /// words deep rather than 256 (−0.2% of ResNet-18's cycles, none of SRResNet's).
    /// The iCE40 parts leave out every mechanism that only saves cycles or host work, or breaks the
    /// cycles down (§2, `Mechanism`: the shadows, the prefetch, the stall counters among them): their
    /// logic is the limit, and their layers run in more cycles without them; they keep L + 1 = 9
    /// reads in flight rather than 16, still one a cycle (§7.1), for shorter read FIFOs, and address
    /// 2^20 DRAM words (4 MiB, a small board's memory; `addressBits`), not 2^32, and take each
    /// layer's active tiles as a list the host writes (`tileList`), not a bitmap their scanner searches,
    /// and a PReLU layer's negative outputs from a table it writes (`preluTable`), not a product in logic. Whether each fits
    /// today is measured, not assumed: docs/synthesis.md, "Presets" (`sparsetile synth --preset NAME`).
    /// The UP5K's accumulators are 28 bits (§2: a layer whose worst case K²·Cin·128² + |bias| passes
    /// 2^27 − 1 is refused; the largest here, SRResNet's 9×9 tail over 64 channels, is 8.5·10^7).
    /// `maxMapSize` is the largest map side the generated RTL's mask register holds for it
    /// (`generate`/`synth --max-map-size`, default 512): 64 on the iCE40 parts, whose logic cannot
    /// hold the mask of a 512-wide map.
    public static let presets: [(name: String, config: HardwareConfig, maxMapSize: Int)] = [
        ("ice40-up5k", preset(tile: 2, lanesK: 2, lanesC: 1, bytes: 4, latency: 8, inputDepth: 64, weightDepth: 256, outputWords: 8,
                              requantStages: 4, requantSlices: 4, leftOut: Set(Mechanism.allCases), readWindow: 9, addressBits: 20,
                              mac16Pairs: true, tileList: true, preluTable: true, accumulatorWidth: 28), 64),
        ("ice40-hx8k", preset(tile: 2, lanesK: 1, lanesC: 1, bytes: 4, latency: 8, inputDepth: 64, weightDepth: 256, outputWords: 8,
                              requantStages: 4, requantSlices: 2, leftOut: Set(Mechanism.allCases), readWindow: 9, addressBits: 20,
                              tileList: true, preluTable: true), 64),
        ("xc7z020", preset(tile: 4, lanesK: 4, lanesC: 4, bytes: 16, latency: 8, inputDepth: 256, weightDepth: 1024, outputWords: 64,
                           packed: true), 512),
        ("xczu7ev", preset(tile: 8, lanesK: 8, lanesC: 4, bytes: 32, latency: 20, inputDepth: 128, weightDepth: 1024, outputWords: 4,
                           shapes: 3, packed: true, packedSums: true, requantSlices: 4), 512),
    ]

    /// The preset called `name`, or nil.
    public static func preset(named name: String) -> HardwareConfig? { presets.first { $0.name == name }?.config }
    /// The largest map side of the RTL generated for preset `name`, or nil.
    public static func presetMaxMapSize(named name: String) -> Int? { presets.first { $0.name == name }?.maxMapSize }

    /// A square-tile preset from its bank depths (the buffers are `2·tile²·B·DI`, `lanesK·B·DW`,
    /// `2·tile²·B·DO` bytes, as the override rule sizes them, §2).
    static func preset(tile t: Int, lanesK: Int, lanesC: Int, bytes b: Int, latency: Int, inputDepth: Int, weightDepth: Int,
                       outputWords: Int, shapes: Int = 1, packed: Bool = false, packedSums: Bool = false,
                       requantStages: Int = HardwareConfig.maxRequantStages, requantSlices: Int = 1,
                       leftOut: Set<Mechanism> = [], readWindow: Int? = nil, addressBits: Int = 32, mac16Pairs: Bool = false,
                       tileList: Bool = false, preluTable: Bool = false, accumulatorWidth: Int = 32) -> HardwareConfig {
        // (every preset cuts its requant lanes, §7.5: the lane is otherwise the longest path from
        // the shadow registers to the output buffer; the iCE40 parts, whose flip-flops are their
        // logic cells', by four registers, the Xilinx parts at every cut), and registers its
        // engine boundaries)
        try! HardwareConfig(tileH: t, tileW: t, lanesK: lanesK, lanesC: lanesC, accumulatorWidth: accumulatorWidth,
                            inputBufferBytes: 2 * t * t * b * inputDepth, weightBufferBytes: lanesK * b * weightDepth,
                            outputBufferBytes: 2 * t * t * b * outputWords, memBytesPerCycle: b, memLatency: latency,
                            maxOutstandingReads: readWindow, addressBits: addressBits,
                            tileShapes: shapes, packedProducts: packed, packedSums: packedSums, mac16Pairs: mac16Pairs, tileList: tileList, preluTable: preluTable, requantStages: requantStages,
                            requantSlices: requantSlices,
                            boundaryRegisters: true, leftOut: leftOut)
    }
}
