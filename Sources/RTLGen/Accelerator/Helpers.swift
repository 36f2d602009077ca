// Small arithmetic building blocks of the accelerator generator (all combinational, built in the IR).

func log2Exact(_ x: Int) -> Int { var n = 0; while (1 << n) < x { n += 1 }; return n }
func bitsFor(_ maxValue: Int) -> Int { var n = 1; while (1 << n) <= maxValue { n += 1 }; return n }

extension ExprConvertible {
    /// Zero-extends or truncates to `w` bits (unsigned view).
    func fit(_ w: Int) -> Expr {
        let e = expr.asUnsigned
        return e.width >= w ? e.trunc(w) : e.zext(w)
    }
}

/// Unsigned product of `a` and `b`, `w` bits wide.
func umul(_ a: some ExprConvertible, _ b: some ExprConvertible, _ w: Int) -> Expr {
    a.fit(w) * b.fit(w)
}

/// x·c for a constant c ≥ 0, `w` bits: x shifted to each set bit of c and summed — a shift when c is
/// a power of two, adders otherwise, never a multiplier for the synthesis tool to map to a DSP block.
func timesConstant(_ x: some ExprConvertible, _ c: Int, _ w: Int) -> Expr {
    precondition(c >= 0, "timesConstant: negative constant \(c)")
    let v = x.fit(w)
    let terms = (0..<Int.bitWidth - 1).filter { c >> $0 & 1 == 1 }.map { v << $0 }
    return terms.dropFirst().reduce(terms.first ?? k(0, w)) { $0 + $1 }
}

/// x·j for a narrow unsigned `j` ≤ `maxFactor`, `w` bits: x shifted to each bit of j, kept where the
/// bit is set, summed — ⌈log2(maxFactor + 1)⌉ terms, so a layer quantity times a slot index costs a
/// few adders, not a multiplier for the synthesis tool to map to a DSP block (issue 13: none outside
/// the PE array).
func timesSmall(_ x: some ExprConvertible, _ j: some ExprConvertible, maxFactor: Int, _ w: Int) -> Expr {
    let v = x.fit(w), f = j.fit(bitsFor(max(maxFactor, 1)))
    var terms = (0..<f.width).map { i in mux(f[i], v << i, k(0, w)) }
    // (summed as a balanced tree: log2 of the factor's bits adders deep)
    while terms.count > 1 {
        terms = stride(from: 0, to: terms.count, by: 2).map { i in i + 1 < terms.count ? terms[i] + terms[i + 1] : terms[i] }
    }
    return terms[0]
}

/// x > c for a constant c ≥ 0 (x unsigned) as gates, not a comparator: from x's top bit down, a 1
/// where c has a 0 decides it, a 0 where c has a 1 ends it — ORs and ANDs of x's bits that LUTs
/// take in a few levels, where a comparator is a carry chain as long as x (on iCE40 a logic cell
/// a bit, issue 13). A constant 0 when x cannot exceed c.
func greaterThan(_ x: Expr, constant c: Int) -> Expr {
    precondition(c >= 0, "greaterThan: negative constant \(c)")
    let n = x.width
    if c >= (1 << n) - 1 { return k(0, 1) }
    if c == 0 { return x != 0 }
    // (above c's top 1, bit t, any 1 of x decides; at t, x needs a 1 and its bits below t must
    // exceed c's below t)
    let t = Int.bitWidth - 1 - c.leadingZeroBitCount, below = c & ((1 << t) - 1)
    let high: Expr? = t + 1 < n ? x[(t + 1)...(n - 1)] != 0 : nil
    let atTop: Expr? = t > 0 && below < (1 << t) - 1 ? x[t] && greaterThan(x[0...(t - 1)], constant: below) : nil
    switch (high, atTop) {
    case let (h?, a?): return h || a
    case let (h?, nil): return h
    case let (nil, a?): return a
    case (nil, nil): return k(0, 1)
    }
}

/// Unsigned constant of width `w`.
func k(_ v: Int, _ w: Int) -> Expr { Expr.constant(v, width: w) }

/// Unsigned maximum / minimum of equal-width values.
func umax(_ a: some ExprConvertible, _ b: some ExprConvertible) -> Expr { mux(a.expr > b.expr, a, b) }
func umin(_ a: some ExprConvertible, _ b: some ExprConvertible) -> Expr { mux(a.expr < b.expr, a, b) }

