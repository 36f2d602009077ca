import AcceleratorSpec

/// The layer quantities (§3), one combinational stage from the registers, registered every cycle
/// (the host writes CTRL.start after the layer registers, so they are settled in cycle 0; a
/// quantity that is only bits of a register is wired from it, not copied); the
/// rings' decision and `nsh` a second stage from those registers, settled in cycle 1
/// (`<prefix>layer_params`). Quantities that take a product or a quotient come from the host
/// (MASK_LAYOUT, STEPS, TAP_WORDS, HALO_*, LINE_*): what is left here is shifts, adds,
/// comparisons and multiplexers (issue 13: no multiplier or divider outside the PE array).
struct LayerParams: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("layer_params"), documentation: "Layer quantities derived from the CSRs, registered (§3).")
        _ = m.clock()
        let regs = m.ports(ch.registers.name, ch.registers.bundle.only(["layer0", "layer1", "layer2", "requant", "prelu", "pass", "next_words", "next_layout", "channels",
                                                                              "mask_layout", "steps", "tap_words", "halo_row_words", "halo_region",
                                                                              "line_row_words", "line_blocks", "mask_tiles"]).flipped)
        let out = m.recordOutput(ch.layer.name, ch.layer.bundle)
        func field(_ register: String, _ name: String) -> Expr { regs[register.lowercased()][ctx.field(register, name).bits] }
        var registered: [String: Expr] = [:]
        let constants = ch.layerConstants
        /// Record field `name`, `v` registered (`d_<name>`); a field a left-out mechanism holds
        /// constant (§2) is not in the record: its value stands for it. A field that is bits of a
        /// register is wired from it: its copy would add a flip-flop (on iCE40 a logic cell of its
        /// own, fed by no LUT) and no timing, the register being one already.
        func dreg(_ name: String, _ v: some ExprConvertible) {
            precondition(registered[name] == nil, "the record field \(name) is registered twice")
            if let c = constants[name] { registered[name] = c; return }
            let e = v.expr
            if e.isWiringOfInputs {
                let w = m.wire("d_\(name)", e.asUnsigned)
                m.assign(out[name], w)
                registered[name] = w.expr
                return
            }
            let r = m.reg("d_\(name)", width: e.width)
            m.clocked("d_\(name)_q", resetless: true) { p in p.assign(r, e.asUnsigned) }
            m.assign(out[name], r)
            registered[name] = r.expr
        }
        /// Record field `name` registered now, its register's value: a second stage's input.
        func stage1(_ name: String, _ v: some ExprConvertible) -> Expr { dreg(name, v); return registered[name]! }
        let K = field("LAYER0", "K"), S = field("LAYER0", "S")
        let H = field("LAYER1", "H"), W = field("LAYER1", "W"), Cin = field("LAYER2", "Cin"), Cout = field("LAYER2", "Cout")
        let act = field("LAYER0", "activation"), M = field("REQUANT", "M"), Sh = field("REQUANT", "Sh")
        // Packed taps (§3.2): the rows run a kernel of height 1 at stride 1 without padding.
        // Output pairs (§3.3): a kernel K+1 wide at column stride 2 (the host checks K+1 fits the field).
        // (a mechanism the config leaves out, §2, is a constant 0 here: synthesis removes the logic it
        // enables in every engine that reads the record; its register field set is an error, below)
        /// Register field `name`, or nil when the config leaves out `mechanism`.
        func unless(_ mechanism: Mechanism, _ register: String, _ name: String) -> Expr? {
            cfg.has(mechanism) ? field(register, name) : nil
        }
        let packedField = unless(.tapPacking, "LAYER0", "packed"), pairsField = unless(.outputPairs, "LAYER0", "pairs")
        let packed = packedField ?? k(0, 1)
        let s2 = m.wire("c_s2", packedField.map { S == 2 && !$0 } ?? (S == 2))
        let s2x = m.wire("c_s2x", pairsField.map { S == 2 || $0 } ?? (S == 2))
        let KH = m.wire("c_kh", packedField.map { mux($0, k(1, K.width), K) } ?? K)
        let KW = m.wire("c_kw", pairsField.map { K + $0.zext(K.width) } ?? K)
        let pady = m.wire("c_pad", packedField.map { mux($0, k(0, K.width), K >> 1) } ?? (K >> 1))
        let CW = m.wire("c_cw", ((Cin.zext(17) + (B - 1)) >> lgB).trunc(ctx.cwW))
        // (Cout ≤ maxMapChannels, else a layer error below: ⌈Cout/B⌉ fits cwW bits, §2)
        let chW = ctx.chW
        let COW = m.wire("c_cow", ((Cout.fit(chW).zext(chW + 1) + (B - 1)) >> lgB).trunc(ctx.cwW))
        let NC = m.wire("c_nc", ((Cin.zext(17) + (LC - 1)) >> lgLC).trunc(ctx.ncW))
        // Grouped lanes (§3.4): NJ = ⌈Cout/R⌉ steps per input word (the j < GL with j·R < Cout), CW·NJ per tap.
        let laneGroups = LayerPlan.laneGroups(cfg)
        let grouped = laneGroups == nil ? k(0, 1) : field("LAYER0", "grouped")
        // (a config without lane groups has NJ = 1 as a constant of the record, §2)
        let NJ: Expr? = laneGroups.map { g in
            m.wire("c_nj", mux(grouped, (1..<g.lanes).reduce(k(1, 8)) { $0 + mux(Cout > k($1 * g.groups, Cout.width), k(1, 8), k(0, 8)) }, k(1, 8))).expr
        }
        let T = regs["steps"].fit(ctx.stepW)  // (≤ DW·B/lanesC for any layer the RTL accepts: `stepW`)
        // (the kgroup slot, `LayerPlan.kgroupCycles`: without shadows the next kgroup waits for the requant engine's reads)
        // (the record keeps T − 1 and Kc − 1, the last step's and the last cycle's index: the compute
        // engine compares its step counter with them, no adder in front, issue 13)
        let rc = cfg.requantCycles
        let KcLast = m.wire("c_kc_last", cfg.has(.accumulatorShadows) ? umax(T, k(rc, ctx.stepW)) - 1 : (rc >= 2 ? T + k(rc - 2, ctx.stepW) : T - 1))
        // The layer's tile shape s (§3.1): tiles of h = tileH >> s by w = tileW >> s.
        let shape = field("LAYER0", "shape")
        let levels = cfg.tileShapes
        func byShape(_ values: [Expr]) -> Expr { ctx.byShape(shape, values) }
        let hm1 = m.wire("c_h_m1", byShape((0..<levels).map { k((tH >> $0) - 1, 8) }))
        let wm1 = m.wire("c_w_m1", byShape((0..<levels).map { k((tW >> $0) - 1, 8) }))
        let HH = m.wire("c_hh", mux(s2, hm1 << 1, hm1) + KH.zext(8))
        let HWd = m.wire("c_hw", mux(s2x, wm1 << 1, wm1) + KW.zext(8))
        // (with the line buffer (§6.5) the copy moves whole halos: no reuse, no ring)
        let line = field("LAYER0", "line")
        /// `e`, and not the line buffer when the config has one.
        func unlessLine(_ e: Expr, line: Expr) -> Expr { ctx.hasLine ? e && line == 0 : e }
        // The rings (§6.2): at the full-tile shape, halos not resident, the buffer is one ring of row
        // blocks (tiles in column-major order) when a tile below its neighbour loads fewer words than
        // one beside it, and shares KH − SY rows; else of column blocks, and a tile that continues its
        // row shares KW − SX columns (nsh ≠ 0 at shape 0).
        // (the rings' decision and nsh are a second stage, from the registered record: they are
        // constant from the layer's cycle 1, and read first in TILES and by the scanner's tiles,
        // so the comparisons of the halo's sides are a register away from the CSRs, issue 13)
        let rS2 = stage1("s2", s2), rS2x = stage1("s2x", s2x), rKW = stage1("kw", KW), rHH = stage1("hh", HH), rHW = stage1("hwid", HWd)
        let rShape = stage1("shape", shape), rResident = stage1("resident", unless(.residentHalos, "PASS", "resident") ?? k(0, 2))
        let rGroup = stage1("glast", field("LAYER0", "group")), rLine = ctx.hasLine ? stage1("line", line) : k(0, 1)
        // (without halo reuse, §2, nsh and rowring are constants of the record: none of this is built)
        var ringFields: (nsh: Signal, rowRing: Signal)?
        if cfg.has(.haloReuse) {
            let rSx = mux(rS2x, k(2, 8), k(1, 8))
            let rowRing = m.wire("c_row_ring", unlessLine(ctx.rowRing(shape: rShape, resident: rResident, hh: rHH, hwid: rHW, s2: rS2, s2x: rS2x), line: rLine))
            let columnRing = m.wire("c_column_ring", unlessLine(rKW.zext(8) > rSx && rShape == 0 && rResident == 0 && !rowRing, line: rLine))
            let rowOverlap = (rHH - mux(rS2, k(2 * tH, 8), k(tH, 8))).fit(K.width + 1)
            let overlap = m.wire("c_overlap", (rKW.zext(8) - rSx).fit(K.width + 1))
            // Halo reuse (§6.2): a tile shares KW − SX halo columns with its left-hand neighbour when
            // that is positive and a group has several slot columns (shape > 0, more than one tile).
            let shares = m.wire("c_shares", unlessLine(rKW.zext(8) > rSx && rShape != 0 && rGroup != 0, line: rLine))
            let nsh = m.wire("c_nsh", mux(rowRing, rowOverlap, mux(shares || columnRing, overlap, k(0, K.width + 1))))
            ringFields = (nsh, rowRing)
        }
        let Mw = field("MASK_LAYOUT", "words")
        let pc = field("PASS", "pc")
        // The line buffer (§6.5): CSL·CW and NB from the host.
        var lineError: Expr = line == 1
        if ctx.hasLine {
            let lnb = regs["line_blocks"]
            dreg("lcsw", regs["line_row_words"]); dreg("lnb", lnb)
            lineError = line == 1 && (lnb == 0 || field("PASS", "resident") != 0)
        }
        // (a config of as many shapes as the field holds has no shape out of range)
        let shapeOutOfRange: Expr = levels < (1 << shape.width) ? shape >= levels : k(0, 1)
        let limits = ctx.limits
        /// ⌈side/S⌉ > maxMapSize as comparisons of the field with constants (no adder on the error's path;
        /// gates, not carry chains: `greaterThan`).
        func outOfRange(_ side: Expr, _ stride2: Signal) -> Expr {
            mux(stride2, greaterThan(side, constant: 2 * limits.maxMapSize), greaterThan(side, constant: limits.maxMapSize))
        }
        let kOk = limits.maxKernel >= 15 ? (K != 0 && K[0] == 1) : (K != 0 && K[0] == 1 && K <= limits.maxKernel)
        // (in two halves, registered apart and ORed where START reads them: the whole OR was the
        // deepest path of the XC7Z020 preset, 9 LUT levels from the CSRs)
        let errFields = m.wire("c_error_fields", !kOk || !(S == 1 || S == 2) || H == 0 || W == 0 || Cin == 0 || Cout == 0 || pc == 0
                             || greaterThan(Mw, constant: ctx.maxMw) || outOfRange(H, s2) || outOfRange(W, s2x)
                             || act == 3 || M == 0 || Sh == 0 || shapeOutOfRange
                             // (the counters' widths, AcceleratorContext: CW and a pass's channels fit theirs — a channel's
                             // weights fit a bank, a pass's outputs the output buffer, for any layer the mapper plans)
                             // (and a map's channels the channel counters', `chW`: B·(2^cwW − 1), at most 65 535)
                             || greaterThan(Cin, constant: cfg.maxMapChannels) || greaterThan(Cout, constant: cfg.maxMapChannels)
                             || greaterThan(pc, constant: (1 << ctx.passChannelsW) - 1))
        // (a left-out mechanism's field set: the host asks for logic the RTL does not have; grouped
        // lanes are refused by the lane-group check below, as on any config without lane groups)
        let askedLeftOut = cfg.leftOut.sorted().filter { $0 != .groupedLanes }.flatMap(\.registerFields).map { field($0.register, $0.field) != 0 }
        let pairsError = pairsField.map { $0 == 1 && (packed == 1 || S != 1 || K == 15) }
        let modeTerms = [pairsError].compactMap { $0 } + askedLeftOut  // (never empty: pairs are checked or left out)
        let errModes = m.wire("c_error_modes", modeTerms.dropFirst().reduce(modeTerms[0]) { $0 || $1 }
                             // grouped lanes: a config whose lanes group, one kgroup of all the channels, taps not packed (§3.4)
                             || (field("LAYER0", "grouped") == 1 && (laneGroups == nil ? k(1, 1) : (packed == 1 || Cout > LK || field("CHANNELS", "first") != 0 || field("CHANNELS", "end") != Cout)))
                             // a channel window [first, end) within Cout (§4)
                             // (at the channel counters' width: either past it, or Cout past maxMapChannels, is an error anyway)
                             || greaterThan(field("CHANNELS", "first"), constant: (1 << chW) - 1) || greaterThan(field("CHANNELS", "end"), constant: (1 << chW) - 1)
                             || field("CHANNELS", "first").fit(chW) >= field("CHANNELS", "end").fit(chW) || field("CHANNELS", "end").fit(chW) > Cout.fit(chW)
                             // the line buffer: a config that has one, room for a row block, halos not resident (§6.5)
                             || lineError
                             || field("LAYER0", "group").zext(8) > byShape((0..<levels).map { k((1 << (2 * $0)) - 1, 8) })
                             || field("LAYER0", "first") > field("LAYER0", "group")
                             // a weight handoff of no words would never end (§7.2); one of bias words alone is the
                             // rest of a first pass whose weights came two ahead
                             || (field("PASS", "next") != 0 && (field("NEXT_WORDS", "bias") == 0 || field("NEXT_LAYOUT", "k2cw") == 0)))
        let err = cat(errModes, errFields)
        dreg("padx", K >> 1); dreg("h", H); dreg("w", W)
        dreg("cout", Cout)
        dreg("pad", pady); dreg("cw", CW); dreg("cow", COW); dreg("nc", NC)
        dreg("grouped", grouped)
        if let NJ { dreg("nj", NJ) }
        dreg("t_last", T - 1); dreg("kc_last", KcLast); dreg("k2cw", regs["tap_words"].fit(ctx.cwW))
        dreg("cscw", regs["halo_row_words"].fit(ctx.haloW))
        dreg("mpitch", field("MASK_LAYOUT", "pitch")); dreg("mw", Mw); dreg("gfirst", field("LAYER0", "first")); dreg("region", regs["halo_region"].fit(ctx.haloW))
        if cfg.tileList { dreg("mtiles", regs["mask_tiles"].fit(bitsFor(limits.maxTiles(cfg)))) }
        if let r = ringFields { dreg("nsh", r.nsh); dreg("rowring", r.rowRing) }
        dreg("res", field("LAYER0", "residual")); dreg("act", act); dreg("m", M)
        dreg("sh", Sh); dreg("slope", field("PRELU", "slope")); dreg("pc", pc); dreg("prefetch", unless(.weightPrefetch, "PASS", "prefetch") ?? k(0, 1))
        dreg("preloaded", unless(.weightHandoff, "PASS", "preloaded") ?? k(0, 1)); dreg("half0", field("PASS", "half"))
        dreg("next", unless(.weightHandoff, "PASS", "next") ?? k(0, 1)); dreg("next_half", field("PASS", "next_half"))
        dreg("error", err)
        m.allowPartlyReadInputs()
        return try m.build()
    }
}
