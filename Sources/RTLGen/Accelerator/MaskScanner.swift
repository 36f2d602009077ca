import AcceleratorSpec

/// Mask RAM and scanner (§6.1). The tile mask (maxMw words of 8·B bits, one per MASK burst beat)
/// lives in a 1R1W memory; flip-flops hold only a "word has a set bit" vector and the current
/// word's pending bits. Tiles are granted in raster order, so the pending set of a pass is always
/// "the current word's remaining bits, then every later non-empty word": the scanner registers the
/// lowest pending bit of the current word, and when a grant empties that word it moves to the next
/// non-empty word, whose data the memory has been reading since the previous grant (grants are at
/// least two cycles apart). At the start of a pass (the first WEIGHTS cycle, at least three cycles
/// before the first TILES cycle since memLatency ≥ 1 and a pass has ≥ 2 WEIGHTS words) the first
/// non-empty word is read and becomes the current word. The registered result is the same, cycle
/// for cycle, as a priority encoder over a pending copy of the whole mask, at a fraction of the area.
struct MaskScanner: AcceleratorEngine {
    let ctx: AcceleratorContext

    func build() throws -> Module {
        if cfg.tileList { return try buildListReader() }
        let m = ModuleBuilder(names.engine("mask_scanner"), documentation: "Mask RAM and scanner (§6.1): the next active tile, registered.")
        _ = m.clock(); _ = m.reset()
        let rsp = m.ports(TopInterface.memoryResponsePort, TopInterface.memoryResponse(cfg).only("rdata").flipped)
        let layer = layerRecord(in: m, reading: ["mpitch", "rowring"] + TileOffer.groupFields(ctx))
        let seq = m.ports(ch.sequencer.name, ch.sequencer.bundle.only("phase", "start").flipped)
        let beat = m.ports(ch.maskBeat.name, ch.maskBeat.bundle.flipped)
        let tile = m.ports(ch.tile.name, ch.tile.bundle)
        let inWeights = seq["phase"] == 2, inTiles = seq["phase"] == 3
        let maxMw = ctx.maxMw
        let wb = 8 * B
        let lgWb = log2Exact(wb)
        let idxW = bitsFor(max(maxMw - 1, 1))
        let scanJ = m.reg("scan_bit_index", width: lgWb, reset: 0)  // the registered tile's bit in the current word
        let offer = TileOffer(in: m, tile: tile, layer: layer, coordinateWidth: tileCoordW, slots: ctx.maxSlots)  // (its last: no pending tile after it)
        let granted = offer.granted
        let nonEmpty = m.reg("mask_nonempty", width: maxMw)
        let curWord = m.reg("scan_cur_word", width: idxW, reset: 0)
        let curBits = m.reg("scan_cur_bits", width: wb)
        let weightsBefore = m.reg("scan_weights_q", width: 1, reset: 0)
        let fill = m.reg("scan_fill", width: 1, reset: 0)
        let passStart = m.wire("scan_pass_start", inWeights && !weightsBefore)
        let word = rsp["rdata"].fit(wb), rspIdx = beat["index"]

        // ---- which word is next: the first non-empty word of the mask, and the first after the current one ----
        let (firstAny, firstIdx) = try ctx.lowestSetBit(in: m, "scan_first", nonEmpty)
        m.allowUnused(firstAny)  // the first word is read at a pass start, when the mask has a set bit
        let firstWord = m.wire("scan_first_word", firstIdx.fit(idxW))
        let allWords = ~Expr.zeros(width: maxMw)
        let later = m.wire("scan_later", nonEmpty & (allWords << (curWord.zext(idxW + 1) + 1)))
        let (nextAny, nextIdx) = try ctx.lowestSetBit(in: m, "scan_next_word", later)
        let nextWord = m.wire("scan_next_word_index", nextIdx.fit(idxW))
        let depth = max(maxMw, 2), aw = Memory.addressWidth(depth: depth)
        let wordData = m.memory("mask_ram", width: wb, depth: depth,
                                write: MemoryWritePort(enable: beat["valid"].expr, address: rspIdx.fit(aw), data: word),
                                read: MemoryReadPort(enable: k(1, 1), address: mux(passStart, firstWord, nextWord).fit(aw)))

        // ---- the registered result: the current word's lowest pending bit ----
        let (found, bIdx) = try ctx.lowestSetBit(in: m, "scan_bit", curBits)
        let j = m.wire("scan_next", cat(curWord, bIdx.fit(lgWb)))
        // j may need more than tileCoordW bits (many small tiles): its two parts do not. Raster order
        // j = ty·2^p + tx; column-major with the row ring (§6.2), j = tx·2^p + ty (MASK_LAYOUT.pitch):
        // a shift and a mask, no divider.
        let rows = layer["rowring"]
        let jw = max(tileCoordW, j.width), pitch = layer["mpitch"]
        let q = m.wire("scan_major", j.fit(jw) >> pitch), r = m.wire("scan_minor", j.fit(jw) & ~(~Expr.zeros(width: jw) << pitch))
        m.allowUnused(q); m.allowUnused(r)  // (their low tileCoordW bits)
        let ty = m.wire("scan_next_ty", mux(rows, r.fit(tileCoordW), q.fit(tileCoordW))), tx = m.wire("scan_next_tx", mux(rows, q.fit(tileCoordW), r.fit(tileCoordW)))
        let one = cat(Expr.zeros(width: wb - 1), k(1, 1))
        // (another tile in the word after this one: the offer is the pass's last without, kept with groups of several tiles)
        let moreInWord: Expr? = offer.last == nil ? nil : m.wire("scan_more_in_word", (curBits & ~(one << bIdx.fit(lgWb))).reduceOr()).expr

        // ---- a grant clears the granted bit; an emptied word gives way to the next non-empty one ----
        let cleared = m.wire("scan_cur_cleared", curBits & ~(one << scanJ))
        let remaining = ctx.faultSkipSecondTile(in: m, cleared, granted: granted, inTiles: inTiles)
        let emptied = m.wire("scan_cur_emptied", !remaining.reduceOr())
        m.clocked("scanner") { p in
            p.assign(offer.valid, found); p.assign(scanJ, bIdx.fit(lgWb)); p.assign(offer.ty, ty); p.assign(offer.tx, tx.fit(tileCoordW))
            if let last = offer.last, let moreInWord { p.assign(last, !moreInWord && !nextAny) }
            p.assign(weightsBefore, inWeights); p.assign(fill, passStart)
            // Each mask word arrives once per layer, after START cleared the vector: set its bit.
            p.when(beat["valid"]) { p.assign(nonEmpty, nonEmpty | (word.reduceOr().zext(maxMw) << rspIdx.fit(idxW))) }
            p.when(fill) { p.assign(curWord, firstWord); p.assign(curBits, wordData); offer.startPass(p) }
            offer.countGrant(p)
            p.when(granted) {
                p.when(emptied) {
                    p.assign(curWord, nextWord); p.assign(curBits, mux(nextAny, wordData, Expr.zeros(width: wb)))
                }.otherwise { p.assign(curBits, remaining) }
            }
            p.when(seq["start"]) { p.assign(nonEmpty, Expr.zeros(width: maxMw)); p.assign(curBits, Expr.zeros(width: wb)) }
        }
        m.allowPartlyReadInputs()
        return try m.build()
    }