extension ModuleBuilder {
    /// `e`, a quantity derived from the layer record alone, registered every cycle (`<name>_d1`, no
    /// reset). The record is constant from a layer's first cycle (its ring fields, `rowring` and
    /// `nsh`, from the second) and an engine that reads this in
    /// TILES does so at least three cycles later (§14), so the register costs no cycle and takes
    /// the derivation off the engine's per-cycle paths (issue 13).
    func layerConstant(_ name: String, _ e: some ExprConvertible) -> Expr { delayed(name, e.expr, by: 1) }

    /// `e`, `n` cycles later: registers `<name>_d1 … _dn`, without reset unless `reset` is given.
    func delayed(_ name: String, _ e: Expr, by n: Int, reset: Int? = nil) -> Expr {
        (0..<n).reduce(e) { v, i in
            let r = reg("\(name)_d\(i + 1)", width: v.width, signed: v.isSigned, reset: reset)
            if reset != nil { clocked("\(name)_d\(i + 1)_q") { p in p.assign(r, v) } }
            else { clocked("\(name)_d\(i + 1)_q", resetless: true) { p in p.assign(r, v) } }
            return v.isSigned ? r.expr.asSigned : r.expr
        }
    }

    /// Restoring division `num ÷ den` (both unsigned) for quotients below 2^qbits.
    /// Each stage is a named wire, so the Verilog stays linear in size.
    /// A constant power-of-two divisor is a shift.
    func udiv(_ name: String, _ num: some ExprConvertible, _ den: some ExprConvertible, qbits: Int) -> (q: Expr, r: Expr) {
        let n = num.expr.asUnsigned, d = den.expr.asUnsigned
        if case .constant(let c) = d.node, c > 0, c & (c - 1) == 0 {
            let s = log2Exact(Int(c))
            let q = s == 0 ? n : (n >> s)
            let r = s == 0 ? Expr.constant(0, width: d.width) : n.fit(max(s, 1)).fit(d.width) & Int(c - 1)
            return (q.fit(qbits), r)
        }
        let w = max(n.width, d.width + qbits)
        var rem = wire("\(name)_r\(qbits)", n.fit(w)).expr
        var qb: [Expr] = []
        for i in stride(from: qbits - 1, through: 0, by: -1) {
            let ds = d.fit(w) << i
            let ge = wire("\(name)_q\(i)", rem >= ds).expr
            let rw = wire("\(name)_r\(i)", mux(ge, rem - ds, rem))
            allowUnused(rw)
            rem = rw.expr
            qb.append(ge)
        }
        return (cat(qb), rem.fit(d.width))
    }
}

/// `width` bits with only bit `index` set (all zero when `index` ≥ `width`): a decoder, as one shift.
func onehot(_ index: some ExprConvertible, width: Int) -> Expr {
    let one = width == 1 ? k(1, 1) : cat(Expr.zeros(width: width - 1), k(1, 1))
    return one << index.expr.asUnsigned
}

/// The `width`-bit fields of `bus`, element i at bits [i·width, (i+1)·width).
func fields(_ bus: some ExprConvertible, width: Int) -> [Expr] {
    let e = bus.expr
    return (0..<(e.width / width)).map { e[($0 * width)...($0 * width + width - 1)] }
}

