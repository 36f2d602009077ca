/// The top module `<prefix>accel`: its ports (`TopInterface`), one wire per field of every channel
/// between the engines (`EngineChannels`), and one instance per engine, each connected by the names
/// of the channels it declared. The top holds no logic.
struct AcceleratorTop {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let cfg = ctx.cfg, limits = ctx.limits
        let m = ModuleBuilder(ctx.names.top, documentation: """
            SparseTile accelerator: tile \(ctx.tH)x\(ctx.tW), lanesK \(ctx.LK), lanesC \(ctx.LC), \(ctx.B)-byte DRAM port.
            Timing contract: docs/microarchitecture.md (§15 ports and event pulses).
            """)
        m.parameter("TILE_H", ctx.tH); m.parameter("TILE_W", ctx.tW); m.parameter("LANES_K", ctx.LK); m.parameter("LANES_C", ctx.LC)
        m.parameter("MEM_BYTES", ctx.B); m.parameter("INPUT_BANK_DEPTH", ctx.DI); m.parameter("WEIGHT_BANK_DEPTH", ctx.DW)
        m.parameter("OUTPUT_WORDS_PER_PIXEL", ctx.DO); m.parameter("ACC_WIDTH", ctx.accW)
        m.parameter("MAX_MAP_SIZE", limits.maxMapSize); m.parameter("MAX_TILES", limits.maxTiles(cfg))
        m.parameter("MAX_KERNEL", limits.maxKernel)
        let clk = m.clock(), rst = m.reset()
        let ports = [
            m.ports(TopInterface.csrPort, TopInterface.csr.flipped),
            m.ports(TopInterface.memoryRequestPort, TopInterface.memoryRequest(cfg)),
            m.ports(TopInterface.memoryResponsePort, TopInterface.memoryResponse(cfg).flipped),
            m.ports(TopInterface.eventsPort, TopInterface.events),
        ]
        let busy = m.output("busy"), done = m.output("done")
        let channels = ctx.channels.all.map { $0.isRecord ? m.recordWire($0.name, $0.bundle) : m.wires($0.name, $0.bundle) }
        let engines: [(String, any AcceleratorEngine)] = [
            ("csr_regs", CSRRegisters(ctx: ctx)),
            ("layer_params", LayerParams(ctx: ctx)),
            ("layer_sequencer", LayerSequencer(ctx: ctx)),
            ("weight_buffer", WeightBuffer(ctx: ctx)),
            ("mask_scanner", MaskScanner(ctx: ctx)),
            ("port_sequencer", PortSequencer(ctx: ctx)),
            ("halo_buffer", HaloBuffer(ctx: ctx)),
            ("tile_buffers", TileBuffers(ctx: ctx)),
            ("compute_control", ComputeControl(ctx: ctx)),
            ("pe_array", PEArray(ctx: ctx)),
            ("requant_engine", RequantEngine(ctx: ctx)),
            ("status_counters", StatusCounters(ctx: ctx)),
        ] + (ctx.hasLine ? [("line_buffer", LineBufferBanks(ctx: ctx)), ("copy_engine", CopyEngine(ctx: ctx))] : [])
        for (name, engine) in engines {
            m.instance(try engine.build(), name: "u_\(name)", channels: ports + channels,
                       extra: ["clk": clk, "rst": rst, "busy": busy, "done": done])
        }
        return try m.build()
    }
}
