import AcceleratorSpec

/// One channel between engines: its name (the prefix of its ports and of the top's wires), the
/// declared bundle from the producer's side, and who produces and consumes it (for the docs).
struct EngineChannel {
    let name: String
    let bundle: Bundle
    let producer: String
    let consumers: [String]
    let doc: String
    /// Carried as one record port (a packed struct) rather than one port per field.
    var isRecord = false

    /// What kind of channel the bundle is: a ready/valid stream, a valid-only flow, plain fields, or
    /// a record of plain fields in one port.
    var kind: String {
        if isRecord { return "record" }
        let f = bundle.fields.map(\.name)
        if f.first == "valid" && f.last == "ready" { return "stream" }
        if f.first == "valid" { return "flow" }
        return "fields"
    }
}

/// The declared interfaces between the accelerator's engines (docs/accelerator-rtl.md, "Engines
/// and channels"). Each engine declares its ports as the producer's view of a channel or its
/// consumer's view (`flipped`), of the whole bundle or of the fields it uses (`only`); the top
/// declares one wire per field and connects every engine by these names. Nothing is inferred:
/// an engine port no channel declares is an unconnected-port error when the top is built.
///
/// Streams (`valid`/`ready`) are where an engine waits for another: a transfer happens in a cycle
/// where both are high, `valid` never waits for `ready`, and the payload is held until the
/// transfer. Flows (`valid` only) go to a consumer that takes every beat (a RAM write, the next
/// pipeline stage). Plain fields are values the consumer samples (layer parameters, RAM read ports).
struct EngineChannels {
    let ctx: AcceleratorContext
    init(_ ctx: AcceleratorContext) { self.ctx = ctx }

    typealias F = Bundle.Field

    /// `reg`: the RW registers of the map, one field each (lower-case name, the register's width).
    var registers: EngineChannel {
        EngineChannel(name: "reg", bundle: Bundle(ctx.regs.registers.filter { $0.access == .readWrite }.map {
            F($0.name.lowercased(), width: $0.width, doc: $0.doc)
        }), producer: "csr_regs", consumers: ["layer_params", "layer_sequencer", "port_sequencer", "status_counters"],
        doc: "the layer registers the host wrote (§8)")
    }

    /// `layer`: the layer quantities (§3), registered from the registers.
    var layer: EngineChannel {
        let constant = layerConstantValues
        return EngineChannel(name: "layer", bundle: Bundle(layerFields.filter { constant[$0.name] == nil }),
                             producer: "layer_params", consumers: ["layer_sequencer", "mask_scanner", "port_sequencer", "compute_control", "requant_engine"] + (ctx.hasLine ? ["copy_engine"] : []),
                             doc: "layer quantities (§3), registered: the layer descriptor, one record port in every engine", isRecord: true)
    }

    /// The layer fields a mechanism the config leaves out holds constant (§2: 0, or NJ = 1 without
    /// lane groups), and the tile group's slots with one tile shape (0): they are not in the record; each engine that reads one gets the value
    /// (`layerConstants`), so its logic for the mechanism is not built.
    var layerConstantValues: [String: Int] {
        var c: [String: Int] = [:]
        if !ctx.cfg.has(.haloReuse) { c["nsh"] = 0; c["rowring"] = 0 }
        if !ctx.cfg.has(.residentHalos) { c["resident"] = 0 }
        if !ctx.cfg.has(.weightHandoff) { c["preloaded"] = 0; c["next"] = 0; c["next_half"] = 0 }
        if !ctx.cfg.has(.weightPrefetch) { c["prefetch"] = 0 }
        if LayerPlan.laneGroups(ctx.cfg) == nil { c["grouped"] = 0; c["nj"] = 1 }
        // (one tile shape: a group is one tile, LAYER0.group and .first past 0 a layer error)
        if ctx.maxSlots == 1 { c["glast"] = 0; c["gfirst"] = 0 }
        return c
    }
    /// `layerConstantValues` at their fields' widths, for `recordInput(_:_:reading:constants:)`.
    var layerConstants: [String: Expr] {
        let values = layerConstantValues
        return Dictionary(uniqueKeysWithValues: layerFields.compactMap { f in values[f.name].map { (f.name, k($0, f.totalWidth)) } })
    }