extension AcceleratorContext {
    /// The 1R1W RAM module of `depth` words × `width` bits (`<prefix>ram_<depth>x<width>`): the
    /// memory of the IR (registered read, inferred as block RAM) behind ports, so the buffers
    /// instantiate it in arrays. One module per shape and read-during-write rule:
    /// `readDuringWrite` `.never` (`…_norw`) where the buffer's users never read a word in its
    /// write's cycle: the bare block RAM, asserted in simulation; `.undefined` (`…_rwx`) where they
    /// may but then drop what they read: the bare block RAM, the read poisoned in simulation;
    /// `.oldData` where they take the old word.
    /// `byteWrites`: a write enable per byte (`we` of width/8 bits, `…_bytes`), for byte slices that
    /// share their addresses and are written apart.
    func ram(depth: Int, width: Int, readDuringWrite: Memory.ReadDuringWrite = .oldData, byteWrites: Bool = false) throws -> Module {
        let (suffix, rule) = switch readDuringWrite {
        case .oldData: ("", "")
        case .never: ("_norw", ", never read and written at one address in one cycle")
        case .undefined: ("_rwx", ", a read of the address being written undefined (its users drop it)")
        }
        let name = names.ram(depth: depth, width: width) + suffix + (byteWrites ? "_bytes" : "")
        let bytes = byteWrites ? ", a write enable per byte" : ""
        return try block(name, documentation: "1R1W RAM, \(depth) words x \(width) bits, registered read (block RAM)\(bytes)\(rule).") { r in
            _ = r.clock()
            let aw = Memory.addressWidth(depth: depth)
            let we = r.input("we", width: byteWrites ? width / 8 : 1), waddr = r.input("waddr", width: aw), wdata = r.input("wdata", width: width)
            let re = r.input("re"), raddr = r.input("raddr", width: aw)
            let rdata = r.output("rdata", width: width)
            r.assign(rdata, r.memory("mem", width: width, depth: depth,
                                     write: MemoryWritePort(enable: we, address: waddr, data: wdata),
                                     read: MemoryReadPort(enable: re, address: raddr), readDuringWrite: readDuringWrite))
        }
    }
}

extension AcceleratorContext {
    /// Lowest set bit of `v`: (any bit set, its index), from one `<prefix>lowest_set_bit_<n>`
    /// instance `u_<name>` (n: v's width rounded up to a power of two, v zero-extended), whose
    /// outputs are the wires `<name>_found` and `<name>_idx`.
    func lowestSetBit(in m: ModuleBuilder, _ name: String, _ v: some ExprConvertible) throws -> (found: Signal, index: Expr) {
        let e = v.expr.asUnsigned
        var n = 1; while n < e.width { n *= 2 }
        if n == 1 { return (m.wire("\(name)_found", e), k(0, 1)) }
        let padded = n == e.width ? e : cat(Expr.zeros(width: n - e.width), e)
        let found = m.wire("\(name)_found"), index = m.wire("\(name)_idx", width: log2Exact(n))
        m.instance(try lowestSetBitModule(n), name: "u_\(name)", connections: ["v": padded, "found": found, "index": index])
        return (found, index.expr)
    }

    /// `<prefix>lowest_set_bit_<n>` (n a power of two ≥ 2): whether `v` has a set bit and the
    /// index of the lowest; the lower half's answer if it has one, else the upper half's, each from
    /// an instance of `lowest_set_bit_<n/2>` (a balanced tree of halves).
    func lowestSetBitModule(_ n: Int) throws -> Module {
        let name = names.block("lowest_set_bit_\(n)")
        let lg = log2Exact(n)
        return try block(name, documentation: n == 2
            ? "Lowest set bit of a 2-bit v: found, index."
            : "Lowest set bit of v: the lower half's if it has one, else the upper half's (two lowest_set_bit_\(n / 2)).") { r in
            let v = r.input("v", width: n)
            let found = r.output("found"), index = r.output("index", width: lg)
            if n == 2 {
                r.assign(found, v[0] || v[1])
                r.assign(index, mux(v[0], k(0, 1), k(1, 1)))
            } else {
                let hf = r.wire("half_found", width: 2), hi = r.wire("half_index", width: 2 * (lg - 1))
                r.instanceArray(try lowestSetBitModule(n / 2), name: "half", dimensions: [("h", 2)], connections: [
                    "v": .slice(v), "found": .slice(hf), "index": .slice(hi),
                ])
                r.assign(found, hf[0] || hf[1])
                r.assign(index, mux(hf[0], cat(k(0, 1), hi[0...(lg - 2)]), cat(k(1, 1), hi[(lg - 1)...(2 * lg - 3)])))
            }
        }
    }
}

extension AcceleratorContext {
    /// The first input-buffer word of the part that tile group `group` of a pass uses (§6.2): half
    /// group mod 2 (DI words each), or quarter group mod 4 (⌊DI/2⌋ words each) when the halos are
    /// resident in quarters (`resident` = 2, PASS.resident).
    func haloPartBase(resident: some ExprConvertible, group: some ExprConvertible) -> Expr {
        let g = group.expr.asUnsigned, w = awI
        let half = mux(g[0], k(DI, w), k(0, w))
        let quarter = select(g.fit(2), (0..<4).map { k($0 * (DI / 2), w) })
        return mux(resident.expr.asUnsigned == 2, quarter, half)
    }