    /// The scanner of a tile list (`HardwareConfig.tileList`, §6.1): the host wrote the active
    /// tiles as 16-bit entries (ty high, tx low), B/2 a word, in the order the engines take them,
    /// so the next tile is the next entry — a counter where the bitmap needs priority encoders.
    /// The pass's first tile is registered two cycles after the pass starts, as the bitmap
    /// scanner's, and each later one in the cycle of its grant, or (takes three cycles apart,
    /// `takeInterval`) in the cycle after it, the offer's valid still in the grant's. The RAM reads
    /// the word of the next entry to offer, its address the counter's next value, so an advance
    /// finds that entry's word in the read data.
    func buildListReader() throws -> Module {
        let m = ModuleBuilder(names.engine("mask_scanner"), documentation: "Tile-list RAM and reader (§6.1): the next active tile, registered.")
        _ = m.clock(); _ = m.reset()
        let rsp = m.ports(TopInterface.memoryResponsePort, TopInterface.memoryResponse(cfg).only("rdata").flipped)
        let layer = layerRecord(in: m, reading: ["mtiles"] + TileOffer.groupFields(ctx))
        let seq = m.ports(ch.sequencer.name, ch.sequencer.bundle.only("phase", "start").flipped)
        let beat = m.ports(ch.maskBeat.name, ch.maskBeat.bundle.flipped)
        let tile = m.ports(ch.tile.name, ch.tile.bundle)
        let inWeights = seq["phase"] == 2
        let wb = 8 * B, entryW = HardwareConfig.tileListEntryBits, coordW = entryW / 2
        let lgE = log2Exact(cfg.tileListEntriesPerWord)
        let count = layer["mtiles"], nW = count.width
        let offer = TileOffer(in: m, tile: tile, layer: layer, coordinateWidth: tileCoordW, slots: ctx.maxSlots)  // (its last: the pass's last entry)
        let granted = offer.granted
        // (takes three cycles apart: the port sequencer reads a new offer's tile from the third cycle
        // after a take on, and before that only its valid, which the grant sets. The rest of the
        // offer, the counter and the RAM's address move on in the cycle after the grant, from a
        // flip-flop: the take, the UP5K's longest path, drives neither, issue 13)
        let advanceLate = cfg.takeInterval > 2
        // (the grant the offer moves on at: this cycle's, or the one of the cycle before)
        let advanceGrant = advanceLate ? m.wire("scan_granted_late", m.delayed("scan_granted", granted.expr, by: 1, reset: 0)).expr : granted.expr
        let weightsBefore = m.reg("scan_weights_q", width: 1, reset: 0)
        let passStart = m.wire("scan_pass_start", inWeights && !weightsBefore)
        // (the pass's first entry is offered from the second cycle after its start, as the bitmap's)
        let fill = m.wire("scan_fill", m.delayed("scan_fill", passStart.expr, by: 2, reset: 0))
        // the next entry to offer, and its next value (the RAM's read address)
        let next = m.reg("scan_next_entry", width: nW, reset: 0)
        let advance = m.wire("scan_advance", fill || advanceGrant)
        let nextD = m.wire("scan_next_entry_d", mux(passStart, k(0, nW), mux(advance, ctx.faultListStep(next, fill: fill), next.expr)).fit(nW))
        let depth = max(ctx.maxMw, 2), aw = Memory.addressWidth(depth: depth)
        // (read when no beat is written: the list is read from its pass's start on, after the MASK
        // burst, so never a word in its write's cycle, and the RAM needs no read-first logic)
        let word = m.memory("mask_ram", width: wb, depth: depth,
                            write: MemoryWritePort(enable: beat["valid"].expr, address: beat["index"].fit(aw), data: rsp["rdata"].fit(wb)),
                            read: MemoryReadPort(enable: !beat["valid"], address: (nextD >> lgE).fit(aw)), readDuringWrite: .never)
        let entry = m.wire("scan_entry", lgE == 0 ? word.expr.fit(entryW) : select(next.expr.fit(lgE), fields(word, width: entryW)))
        m.clocked("scanner") { p in
            p.assign(weightsBefore, inWeights); p.assign(next, nextD)
            p.when(advance || granted) { p.assign(offer.valid, next < count) }
            p.when(advance) {
                if let last = offer.last { p.assign(last, next + 1 == count) }
                p.assign(offer.ty, (entry >> coordW).fit(tileCoordW)); p.assign(offer.tx, entry.expr.fit(coordW).fit(tileCoordW))
            }
            p.when(fill) { offer.startPass(p) }
            offer.countGrant(p, at: advanceGrant)
            p.when(seq["start"]) { p.assign(offer.valid, 0) }
        }
        m.allowPartlyReadInputs()
        return try m.build()
    }
}