    /// Every field the layer record can carry (`layer` leaves out the constant ones).
    private var layerFields: [F] {
        func w(_ r: String, _ f: String) -> Int { ctx.field(r, f).width }
        return [
            F("s2", doc: "row stride 2 (stride 2 without packed taps, §3.2)"),
            F("kw", width: w("LAYER0", "K"), doc: "kernel width: K, K+1 with output pairs (§3.3)"),
            F("s2x", doc: "column stride 2 (stride 2, or output pairs)"),
            F("h", width: w("LAYER1", "H"), doc: "input height"), F("w", width: w("LAYER1", "W"), doc: "input width"),
            F("cout", width: w("LAYER2", "Cout"), doc: "output channels"),
            F("pad", width: w("LAYER0", "K"), doc: "row padding: K ÷ 2, 0 with packed taps (§3.2)"), F("padx", width: w("LAYER0", "K"), doc: "column padding: K ÷ 2"),
            F("cw", width: ctx.cwW, doc: "input words per pixel ⌈Cin/B⌉ (≤ DW)"), F("cow", width: ctx.cwW, doc: "output words per pixel ⌈Cout/B⌉ (Cout ≤ maxMapChannels)"),
            F("nc", width: ctx.ncW, doc: "lanesC chunks per pixel ⌈Cin/lanesC⌉"),
            F("grouped", doc: "grouped lanes (§3.4): a whole input word per step, lane groups summed into one subgroup's channels"),
            F("nj", width: 8, doc: "steps per input word: NJ = ⌈Cout/R⌉ with grouped lanes, else 1 (§3.4)"),
            F("t_last", width: ctx.stepW, doc: "the last step of a kgroup, T − 1: T steps KH·KW·NC, KH·KW·CW·NJ with grouped lanes (KH = 1 with packed taps)"), F("kc_last", width: ctx.stepW, doc: "the last cycle of a kgroup, Kc − 1: Kc = max(T, tileH·s), s the requant slices; T + tileH·s − 1 without shadows"),
            F("k2cw", width: ctx.cwW, doc: "weight words per output channel KH·KW·CW (≤ DW)"),
            F("hh", width: 8, doc: "halo height"), F("hwid", width: 8, doc: "halo width"),
            F("cscw", width: ctx.haloW, doc: "halo bank row stride CS·CW (§6.2; at most a region)"),
            F("mpitch", width: w("MASK_LAYOUT", "pitch"), doc: "log2 of the mask's pitch: tile row ty's bits start at ty·2^p (column tx's with the row ring) (§6.1)"), F("mw", width: w("MASK_LAYOUT", "words"), doc: "mask words"),
            F("shape", width: w("LAYER0", "shape"), doc: "tile shape s: tiles of (tileH >> s)x(tileW >> s), groups of up to 4^s (§3.1)"),
            F("glast", width: w("LAYER0", "group"), doc: "the last slot of a tile group: tiles per group − 1 (§3.1)"),
            F("gfirst", width: w("LAYER0", "first"), doc: "the last slot of a pass's first tile group, which takes the remainder (§3.1)"),
            F("region", width: ctx.haloW, doc: "halo words of one tile per bank RS·CS·CW (§6.2; at most DI, the mapper's check)"),
            F("nsh", width: w("LAYER0", "K") + 1, doc: "halo columns a tile shares with its left-hand neighbour, KW − SX, or 0 (§6.2: halo reuse in a group; at shape 0, the column ring); with the row ring the rows, KH − SY, it shares with the tile above it"),
            F("rowring", doc: "the row ring (§6.2): tiles in column-major order, the input buffer a ring of row blocks"),
            F("res", width: w("LAYER0", "residual"), doc: "residual add"), F("act", width: w("LAYER0", "activation"), doc: "activation"),
            F("m", width: w("REQUANT", "M"), doc: "requant multiplier"), F("sh", width: w("REQUANT", "Sh"), doc: "requant shift"),
            F("slope", width: w("PRELU", "slope"), doc: "PReLU slope"), F("pc", width: w("PASS", "pc"), doc: "channels per pass"),
            F("prefetch", width: w("PASS", "prefetch"), doc: "passes alternate buffer halves, the next pass's weights load during a pass"),
            F("resident", width: w("PASS", "resident"), doc: "halos resident across passes: 0 no, 1 in the halves, 2 in the quarters"),
            F("preloaded", doc: "pass 0's weights are in its half already (weight handoff, §7.2)"),
            F("half0", doc: "the half of pass 0"),
            F("next", doc: "the next layer's first pass loads during the last pass (§7.2)"),
            F("next_half", doc: "the half it goes to"),
            F("error", width: 2, doc: "a field is out of range (either bit: the fields' ranges, the modes' combinations): START is refused"),
        ] + (ctx.cfg.tileList ? [
            F("mtiles", width: bitsFor(ctx.limits.maxTiles(ctx.cfg)), doc: "entries of the tile list: the layer's active tiles (§6.1)"),
        ] : []) + (ctx.hasLine ? [
            F("line", doc: "the line buffer (§6.5): loads bring the band's segments, the copy engine the halos"),
            F("lcsw", width: 24, doc: "line-buffer row-slot stride CSL·CW: the padded map's column slots times the words of a pixel (§6.5)"),
            F("lnb", width: 16, doc: "line-buffer row blocks NB (§6.5)"),
        ] : [])
    }