    /// Whether the layer runs a ring (§6.2): at the full-tile shape `nsh` is nonzero only then (the
    /// column ring's shared columns, or the row ring's shared rows).
    func haloRing(shape: some ExprConvertible, nsh: some ExprConvertible) -> Expr {
        shape.expr.asUnsigned == 0 && nsh.expr.asUnsigned != 0
    }
    /// Whether a ring at the full-tile shape runs along the rows (§6.2, "The row ring"; the model's
    /// `LayerPlan.rowRing`): halos not resident, rows that overlap (HH > tileH·SY), and either no
    /// column overlap (HW ≤ tileW·SX) or fewer words for a tile below its neighbour than beside it,
    /// tileH·SY·HW < HH·tileW·SX. `hh`, `hwid`: the halo's rows and columns (8 bits each).
    func rowRing(shape: some ExprConvertible, resident: some ExprConvertible, hh: some ExprConvertible, hwid: some ExprConvertible,
                 s2: some ExprConvertible, s2x: some ExprConvertible) -> Expr {
        let hh = hh.expr.asUnsigned.fit(8), hw = hwid.expr.asUnsigned.fit(8)
        let rowsDown = mux(s2, k(2 * tH, 9), k(tH, 9)), colsAcross = mux(s2x, k(2 * tW, 9), k(tW, 9))
        // (tileH·SY·HW and HH·tileW·SX by constants: shifts for power-of-two tiles)
        let below = mux(s2, timesConstant(hw, 2 * tH, 18), timesConstant(hw, tH, 18))
        let beside = mux(s2x, timesConstant(hh, 2 * tW, 18), timesConstant(hh, tW, 18))
        return shape.expr.asUnsigned == 0 && resident.expr.asUnsigned == 0 && hh.fit(9) > rowsDown
            && (hw.fit(9) <= colsAcross || below < beside)
    }
    /// Whether a ring holds three tiles' blocks (§6.2, "A ring of three"; the model's
    /// `LayerPlan.ringTiles`): no residual (its buffer has two halves) and three regions within the
    /// bank's 2·DI words.
    func ringOfThree(res: some ExprConvertible, region: some ExprConvertible) -> Expr {
        let r = region.expr.asUnsigned.fit(haloW + 1)
        return !res.expr.asUnsigned.reduceOr() && (r << 1) + r <= k(2 * DI, haloW + 1)
    }
    /// The ring's words along one row slot (column ring) or in all (row ring): 2 or 3 × `tileWords`.
    func ringSize(tileWords: Expr, three: Expr) -> Expr {
        let t = tileWords.fit(haloW)
        return mux(three, (t << 1) + t, t << 1).fit(haloW)
    }
    /// A ring's offset, in bank words, of a tile's first block (§6.2; the model's
    /// `LayerPlan.haloPlacement` in blocks): 0 for a pass's first tile; one block (`blockWords`) on
    /// from the previous tile's `prev` when it shares; a tile's blocks (`tileWords`: CS·CW words of a
    /// row slot in the column ring, the region RS·CS·CW in the row ring) on when it does not; modulo
    /// the ring's `size` words (`ringSize`). Both engines keep it.
    func ringOffset(after prev: Expr, first: Expr, shares: Expr, blockWords: Expr, tileWords: Expr, size: Expr) -> Expr {
        // (both steps' sums from the registers, the share selecting after the wrap: the share comes
        // late, through the taken FIFO or the group ring, issue 13)
        let byBlock = ringWrap(prev.fit(haloW) + blockWords.fit(haloW), size: size), byTile = ringWrap(prev.fit(haloW) + tileWords.fit(haloW), size: size)
        return mux(first, k(0, haloW), mux(shares, byBlock, byTile))
    }
    /// The ring's quantities (§6.2) as registered layer constants of module `m` (`<prefix>_ring_block_words`,
    /// `_tile_words`, `_size`): both walkers of the ring, the load response walker and the compute
    /// engine, keep the same ones. `three`: a ring of three tiles (`ringOfThree`).
    func ringConstants(in m: ModuleBuilder, _ prefix: String, rows: Expr, s2: Expr, s2x: Expr, cw: Expr, cscw: Expr, region: Expr,
                       three: Expr) -> (blockWords: Signal, tileWords: Signal, size: Signal) {
        let tile = ringTileWords(rows: rows, cscw: cscw, region: region)
        let blockWords = m.wire("\(prefix)_ring_block_words", m.layerConstant("\(prefix)_ring_block_words_layer",
            ringBlockWords(rows: rows, s2: s2, s2x: s2x, cw: cw, cscw: cscw)))
        let tileWords = m.wire("\(prefix)_ring_tile_words", m.layerConstant("\(prefix)_ring_tile_words_layer", tile))
        // (from the tile's words before their register: one register from the record, like the others)
        let size = m.wire("\(prefix)_ring_size", m.layerConstant("\(prefix)_ring_size_layer", ringSize(tileWords: tile, three: three)))
        return (blockWords, tileWords, size)
    }
    /// Words of one block of the ring: S·CW for a column block, SY·CS·CW for a row block (`haloW` bits).
    func ringBlockWords(rows: Expr, s2: Expr, s2x: Expr, cw: Expr, cscw: Expr) -> Expr {
        mux(rows, mux(s2, cscw.fit(haloW) << 1, cscw.fit(haloW)), mux(s2x, cw.fit(haloW) << 1, cw.fit(haloW)))
    }
    /// A tile's words along the ring: CS·CW (column ring) or RS·CS·CW (row ring) (`haloW` bits).
    func ringTileWords(rows: Expr, cscw: Expr, region: Expr) -> Expr {
        mux(rows, region.fit(haloW), cscw.fit(haloW))
    }
    /// Bits of a pixel index y·W + x of an input map (H ≤ 2·Ho with stride 2, W ≤ 2·Wo with output
    /// pairs) or an output map (Ho, Wo ≤ maxMapSize: STATUS.error otherwise), §5.
    func pixelIndexBits(input: Bool) -> Int {
        bitsFor((input ? 4 : 1) * limits.maxMapSize * limits.maxMapSize - 1)
    }
    /// Bits of a row index of such a map (H ≤ 2·Ho, Ho ≤ maxMapSize): its product with the map's
    /// width is one DSP block, not a 32×16 product of two.
    func rowIndexBits(input: Bool) -> Int {
        bitsFor((input ? 2 : 1) * limits.maxMapSize - 1)
    }
    /// The most halo slots along an axis of `tile` PEs (§6.2): ((halo − 1) ÷ S ÷ tile + 1)·S at the
    /// largest halo, (tile − 1)·2 + maxKernel + 1 (stride 2, output pairs' extra column). Slot indices
    /// are below it: their products with layer quantities are narrow (`timesSmall`).
    func maxHaloSlots(tile: Int) -> Int {
        let halo = (tile - 1) * 2 + limits.maxKernel + 1
        return max((halo - 1) / tile + 1, ((halo - 1) / 2 / tile + 1) * 2)
    }
    /// v mod `size`, for v below twice that (`haloW` bits).
    func ringWrap(_ v: Expr, size: Expr) -> Expr {
        let n = size.fit(haloW + 1), x = v.fit(haloW + 1)
        return mux(x >= n, x - n, x).fit(haloW)
    }

