import AcceleratorSpec
import ArgumentParser
import Foundation
import RTLGen

/// The hardware configuration of every command that takes one (`simulate`, `cosim`, `report`,
/// `demo`, `masks`, `quality`, `generate`, `synth`): a base config and overrides, applied by the
/// one rule `HardwareConfig.overriding` (bank depths kept, docs/microarchitecture.md §2).
struct HardwareOptions: ParsableArguments {
    @OptionGroup var base: HardwareBaseOptions
    @Option(name: .long, help: "Tile size HxW (overrides the config; buffers resized to keep bank depths).")
    var tile: String?
    @Option(name: .customLong("lanes-k"), help: "Output-channel lanes (overrides the config; bank depths kept).")
    var lanesK: Int?
    @Option(name: .customLong("lanes-c"), help: "Input-channel lanes (overrides the config).")
    var lanesC: Int?

    /// The base config with every override given.
    func resolve() throws -> HardwareConfig {
        try base.resolve(tile: try tile.map { try HardwareConfig.parseTile($0) }, lanesK: lanesK, lanesC: lanesC)
    }
}

/// The part of `HardwareOptions` that `sparsetile sweep` shares (it takes lists of tiles and lanes
/// instead): the base config and the overrides that are the same at every point of a sweep.
struct HardwareBaseOptions: ParsableArguments {
    @Option(name: .long, help: "Hardware config: small, default or a config JSON file (default: the built-in default config).")
    var config: String?
    @Option(name: .long, help: ArgumentHelp("A preset for an FPGA part instead of --config: \(HardwareConfig.presets.map(\.name).joined(separator: ", ")).",
                                            discussion: "`synth --preset NAME` checks it against the part of the same name (docs/synthesis.md, \"Presets\")."))
    var preset: String?
    @Option(name: .customLong("mem-bytes"), help: "DRAM word width B in bytes (overrides the config; bank depths kept).")
    var memBytes: Int?
    @Option(name: .customLong("mem-latency"), help: "DRAM latency in cycles (overrides the config; the RTL does not depend on it).")
    var memLatency: Int?
    @Option(name: .customLong("clock-mhz"), help: "Clock for reporting milliseconds (overrides the config).")
    var clockMHz: Double?
    @Option(name: .customLong("tile-shapes"), help: ArgumentHelp(
        "Tile shapes the PE array supports: the tile and its halvings, 1...4 (overrides the config; the default config has 4, lowered to what a --tile divides into).",
        discussion: "With more than one, each conv layer runs at the shape with the fewest model cycles for its map and mask (its tile mask pooled from the pixel mask at that shape; docs/microarchitecture.md §3.1)."))
    var tileShapes: Int?
    @Option(name: .customLong("line-buffer"), help: ArgumentHelp(
        "Line-buffer bytes (overrides the config; 0 = none; the default config has 524288): a band of each layer's input map on chip, from which the halos are copied (docs/microarchitecture.md §6.5).",
        discussion: "Needs tileH and tileW powers of two. Unless given, a --tile keeps the config's line-bank depth (none for a tile whose sides are not powers of two)."))
    var lineBuffer: Int?
    @Option(name: .customLong("packed-products"), help: ArgumentHelp(
        "true: lanes l and l + lanesK/2 take each pair of their int8 products from one 25×8-bit multiplier (one DSP48 block; overrides the config).",
        discussion: "Same results and cycles, half the PE array's DSPs on Xilinx parts (docs/microarchitecture.md §7.4). Needs lanesK even."))
    var packedProducts: Bool?
    @Option(name: .customLong("packed-sums"), help: ArgumentHelp(
        "true: a PE pair sums its packed products before separating the two lanes (weights 16 + log2(lanesC) bits apart, a 27×8-bit product; overrides the config).",
        discussion: "Same results and cycles, fewer LUTs on DSP48E2 parts (docs/microarchitecture.md §7.4). Needs packed products and lanesC ≤ 4; unless given, the config's is dropped where those do not hold."))
    var packedSums: Bool?
    @Option(name: .customLong("mac16-pairs"), help: ArgumentHelp(
        "true: lanes l and l + lanesK/2 take each pair of their int8 products from one iCE40 SB_MAC16 in its two-8×8 mode (overrides the config).",
        discussion: "Same results and cycles, half the PE array's SB_MAC16 (docs/microarchitecture.md §7.4); the RTL instantiates the cell for synthesis, so it synthesises for iCE40 only. Needs lanesK even; not with --packed-products."))
    var mac16Pairs: Bool?
    @Option(name: .customLong("tile-list"), help: ArgumentHelp(
        "true: the host writes each layer's active tiles as a list of 16-bit entries, which the mask scanner reads in order, instead of a bitmap it searches (overrides the config).",
        discussion: "Same tiles and compute cycles, a smaller scanner; the MASK burst is ⌈active tiles / (B/2)⌉ words (docs/microarchitecture.md §6.1). Maps of at most 256 tiles a side; the iCE40 presets set it."))
    var tileList: Bool?
    @Option(name: .customLong("prelu-table"), help: ArgumentHelp(
        "true: each requant lane takes a PReLU layer's negative outputs from a 128-entry table the host writes (PRELU_TABLE) instead of a product in logic (overrides the config).",
        discussion: "Same bytes and cycles, one block RAM a lane (docs/microarchitecture.md §7.5). Needs --requant-stages ≥ 4; unless given, the config's is dropped with fewer; the iCE40 presets set it."))
    var preluTable: Bool?
    @Option(name: .customLong("requant-stages"), help: ArgumentHelp(
        "Pipeline registers in each requant lane, 0…\(HardwareConfig.maxRequantStages) (overrides the config): a shorter path for the clock, each tile requantized that many cycles later.",
        discussion: "docs/microarchitecture.md §7.5; the FPGA presets set it for their clocks."))
    var requantStages: Int?
    @Option(name: .customLong("requant-slices"), help: ArgumentHelp(
        "Cycles the requant engine takes per tile row (overrides the config): a power of two dividing lanesK (lanesK/s lanes a column instead of lanesK), or lanesK times one dividing tileW (one lane over tileW·lanesK/s columns).",
        discussion: "docs/microarchitecture.md §7.5: fewer requant lanes (DSPs, LUTs, bias RAM copies) for a kgroup slot Kc = max(T, tileH·s); unless given, a --lanes-k or --tile keeps the config's slices, halved until the lanes and tile take them."))
    var requantSlices: Int?
    @Option(name: .customLong("boundary-registers"), help: ArgumentHelp(
        "true: the load response's input-buffer write is registered, a loaded group reaches the compute engine a cycle later (overrides the config).",
        discussion: "docs/microarchitecture.md §7.3; the FPGA presets set it for their clocks."))
    var boundaryRegisters: Bool?
    @Option(name: .customLong("leave-out"), help: ArgumentHelp(
        "Mechanisms the config leaves out, comma-separated (overrides the config; none = every one): \(Mechanism.allCases.map(\.rawValue).joined(separator: ", ")), or all.",
        discussion: "Each only saves cycles or host work: the mapper never chooses a left-out one and the RTL does not build its logic, for a smaller design (docs/microarchitecture.md §2). The iCE40 presets leave out all."))
    var leaveOut: String?
    @Option(name: .customLong("address-bits"), help: ArgumentHelp(
        "Bits of a DRAM word address, 16…32 (overrides the config; default 32, the iCE40 presets 20): a layer's memory image holds at most 2^bits words.",
        discussion: "Every address register and adder of the RTL is this wide; a layer whose image needs more words is refused, naming both (docs/microarchitecture.md §2)."))
    var addressBits: Int?