    /// `seq`: the layer sequencer's phase and the current pass's quantities (§4).
    var sequencer: EngineChannel {
        EngineChannel(name: "seq", bundle: Bundle([
            F("phase", width: 2, doc: "0 idle, 1 MASK, 2 WEIGHTS, 3 TILES"), F("start", doc: "CTRL.start accepted this cycle"),
            F("done", doc: "STATUS.done"), F("error", doc: "STATUS.error"),
            F("o0", width: ctx.chW, doc: "the pass's first output channel"), F("channels", width: ctx.passChannelsW, doc: "the pass's channels (≤ DO·B)"),
            F("kgroups", width: ctx.kgroupW, doc: "⌈channels/lanesK⌉"),
            F("words", width: ctx.passWordsW, doc: "output words of the pass per pixel (≤ DO)"),
            F("words_last", width: ctx.passWordsW, doc: "words − 1: a pixel's last output word of the pass"), F("o0_mod_b", width: ctx.lgBb, doc: "o0 mod B"),
            F("bias_lo", width: ctx.chW + 2, doc: "first bias word of the pass"),
            F("half", doc: "the bias-RAM half of the pass"),
            F("wbase", width: ctx.awW, doc: "ring address of the pass's first weight word (§6.3)"),
        ]), producer: "layer_sequencer", consumers: ["weight_buffer", "mask_scanner", "port_sequencer", "compute_control", "requant_engine", "status_counters"],
        doc: "phase and pass quantities (§4)")
    }

    /// `burst`: the MASK/WEIGHTS read requests, into the port sequencer's request mux.
    var burst: EngineChannel {
        EngineChannel(name: "burst", bundle: .stream([F("addr", width: ctx.addrW, doc: "word address")]),
                      producer: "layer_sequencer", consumers: ["port_sequencer"], doc: "MASK and WEIGHTS read requests, and the next pass's weights during TILES (§7.2)")
    }

    /// `burst_rsp`: the DRAM response of this cycle answers a burst read (else a tile load).
    var burstResponse: EngineChannel {
        EngineChannel(name: "burst_rsp", bundle: .flow([]), producer: "port_sequencer", consumers: ["layer_sequencer"],
                      doc: "this cycle's response answers a MASK/WEIGHTS read (reads in flight are tagged in order)")
    }

    /// `pass_done`: the pass's last store request was accepted (a cycle before, with a registered pass end).
    var passDone: EngineChannel {
        EngineChannel(name: "pass_done", bundle: .flow([]), producer: "port_sequencer", consumers: ["layer_sequencer"],
                      doc: "the pass's last store request is accepted (the cycle after it with `registeredPassEnd`, §14)")
    }

    /// `mask_beat`, `weight_beat`: where a MASK/WEIGHTS response word goes (the word is `mem_rsp_rdata`).
    var maskBeat: EngineChannel {
        EngineChannel(name: "mask_beat", bundle: .flow([F("index", width: ctx.burstW, doc: "mask word index")]),
                      producer: "layer_sequencer", consumers: ["mask_scanner"], doc: "a MASK response word (data: `mem_rsp_rdata`)")
    }
    var weightBeat: EngineChannel {
        EngineChannel(name: "weight_beat", bundle: .flow([F("bias", doc: "a bias word (else a weight word)"), F("index", width: ctx.burstW, doc: "word of the burst"),
                                                          F("first", doc: "the burst's first word (index 0)"),
                                                          F("half", doc: "the bias-RAM half it goes to"),
                                                          F("base", width: ctx.awW, doc: "ring address of the burst's first weight word (§6.3)"),
                                                          F("k2cw", width: ctx.cwW, doc: "weight words per output channel of the burst's layer (the next layer's in a handoff, §7.2)"),
                                                          F("word_last", width: ctx.cwW, doc: "k2cw − 1: an output channel's last weight word")]),
                      producer: "layer_sequencer", consumers: ["weight_buffer"], doc: "a WEIGHTS response word (data: `mem_rsp_rdata`)")
    }