    /// `values[s]` for the layer's tile shape s (§3.1), one value per shape of the config.
    func byShape(_ shape: some ExprConvertible, _ values: [Expr]) -> Expr {
        values.count == 1 ? values[0] : select(shape.expr.asUnsigned, values)
    }
    /// The PE-array origin (row, column) of group slot `slot` at the layer's shape (§3.1):
    /// ((slot ÷ 2^s)·(tileH >> s), (slot mod 2^s)·(tileW >> s)), `w` bits each.
    func slotOrigin(_ shape: some ExprConvertible, _ slot: some ExprConvertible, _ w: Int) -> (row: Expr, col: Expr) {
        let sl = slot.expr.asUnsigned
        let rows = (0..<levels).map { l in timesConstant(sl >> l, tH >> l, w) }
        let cols = (0..<levels).map { l in timesConstant(l == 0 ? k(0, 1) : sl.fit(l), tW >> l, w) }
        return (byShape(shape, rows), byShape(shape, cols))
    }
    /// t·(tile >> s): the first output row (column) of tile row (column) t at the layer's shape.
    func tileOrigin(_ shape: some ExprConvertible, _ t: some ExprConvertible, tile: Int, _ w: Int) -> Expr {
        byShape(shape, (0..<levels).map { l in timesConstant(t, tile, w) >> l })
    }
}
