/// Port sequencer (§7.1–§7.3): the fixed transfer order L0, L1, L2, S0, L3, S1, …, the load engine
/// (request walker + response walker: halo rows/cols/words with clipping, then residual words),
/// the store engine (pixel/word walker with byte strobes for the pass channels) and the DRAM port
/// (request mux, read window) (`<prefix>port_sequencer`).
///
/// Transfers move tile groups (§3.1; one tile at one shape): a load takes its group's tiles from
/// the scanner's `tile` stream one by one (the next in the cycle of the previous tile's last request
/// when the scanner offers it then) and walks each tile's requests; a store
/// walks the requests of all the group's tiles. The tiles of the four groups in flight live in a
/// ring (group number mod 4), which the store walker and the compute engine (`group`) read. It
/// offers loaded groups on `loaded` and freed output halves on `stored` (each a token through a
/// FIFO of 2), and stores a group when `requantized` offers it. The FIFOs never fill: a group is
/// loaded only when the group two before it is requantized, and its compute starts only when the
/// group two before it is stored, so at most two loads (two stores) are ahead of the compute engine.
struct PortSequencer: AcceleratorEngine {
    let ctx: AcceleratorContext

    /// **Tagged loads** (§7.3): without halo reuse and a line buffer, the load request walker finds
    /// each read's input-buffer write (residual or halo, bank, word) and the read's tag carries it
    /// to the response; otherwise a response walker retraces the requests from the taken tiles
    /// (their rings and the band need it). The same writes in the same cycles either way.
    var taggedLoads: Bool { !cfg.has(.haloReuse) && !ctx.hasLine }

    struct TileGeom { let y0: Expr; let ylo: Expr; let yhi: Expr; let x0: Expr; let xlo: Expr; let xhi: Expr; let vr: Expr; let vc: Expr }
    /// What a walker keeps of its tile's geometry, registered when it starts the tile (at the take,
    /// or carried from it through the taken FIFO): the halo's origin, its in-map ends, its first
    /// in-map column, the tile's valid output rows and columns. Kept, not derived from the tile's
    /// coordinates in the walk: the tile's last element (which takes the next tile) then starts at
    /// registers (issue 13, ≤ 8 LUT levels). `walkW`-bit values as bits, y0 and x0 signed.
    struct WalkBounds { let y0: Expr; let x0: Expr; let ylast: Expr; let xlast: Expr; let xlo: Expr; let vr: Expr; let vc: Expr }
    struct Walker { let inRes: Signal; let y: Signal; let x: Signal; let w: Signal; let r: Signal; let c: Signal; let j: Signal
        let last: Expr; let bounds: WalkBounds
        /// The tile's first halo row and column, at the walker's start.
        let initY: Expr; let initX: Expr
        /// When the walker starts a tile and when it steps; in the residual walk, the pixel's last
        /// word and the row's last pixel.
        let start: Expr; let advance: Expr; let jLast: Expr; let cLast: Expr
        /// In the halo walk, a row's last word.
        let rowLast: Expr }