    /// `tile`: the next active tile, offered by the scanner; the port sequencer's load grant takes it.
    var tile: EngineChannel {
        EngineChannel(name: "tile", bundle: .stream(tileCoordinates + [F("last", doc: "the group's last tile: its last slot, or no active tile follows in the pass (§3.1)")]),
                      producer: "mask_scanner", consumers: ["port_sequencer"], doc: "the next active tile in raster order (§6.1)")
    }
    /// `loaded`: a tile group whose halos (and residuals) are in the buffers, in load order.
    var loaded: EngineChannel {
        EngineChannel(name: "loaded", bundle: .stream([]), producer: "port_sequencer", consumers: ["compute_control"],
                      doc: "a tile group is loaded (token; FIFO of 2: its load may complete while the previous group computes)")
    }
    /// `group_rd` / `group`: the tiles of a group in flight (the port sequencer's ring of four groups).
    var groupRead: EngineChannel {
        EngineChannel(name: "group_rd", bundle: Bundle([F("index", width: 2, doc: "group number mod 4")]), producer: "compute_control",
                      consumers: ["port_sequencer"], doc: "which group's tiles the compute engine reads (§3.1)")
    }
    var group: EngineChannel {
        EngineChannel(name: "group", bundle: Bundle([
            F("tiles", width: 2 * ctx.tileCoordW + 2, count: ctx.maxSlots,
              doc: "each slot: {used, shares, row, column}: whether the group has a tile in the slot, whether that tile reads its first halo columns from the slot to its left (§6.2, halo reuse), its tile row and column"),
            F("next_shares", doc: "whether the first tile of the group after it shares (§6.2, the ring: its ring offset, found ahead)"),
        ]), producer: "port_sequencer", consumers: ["compute_control"], doc: "the tiles of group `group_rd_index` (§3.1)")
    }
    /// `stored`: an output buffer half was written back (a tile's last store request accepted).
    var stored: EngineChannel {
        EngineChannel(name: "stored", bundle: .stream([]), producer: "port_sequencer", consumers: ["compute_control"],
                      doc: "a tile's store is complete, its output half is free (token; FIFO of 2)")
    }
    /// `requantized`: a tile's outputs are all in the output buffer.
    var requantized: EngineChannel {
        EngineChannel(name: "requantized", bundle: .stream([]), producer: "requant_engine", consumers: ["port_sequencer"],
                      doc: "a tile is requantized, it may be stored (token; FIFO of 2)")
    }

    var tileCoordinates: [F] { [F("ty", width: ctx.tileCoordW, doc: "tile row"), F("tx", width: ctx.tileCoordW, doc: "tile column")] }

    /// Buffer ports: writes from the port sequencer, reads from compute and requant.
    /// `in_wr`: a load response word into the halo buffer (§6.2) or the residual buffer (§6.4).
    var inputWrite: EngineChannel {
        EngineChannel(name: "in_wr", bundle: .flow([
            F("res", doc: "a residual word (else a halo word)"),
            F("bank", width: 8, doc: "halo bank by·tileW + bx, or the residual buffer's PE-array column"),
            F("addr", width: max(ctx.awI, ctx.awO), doc: "word in the bank (halo) or the column's RAMs (residual)"),
            F("data", width: 8 * ctx.B, doc: "the response word (`mem_rsp_rdata`, a cycle later with boundary registers)"),
        ]), producer: "port_sequencer", consumers: ["halo_buffer", "tile_buffers"],
        doc: "a load response word; with `boundaryRegisters` from registers, a cycle after the response, unless the config is sized for cells (§7.3)")
    }
    /// A RAM read request (`en`, `addr`: one address, or one per bank/lane when `count` > 1) and
    /// the read words (`data`, one per bank/lane), the next cycle.
    private func readRequest(_ name: String, addr: Int, count: Int = 1, each: String, from p: String, to c: String, doc: String) -> EngineChannel {
        EngineChannel(name: name, bundle: Bundle([F("en", doc: "read this cycle"), F("addr", width: addr, count: count, doc: each)]),
                      producer: p, consumers: [c], doc: doc)
    }
    private func readData(_ name: String, count: Int, each: String, from p: String, to c: String, doc: String) -> EngineChannel {
        EngineChannel(name: name, bundle: Bundle([F("data", width: 8 * ctx.B, count: count, doc: each)]), producer: p, consumers: [c], doc: doc)
    }