    /// The config `--config` or `--preset` names: a built-in one (`small`, `default`), a JSON file,
    /// a preset, or the default.
    func baseConfig() throws -> HardwareConfig {
        if let p = preset {
            guard config == nil else { throw ValidationError("give --config or --preset, not both") }
            guard let c = HardwareConfig.preset(named: p) else {
                throw ValidationError("--preset \(p): no such preset; the presets are \(HardwareConfig.presets.map(\.name).joined(separator: ", "))")
            }
            return c
        }
        switch config {
        case nil, "default": return .default
        case "small": return .small
        case let path?: return try loadConfig(path)
        }
    }

    /// The base config with these overrides and the given geometry (nil keeps the base's).
    func resolve(tile: (Int, Int)?, lanesK: Int?, lanesC: Int?) throws -> HardwareConfig {
        try apply(to: baseConfig(), tile: tile, lanesK: lanesK, lanesC: lanesC)
    }

    /// `base` (as `baseConfig()` read it, once for a whole sweep) with these overrides and the given geometry.
    func apply(to base: HardwareConfig, tile: (Int, Int)?, lanesK: Int?, lanesC: Int?) throws -> HardwareConfig {
        try base.overriding(tileH: tile?.0, tileW: tile?.1, lanesK: lanesK, lanesC: lanesC, memBytesPerCycle: memBytes,
                                    memLatency: memLatency, clockMHz: clockMHz, tileShapes: tileShapes,
                                    lineBufferBytes: lineBuffer, packedProducts: packedProducts, packedSums: packedSums, mac16Pairs: mac16Pairs, tileList: tileList, preluTable: preluTable, requantStages: requantStages,
                                    requantSlices: requantSlices, boundaryRegisters: boundaryRegisters,
                                    leftOut: leaveOut.map { $0 == "none" ? [] : try Mechanism.list($0) }, addressBits: addressBits)
    }
}

/// What the generated RTL is sized for beyond the hardware config (`generate`, `synth`).
struct RTLOptions: ParsableArguments {
    @Option(name: .customLong("max-map-size"), help: "Largest output map side the mask register holds (default 512, or the --preset's).")
    var maxMapSize: Int?
    @Option(help: ArgumentHelp("Prefix of every module name (default st_<first 8 hex digits of the config hash>_; top <prefix>accel).",
                               valueName: "name"))
    var prefix: String?

    /// The limits: `--max-map-size`, else the preset's (`HardwareConfig.presets`), else 512.
    func limits(preset: String?) -> AcceleratorLimits {
        AcceleratorLimits(maxMapSize: maxMapSize ?? preset.flatMap(HardwareConfig.presetMaxMapSize(named:)) ?? 512)
    }
}