    func build() throws -> Module {
        let m = ModuleBuilder(names.engine("port_sequencer"), documentation: "Port sequencer (§7.1–§7.3): transfer order, load and store walkers, the DRAM port.")
        let clk = m.clock(), rst = m.reset()
        let req = m.ports(TopInterface.memoryRequestPort, TopInterface.memoryRequest(cfg))
        let rsp = m.ports(TopInterface.memoryResponsePort, TopInterface.memoryResponse(cfg).only("valid", "ready", "rdata").flipped)
        let ev = m.ports(TopInterface.eventsPort, TopInterface.events.only("load_start", "load_ready", "store_start", "store_end"))
        let regs = m.ports(ch.registers.name, ch.registers.bundle.only("base_input", "base_residual", "base_output", "in_row_words", "out_row_words").flipped)
        let layer = layerRecord(in: m, reading: ["s2", "s2x", "h", "w", "pad", "padx", "cw", "cow", "hh", "hwid", "cscw", "res", "resident", "shape", "region", "nsh", "rowring"] + (ctx.hasLine ? ["line", "lcsw", "lnb"] : []))
        let seq = m.ports(ch.sequencer.name, ch.sequencer.bundle.only("phase", "o0", "channels", "words", "words_last").flipped)
        let burst = m.ports(ch.burst.name, ch.burst.bundle.flipped)
        let passDone = m.ports(ch.passDone.name, ch.passDone.bundle)
        let burstRsp = m.ports(ch.burstResponse.name, ch.burstResponse.bundle)
        let tile = m.ports(ch.tile.name, ch.tile.bundle.flipped)
        let loaded = m.ports(ch.loaded.name, ch.loaded.bundle)
        let groupRd = m.ports(ch.groupRead.name, ch.groupRead.bundle.flipped)
        let group = m.ports(ch.group.name, ch.group.bundle)
        let stored = m.ports(ch.stored.name, ch.stored.bundle)
        let requantized = m.ports(ch.requantized.name, ch.requantized.bundle.flipped)
        let inWr = m.ports(ch.inputWrite.name, ch.inputWrite.bundle)
        let outRd = m.ports(ch.outputRead.name, ch.outputRead.bundle)
        let out = m.ports(ch.output.name, ch.output.bundle.flipped)
        let status = m.ports(ch.transferStatus.name, ch.transferStatus.bundle)
        // The line buffer (§6.5), in a config that has one: loads bring the band's segments.
        let lineP = ctx.hasLine ? layer : nil
        let copyP = ctx.hasLine ? m.ports(ch.copyStatus.name, ch.copyStatus.bundle.only("groups").flipped) : nil
        let lineWr = ctx.hasLine ? m.ports(ch.lineWrite.name, ch.lineWrite.bundle) : nil
        let lineMode: Expr = lineP.map { $0["line"].expr } ?? k(0, 1)
        /// `line` with a line buffer in the config, else `plain` (nothing of the line buffer is built).
        func withLine(_ line: @autoclosure () -> Expr, else plain: Expr) -> Expr { ctx.hasLine ? line() : plain }

        let inTiles = m.wire("in_tiles", seq["phase"] == 3)
        // rows: s2, pad (stride 1, no padding with packed taps, §3.2); columns: s2x, padx (output pairs, §3.3)
        let dS2 = layer["s2"], dS2x = layer["s2x"], dPad = layer["pad"], dPadX = layer["padx"]
        let dCW = layer["cw"], dCOW = layer["cow"], dRes = layer["res"]
        // the output map ⌈H/S⌉ × ⌈W/S⌉ (derived here rather than taken as two more ports; registered:
        // they start many paths of the walkers' geometry)
        let dHo = m.wire("c_ho", m.layerConstant("c_ho", mux(dS2, (layer["h"].zext(17) + 1) >> 1, layer["h"].zext(17)).fit(walkW)))
        let dWo = m.wire("c_wo", m.layerConstant("c_wo", mux(dS2x, (layer["w"].zext(17) + 1) >> 1, layer["w"].zext(17)).fit(walkW)))
        // the pass's first word within a pixel, o0÷B, and its first channel's byte, o0 mod B (§4)
        let pOW = seq["words"], pOWLast = seq["words_last"], pBase = m.wire("pass_word_base", seq["o0"] >> lgB)
        let dShape = layer["shape"]
        let maxQ = ctx.maxSlots, sb = bitsFor(max(maxQ - 1, 1))
        // Groups of one tile (one tile shape, §3.1): every take is its group's first and last, so a
        // load never takes a tile after a request and a store's last element is its tile's. The
        // slot logic is left out rather than left to Yosys, which cannot see that a slot stays 0
        // (on the UP5K the store's last element and the take were paths of eight LUT levels, issue 13).
        let oneTileGroups = maxQ == 1
        let tileRCW = bitsFor(max(tH, tW, 2) - 1)
        // Resident halos (§7.3): after the first pass a load carries only its residual words, or none.
        let skipHalo = m.wire("ld_skip_halo", layer["resident"] != 0 && seq["o0"] != 0)
        let noneLoad = m.wire("ld_none", skipHalo && !dRes)

        /// Halo origin, in-map halo ranges and valid output rows/cols of tile (ty, tx) (`walkW`-bit signed values as bits).
        func tileGeom(_ name: String, ty: some ExprConvertible, tx: some ExprConvertible, xShift: Int = 0) -> TileGeom {
            func side(_ s: String, _ t: Expr, _ tile: Int, _ s2: Signal, _ pad: Signal, _ inSize: Signal, _ halo: Signal, _ outSize: Signal, shift: Int = 0) -> (Expr, Expr, Expr, Expr) {
                // at the layer's shape: tiles of tile >> s
                let o = m.wire("\(name)_\(s)o", ctx.tileOrigin(dShape, t, tile: tile, walkW))
                let size = ctx.byShape(dShape, (0..<ctx.levels).map { k(tile >> $0, walkW) })
                let start = m.wire("\(name)_\(s)0", ctx.faultShifted(mux(s2, o << 1, o) - pad.fit(walkW), by: shift))
                let lo = m.wire("\(name)_\(s)lo", mux(start.asSigned < 0, k(0, walkW), start))
                let end = start + halo.fit(walkW)
                let hi = m.wire("\(name)_\(s)hi", mux(end.asSigned > inSize.fit(walkW).asSigned, inSize.fit(walkW), end))
                let v: Signal
                if ctx.sizedForCells && ctx.levels == 1 && tile >= 2 && tile & (tile - 1) == 0 {
                    // (one tile shape, a power-of-two side: the side, but in the output map's last
                    // tile row (column) the rows past its last multiple — a comparison of the tile's
                    // coordinate with a layer constant where the remainder needs two subtractions,
                    // on the offer's path, issue 13)
                    let lg = log2Exact(tile), vW = bitsFor(tile)
                    let lastIndex = m.layerConstant("\(name)_\(s)_last_tile", ((outSize.fit(walkW) - 1) >> lg).fit(t.width))
                    let lastV = m.layerConstant("\(name)_v\(s)_last_tile", ((outSize.fit(walkW) - 1).fit(lg).zext(vW) + 1).fit(vW))
                    v = m.wire("\(name)_v\(s)", mux(t == lastIndex, lastV.zext(walkW), size))
                } else {
                    let rem = outSize.fit(walkW) - o
                    v = m.wire("\(name)_v\(s)", mux(rem > size, size, rem))
                }
                for w in [o, start, lo, hi, v] { m.allowUnused(w) }
                return (start.expr, lo.expr, hi.expr, v.expr)
            }
            let (y0, ylo, yhi, vr) = side("y", ty.expr, tH, dS2, dPad, layer["h"], layer["hh"], dHo)
            let (x0, xlo, xhi, vc) = side("x", tx.expr, tW, dS2x, dPadX, layer["w"], layer["hwid"], dWo, shift: xShift)
            return TileGeom(y0: y0, ylo: ylo, yhi: yhi, x0: x0, xlo: xlo, xhi: xhi, vr: vr, vc: vc)
        }

        // A walker's bounds at their narrowest (a map side ≤ 2·maxMapSize, signed for the origin; valid
        // rows and columns ≤ the tile's): the taken FIFO carries them, the walkers register them.
        let coordW = ctx.rowIndexBits(input: true) + 1
        /// The bounds' fields, in `WalkBounds` order: name, width, signed, what it is.
        let boundsSpec: [(name: String, width: Int, signed: Bool, doc: String)] = [
            ("y0", coordW, true, "the halo's first row"), ("x0", coordW, true, "the halo's first column"),
            ("ylast", coordW, false, "the halo's last row in the map"), ("xlast", coordW, false, "the halo's last column in the map"),
            ("xlo", coordW, false, "the halo's first column in the map"),
            ("vr", bitsFor(tH), false, "the tile's valid output rows"), ("vc", bitsFor(tW), false, "the tile's valid output columns")]
        let boundsWidths = boundsSpec.map(\.width), boundsNames = boundsSpec.map(\.name)
        /// A tile's bounds from its geometry.
        /// (the last row and column rather than their ends: a walker's last element is then an
        /// equality with a register, not with a sum — the request walker's decides the take, issue 13)
        func bounds(of g: TileGeom) -> WalkBounds { WalkBounds(y0: g.y0, x0: g.x0, ylast: g.yhi - 1, xlast: g.xhi - 1, xlo: g.xlo, vr: g.vr, vc: g.vc) }
        /// The bounds' values at their widths, in `boundsNames` order.
        func boundsFields(_ b: WalkBounds) -> [Expr] {
            zip([b.y0, b.x0, b.ylast, b.xlast, b.xlo, b.vr, b.vc], boundsWidths).map { $0.fit($1) }
        }
        /// A coordinate at its narrow width as the walkers' `walkW`-bit value (sign-extended when signed).
        func widenedCoordinate(_ e: Expr, signed: Bool) -> Expr { signed ? e.sext(walkW).asUnsigned : e.fit(walkW) }
        /// The `walkW`-bit bounds of signals at the bounds' widths (`boundsNames` order).
        func widened(_ sigs: [Signal]) -> WalkBounds {
            let v = zip(sigs, boundsSpec).map { r, f in widenedCoordinate(r.expr, signed: f.signed) }
            return WalkBounds(y0: v[0], x0: v[1], ylast: v[2], xlast: v[3], xlo: v[4], vr: v[5], vc: v[6])
        }
        /// Registers `<name>_b_<field>` holding a walker's bounds, and their `walkW`-bit values.
        func boundsRegisters(_ name: String) -> ([Signal], WalkBounds) {
            let regs = zip(boundsNames, boundsWidths).map { m.reg("\(name)_b_\($0)", width: $1, reset: 0) }
            return (regs, widened(regs))
        }

        // The row ring (§6.2): tiles in column-major order; a sharing tile shares its first nsh rows.
        let rows = m.wire("ld_row_ring", layer["rowring"])
        /// The first halo column a tile's load reads: its first in-map column, or, when it shares its
        /// first `nsh` columns with its left-hand neighbour (§6.2, halo reuse), the column after them.
        /// (the column after them, x0 + nsh, when it is past the first in-map column, is
        /// max(x0 + nsh, 0): nsh ≥ 0, so both candidates are formed beside the share decision)
        func firstColumn(shared: Expr, xlo: Expr, shares: some ExprConvertible) -> Expr { mux(shares.expr && !rows, shared, xlo) }
        /// The halo's first row or column after the `nsh` it shares, from its first (x0 or y0).
        func afterShared(_ start: Expr) -> Expr { atLeastZero(start + layer["nsh"].fit(walkW)) }
        /// v, or 0 when v (`walkW`-bit signed) is negative.
        func atLeastZero(_ v: Expr) -> Expr { mux(v.asSigned < 0, k(0, walkW), v) }
        /// The first halo row a tile's load reads: its first in-map row, or, in the row ring when it
        /// shares its first `nsh` rows with the tile above it, the row after them.
        func firstRow(shared: Expr, ylo: Expr, shares: some ExprConvertible) -> Expr { mux(shares.expr && rows, shared, ylo) }

        // (a pixel's last word, CW − 1, a layer constant: the request walker's last element decides
        // the take, and a subtraction in front of its comparison was the UP5K's longest path, issue 13)
        let cwLast = m.layerConstant("ld_cw_last_layer", dCW - 1)
        /// The load walker: the current element of a tile load (halo words, then residual words);
        /// `initShares`: the tile skips the halo columns it shares with its left-hand neighbour;
        /// `initBounds`: the tile's bounds, registered at the start; `initAt`: its first halo row and column;
        /// `lastFlags`: whether w and j are at their last values are flags set with them, as x's and y's.
        func loadWalker(_ name: String, initNow: Expr, initBounds: WalkBounds, initShares: Expr,
                        initAt: (y: Expr, x: Expr), step: Expr, lastFlags: Bool = false) -> Walker {
            let shares = m.reg("\(name)_shares", width: 1, reset: 0)
            let inRes = m.reg("\(name)_in_res", width: 1, reset: 0)
            let y = m.reg("\(name)_y", width: walkW, reset: 0), x = m.reg("\(name)_x", width: walkW, reset: 0)
            let w = m.reg("\(name)_w", width: ctx.cwW, reset: 0)
            // (a tile's output row and column, below its valid rows and columns: as wide as a tile side)
            let r = m.reg("\(name)_r", width: tileRCW, reset: 0), c = m.reg("\(name)_c", width: tileRCW, reset: 0)
            let j = m.reg("\(name)_j", width: ctx.passWordsW, reset: 0)
            let (bRegs, g) = boundsRegisters(name)
            m.allowUnused(bRegs[0])  // (the halo's first row: the response walker's write address uses it, the request walker not)
            let initY = m.wire("\(name)_init_y", initAt.y), initX = m.wire("\(name)_init_x", initAt.x)
            let xFirst = m.wire("\(name)_x_first", firstColumn(shared: afterShared(g.x0), xlo: g.xlo, shares: shares))
            // (whether x and y are at their last values: flags set with them, so that the walker's
            // last element, which decides the take, compares only w; issue 13)
            // (with `lastFlags` w's and j's too: the walker's last element is then an AND of registers)
            let wLastR: Signal? = lastFlags ? m.reg("\(name)_w_last_q", width: 1, reset: 0) : nil
            let jLastR: Signal? = lastFlags ? m.reg("\(name)_j_last_q", width: 1, reset: 0) : nil
            let wLast = m.wire("\(name)_w_last", wLastR?.expr ?? (w == cwLast))
            let xLast = m.reg("\(name)_x_last", width: 1, reset: 0)
            let yLast = m.reg("\(name)_y_last", width: 1, reset: 0)
            // (the bounds registers' values at the start; its last row and column at `walkW` bits)
            let startFields = boundsFields(initBounds)
            let startYLast = widenedCoordinate(startFields[2], signed: boundsSpec[2].signed)
            let startXLast = widenedCoordinate(startFields[3], signed: boundsSpec[3].signed)
            let jLast = m.wire("\(name)_j_last", jLastR?.expr ?? (j == pOWLast))
            /// w (j) set to `value`: its flag too.
            func setW(_ p: ProcessBuilder, _ value: Expr, last: Expr) { p.assign(w, value); if let wLastR { p.assign(wLastR, last) } }
            func setJ(_ p: ProcessBuilder, _ value: Expr, last: Expr) { p.assign(j, value); if let jLastR { p.assign(jLastR, last) } }
            let wZero = k(0, w.width), jZero = k(0, j.width)
            let cLast = m.wire("\(name)_c_last", c.fit(walkW) + 1 == g.vc)
            let rLast = m.wire("\(name)_r_last", r.fit(walkW) + 1 == g.vr)
            let haloLast = wLast && xLast && yLast
            let last = m.wire("\(name)_last", mux(inRes, jLast && cLast && rLast, haloLast && !dRes)).expr
            m.clocked("\(name)_walk") { p in
                p.when(initNow) {
                    // (after the first pass of resident halos a load starts at its residual words)
                    // (with the line buffer the walker walks only the residual words, §6.5)
                    for (reg, value) in zip(bRegs, startFields) { p.assign(reg, value) }
                    p.assign(inRes, withLine(skipHalo || lineMode, else: skipHalo.expr)); p.assign(shares, initShares)
                    p.assign(y, initY); p.assign(x, initX); setW(p, wZero, last: cwLast == 0); p.assign(r, 0); p.assign(c, 0); setJ(p, jZero, last: pOWLast == 0)
                    p.assign(yLast, initY == startYLast); p.assign(xLast, initX == startXLast)
                }.elseWhen(step) {
                    p.when(!inRes) {
                        p.when(wLast) {
                            setW(p, wZero, last: cwLast == 0)
                            p.when(xLast) {
                                p.assign(x, xFirst); p.assign(xLast, xFirst == g.xlast)
                                p.when(yLast) {
                                    p.assign(inRes, 1); p.assign(r, 0); p.assign(c, 0); setJ(p, jZero, last: pOWLast == 0)
                                }.otherwise { p.assign(y, y + 1); p.assign(yLast, (y + 1).fit(walkW) == g.ylast) }
                            }.otherwise { p.assign(x, x + 1); p.assign(xLast, (x + 1).fit(walkW) == g.xlast) }
                        }.otherwise { setW(p, (w + 1).fit(w.width), last: (w + 1).fit(w.width) == cwLast) }
                    }.otherwise {
                        p.when(jLast) {
                            setJ(p, jZero, last: pOWLast == 0)
                            p.when(cLast) { p.assign(c, 0); p.assign(r, r + 1) }.otherwise { p.assign(c, c + 1) }
                        }.otherwise { setJ(p, (j + 1).fit(j.width), last: (j + 1).fit(j.width) == pOWLast) }
                    }
                }
            }
            return Walker(inRes: inRes, y: y, x: x, w: w, r: r, c: c, j: j, last: last, bounds: g,
                          initY: initY.expr, initX: initX.expr, start: initNow, advance: step, jLast: jLast.expr, cLast: cLast.expr,
                          rowLast: wLast && xLast)
        }

        // ---- transfer order ----
        let xState = m.reg("xfer_issue", width: 1, reset: 0)
        let xIsStore = m.reg("xfer_is_store", width: 1, reset: 0)
        let xFirst = m.reg("xfer_first", width: 1, reset: 0)
        let li = m.reg("loads_granted", width: cntW, reset: 0)
        let si = m.reg("stores_granted", width: cntW, reset: 0)
        let lastWasLoad = m.reg("last_was_load", width: 1, reset: 0)
        let loadsDone = m.reg("loads_done", width: cntW, reset: 0)
        // A tile of no requests: one idle cycle after its take, presenting nothing.
        let xNone = m.reg("xfer_none", width: 1, reset: 0)
        // A load takes its group's next tile in this cycle (no request); the slot of the tile whose
        // requests are presented; whether that tile is its group's last.
        let ldTake = m.reg("ld_take", width: 1, reset: 0)
        let ldSlot = m.reg("ld_slot", width: sb, reset: 0)
        let ldGroupLastR: Signal? = oneTileGroups ? nil : m.reg("ld_group_last", width: 1, reset: 0)
        /// `e` in the group's last tile (every tile, in groups of one)
        func inLastTile(_ e: Expr) -> Expr { ldGroupLastR.map { e && $0 } ?? e }
        // The tiles of the groups in flight (a ring of 4, entry = group number mod 4): packed
        // registers, tile (group e, slot k) at element e·maxSlots + k; the tile count of each group.
        // (no reset: an entry is written when its tile is taken, before anything reads it)
        let ringTyR = m.reg("ring_ty", width: 4 * maxQ * tileCoordW), ringTxR = m.reg("ring_tx", width: 4 * maxQ * tileCoordW)
        let ringTy = fields(ringTyR, width: tileCoordW), ringTx = fields(ringTxR, width: tileCoordW)
        // (and, unless the config is sized for cells (below), each tile's first output word in the
        // map, `tile_out_words` at its take: the store's tile address)
        let ringWordsR: Signal? = ctx.sizedForCells ? nil : m.reg("ring_words", width: 4 * maxQ * addrW)
        let ringWords = ringWordsR.map { fields($0, width: addrW) } ?? []
        // (and each tile's valid output rows and columns, found at its take: the store walker's tile
        // ends then start at registers, not at the tile's geometry, issue 13)
        let vrW = bitsFor(tH), vcW = bitsFor(tW)
        let ringVrR = m.reg("ring_vr", width: 4 * maxQ * vrW), ringVcR = m.reg("ring_vc", width: 4 * maxQ * vcW)
        let ringVr = fields(ringVrR, width: vrW), ringVc = fields(ringVcR, width: vcW)
        let nW = bitsFor(maxQ)
        let ringShareR = m.reg("ring_share", width: 4 * maxQ)
        let ringShare = fields(ringShareR, width: 1)
        let ringNR = m.reg("ring_n", width: 4 * nW, reset: 0)
        let ringN = fields(ringNR, width: nW)
        let readSlot = m.wire("mem_read_slot")

        // (li ≥ 3 is a flag set at the third load's grant: the grant's path, issue 13)
        let threeLoads = m.reg("loads_granted_three", width: 1, reset: 0)
        let wantStore = m.wire("xfer_want_store", mux(tile["valid"], threeLoads && lastWasLoad, k(1, 1)))
        // A load of group n reuses the halo half of group n − 2: it waits until that group is requantized.
        // Loads and stores alternate after L2, so when a load is considered at most one requantized
        // group (group li − 2) is not yet stored: it is the one `requantized` offers.
        // In a ring of three (§6.2) a load reuses the blocks of the group three before it, which is
        // stored (so requantized) by the time the order reaches the load: no wait.
        let ring = m.wire("ld_ring", m.layerConstant("ld_ring_layer", ctx.haloRing(shape: dShape, nsh: layer["nsh"])))
        let three = m.wire("ld_ring_of_three", ctx.ringOfThree(res: dRes, region: layer["region"]))
        // With the line buffer and no residual a load writes only the line buffer: it waits for the copy
        // of the group two before it instead (§6.5).
        let lineEarly: Expr = copyP.map { c in lineMode && !dRes && (li < 2 || c["groups"] + 1 >= li) } ?? k(0, 1)
        // (both from registers on the grant's path, issue 13: the ring of three a layer constant, the
        // loads granted ahead of the stores a small counter rather than li ≤ si + 1)
        let ringOfThree = m.layerConstant("ld_ring_three_layer", ctx.haloRing(shape: dShape, nsh: layer["nsh"]) && three)
        let ahead = m.reg("loads_ahead", width: 3, reset: 0)
        let notAhead = m.wire("loads_not_ahead", ahead <= 1)
        let eligLoad = m.wire("xfer_elig_load", withLine(mux(lineMode && !dRes, lineEarly, notAhead || requantized["valid"] || ringOfThree),
                                                          else: notAhead || requantized["valid"] || ringOfThree))
        let eligStore = m.wire("xfer_elig_store", requantized["valid"])
        // A tile is taken at least `takeInterval` cycles after the previous take (§7.3): the scanner
        // offers the next tile two cycles after a take, and with boundary registers its geometry is
        // registered a cycle later. (with an interval of two, the order already keeps it)
        // (the last takes' flags, built where read: by the interval's test, by the take after a
        // request in groups of several tiles, and by a registered take, whose interval is three)
        let readsTakes = cfg.takeInterval > 2 || !oneTileGroups
        let takenQ: Signal! = readsTakes ? m.reg("ld_taken_q", width: 1, reset: 0) : nil
        let takenQ2: Signal? = cfg.takeInterval > 2 ? m.reg("ld_taken_q2", width: 1, reset: 0) : nil
        let recentTake: Expr! = readsTakes ? m.wire("ld_taken_recently", takenQ2.map { takenQ || $0 } ?? takenQ.expr).expr : nil
        let takeSpaced: Expr = takenQ2 == nil ? k(1, 1) : !recentTake
        let grant = m.wire("xfer_grant", ctx.faultLateGrant(in: m, inTiles && !xState && mux(wantStore, eligStore, eligLoad && takeSpaced)))
        let grantLoad = m.wire("grant_load", grant && !wantStore)
        let grantStore = m.wire("grant_store", grant && wantStore)
        // The grant takes a group's first tile; each later tile is taken in the cycle of the previous
        // tile's last accepted request, or in a cycle of its own when that would follow the previous
        // take too soon (`takeInterval`) or the tile had no requests.
        let takeNext = m.wire("ld_take_next", inTiles && xState && !xIsStore && ldTake && takeSpaced)
        let ldLast = m.wire("ldq_last_req")
        let takeEarly = m.wire("ld_take_early", ldGroupLastR.map { ldLast && !$0 && !recentTake } ?? k(0, 1))
        let taken = m.wire("ld_tile_taken", grantLoad || takeNext || takeEarly)
        let takeSlot = m.wire("ld_take_slot", mux(grantLoad, k(0, sb), ldSlot + 1))
        // (the scanner flags a group's last tile: its last slot, or the pass's last tile, §3.1)
        let takeLast = m.wire("ld_take_last", oneTileGroups ? k(1, 1) : tile["last"].expr)
        if oneTileGroups { m.allowUnused(tile["last"]) }
        let noneDone = m.wire("ld_none_done", taken && noneLoad && takeLast)  // a group of no requests: loaded now
        m.assign(tile["ready"], taken)
        m.assign(requantized["ready"], grantStore)
        // (with a registered take, §7.3, the cycle after a take presents no request: the walker starts in it)
        let issuing = inTiles && xState && !xIsStore && !xNone && !ldTake
        let issueLoad = m.wire("issue_load", cfg.registeredTake ? issuing && !takenQ : issuing)
        let issueStore = m.wire("issue_store", inTiles && xState && xIsStore)
        // A transfer's request is presented in every cycle of its issue state (a load's only while a
        // read slot is free) and advances its walker when the port accepts it. The burst (MASK,
        // WEIGHTS, and the next pass's weights during TILES) takes the port when no transfer
        // presents, or when its own request was refused in the previous cycle (it stays until taken).
        let burstLocked = m.reg("burst_locked", width: 1, reset: 0)
        let burstTurn = m.wire("burst_turn", readSlot && (burstLocked || !((issueLoad && readSlot) || issueStore)))
        m.assign(burst["ready"], req["ready"] && burstTurn)
        let burstPresent = m.wire("burst_presented", burst["valid"] && burstTurn)
        // (a transfer that presents yields only to a locked burst, and a locked burst's request is
        // still there — it was refused, and no phase change in between takes it away: so the
        // transfer's request needs `burst_locked`, not the burst's valid, a shorter path, issue 13)
        let loadValid = m.wire("ldq_req_valid", issueLoad && readSlot && !burstLocked)
        let storeValid = m.wire("st_req_valid", issueStore && !(burstLocked && readSlot))
        let loadAccept = m.wire("ldq_accept", ctx.faultIgnoreReady(loadValid, ready: req["ready"]))
        let storeAccept = m.wire("st_accept", storeValid && req["ready"])

        // ---- load request walker ----
        // Halo reuse (§6.2): the tile taken shares its first nsh halo columns with the tile taken just
        // before it when that is its left-hand neighbour (same row, tx − 1) in the slot to its left,
        // and it keeps a column of its own (x0 + nsh < the halo's end in the map); when nsh > w·SX the
        // shared columns reach into the left tile's own shared ones, so that tile must not share.
        let takeShares = m.wire("ld_take_shares")
        let bandBusy: Signal? = ctx.hasLine ? m.wire("ldb_busy") : nil
        // (the taken tile's geometry, from the scanner's registered offer: its bounds and first halo
        // row and column go to the request walker's registers and into the taken FIFO)
        // With a take interval of three (boundary registers, §7.3) the offered tile's geometry, the
        // first rows and columns after a share, and its comparisons with the tile taken before it
        // are registered (`ld_offer_*`) before it can be taken: the scanner offers a tile two
        // cycles after a take and the port sequencer takes it from the third on (issue 13).
        let offerStages = cfg.takeInterval - 2
        func offered(_ name: String, _ e: some ExprConvertible) -> Expr { m.delayed("ld_offer_\(name)", e.expr, by: offerStages) }
        let offerGeom = tileGeom("ldq_gi", ty: tile["ty"], tx: tile["tx"], xShift: ctx.faultHaloColumnShift)
        // (at the bounds' widths: a map coordinate's, signed for the origin, and the tile's)
        func offeredCoordinate(_ name: String, _ e: Expr, signed: Bool = false) -> Expr {
            let q = offered(name, e.fit(coordW))
            return widenedCoordinate(q, signed: signed)
        }
        let takeGeom = TileGeom(y0: offeredCoordinate("y0", offerGeom.y0, signed: true), ylo: offeredCoordinate("ylo", offerGeom.ylo),
                                yhi: offeredCoordinate("yhi", offerGeom.yhi), x0: offeredCoordinate("x0", offerGeom.x0, signed: true),
                                xlo: offeredCoordinate("xlo", offerGeom.xlo), xhi: offeredCoordinate("xhi", offerGeom.xhi),
                                vr: offered("vr", offerGeom.vr.fit(vrW)).fit(walkW), vc: offered("vc", offerGeom.vc.fit(vcW)).fit(walkW))
        let takeRowShared = offeredCoordinate("row_shared", afterShared(offerGeom.y0))
        let takeColumnShared = offeredCoordinate("column_shared", afterShared(offerGeom.x0))
        // A registered take (`registeredTake`, §7.3) starts the walker a cycle after the take: the
        // offer's registers still hold the taken tile then (the scanner's next offer comes two
        // cycles after the take), the take's share is registered, and its first halo words come
        // from the take's products a cycle after their operands (below), so the take's enables are
        // registers rather than the take's late decision, fanned out to the walker (issue 13).
        let registeredTake = cfg.registeredTake
        precondition(!registeredTake || (taggedLoads && maxQ == 1 && !cfg.has(.residentHalos)),
                     "a registered take needs tagged loads, groups of one tile and no resident halos")
        let walkStart: Expr = registeredTake ? takenQ.expr : taken.expr
        let walkShares: Expr = registeredTake ? m.delayed("ld_take_shares_q", takeShares.expr, by: 1) : takeShares.expr
        let lq = loadWalker("ldq", initNow: walkStart, initBounds: bounds(of: takeGeom),
                            initShares: walkShares,
                            initAt: (firstRow(shared: takeRowShared, ylo: takeGeom.ylo, shares: walkShares),
                                     firstColumn(shared: takeColumnShared, xlo: takeGeom.xlo, shares: walkShares)),
                            step: bandBusy.map { loadAccept && !$0 } ?? loadAccept.expr, lastFlags: ctx.sizedForCells)
        let prevTy = m.reg("ld_prev_ty", width: tileCoordW), prevTx = m.reg("ld_prev_tx", width: tileCoordW)
        let prevShares = m.reg("ld_prev_shares", width: 1)
        let slotColumn = ctx.byShape(dShape, (0..<ctx.levels).map { l in l == 0 ? k(0, 1) : (takeSlot.fit(l) != 0) })
        // (x0 + nsh < min(x0 + HW, W): nsh < HW, a layer constant, and x0 + nsh < W)
        // (the previous tile is the one taken before the offer: it changes at a take, and a tile is
        // not taken in the cycles its offer's registers fill)
        let ownColumn = m.layerConstant("ld_nsh_in_halo_columns", layer["nsh"].fit(8) < layer["hwid"].fit(8))
            && offered("own_column", (offerGeom.x0 + layer["nsh"].fit(walkW)).asSigned < layer["w"].fit(walkW).asSigned)
        let wTile = ctx.byShape(dShape, (0..<ctx.levels).map { k(tW >> $0, 8) })
        // (without halo reuse, §2, nsh is 0: a chain always, and no comparison with a constant 0)
        let chains: Expr = cfg.has(.haloReuse) ? m.wire("ld_share_chains", layer["nsh"].fit(9) <= mux(dS2x, wTile.fit(9) << 1, wTile.fit(9))).expr : k(1, 1)
        let continuesRow = m.wire("ld_take_continues", offered("continues", tile["ty"] == prevTy && tile["tx"] == prevTx + 1) && ownColumn)
        let ownRow = m.layerConstant("ld_nsh_in_halo_rows", layer["nsh"].fit(8) < layer["hh"].fit(8))
            && offered("own_row", (offerGeom.y0 + layer["nsh"].fit(walkW)).asSigned < layer["h"].fit(walkW).asSigned)
        let continuesColumn = m.wire("ld_take_continues_column", offered("continues_column", tile["tx"] == prevTx && tile["ty"] == prevTy + 1) && ownRow)
        // The rings (§6.2): any tile but a pass's first that continues the previous tile's row (its
        // column, in the row ring) shares; the tile's first block is at a ring offset that the load
        // response walker keeps (`ldr_offset`: the taken tiles of a ring all have requests).
        let noLoads = m.reg("loads_none", width: 1, reset: 1)  // li = 0, a flag (the take's path)
        let passFirst = m.wire("ld_take_pass_first", grantLoad && noLoads)
        let ringShares = m.wire("ld_take_ring_shares", ring && !passFirst && mux(rows, continuesColumn, continuesRow))
        m.assign(takeShares, (layer["nsh"] != 0 && !grantLoad && slotColumn && continuesRow && (chains || !prevShares)) || ringShares)
        // (rows is itself a register: these settle a cycle after it, still before TILES)
        // (no ring without halo reuse, §2)
        let ringSizes = !cfg.has(.haloReuse) ? nil : ctx.ringConstants(in: m, "ld", rows: rows.expr, s2: dS2.expr, s2x: dS2x.expr, cw: dCW.expr,
                                                                         cscw: layer["cscw"].expr, region: layer["region"].expr, three: three.expr)
        m.clocked("ld_prev_tile", resetless: true) { p in
            p.when(taken) { p.assign(prevTy, tile["ty"]); p.assign(prevTx, tile["tx"]); p.assign(prevShares, takeShares) }
        }
        // (the DRAM bases plus the pass's first word, registered pass constants: o0 changes at a
        // pass's end, at least WEIGHTS' cycles before the next TILES)
        let resBase = m.delayed("ldq_res_base", regs["base_residual"].fit(addrW) + pBase.fit(addrW), by: 1)
        let storeBase = m.delayed("st_base", regs["base_output"].fit(addrW) + pBase.fit(addrW), by: 1)
        // (a pixel index is below the largest map's pixels: its product with the words of a pixel is
        // one DSP block's width, not a 32×16 product)
        let inPix = ctx.pixelIndexBits(input: true)
        let outRow = ctx.rowIndexBits(input: false), inRow = ctx.rowIndexBits(input: true)
        // The output map's DRAM addresses (the residual's loads, the stores) from incrementers
        // (issue 13): a tile's first word, oy·(Wo·COW) + ox·COW, is found once, at its take, from
        // the scanner's registered offer (`ld_take_words`; the ring keeps it for the store); then a
        // walk moves one word on, a pixel on (COW − words + 1 from a pixel's last word: a pass
        // reads `words` of its COW), or a row on (Wo·COW from the row's first word).
        // (Wo·COW from the host, OUT_ROW_WORDS: no product of the layer's fields, issue 13)
        let outRowWords = m.wire("out_row_words", regs["out_row_words"].fit(addrW))
        let pixelStep = m.wire("out_pixel_step", m.delayed("out_pixel_step", (dCOW.fit(max(dCOW.width, pOW.width)) - pOW.fit(max(dCOW.width, pOW.width)) + 1).fit(addrW), by: 1))  // (≤ COW)
        /// The next address of an output-map walk at `addr` whose row starts at `row`: the pixel's
        /// last word (`jLast`) and the row's last pixel (`cLast`) choose the step — one adder whose
        /// operands they select, not three adders and a choice of their sums (issue 13).
        func outputStep(addr: Expr, row: Expr, jLast: Expr, cLast: Expr) -> (addr: Expr, rowStarts: Expr) {
            let rowStarts = jLast && cLast
            return (mux(rowStarts, row, addr) + mux(!jLast, k(1, addrW), mux(!cLast, pixelStep.expr, outRowWords.expr)), rowStarts)
        }
        // (a tile's first output word, `tile_out_words`: the take's tile's here, the store's below)
        let takeWords = m.wire("tile_out_words", width: addrW)
        // A config sized for cells whose loads start at their halo words (no resident halos, no line
        // buffer) shares the take's products too (issue 13: 4 SB_MAC16 → 2): in the take's cycle they
        // find the halo's first row and column words, in the cycle after it the residual's first
        // word, from the taken tile's coordinates (takes are three cycles apart at least, and the
        // cycle after one is its load's, never a store's; the residual's words follow the halo's).
        let sharesTakeProducts = ctx.sizedForCells && lineP == nil && !cfg.has(.residentHalos)
        let rowProduct: Signal? = sharesTakeProducts ? m.wire("take_row_product", width: addrW) : nil
        let columnProduct: Signal? = sharesTakeProducts ? m.wire("take_column_product", width: addrW) : nil
        // (with a registered take the residual's first word comes a cycle later: its operands are
        // registered in the cycle after the take, its product is there in the next, two cycles
        // after the take, before the residual's first request, which follows the halo's first)
        let resStart: Expr = registeredTake ? takenQ2!.expr : sharesTakeProducts ? m.delayed("ld_taken", taken.expr, by: 1) : lq.start
        let resFirst = m.wire("ldq_res_first", resBase + takeWords)
        let resA = m.reg("ldq_res_addr", width: addrW, reset: 0), resRow = m.reg("ldq_res_row", width: addrW, reset: 0)
        m.clocked("ldq_res_walk") { p in
            p.when(resStart) { p.assign(resA, resFirst); p.assign(resRow, resFirst) }
                .elseWhen(lq.advance && lq.inRes) {
                    let next = outputStep(addr: resA.expr, row: resRow.expr, jLast: lq.jLast, cLast: lq.cLast)
                    p.assign(resA, next.addr); p.when(next.rowStarts) { p.assign(resRow, next.addr) }
                }
        }
        // The halo's DRAM address, base + y·(W·CW) + x·CW + w, from incrementers (issue 13): a row
        // part and a column part, the tile's first of each found at its take (below: the first
        // in-map row and column times the words, plus a share's delta); a step moves the column
        // part a word on (a row's pixels are adjacent), a row's last word the row part a row on and
        // the column part back to the row's first column.
        // (W·CW from the host, IN_ROW_WORDS: at most 2·maxMapSize·(2^cwW − 1), W and CW being refused
        // past that (layer_params) — 16 bits on the UP5K, so ylo·W·CW is one SB_MAC16, not two)
        let inRowWords = m.wire("in_row_words", regs["in_row_words"].fit(min(addrW, bitsFor(2 * ctx.limits.maxMapSize * ((1 << ctx.cwW) - 1)))).fit(addrW))
        // (a share moves the first row or column on by at most nsh < the largest kernel: that
        // delta, registered with the offer, times the row's or the pixel's words is shifted adds,
        // and the share decides only whether to add it — one product each, off the share's path)
        let deltaW = bitsFor(ctx.limits.maxKernel)
        let rowDelta = offered("row_delta", (afterShared(offerGeom.y0) - offerGeom.ylo).fit(deltaW))
        let columnDelta = offered("column_delta", (afterShared(offerGeom.x0) - offerGeom.xlo).fit(deltaW))
        let firstRowPart = m.wire("ldq_halo_first_row", regs["base_input"].fit(addrW) + (rowProduct?.expr ?? umul(takeGeom.ylo.fit(inRow), inRowWords, addrW))
            + mux(walkShares && rows, timesSmall(inRowWords, rowDelta, maxFactor: ctx.limits.maxKernel, addrW), k(0, addrW)))
        let firstColumnPart = m.wire("ldq_halo_first_column", (columnProduct?.expr ?? umul(takeGeom.xlo.fit(inRow), dCW, addrW))
            + mux(walkShares && !rows, timesSmall(dCW, columnDelta, maxFactor: ctx.limits.maxKernel, addrW), k(0, addrW)))
        let haloRowPart = m.reg("ldq_halo_row", width: addrW, reset: 0), haloColumnPart = m.reg("ldq_halo_column", width: addrW, reset: 0)
        let haloRowFirstColumn = m.reg("ldq_halo_row_first_column", width: addrW, reset: 0)
        m.clocked("ldq_halo_walk") { p in
            p.when(lq.start) {
                p.assign(haloRowPart, firstRowPart); p.assign(haloColumnPart, firstColumnPart); p.assign(haloRowFirstColumn, firstColumnPart)
            }.elseWhen(lq.advance && !lq.inRes) {
                p.when(lq.rowLast) { p.assign(haloRowPart, haloRowPart + inRowWords); p.assign(haloColumnPart, haloRowFirstColumn) }
                    .otherwise { p.assign(haloColumnPart, haloColumnPart + 1) }
            }
        }
        let haloA = m.wire("ldq_halo_addr", haloRowPart + haloColumnPart)
        // ---- the band (§6.5): per tile, the rows of its halo, per row the column blocks whose last
        // loaded row (high-water mark) is above it, each such segment's pixels and words ----
        var bandAddr: Expr = k(0, addrW), bandLast: Expr = k(0, 1), tileNone: Expr = noneLoad.expr
        var bandLine: (bank: Expr, addr: Expr)? = nil
        if let lp = lineP {
            let lgW = log2Exact(tW), lgH = log2Exact(tH)
            let ncbMax = ((tW - 1) * 2 + ctx.limits.maxKernel + 1 + tW - 1) / tW + 1   // column blocks of one halo, at most
            let nBlocks = (ctx.limits.maxMapSize + ctx.limits.maxKernel / 2 + tW - 1) / tW + 1  // of a map
            let jb = bitsFor(ncbMax), cbw = bitsFor(nBlocks)
            let hw = (0..<nBlocks).map { m.reg("ldb_hw\($0)", width: walkW, reset: 0) }   // per column block: last loaded row + 1
            let g = takeGeom
            // the take's column blocks cb0 … cb1 (padded engine columns ÷ tileW)
            let colBlock = { (x: Expr) -> Expr in (mux(dS2x, (x + dPadX.fit(walkW)) >> 1, x + dPadX.fit(walkW)) >> lgW).fit(cbw) }
            let cb0 = m.wire("ldb_take_cb0", colBlock(g.xlo)), cb1 = m.wire("ldb_take_cb1", colBlock(g.xhi - 1))
            let takeStarts: [Expr] = (0..<ncbMax).map { j in
                let cb = cb0 + k(j, cbw)
                let old = select(cb, hw.map { $0.expr })
                return m.wire("ldb_take_start\(j)", mux(cb > cb1, g.yhi, umax(old, g.ylo))).expr
            }
            let takeNone = m.wire("ldb_take_none", takeStarts.reduce(k(1, 1)) { $0 && ($1.asSigned >= g.yhi.asSigned) })
            tileNone = mux(lineMode, takeNone && !dRes, noneLoad)
            m.clocked("ldb_hw_q") { p in
                p.when(taken && lineMode) {
                    for (i, r) in hw.enumerated() {
                        p.when(i == 0 ? cb0 == 0 : k(i, cbw) >= cb0 && k(i, cbw) <= cb1) { p.assign(r, g.yhi) }
                    }
                }
                p.when(!inTiles) { for r in hw { p.assign(r, 0) } }
            }
            // walker state
            let starts = (0..<ncbMax).map { m.reg("ldb_start\($0)", width: walkW, reset: 0) }
            let bcb0 = m.reg("ldb_cb0", width: cbw, reset: 0), byhi = m.reg("ldb_yhi", width: walkW, reset: 0)
            let by = m.reg("ldb_y", width: walkW, reset: 0), bj = m.reg("ldb_j", width: jb, reset: 0)
            let bx = m.reg("ldb_x", width: walkW, reset: 0), bwd = m.reg("ldb_w", width: ctx.cwW, reset: 0)
            let active = m.reg("ldb_active", width: 1, reset: 0)
            let bwCols = mux(dS2x, k(2 * tW, walkW), k(tW, walkW))
            /// The map columns of column block cb: [cb·bw − padX, (cb + 1)·bw − padX) ∩ [0, W).
            func blockCols(_ cb: Expr) -> (Expr, Expr) {
                let lo = umul(cb, bwCols, walkW) - dPadX.fit(walkW), hi = lo + bwCols
                return (mux(lo.asSigned < 0, k(0, walkW), lo), mux(hi.asSigned > layer["w"].fit(walkW).asSigned, layer["w"].fit(walkW), hi))
            }
            /// The first j ≥ from whose segment row y needs (y ≥ its start), if any.
            func firstNeeded(_ y: Expr, from: Expr, _ st: [Expr], _ name: String) throws -> (Signal, Expr) {
                let need = cat((0..<ncbMax).reversed().map { j -> any ExprConvertible in k(j, jb) >= from && y.asSigned >= st[j].asSigned })
                return try ctx.lowestSetBit(in: m, name, need)
            }
            // at the take: the first row any block needs, and its first block
            // (each running minimum a wire: umin repeats its first operand, so a nested chain would
            // double at each block — a 3.8 MB line at a 1-wide tile, past Verilator's token limit)
            let y0 = m.wire("ldb_take_y0", takeStarts.indices.dropFirst().reduce(takeStarts[0]) { acc, j in
                j + 1 == takeStarts.count ? umin(acc, takeStarts[j]) : m.wire("ldb_take_y0_upto\(j)", umin(acc, takeStarts[j])).expr
            })
            let (f0, j0) = try firstNeeded(y0.expr, from: k(0, jb), takeStarts, "ldb_take_j")
            m.allowUnused(f0)  // (a tile that takes the band has a first segment)
            let (x0lo, _) = blockCols(cb0 + j0.fit(cbw))
            // next element
            let (_, xhiC) = blockCols(bcb0 + bj.fit(cbw))
            let wLast = m.wire("ldb_w_last", bwd + 1 == dCW), xLast = m.wire("ldb_x_last", bx + 1 == xhiC)
            let (fSame, jSame) = try firstNeeded(by.expr, from: bj + 1, starts.map(\.expr), "ldb_next_j")
            let (fNext, jNext) = try firstNeeded(by + 1, from: k(0, jb), starts.map(\.expr), "ldb_row_j")
            let rowLast = m.wire("ldb_row_last", by + 1 == byhi)
            let last = m.wire("ldb_last", wLast && xLast && !fSame && rowLast)
            bandLast = last.expr
            m.allowUnused(fNext)  // (a row past the first needs a block: the one whose start is the first row)
            let step = m.wire("ldb_step", loadAccept && active)
            let (xSame, _) = blockCols(bcb0 + jSame.fit(cbw)), (xNextRow, _) = blockCols(bcb0 + jNext.fit(cbw))
            m.clocked("ldb_walk") { p in
                p.when(taken) {
                    p.assign(active, lineMode && !takeNone)
                    for j in 0..<ncbMax { p.assign(starts[j], takeStarts[j]) }
                    p.assign(bcb0, cb0); p.assign(byhi, g.yhi); p.assign(by, y0); p.assign(bj, j0.fit(jb)); p.assign(bx, x0lo); p.assign(bwd, 0)
                }.elseWhen(step) {
                    p.when(wLast) {
                        p.assign(bwd, 0)
                        p.when(xLast) {
                            p.when(fSame) { p.assign(bj, jSame.fit(jb)); p.assign(bx, xSame) }
                                .elseWhen(rowLast) { p.assign(active, 0) }
                                .otherwise { p.assign(by, by + 1); p.assign(bj, jNext.fit(jb)); p.assign(bx, xNextRow) }
                        }.otherwise { p.assign(bx, bx + 1) }
                    }.otherwise { p.assign(bwd, bwd + 1) }
                }
                p.when(!inTiles) { p.assign(active, 0) }
            }
            m.assign(bandBusy!, active)
            bandAddr = regs["base_input"].fit(addrW) + umul((umul(by.fit(inRow), layer["w"], addrW) + bx.fit(addrW)).fit(inPix), dCW, addrW) + bwd.fit(addrW)
            // the line buffer's bank and address of (y, x), word w (LayerPlan.lineAddress)
            let yp = m.wire("ldb_yp", by + dPad.fit(walkW)), xp = m.wire("ldb_xp", bx + dPadX.fit(walkW))
            let ey = m.wire("ldb_ey", mux(dS2, yp >> 1, yp.expr)), ex = m.wire("ldb_ex", mux(dS2x, xp >> 1, xp.expr))
            let rb = m.udiv("ldb_rb", ey >> lgH, lp["lnb"], qbits: bitsFor((ctx.limits.maxMapSize + 16) / tH + 1)).r
            let slotRow = mux(dS2, cat(rb.fit(15), yp[0]), rb.fit(16))
            let slotCol = mux(dS2x, cat((ex >> lgW).fit(15), xp[0]), (ex >> lgW).fit(16))
            let lbank = timesConstant(ey.fit(max(lgH, 1)).fit(8), tW, 8) + ex.fit(max(lgW, 1)).fit(8)
            let laddr = umul(slotRow, lp["lcsw"], 24) + umul(slotCol, dCW, 24) + bwd.fit(24)
            bandLine = (m.wire("ldb_bank", tH == 1 ? (tW == 1 ? k(0, 8) : ex.fit(lgW).fit(8)) : (tW == 1 ? ey.fit(lgH).fit(8) : lbank)).expr,
                        m.wire("ldb_addr", laddr.fit(ctx.awL)).expr)
        }
        let loadAddr = m.wire("ldq_addr", bandBusy.map { mux($0, bandAddr, mux(lq.inRes, resA, haloA)) } ?? mux(lq.inRes, resA, haloA))
        // a tile's last request: its band's last without a residual, else its walker's last
        m.assign(ldLast, loadAccept && (bandBusy.map { mux($0, bandLast && !dRes, lq.last) } ?? lq.last))

        /// Where walker `w`'s current halo word goes in the input buffer (§6.2): bank
        /// (((hy÷S) + qy·h) mod tileH, ((hx÷S) + qx·w) mod tileW) and, outside a ring, address
        /// slot·R + (rs·CS + cs)·CW + w in the group's part, as its terms; (qy·h, qx·w) the tile's
        /// slot origin. `<prefix>_…` wires.
        func haloWrite(_ w: Walker, slot: Expr, origin: (Expr, Expr), prefix: String)
            -> (hy: Signal, hx: Signal, qy: Expr, qx: Expr, byW: Signal, bxW: Signal, rs: Signal, csCW: Signal, hRows: Signal, hColumns: Signal,
                maxRs: Int, maxCs: Int) {
            let hy = m.wire("\(prefix)_hy", (w.y - w.bounds.y0).fit(8)), hx = m.wire("\(prefix)_hx", (w.x - w.bounds.x0).fit(8))
            let (qy, by) = m.udiv("\(prefix)_ydiv", mux(dS2, hy >> 1, hy), k(tH, 8), qbits: 8)
            let (qx, bx) = m.udiv("\(prefix)_xdiv", mux(dS2x, hx >> 1, hx), k(tW, 8), qbits: 8)
            let byS = m.wire("\(prefix)_by_sum", by.fit(8) + origin.0), bxS = m.wire("\(prefix)_bx_sum", bx.fit(8) + origin.1)
            let byW = m.wire("\(prefix)_by", mux(byS >= tH, byS - tH, byS.expr)), bxW = m.wire("\(prefix)_bx", mux(bxS >= tW, bxS - tW, bxS.expr))
            let rs = m.wire("\(prefix)_rs", mux(dS2, cat(qy.fit(7), hy[0]), qy.fit(8)))
            let cs = m.wire("\(prefix)_cs", mux(dS2x, cat(qx.fit(7), hx[0]), qx.fit(8)))
            // (slot indices are narrow: their products are a few shifted adds, not multipliers, issue 13)
            let maxRs = ctx.maxHaloSlots(tile: tH) - 1, maxCs = ctx.maxHaloSlots(tile: tW) - 1
            m.allowUnused(rs); m.allowUnused(cs)  // (their bits below the most slots)
            let csCW = m.wire("\(prefix)_cs_cw", timesSmall(dCW, cs, maxFactor: maxCs, haloW))
            let hRows = m.wire("\(prefix)_halo_addr_rows", timesSmall(layer["region"], slot, maxFactor: maxQ - 1, haloW)
                               + timesSmall(layer["cscw"], rs, maxFactor: maxRs, haloW))
            let hColumns = m.wire("\(prefix)_halo_addr_columns", csCW + w.w.fit(haloW))
            return (hy, hx, qy, qx, byW, bxW, rs, csCW, hRows, hColumns, maxRs, maxCs)
        }
        /// Residual write of walker `w`'s current word: memory (c, b) holds byte b of words of PE-array
        /// column c; address (half·tileH + r)·DO + j, the half the group's parity.
        func residualAddress(_ w: Walker, originRow: Expr, group: Expr) -> Expr {
            (residualRowWord(w, originRow: originRow, group: group) + w.j.fit(16)).fit(ctx.awO)
        }
        /// The residual's address without its word j: (half·tileH + r)·DO.
        func residualRowWord(_ w: Walker, originRow: Expr, group: Expr) -> Expr {
            timesConstant(mux(group[0], w.r.fit(16) + originRow.fit(16) + tH, w.r.fit(16) + originRow.fit(16)), DO, 16)
        }
        /// The input-buffer bank of walker `w`'s current word: the residual's column, or the halo's bank.
        func writeBank(_ w: Walker, originColumn: Expr, halo h: (byW: Signal, bxW: Signal)) -> Expr {
            mux(w.inRes, (w.c.fit(8) + originColumn).fit(8), timesConstant(h.byW, tW, 8) + h.bxW.fit(8))
        }

        // ---- load responses: where each read's word goes ----
        // (the response walker's state, without tagged loads)
        let rActiveReg: Signal? = taggedLoads ? nil : m.reg("ldr_active", width: 1, reset: 0)
        // Responses come back in request order; each read in flight is tagged burst or tile when accepted.
        let tagValid = m.wire("rsp_tag_valid"), tagBurst = m.wire("rsp_tag_burst")
        let tagLineSig = ctx.hasLine ? m.wire("rsp_tag_line") : nil, tagGroupSig = ctx.hasLine ? m.wire("rsp_tag_group", width: 2) : nil
        let plainBeat = rsp["valid"] && tagValid && !tagBurst
        let beat = m.wire("ldr_rsp", tagLineSig.map { plainBeat && !$0 } ?? plainBeat)
        m.assign(burstRsp["valid"], rsp["valid"] && tagValid && tagBurst)
        let awO = ctx.awO, awIn = max(ctx.awI, awO)
        // With the boundary registers the write leaves a cycle later (§7.3)
        // (a response's write into the input buffer is registered on the way with boundary
        // registers, as its group's loaded token is; a config sized for cells writes it as it
        // arrives — a cycle before the token, which still waits, so nothing reads it earlier — and
        // saves the word's flip-flops, cells of their own, issue 13)
        let wrDelay = ctx.sizedForCells ? 0 : cfg.loadedDelay
        func wst(_ name: String, _ e: some ExprConvertible, reset: Int? = nil) -> Expr { m.delayed(name, e.expr, by: wrDelay, reset: reset) }
        let groupLoaded: Signal, evLoadReadyR: Signal
        var lineLoaded: Expr? = nil, lineNoRequests: Expr? = nil
        /// The read tag's fields for a tile load's word, with tagged loads: where the request walker
        /// puts it (`in_<field>` values) and the wires the response reads (`out_<field>`).
        var tagLoadFields: [(field: Bundle.Field, input: Expr, output: Signal)] = []
        if taggedLoads {
            // Tagged loads (§7.3): without halo reuse or a line buffer, the request walker finds each
            // read's input-buffer write — residual or halo, bank, word — when the read is accepted,
            // and the read's tag carries it; the response writes it there. (The same writes in the
            // same cycles as a response walker retracing the requests, without its walker, its
            // bounds and the taken FIFO it reads them from: issue 13, the UP5K's LUTs.)
            let (oy, ox) = ctx.slotOrigin(dShape, ldSlot, 8)
            let group = m.wire("ldq_group", (li - 1).trunc(2))  // (the group the request walker walks)
            let h = haloWrite(lq, slot: ldSlot.expr, origin: (oy, ox), prefix: "ldq")
            // The word's address travels as two terms, summed when the response arrives: its row's
            // (the halo's rows and group part, or the residual's row) and its word's in the row
            // (the halo's column and word, or the residual's word). The request's sum of both was
            // the UP5K's longest path (issue 13); the response's side starts at the tag RAM.
            // (each term modulo the bank's words: 2^awI for the halo, 2^awO for the residual, as
            // their sum is taken, so the sum of the terms is the same word)
            m.allowUnused(h.hColumns)  // (its bits above the bank's words)
            let haloRows = m.wire("ldq_write_halo_rows", (h.hRows + ctx.haloPartBase(resident: layer["resident"], group: group).fit(haloW)).fit(ctx.awI))
            let target = (bank: writeBank(lq, originColumn: ox, halo: (h.byW, h.bxW)),
                          row: mux(lq.inRes, residualRowWord(lq, originRow: oy, group: group.expr).fit(ctx.awO).fit(awIn), haloRows.fit(awIn)),
                          word: mux(lq.inRes, lq.j.fit(ctx.awO).fit(awIn), h.hColumns.fit(ctx.awI).fit(awIn)))
            let tagRes = m.wire("rsp_tag_res"), tagBank = m.wire("rsp_tag_bank", width: 8), tagRow = m.wire("rsp_tag_row", width: awIn)
            let tagWord = m.wire("rsp_tag_word", width: awIn)
            let tagAddr = m.wire("rsp_tag_addr", mux(tagRes, (tagRow + tagWord).fit(ctx.awO).fit(awIn), (tagRow + tagWord).fit(ctx.awI).fit(awIn)))
            let tagLoaded = m.wire("rsp_tag_loaded")
            tagLoadFields = [
                (.init("res", doc: "a tile load's residual word (else a halo word)"), lq.inRes.expr, tagRes),
                (.init("bank", width: 8, doc: "its input-buffer bank (a PE-array column's residual memory)"), target.bank, tagBank),
                (.init("row", width: awIn, doc: "its row's first word in the bank"), target.row, tagRow),
                (.init("word", width: awIn, doc: "its word in the row (added to row: its word in the bank)"), target.word, tagWord),
                (.init("loaded", doc: "its group's last word: the group is loaded when it arrives"), inLastTile(lq.last), tagLoaded),
            ]
            groupLoaded = m.wire("ld_group_loaded", (beat && tagLoaded) || noneDone)
            evLoadReadyR = m.reg("ev_load_ready_r", width: 1, reset: 0)
            m.clocked("ld_loaded_event") { p in p.assign(evLoadReadyR, groupLoaded) }
            m.assign(inWr["valid"], wst("in_wr_valid", beat, reset: 0))
            m.assign(inWr["res"], wst("in_wr_res", tagRes))
            m.assign(inWr["bank"], wst("in_wr_bank", tagBank))
            m.assign(inWr["addr"], wst("in_wr_addr", tagAddr))
            m.assign(inWr["data"], wst("in_wr_data", rsp["rdata"]))
        } else {
            // ---- load response walker: the taken tiles with requests, in order (a FIFO) ----
            // (declared above, where the RTL has always declared it; nil only with tagged loads)
            guard let rActive = rActiveReg else { preconditionFailure("the response walker's state exists without tagged loads") }
            let rspLastW = m.wire("ldr_rsp_last_w")
            let takenValid = m.wire("ldr_taken_valid"), takenSlot = m.wire("ldr_taken_slot", width: sb)
            let takenBounds = zip(boundsNames, boundsWidths).map { m.wire("ldr_taken_\($0)", width: $1) }
            let takenLast = m.wire("ldr_taken_last")
            // (the tile's share and first halo row and column, found at its take: the FIFO carries them;
            // without halo reuse, §2, a tile shares nothing and starts at its first in-map row and column)
            let reuse = cfg.has(.haloReuse)
            let takenShares = reuse ? m.wire("ldr_taken_shares") : nil, takenFirst = reuse ? m.wire("ldr_taken_first") : nil
            let takenY = reuse ? m.wire("ldr_taken_y", width: coordW) : nil, takenX = reuse ? m.wire("ldr_taken_x", width: coordW) : nil
            let pop = m.wire("ldr_pop", takenValid && (!rActive || rspLastW))
            let takenWalk = widened(takenBounds)
            let lr = loadWalker("ldr", initNow: pop.expr, initBounds: takenWalk, initShares: takenShares?.expr ?? k(0, 1),
                                initAt: (takenY?.fit(walkW) ?? atLeastZero(takenWalk.y0), takenX?.fit(walkW) ?? takenWalk.xlo), step: beat.expr)
            let lrSlot = m.reg("ldr_slot", width: sb, reset: 0), lrGroupLast = m.reg("ldr_group_last", width: 1, reset: 0)
            // (the ring offset of the tile's first block; no ring without halo reuse)
            let lrOffsetReg = reuse ? m.reg("ldr_offset", width: haloW, reset: 0) : nil
            let lrOffset = lrOffsetReg?.expr ?? k(0, haloW)
            m.assign(rspLastW, beat && lr.last)
            // With the line buffer and no residual a group is loaded once its last tile is taken and the
            // band words of its loads have all arrived (per group number mod 4, in order), §6.5.
            if ctx.hasLine {
                let cw = bitsFor(cfg.maxOutstandingReads + 1)
                let outstanding = (0..<4).map { m.reg("ldb_out\($0)", width: cw, reset: 0) }
                let takesDone = (0..<4).map { m.reg("ldb_takes_done\($0)", width: 1, reset: 0) }
                let tagGroup = tagGroupSig!
                let anyReq = (0..<4).map { m.reg("ldb_any_req\($0)", width: 1, reset: 0) }
                let curGroup = m.wire("ldb_group", (li - 1).trunc(2))
                let bandAccept = m.wire("ldb_accept", loadAccept && bandBusy!)
                let lineRsp = m.wire("ldb_rsp", rsp["valid"] && tagValid && tagLineSig!)
                let after = (0..<4).map { g in
                    outstanding[g] + mux(bandAccept && curGroup == g, k(1, cw), k(0, cw)) - mux(lineRsp && tagGroup == g, k(1, cw), k(0, cw))
                }
                // the group's takes end: its last request accepted, or its last tile taken without requests
                let endsNow = (0..<4).map { g -> Expr in
                    (inLastTile(ldLast.expr) && curGroup == g) || (taken && takeLast && tileNone && mux(grantLoad, li.trunc(2), (li - 1).trunc(2)) == g)
                }
                let doneG = loadsDone.trunc(2)
                let fire = m.wire("ldb_group_loaded", lineMode && !dRes && inTiles
                                  && select(doneG, (0..<4).map { takesDone[$0] || endsNow[$0] })
                                  && select(doneG, after) == 0)
                lineLoaded = fire.expr
                // a group none of whose tiles had a request starts where it ends (ev.load_start)
                lineNoRequests = (fire && !select(doneG, anyReq.map(\.expr)) && !(loadAccept && curGroup == doneG)).expr
                m.clocked("ldb_groups") { p in
                    for g in 0..<4 {
                        p.assign(outstanding[g], after[g])
                        p.when(endsNow[g]) { p.assign(takesDone[g], 1) }
                        p.when(loadAccept && curGroup == g) { p.assign(anyReq[g], 1) }
                        p.when(fire && doneG == g) { p.assign(takesDone[g], 0); p.assign(anyReq[g], 0) }
                    }
                    p.when(!inTiles) { for g in 0..<4 { p.assign(takesDone[g], 0); p.assign(anyReq[g], 0) } }
                }
                m.assign(lineWr!["valid"], lineRsp)
            }
            let loadedNow = (rspLastW && lrGroupLast) || noneDone
            groupLoaded = m.wire("ld_group_loaded", lineLoaded.map { loadedNow || $0 } ?? loadedNow)
            evLoadReadyR = m.reg("ev_load_ready_r", width: 1, reset: 0)
            m.clocked("ldr_state") { p in
                p.assign(evLoadReadyR, groupLoaded)
                p.when(pop) { p.assign(rActive, 1); p.assign(lrSlot, takenSlot); p.assign(lrGroupLast, takenLast)
                    // (the ring offset of the tile's first block: 0 for a pass's first tile, else one block
                    // or one tile's blocks on from the previous tile's, §6.2; off the take's path)
                    if let lrOffsetReg, let takenFirst, let takenShares, let (blockWords, tileWords, ringSize) = ringSizes {
                        p.assign(lrOffsetReg, ctx.ringOffset(after: lrOffset, first: takenFirst.expr, shares: takenShares.expr,
                                                          blockWords: blockWords.expr, tileWords: tileWords.expr, size: ringSize.expr))
                    }
                }.elseWhen(rspLastW) { p.assign(rActive, 0) }
                p.when(!inTiles) { p.assign(rActive, 0) }
            }
            let takenFifo = try ctx.block(names.block("taken_fifo")) {
                try StreamFifo(name: names.block("taken_fifo"), payload: boundsSpec.map {
                    Bundle.Field($0.name, width: $0.width, doc: $0.doc + ($0.signed ? " (signed)" : "") + " (the response walker's bounds, from the take)") } + [
                    .init("slot", width: sb, doc: "group slot"), .init("last", doc: "the group's last tile")] + (reuse ? [
                    .init("shares", doc: "the tile skips the halo columns it shares with its left-hand neighbour (the rows it shares with the tile above it, in the row ring) (§6.2)"),
                    .init("first", doc: "the pass's first tile (with a ring: its first block at ring offset 0, §6.2)"),
                    .init("y", width: coordW, doc: "the tile's first halo row (the load request walker's, at the take)"),
                    .init("x", width: coordW, doc: "the tile's first halo column (the load request walker's, at the take)")] : []), depth: cfg.maxOutstandingReads + 2)
                    .module(documentation: "Tiles taken with requests whose responses are not all back, in order: the load response walker's queue.")
            }
            var fifoPorts: [String: any ExprConvertible] = [
                "clk": clk, "rst": rst, "clear": !inTiles, "in_valid": taken && withLine(mux(lineMode, dRes, !noneLoad), else: !noneLoad),
                "in_slot": takeSlot, "in_last": takeLast,
                "out_valid": takenValid, "out_slot": takenSlot, "out_last": takenLast, "out_ready": pop,
            ]
            if let takenShares, let takenFirst, let takenY, let takenX {
                for (port, value) in [("in_shares", takeShares.expr), ("in_first", passFirst.expr), ("in_y", lq.initY.fit(coordW)), ("in_x", lq.initX.fit(coordW)),
                                      ("out_shares", takenShares.expr), ("out_first", takenFirst.expr), ("out_y", takenY.expr), ("out_x", takenX.expr)] {
                    fifoPorts[port] = value
                }
            }
            for (i, (field, value)) in zip(boundsNames, boundsFields(bounds(of: takeGeom))).enumerated() {
                fifoPorts["in_\(field)"] = value; fifoPorts["out_\(field)"] = takenBounds[i]
            }
            m.instance(takenFifo, name: "u_taken_fifo", connections: fifoPorts)
            // Halo write: bank (((hy÷S) + qy·h) mod tileH, ((hx÷S) + qx·w) mod tileW), address
            // slot·R + (rs·CS + cs)·CW + w (§6.2), (qy·h, qx·w) the tile's slot origin
            let (lrOy, lrOx) = ctx.slotOrigin(dShape, lrSlot, 8)
            let h = haloWrite(lr, slot: lrSlot.expr, origin: (lrOy, lrOx), prefix: "ldr")
            let (hy, hx, qy, qx, byW, bxW, rs, csCW, hRows, hColumns) = (h.hy, h.hx, h.qy, h.qx, h.byW, h.bxW, h.rs, h.csCW, h.hRows, h.hColumns)
            let maxRs = h.maxRs, maxCs = h.maxCs
            // The column ring (§6.2): column block qx of the tile at (qx·S·CW + its offset) mod the ring's
            // size (2 or 3 tiles' CS·CW), then the column's phase and word; a row slot holds the ring. The
            // row ring: row block qy at (qy·SY·CS·CW + its offset) mod 2 or 3 tiles' RS·CS·CW, then the
            // row's phase, the column slot, the word.
            // With boundary registers the write leaves a cycle later (§7.3), and the address is cut in
            // two on the way: its terms from the walker are registered (`wst`), their sum (and the
            // ring's wrap) formed in the write's cycle.
            var ringAddr: Signal? = nil
            if let (blockWords, _, ringSize) = ringSizes {
                let ringQ = m.wire("ldr_ring_q", mux(rows, qy.fit(8), qx.fit(8)))
                m.allowUnused(ringQ)
                let blockSum = wst("ldr_ring_block_sum", timesSmall(blockWords, ringQ, maxFactor: max(maxRs, maxCs), haloW) + lrOffset)
                let ringBlock = m.wire("ldr_ring_block", ctx.ringWrap(blockSum, size: ringSize.expr))
                let colExtra = wst("ldr_column_ring_extra", timesSmall(ringSize, rs, maxFactor: maxRs, haloW) + mux(dS2x && hx[0], dCW.fit(haloW), k(0, haloW)))
                let rowExtra = wst("ldr_row_ring_extra", mux(dS2 && hy[0], layer["cscw"].fit(haloW), k(0, haloW)) + csCW)
                ringAddr = m.wire("ldr_ring_addr", ringBlock + mux(rows, rowExtra, colExtra) + wst("ldr_word", lr.w.fit(haloW)))
            }
            // Residual write: memory (c, b) holds byte b of words of PE-array column c; address (half·tileH + r)·DO + j.
            let resAddr = wst("ldr_res_addr", residualAddress(lr, originRow: lrOy, group: loadsDone.expr))
            // (its row and column terms registered apart and summed in the write's cycle: the column
            // term's path from the walker's bounds, issue 13)
            let plainAddr = wst("ldr_halo_addr_part", hRows + ctx.haloPartBase(resident: layer["resident"], group: loadsDone).fit(haloW))
                               + wst("ldr_halo_addr_columns", hColumns)
            let haloAddr = ringAddr.map { mux(ring, $0.expr, plainAddr) } ?? plainAddr
            let inRes = wst("in_wr_res", lr.inRes)
            m.assign(inWr["valid"], wst("in_wr_valid", beat, reset: 0))
            m.assign(inWr["res"], inRes)
            m.assign(inWr["bank"], wst("in_wr_bank", writeBank(lr, originColumn: lrOx, halo: (byW, bxW))))
            m.assign(inWr["addr"], mux(inRes, resAddr.fit(awIn), haloAddr.fit(ctx.awI).fit(awIn)))
            m.assign(inWr["data"], wst("in_wr_data", rsp["rdata"]))
        }

        // ---- store walker: the group's tiles in slot order, each its valid pixels and pass words ----
        let sGroup = m.reg("st_group", width: 2, reset: 0), sSlot = m.reg("st_slot", width: sb, reset: 0)
        let sHalf = m.reg("st_half", width: 1, reset: 0)
        // (a tile's output row and column: as wide as a tile side, read at walkW bits)
        let srR = m.reg("st_r", width: tileRCW, reset: 0), scR = m.reg("st_c", width: tileRCW, reset: 0), sj = m.reg("st_j", width: ctx.passWordsW, reset: 0)
        let sr = srR.fit(walkW), sc = scR.fit(walkW)
        let ringIndex = { (g: Expr, slot: Expr) -> Expr in maxQ == 1 ? g : cat(g, slot.fit(sb)) }
        // The stored tile's first DRAM address and valid rows and columns, registered: the ring entry
        // of the walker's (group, slot) in the next cycle, selected a cycle ahead (`st_rd_slot` is
        // that slot), so that the tile's last element and its DRAM address start at registers (issue 13).
        // (the entry is not rewritten while its group is stored: its next take is group + 4's)
        let sTileAddr = m.reg("st_tile_addr", width: addrW)
        // the element's offset in the tile's words, from incrementers (`outputStep`), and its row's
        let sOff = m.reg("st_offset", width: addrW, reset: 0), sRowOff = m.reg("st_row_offset", width: addrW, reset: 0)
        let sN: Signal? = oneTileGroups ? nil : m.wire("st_tiles", select(sGroup, ringN))
        let sVr = m.reg("st_vr", width: vrW), sVc = m.reg("st_vc", width: vcW)
        let sjLast = m.wire("st_j_last", sj == pOWLast), scLast = m.wire("st_c_last", sc + 1 == sVc.fit(walkW))
        let srLast = m.wire("st_r_last", sr + 1 == sVr.fit(walkW))
        let stTileLast = m.wire("st_tile_last", sjLast && scLast && srLast)
        let stLast = m.wire("st_last", sN.map { stTileLast && sSlot.fit(nW) + 1 == $0 } ?? stTileLast.expr)
        // next element (the output buffer is read one cycle ahead of the request: element 0 in the grant
        // cycle, then the next element when a request is accepted, the same one again when it is not)
        let nj = m.wire("st_next_j", mux(sjLast, k(0, ctx.passWordsW), sj + 1))
        let nc = m.wire("st_next_c", mux(sjLast, mux(scLast, k(0, walkW), sc + 1), sc))
        let nr = m.wire("st_next_r", mux(stTileLast, k(0, walkW), mux(sjLast && scLast, sr + 1, sr)))
        let nSlot = m.wire("st_next_slot", mux(stTileLast, sSlot + 1, sSlot.expr).fit(sb))
        let colW = bitsFor(max(tW - 1, 1))
        let rdSlot = m.wire("st_rd_slot", mux(grantStore, k(0, sb), mux(storeAccept, nSlot, sSlot)))
        let rdEntry = m.wire("st_rd_entry", ringIndex(mux(grantStore, si.trunc(2), sGroup.expr), rdSlot.expr))
        let takeGroup = m.wire("ld_take_group", mux(grantLoad, li.trunc(2), (li - 1).trunc(2)))
        let takeEntry = m.wire("ld_take_entry", ringIndex(takeGroup.expr, takeSlot.expr))
        // A tile's first output word, oy·(Wo·COW) + ox·COW, found at its take (the residual's first
        // word) and kept in the ring for its store; a config sized for cells (`sizedForCells`)
        // keeps coordinates only: in the store's cycles (its grant, its requests) the products take
        // the stored tile's, from the ring, in any other the offered tile's (a take is never a
        // store's cycle) — one pair of products for both, through a multiplexer (issue 13).
        // (the origin at full width before the shape's shift: ty·tileH exceeds a row index at the smaller shapes)
        let wordsTy: Expr, wordsTx: Expr
        // (the side from registers, not from the grant or the take, which decide late: a store's
        // grant or requests are possible only in a cycle between transfers that wants a store, or
        // in a store's transfer, and never in a take's cycle or the one after it, its load's (issue
        // 13: a multiplexer the take drove put it in front of the SB_MAC16s, 39 ns into them on the
        // UP5K); in a cycle it marks without a store the store's words go unused)
        // (with a registered take, §7.3, the products' operands are registered: each side's a cycle
        // before its product is used. The halo's in any cycle a load may be granted in (the take's
        // cycle: groups of one tile are taken at their grant alone), the residual's in the cycle
        // after a take, the store's in every other — the cycle before a store's grant is one: it
        // is between transfers wanting a store, or the last of a transfer, never a take's or the
        // one after it, whose load's first request is still to come)
        let storeSide: Expr? = !ctx.sizedForCells ? nil : registeredTake
            ? m.wire("st_side", !takenQ && (xState || wantStore)).expr
            : m.wire("st_side", issueStore || (inTiles && !xState && wantStore)).expr
        if let storeSide, registeredTake {
            // (the next store's group, `stores_granted`: with one tile a group the store's address
            // is registered at its grant and held through its requests, below)
            wordsTy = m.wire("tile_words_ty", mux(storeSide, m.wire("st_ty", select(si.trunc(2), ringTy)), prevTy)).expr
            wordsTx = m.wire("tile_words_tx", mux(storeSide, m.wire("st_tx", select(si.trunc(2), ringTx)), prevTx)).expr
        } else if let storeSide {
            // (the stored tile's entry as `st_rd_entry` has it in a store's cycles, from registers and
            // the port's ready but not the grant: between transfers the next store's first tile)
            let storeEntry = m.wire("st_words_entry", ringIndex(mux(xState, sGroup.expr, si.trunc(2)),
                                                                mux(xState, mux(storeAccept, nSlot, sSlot), k(0, sb))))
            // (sharing the take's products: the residual's words are found a cycle after the take, of
            // the taken tile, whose coordinates the offer has moved on from by then: the ones the take
            // registered, `ld_prev_ty`/`ld_prev_tx`, as its ring entry did — the store's side alone
            // through the ring's multiplexer, the side's choice after it)
            if sharesTakeProducts {
                wordsTy = m.wire("tile_words_ty", mux(storeSide, m.wire("st_ty", select(storeEntry, ringTy)), prevTy)).expr
                wordsTx = m.wire("tile_words_tx", mux(storeSide, m.wire("st_tx", select(storeEntry, ringTx)), prevTx)).expr
            } else {
                wordsTy = m.wire("tile_words_ty", mux(storeSide, m.wire("st_ty", select(storeEntry, ringTy)), tile["ty"])).expr
                wordsTx = m.wire("tile_words_tx", mux(storeSide, m.wire("st_tx", select(storeEntry, ringTx)), tile["tx"])).expr
            }
        } else {
            wordsTy = tile["ty"].expr; wordsTx = tile["tx"].expr
        }
        let wordsOy = ctx.tileOrigin(dShape, wordsTy, tile: tH, 32).fit(outRow), wordsOx = ctx.tileOrigin(dShape, wordsTx, tile: tW, 32).fit(outRow)
        if let rowProduct, let columnProduct, let storeSide {
            // (in the take's cycle the halo's row and column, ylo·(W·CW) and xlo·CW, else the output
            // map's, oy·(Wo·COW) and ox·COW; W·CW and Wo·COW both below 2·maxMapSize·2^cwW, so each
            // product is one SB_MAC16)
            let haloSide = m.wire("take_halo_side", !((registeredTake ? takenQ.expr : resStart) || storeSide))
            let rowW = max(inRow, outRow), rowWordsW = min(addrW, bitsFor(2 * ctx.limits.maxMapSize * ((1 << ctx.cwW) - 1)))
            /// The product a·b at `addrW` bits: with a registered take a cycle after its operands,
            /// on a part with SB_MAC16s (MAC16 pairs) an instantiated one, its operands in the
            /// cell's input registers (Yosys' `ice40_dsp` packs no register that synthesis has
            /// turned into one with a reset, as a constant bit of an operand does), else registered.
            func product(_ name: String, _ a: Expr, _ b: Expr) -> Expr {
                guard registeredTake else { return umul(a, b, addrW) }
                guard cfg.mac16Pairs, a.width <= 16, b.width <= 16, addrW <= 32 else {
                    return umul(m.delayed("take_\(name)_a", a, by: 1), m.delayed("take_\(name)_b", b, by: 1), addrW)
                }
                let o = MAC16Cell.product(in: m, "take_\(name)", a: a.fit(16), b: b.fit(16), clock: clk)
                m.allowUnused(o)  // (its bits past the address's)
                return o.fit(addrW)
            }
            m.assign(rowProduct, product("row", mux(haloSide, takeGeom.ylo.fit(rowW), wordsOy.fit(rowW)),
                                         mux(haloSide, inRowWords.fit(rowWordsW), outRowWords.fit(rowWordsW))))
            m.assign(columnProduct, product("column", mux(haloSide, takeGeom.xlo.fit(rowW), wordsOx.fit(rowW)),
                                            mux(haloSide, dCW.fit(ctx.cwW), dCOW.fit(ctx.cwW))))
            m.assign(takeWords, rowProduct + columnProduct)
        } else {
            m.assign(takeWords, umul(wordsOy, outRowWords, addrW) + umul(wordsOx, dCOW, addrW))
        }
        m.clocked("st_tile_q", resetless: true) { p in
            // (with a registered take the product is the next store's between its requests, and
            // its tile's at its grant: registered then, and held)
            if registeredTake {
                p.when(!issueStore) { p.assign(sTileAddr, storeBase + takeWords) }
            } else {
                p.assign(sTileAddr, storeBase + (ringWordsR == nil ? takeWords.expr : select(rdEntry, ringWords)))
            }
            p.assign(sVr, select(rdEntry, ringVr)); p.assign(sVc, select(rdEntry, ringVc))
        }
        let (rdOy, rdOx) = ctx.slotOrigin(dShape, rdSlot, 8)
        let rdR = m.wire("st_rd_r", (mux(grantStore, k(0, walkW), mux(storeAccept, nr, sr)).fit(8) + rdOy).fit(8))
        let rdC = m.wire("st_rd_c", (mux(grantStore, k(0, walkW), mux(storeAccept, nc, sc)).fit(8) + rdOx).fit(colW))
        let rdJ = m.wire("st_rd_j", mux(grantStore, k(0, ctx.passWordsW), mux(storeAccept, nj, sj)))
        let rdHalf = m.wire("st_rd_half", mux(grantStore, si[0], sHalf))
        m.assign(outRd["addr"], (timesConstant(mux(rdHalf, rdR.fit(16) + tH, rdR.fit(16)), DO, 16) + rdJ.fit(16)).fit(awO))
        m.assign(outRd["en"], grantStore || issueStore)
        let rdCol = m.reg("st_rd_col", width: colW, reset: 0)
        let storeAddr = m.wire("st_addr", sTileAddr + sOff)
        // strobe: byte b of pass word j holds channel j·B + b − (o0 mod B) of the pass, one of its
        // channels unless it lies before the first (b < o0 mod B in word 0) or after the last
        // (b > (o0 + channels − 1) mod B in the last word, words = ⌊(o0 mod B + channels − 1)/B⌋ + 1):
        // two per-pass offsets against constants, not a channel compare per byte
        let lgBw = max(lgB, 1), pCur = seq["channels"]
        let o0ModB = m.wire("pass_o0_mod_b", seq["o0"].fit(lgBw) & (B - 1))
        let endModB = m.wire("pass_end_mod_b", (seq["o0"].fit(lgBw) + pCur.fit(lgBw) - 1) & (B - 1))
        let sjFirst = m.wire("st_j_first", sj == 0)
        let strobe = cat((0..<B).reversed().map { b -> any ExprConvertible in
            // (the last byte is never before the first channel, byte 0 never after the last)
            let afterFirst = b == B - 1 ? k(1, 1) : !sjFirst || o0ModB <= k(b, lgBw)
            return b == 0 ? afterFirst : afterFirst && (!sjLast || endModB >= k(b, lgBw))
        })
        m.clocked("st_walk") { p in
            p.assign(rdCol, rdC)
            p.when(grantStore) {
                p.assign(sGroup, si.trunc(2)); p.assign(sSlot, 0); p.assign(sHalf, si[0])
                p.assign(srR, 0); p.assign(scR, 0); p.assign(sj, 0); p.assign(sOff, 0); p.assign(sRowOff, 0)
            }.elseWhen(storeAccept) {
                p.assign(srR, nr.fit(tileRCW)); p.assign(scR, nc.fit(tileRCW)); p.assign(sj, nj); p.assign(sSlot, nSlot)
                let next = outputStep(addr: sOff.expr, row: sRowOff.expr, jLast: sjLast.expr, cLast: scLast.expr)
                p.when(stTileLast) { p.assign(sOff, 0); p.assign(sRowOff, 0) }
                    .otherwise { p.assign(sOff, next.addr); p.when(next.rowStarts) { p.assign(sRowOff, next.addr) } }
            }
        }
        let outWord = m.wire("st_wdata", select(rdCol, fields(out["data"], width: 8 * B)))
        if tW == 1 { m.allowUnused(rdCol) }  // one tile column: nothing to select

        // ---- the groups' tiles, for the compute engine ----
        // slot kk of every group: entries e·maxSlots + kk; the group's entry selected
        let slotOf = { (ring: [Expr], kk: Int) -> Expr in select(groupRd["index"], (0..<4).map { ring[$0 * maxQ + kk] }) }
        let groupN = m.wire("group_n", select(groupRd["index"], ringN))
        m.assign(group["tiles"], cat((0..<maxQ).reversed().map { kk in
            cat(k(kk, nW) < groupN, slotOf(ringShare, kk), slotOf(ringTy, kk), slotOf(ringTx, kk)) }))
        m.assign(group["next_shares"], select((groupRd["index"] + 1).fit(2), (0..<4).map { ringShare[$0 * maxQ] }))

        // ---- sequencer state ----
        let evStoreEndR = m.reg("ev_store_end_r", width: 1, reset: 0)
        let stLastReq = m.wire("st_last_req", storeAccept && stLast)
        // With `registeredPassEnd` (§14) the layer sequencer sees the pass's end from a register.
        let passEnd = stLastReq && si == li && !tile["valid"]
        m.assign(passDone["valid"], cfg.registeredPassEnd ? m.delayed("pass_done", passEnd, by: 1, reset: 0) : passEnd)
        m.clocked("ring_write", resetless: true) { p in
            p.when(taken) {
                // ring entry (group, slot) takes the tile
                p.assign(ringTyR, cat((0..<(4 * maxQ)).reversed().map { e -> any ExprConvertible in mux(takeEntry == e, tile["ty"], ringTy[e]) }))
                p.assign(ringTxR, cat((0..<(4 * maxQ)).reversed().map { e -> any ExprConvertible in mux(takeEntry == e, tile["tx"], ringTx[e]) }))
                p.assign(ringVrR, cat((0..<(4 * maxQ)).reversed().map { e -> any ExprConvertible in mux(takeEntry == e, takeGeom.vr.fit(vrW), ringVr[e]) }))
                p.assign(ringVcR, cat((0..<(4 * maxQ)).reversed().map { e -> any ExprConvertible in mux(takeEntry == e, takeGeom.vc.fit(vcW), ringVc[e]) }))
                p.assign(ringShareR, cat((0..<(4 * maxQ)).reversed().map { e -> any ExprConvertible in mux(takeEntry == e, takeShares, ringShare[e]) }))
                if let ringWordsR { p.assign(ringWordsR, cat((0..<(4 * maxQ)).reversed().map { e -> any ExprConvertible in mux(takeEntry == e, takeWords, ringWords[e]) })) }
            }
        }
        m.clocked("xfer_seq") { p in
            p.assign(evStoreEndR, stLastReq)
            p.when(taken) {
                // the group's count grows
                p.assign(ringNR, cat((0..<4).reversed().map { g -> any ExprConvertible in mux(takeGroup == g, takeSlot.fit(nW) + 1, ringN[g]) }))
                p.assign(ldSlot, takeSlot)
                if let ldGroupLastR { p.assign(ldGroupLastR, takeLast) }
                p.assign(xNone, tileNone); p.assign(ldTake, 0)
            }
            // (li − si: one more at a load's grant, one fewer at a store's; both are never granted together)
            p.when(grantLoad) { p.assign(ahead, ahead + 1) }.elseWhen(grantStore) { p.assign(ahead, ahead - 1) }
            p.when(grantLoad && li == 2) { p.assign(threeLoads, 1) }
            p.when(grantLoad) { p.assign(noLoads, 0) }
            p.when(grantLoad) {
                p.assign(li, li + 1); p.assign(lastWasLoad, 1); p.assign(xIsStore, 0); p.assign(xState, 1); p.assign(xFirst, 1)
            }
            p.when(grantStore) {
                p.assign(si, si + 1); p.assign(lastWasLoad, 0); p.assign(xIsStore, 1); p.assign(xState, 1); p.assign(xFirst, 1)
            }
            p.when(loadAccept || storeAccept) { p.assign(xFirst, 0) }
            // a tile's last request (or its idle cycle): the group ends, or its next tile is taken now or next cycle
            if let takenQ { p.assign(takenQ, taken) }
            if let takenQ2 { p.assign(takenQ2, takenQ) }
            p.when((ldLast && !takeEarly) || xNone) {
                p.assign(xNone, 0)
                if let ldGroupLastR {
                    p.when(ldGroupLastR) { p.assign(xState, 0) }.otherwise { p.assign(ldTake, 1) }
                } else {
                    p.assign(xState, 0)
                }
            }
            p.when(stLastReq) { p.assign(xState, 0) }
            p.when(groupLoaded) { p.assign(loadsDone, loadsDone + 1) }
            p.when(!inTiles) {
                p.assign(xState, 0); p.assign(li, 0); p.assign(si, 0); p.assign(ahead, 0); p.assign(threeLoads, 0); p.assign(noLoads, 1); p.assign(lastWasLoad, 0)
                p.assign(loadsDone, 0); p.assign(xNone, 0); p.assign(ldTake, 0)
            }
        }
        // ---- loaded groups and freed output halves, offered to the compute engine ----
        let tokenFifo = try ctx.tokenFifo()
        let clear = m.wire("xfer_clear", !inTiles)
        // (the group's last write a cycle later with boundary registers: so is its token)
        let loadedToken = m.wire("ld_group_loaded_token", m.delayed("ld_group_loaded", groupLoaded.expr, by: cfg.loadedDelay, reset: 0))
        m.instance(tokenFifo, name: "u_loaded_fifo", connections: [
            "clk": clk, "rst": rst, "clear": clear, "in_valid": loadedToken,
            "out_valid": loaded["valid"], "out_ready": loaded["ready"],
        ])
        m.instance(tokenFifo, name: "u_stored_fifo", connections: [
            "clk": clk, "rst": rst, "clear": clear, "in_valid": stLastReq, "out_valid": stored["valid"], "out_ready": stored["ready"],
        ])
        // a load holds the sequencer from its grant to its end, take and idle cycles included
        m.assign(status["load_busy"], (xState && !xIsStore) || grantLoad)
        m.assign(status["drained"], li == loadsDone && !loaded["valid"] && (cfg.loadedDelay == 0 ? k(1, 1) : !loadedToken))

        // ---- DRAM port: request channel (valid/ready), read responses in order, always accepted ----
        m.assign(req["valid"], burstPresent || loadValid || storeValid)
        m.assign(req["write"], storeValid)
        m.assign(req["addr"], mux(burstPresent, burst["addr"], mux(xIsStore, storeAddr, loadAddr)))
        m.assign(req["wdata"], mux(storeValid, outWord, Expr.zeros(width: 8 * B)))
        m.assign(req["wstrb"], mux(storeValid, strobe, Expr.zeros(width: B)))
        m.clocked("burst_lock") { p in p.assign(burstLocked, burstPresent && !req["ready"]) }
        // Reads in flight: accepted, data not yet returned; a read is presented only below the limit.
        let maxOut = cfg.maxOutstandingReads
        let inFlight = m.reg("mem_reads_in_flight", width: bitsFor(maxOut), reset: 0)
        let readAccept = m.wire("mem_read_accept", req["valid"] && req["ready"] && !req["write"])
        m.clocked("mem_read_window") { p in
            p.when(readAccept && !rsp["valid"]) { p.assign(inFlight, inFlight + 1) }
                .elseWhen(!readAccept && rsp["valid"]) { p.assign(inFlight, inFlight - 1) }
        }
        m.assign(readSlot, inFlight < maxOut)
        let linePayload: [Bundle.Field] = ctx.hasLine ? [
            .init("line", doc: "a band word: into the line buffer at bank, addr (§6.5)"), .init("group", width: 2, doc: "its load's group number mod 4"),
            .init("bank", width: 8, doc: "line bank"), .init("addr", width: ctx.awL, doc: "line-buffer word")] : []
        // (with boundary registers its input registered: the port's request decision, the burst's
        // or the load walker's, and the walker's write target reach only the stage, issue 13)
        let tagFifo = try ctx.block(names.block("read_tag_fifo")) {
            try StreamFifo(name: names.block("read_tag_fifo"), payload: [.init("burst", doc: "a burst read (else a tile load)")] + linePayload
                           + tagLoadFields.map(\.field), depth: maxOut, storage: maxOut > 1 ? .ram : .registers,
                           registeredInput: cfg.boundaryRegisters)
                .module(documentation: "Tags of the reads in flight, in request order (\(maxOut) entries\(maxOut > 1 ? ", a RAM" : "")): which engine each response goes to.")
        }
        var tagConnections: [String: any ExprConvertible] = [
            "clk": clk, "rst": rst, "clear": k(0, 1), "in_valid": readAccept, "in_burst": burstPresent,
            "out_valid": tagValid, "out_burst": tagBurst, "out_ready": rsp["valid"],
        ]
        if let lw = lineWr, let bl = bandLine {
            let isBand = m.wire("ldb_tag_line", loadValid && bandBusy! && !burstPresent)
            tagConnections["in_line"] = isBand; tagConnections["in_group"] = (li - 1).trunc(2)
            tagConnections["in_bank"] = bl.bank; tagConnections["in_addr"] = bl.addr
            tagConnections["out_line"] = tagLineSig!; tagConnections["out_group"] = tagGroupSig!
            tagConnections["out_bank"] = lw["bank"]; tagConnections["out_addr"] = lw["addr"]
        }
        for f in tagLoadFields { tagConnections["in_\(f.field.name)"] = f.input; tagConnections["out_\(f.field.name)"] = f.output }
        m.instance(tagFifo, name: "u_read_tag_fifo", connections: tagConnections)
        m.assign(rsp["ready"], k(1, 1))
        // a group's first accepted request, or the grant of a group of no requests
        // (with the line buffer a group of no requests starts where it ends, at its last take)
        let loadStart = (loadAccept && xFirst && !xIsStore) || (grantLoad && noneLoad)
        m.assign(ev["load_start"], lineNoRequests.map { loadStart || $0 } ?? loadStart)
        m.assign(ev["store_start"], storeAccept && xFirst)
        m.assign(ev["load_ready"], evLoadReadyR)
        m.assign(ev["store_end"], evStoreEndR)
        m.allowPartlyReadInputs()
        return try m.build()
    }
}

extension AcceleratorContext {
    /// The token FIFO of 2 (`<prefix>token_fifo`): the `stored` and `requantized` streams.
    func tokenFifo() throws -> Module {
        try block(names.block("token_fifo")) { try StreamFifo(name: names.block("token_fifo"), payload: [], depth: 2).module() }
    }
}