    var haloRead: EngineChannel {
        readRequest("halo_rd", addr: ctx.awI, count: ctx.nBanks, each: "per bank", from: "compute_control", to: "halo_buffer",
                    doc: "stage-0 reads of every halo bank")
    }
    var halo: EngineChannel {
        readData("halo", count: ctx.nBanks, each: "per bank", from: "halo_buffer", to: "pe_array", doc: "the halo banks' read words")
    }
    var weightRead: EngineChannel {
        readRequest("weight_rd", addr: ctx.awW, each: "the same word of every bank", from: "compute_control", to: "weight_buffer",
                    doc: "stage-0 reads of the weight banks (§6.3)")
    }
    var weights: EngineChannel {
        readData("weights", count: ctx.LK, each: "per lane", from: "weight_buffer", to: "pe_array", doc: "the weight banks' read words")
    }
    var biasRead: EngineChannel {
        readRequest("bias_rd", addr: ctx.awB, count: ctx.cfg.requantLanesPerColumn, each: "per requant lane of a column", from: "requant_engine", to: "weight_buffer",
                    doc: "bias reads, one per requant lane of a column (each slice's the cycle before it)")
    }
    var bias: EngineChannel {
        readData("bias", count: ctx.cfg.requantLanesPerColumn, each: "per requant lane of a column", from: "weight_buffer", to: "requant_engine", doc: "the bias RAM copies' read words")
    }
    var residualRead: EngineChannel {
        readRequest("res_rd", addr: ctx.awO, count: ctx.B, each: "per byte lane", from: "requant_engine", to: "tile_buffers",
                    doc: "residual reads, one row ahead")
    }
    var residual: EngineChannel {
        readData("res", count: ctx.tW, each: "per tile column", from: "tile_buffers", to: "requant_engine", doc: "residual words of a tile row")
    }
    var outputWrite: EngineChannel {
        // (with column slices, §7.5, a row's slice writes some columns of a byte lane: per column too)
        let we = ctx.cfg.requantColumnSlices > 1 ? F("we", count: ctx.B * ctx.tW, doc: "byte lane b of column c at b·tileW + c")
                                                 : F("we", count: ctx.B, doc: "per byte lane")
        return EngineChannel(name: "out_wr", bundle: Bundle([we, F("addr", width: ctx.awO, count: ctx.B, doc: "per byte lane"),
                                                             F("data", width: 8, count: ctx.B * ctx.tW, doc: "byte lane b of column c at b·tileW + c")]),
                             producer: "requant_engine", consumers: ["tile_buffers"], doc: "a requantized tile row into the output buffer")
    }
    var outputRead: EngineChannel {
        readRequest("out_rd", addr: ctx.awO, each: "the same word of every column", from: "port_sequencer", to: "tile_buffers",
                    doc: "the store walker's reads, one element ahead")
    }
    var output: EngineChannel {
        readData("out", count: ctx.tW, each: "per tile column", from: "tile_buffers", to: "port_sequencer", doc: "output words of every tile column")
    }

    /// `step`: stage 1 of the compute pipeline (§7.4).
    var step: EngineChannel {
        EngineChannel(name: "step", bundle: .flow([
            F("first", doc: "the kgroup's first step of the lanes that accumulate (restart them)"), F("last", doc: "the kgroup's last step"),
            F("last_g", doc: "the tile's last kgroup"), F("g", width: ctx.kgroupW, doc: "kgroup"), F("half", doc: "buffer half of the tile"),
            F("byte_off", width: 8, doc: "the lanesC chunk's byte in the word"),
            F("grouped", doc: "grouped lanes (§3.4): lane r·GL + c takes chunk c of the word and of subgroup sub's weights"),
            F("sub", width: 8, doc: "the output subgroup j of a grouped step: lanes j·R … j·R + R − 1 accumulate"), F("ra", width: 8, doc: "bank row rotation"),
            F("rb", width: 8, doc: "bank column rotation"),
            F("pe_ok", count: ctx.nBanks, doc: "PE (py, px)'s operand is inside the map (element py·tileW + px)"),
        ]), producer: "compute_control", consumers: ["pe_array"], doc: "one compute step, one cycle after its bank reads")
    }
    /// `acc`: a kgroup's accumulators are in the shadow registers.
    var accumulators: EngineChannel {
        EngineChannel(name: "acc", bundle: .flow([
            F("g", width: ctx.kgroupW, doc: "kgroup"), F("half", doc: "output buffer half"), F("last_g", doc: "the tile's last kgroup"),
            F("shadows", width: ctx.accW, count: ctx.nBanks * ctx.LK, signed: false, doc: "PE (y, x, l) at (y·tileW + x)·lanesK + l"),
        ]), producer: "pe_array", consumers: ["requant_engine"],
        doc: "a kgroup's accumulators; the requant engine takes tileH cycles, the next kgroup ends ≥ Kc ≥ tileH cycles later")
    }