/// The tile a scanner offers on the `tile` channel, registered (§6.1): valid, (ty, tx) and whether
/// it is the pass's last, which the scanner assigns; and its slot in its tile group (§3.1), which
/// this keeps: a group ends at its last slot (the first group of a pass at `gfirst`: it takes the
/// remainder) or at the pass's last tile. In groups of one tile (one slot) every tile is its
/// group's last, and no slot is kept.
struct TileOffer {
    let valid: Signal, ty: Signal, tx: Signal
    /// Whether the offer is the pass's last tile (nil with one slot: the group's end needs it only).
    let last: Signal?
    /// The slot and whether the group is the pass's first (nil with one slot).
    let group: (slot: Signal, first: Signal, glast: Expr)?
    /// The offer taken in this cycle.
    let granted: Signal
    let tile: BundleSignals

    /// The layer fields the offer reads: the group sizes, with more than one slot.
    static func groupFields(_ ctx: AcceleratorContext) -> [String] { ctx.maxSlots > 1 ? ["glast", "gfirst"] : [] }

    init(in m: ModuleBuilder, tile: BundleSignals, layer: BundleSignals, coordinateWidth w: Int, slots: Int) {
        valid = m.reg("scan_valid", width: 1, reset: 0)
        ty = m.reg("scan_ty", width: w, reset: 0)
        tx = m.reg("scan_tx", width: w, reset: 0)
        m.assign(tile["valid"], valid); m.assign(tile["ty"], ty); m.assign(tile["tx"], tx)
        if slots > 1 {
            let passLast = m.reg("scan_last", width: 1, reset: 0), glast = layer["glast"].expr
            let g = (slot: m.reg("scan_slot", width: glast.width, reset: 0), first: m.reg("scan_first_group", width: 1, reset: 0), glast: glast)
            m.assign(tile["last"], passLast || g.slot == mux(g.first, layer["gfirst"], glast))
            last = passLast; group = g
        } else {
            m.assign(tile["last"], k(1, 1))
            last = nil; group = nil
        }
        granted = m.wire("scan_granted", tile["valid"] && tile["ready"])
        self.tile = tile
    }

    /// A pass's first offer: its first group starts.
    func startPass(_ p: ProcessBuilder) {
        if let group { p.assign(group.slot, 0); p.assign(group.first, 1) }
    }

    /// A grant moves to the next slot, or after a group's last tile to the next group's first
    /// (`grant`: in the grant's cycle, or in a later one before the offer changes).
    func countGrant(_ p: ProcessBuilder, at grant: Expr? = nil) {
        guard let group else { return }
        p.when(grant ?? granted.expr) {
            p.assign(group.slot, mux(tile["last"], k(0, group.glast.width), group.slot + 1))
            p.when(tile["last"]) { p.assign(group.first, 0) }
        }
    }
}