    /// Status taps for the statistics counters.
    var transferStatus: EngineChannel {
        EngineChannel(name: "xfer", bundle: Bundle([
            F("load_busy", doc: "a load is granted or issuing (stall cause dram rather than store)"),
            F("drained", doc: "every granted load has been computed or is computing"),
        ]), producer: "port_sequencer", consumers: ["status_counters"], doc: "transfer state for the stall causes (§9)")
    }
    var computeStatus: EngineChannel {
        EngineChannel(name: "compute", bundle: Bundle([
            F("running", doc: "a tile is being computed"), F("start", doc: "a tile starts this cycle"), F("issue", doc: "a step issues this cycle"),
        ]), producer: "compute_control", consumers: ["status_counters"], doc: "compute state for BUSY and the stall causes (§9)")
    }

    // The line buffer's channels (§6.5), in a config that has one.
    /// `line_wr`: a load response word into the line buffer.
    var lineWrite: EngineChannel {
        EngineChannel(name: "line_wr", bundle: .flow([
            F("bank", width: 8, doc: "line bank by·tileW + bx"), F("addr", width: ctx.awL, doc: "word in the bank"),
        ]), producer: "port_sequencer", consumers: ["line_buffer"], doc: "a band word of a load into the line buffer (data: `mem_rsp_rdata`)")
    }
    var lineRead: EngineChannel { readRequest("line_rd", addr: ctx.awL, count: ctx.nBanks, each: "per line bank", from: "copy_engine", to: "line_buffer", doc: "the copy engine's line-buffer reads") }
    var lineData: EngineChannel { readData("line", count: ctx.nBanks, each: "per line bank", from: "line_buffer", to: "copy_engine", doc: "line-buffer read data, a cycle after the read") }
    /// `copy_wr`: one word into every input bank at one address.
    var copyWrite: EngineChannel {
        EngineChannel(name: "copy_wr", bundle: .flow([
            F("addr", width: ctx.awI, doc: "word in every bank"), F("data", width: 8 * ctx.B, count: ctx.nBanks, doc: "per input bank"),
        ]), producer: "copy_engine", consumers: ["halo_buffer"], doc: "a copied word into every input bank (§6.5)")
    }
    /// `copied`: a tile group's halos are in the input buffer (with the line buffer, what the compute engine waits for).
    var copied: EngineChannel {
        EngineChannel(name: "copied", bundle: .stream([]), producer: "copy_engine", consumers: ["compute_control"],
                      doc: "a tile group is loaded and, with the line buffer, copied (token; FIFO of 2)")
    }
    var copyStatus: EngineChannel {
        EngineChannel(name: "copy", bundle: Bundle([
            F("groups", width: ctx.cntW, doc: "groups of the pass copied so far"),
            F("idle", doc: "no loaded group waits for or is in its copy"),
        ]), producer: "copy_engine", consumers: ["port_sequencer", "status_counters"], doc: "copy progress: a load without a residual may start once the group two before it is copied (§6.5)")
    }
    /// `requant_done`: a tile group's last requant row (the cycle it enters the `requantized` FIFO).
    var requantDone: EngineChannel {
        EngineChannel(name: "requant_done", bundle: .flow([]), producer: "requant_engine", consumers: ["copy_engine"],
                      doc: "a tile group is requantized (its input half is free for the copy, §6.5)")
    }
    /// The channel the compute engine takes its groups from: `copied` with a line buffer, else `loaded`.
    var computeInput: EngineChannel { ctx.hasLine ? copied : loaded }

    /// Every channel, in the order of the docs table.
    var all: [EngineChannel] {
        [registers, layer, sequencer, burst, burstResponse, maskBeat, weightBeat, passDone, tile, loaded, groupRead, group, stored, requantized,
         inputWrite, haloRead, halo, weightRead, weights, biasRead, bias, residualRead, residual,
         outputWrite, outputRead, output, step, accumulators, transferStatus, computeStatus]
            + (ctx.hasLine ? [lineWrite, lineRead, lineData, copyWrite, copied, copyStatus, requantDone] : [])
    }
}
