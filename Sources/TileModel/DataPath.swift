import AcceleratorSpec

/// The data the engines move: the modelled DRAM (a byte array holding the memory image) and,
/// in stepped mode, the mask register, bias RAM, banked weight buffer, banked halo input buffer,
/// residual buffer, accumulators, shadow registers and output buffer.
final class DataPath {
    let job: LayerJob
    let plan: LayerPlan
    let cfg: HardwareConfig
    let mode: SimulationMode
    var image: MemoryImage
    let B: Int

    enum Dest {
        case mask(Int)
        case bias(half: Int, word: Int)
        case weight(bank: Int, addr: Int)
        case input(part: Int, bank: Int, addr: Int)
        case residual(half: Int, word: Int)
        case line(bank: Int, addr: Int)
    }
    struct PendingRead { var cycle: Int; var addr: Int; var dest: Dest }
    private var pending: [PendingRead] = []
    private var pendingHead = 0

    // Buffers (stepped mode).
    var maskBytes: [UInt8]
    /// The bias words of the pass in each half of the bias RAM, and the byte address of the first.
    var biasBytes: [[UInt8]] = [[], []]
    var biasBase = [0, 0]
    /// [bank][addr·B + byte]; a pass of a layer of several passes uses half p mod 2 (§7.2).
    var weightBanks: [[UInt8]]
    /// [part][bank][addr·B + byte], bank = by·tileW + bx; part = `plan.haloPart(group:)` (a half, a
    /// quarter with resident halos, the one ring with the column ring).
    var inputBanks: [[[UInt8]]]
    /// [bank][addr·B + byte]: the line buffer (§6.5), bank = by·tileW + bx.
    var lineBanks: [[UInt8]]
    /// [half][(pixel·OW + word)·B + byte]
    var residualBuf: [[UInt8]]
    var outputBuf: [[UInt8]]
    var acc: [Int32]
    /// Output channels a step accumulates (§3.4): R lane groups with grouped lanes, else all lanesK.
    let lanesPerStep: Int
    struct RequantJob { var start: Int; var tileIndex: Int; var kgroup: Int; var shadow: [Int32] }
    private var requantQueue: [RequantJob] = []
    private var requantHead = 0
    var pass = OutputPass(index: 0, firstChannel: 0, endChannel: 1)
    var OW = 1, wb = 0

    init(job: LayerJob, plan: LayerPlan, mode: SimulationMode) {
        self.job = job; self.plan = plan; self.mode = mode
        cfg = plan.config; B = cfg.memBytesPerCycle
        // (fast mode reads nothing from DRAM: it only writes its outputs into the pre-initialised output region)
        image = MemoryImage(job: job, plan: plan, contents: mode == .stepped ? .all : .output)
        maskBytes = [UInt8](repeating: 0, count: plan.maskWords * B)
        let stepped = mode == .stepped
        let banks = cfg.tileH * cfg.tileW
        weightBanks = stepped ? Array(repeating: [UInt8](repeating: 0, count: cfg.weightBankDepth * B), count: cfg.lanesK) : []
        // one part per group in flight: the two halves, four quarters with resident halos, or the ring (§6.2)
        let parts = plan.haloParts
        inputBanks = stepped ? Array(repeating: Array(repeating: [UInt8](repeating: 0, count: parts.words * B), count: banks), count: parts.count) : []
        lineBanks = stepped && plan.lineBuffer ? Array(repeating: [UInt8](repeating: 0, count: cfg.lineBankDepth * B), count: banks) : []
        let outBytes = banks * cfg.outputWordsPerPixel * B
        residualBuf = stepped ? Array(repeating: [UInt8](repeating: 0, count: outBytes), count: 2) : []
        outputBuf = stepped ? Array(repeating: [UInt8](repeating: 0, count: outBytes), count: 2) : []
        acc = [Int32](repeating: 0, count: banks * cfg.lanesK)
        lanesPerStep = plan.lanesGrouped ? LayerPlan.laneGroups(cfg)!.groups : cfg.lanesK
    }

    /// The pass the compute and requant engines work on from now on.
    func beginPass(_ p: OutputPass) {
        pass = p
        OW = plan.passWords(p); wb = plan.passWordBase(p)
    }

    /// Pass `p`'s bias and weight words start loading (into its bias half and its stretch of the
    /// ring): clears that half's bias words.
    func beginWeights(_ p: OutputPass) {
        let br = plan.biasWordRange(p), h = plan.biasHalf(p)
        biasBase[h] = br.lowerBound * B
        biasBytes[h] = [UInt8](repeating: 0, count: br.count * B)
    }

    /// Pass `p`'s bias words and its first `plan.preloadedWords` weight words are in place when the
    /// layer starts (a preloaded layer, §7.2): what the previous layer's handoff burst wrote there.
    func preload(_ p: OutputPass) {
        beginWeights(p)
        guard mode == .stepped else { return }
        let br = plan.biasWordRange(p), h = plan.biasHalf(p)
        for w in br {
            let o = w * B - biasBase[h], src = (image.regions.bias + w) * B
            biasBytes[h].replaceSubrange(o..<(o + B), with: image.bytes[src..<(src + B)])
        }
        for q in 0..<plan.preloadedWords {
            let (bank, addr) = weightSlot(pass: p, word: q), src = (image.regions.weights + p.firstChannel * perChannel + q) * B
            weightBanks[bank].replaceSubrange((addr * B)..<((addr + 1) * B), with: image.bytes[src..<(src + B)])
        }
    }

    /// The next layer's first pass starts loading (§7.2): the bias words of its half are its.
    func beginNextLayer(_ n: NextLayerWeights) {
        biasBase[n.biasHalf] = 0
        biasBytes[n.biasHalf] = [UInt8](repeating: 0, count: n.biasWords * B)
    }

    /// Word q of the next layer's first pass: a bias word, or weight word q − biasWords to bank
    /// ((q − nb) ÷ k2cw) mod lanesK, at its place in the ring from `n.ringBase` (§6.3 with the next
    /// layer's k2cw).
    func readNextLayer(_ n: NextLayerWeights, word q: Int, arrival a: Int) {
        if q < n.biasWords { read(image.regions.next + q, arrival: a, into: .bias(half: n.biasHalf, word: q)); return }
        let w = q - n.biasWords, o = w / n.wordsPerChannel, lk = cfg.lanesK
        let addr = (n.ringBase + (o / lk) * n.wordsPerChannel + w % n.wordsPerChannel) % cfg.weightBankDepth
        read(image.regions.next + q, arrival: a, into: .weight(bank: o % lk, addr: addr))
    }

    // MARK: DRAM port

    /// A read whose data arrives in cycle `arrival` (the port returns reads in order, so `pending` stays sorted).
    private func read(_ addr: Int, arrival: Int, into dest: Dest) {
        pending.append(PendingRead(cycle: arrival, addr: addr, dest: dest))
    }

    /// Writes the read data returning in cycle t into its buffer (end of cycle t).
    func deliver(at t: Int) {
        while pendingHead < pending.count && pending[pendingHead].cycle == t {
            let r = pending[pendingHead]
            pendingHead += 1
            let src = r.addr * B
            let word = image.bytes[src..<(src + B)]
            switch r.dest {
            case .mask(let q): maskBytes.replaceSubrange((q * B)..<((q + 1) * B), with: word)
            case .bias(let h, let w): let o = w * B - biasBase[h]; biasBytes[h].replaceSubrange(o..<(o + B), with: word)
            case .weight(let bank, let a): weightBanks[bank].replaceSubrange((a * B)..<((a + 1) * B), with: word)
            case .input(let part, let bank, let a): inputBanks[part][bank].replaceSubrange((a * B)..<((a + 1) * B), with: word)
            case .residual(let h, let w): residualBuf[h].replaceSubrange((w * B)..<((w + 1) * B), with: word)
            case .line(let bank, let a): lineBanks[bank].replaceSubrange((a * B)..<((a + 1) * B), with: word)
            }
        }
        if pendingHead == pending.count { pending.removeAll(keepingCapacity: true); pendingHead = 0 }
    }

    func readMask(word q: Int, arrival a: Int) { read(image.regions.mask + q, arrival: a, into: .mask(q)) }
    func readBias(pass p: OutputPass, word w: Int, arrival a: Int) {
        read(image.regions.bias + w, arrival: a, into: .bias(half: plan.biasHalf(p), word: w))
    }
    func readWeight(pass p: OutputPass, word q: Int, arrival a: Int) {
        let (bank, addr) = weightSlot(pass: p, word: q)
        read(image.regions.weights + p.firstChannel * perChannel + q, arrival: a, into: .weight(bank: bank, addr: addr))
    }
    /// Weight words per output channel, KH·KW·CW.
    private var perChannel: Int { plan.tapWords }
    /// Where weight word q of pass p goes: bank and ring address (§6.3).
    private func weightSlot(pass p: OutputPass, word q: Int) -> (bank: Int, addr: Int) {
        let oLocal = q / perChannel, rem = q % perChannel
        let tap = rem / plan.inWords, w = rem % plan.inWords
        let addr = plan.weightAddress(oLocal: oLocal, ky: tap / plan.kernelWidth, kx: tap % plan.kernelWidth, word: w)
        return (oLocal % cfg.lanesK, (plan.weightBase(p) + addr) % cfg.weightBankDepth)
    }

    /// Mask bits as loaded, in raster order (the register holds them in scan order, `maskIndex`), for
    /// checking the scanner's view.
    var loadedMask: [Bool] {
        if plan.config.tileList {
            // (a tile list: its maskTiles entries, §6.1)
            var bits = [Bool](repeating: false, count: plan.tilesHigh * plan.tilesWide)
            for n in 0..<plan.maskTiles {
                let t = LayerPlan.tile(ofTileListEntry: Int(maskBytes[2 * n]) | Int(maskBytes[2 * n + 1]) << 8)
                bits[t.ty * plan.tilesWide + t.tx] = true
            }
            return bits
        }
        return (0..<(plan.tilesHigh * plan.tilesWide)).map {
            let i = plan.maskIndex(ty: $0 / plan.tilesWide, tx: $0 % plan.tilesWide)
            return maskBytes[i / 8] >> (i % 8) & 1 == 1
        }
    }

    // MARK: Load engine (stepped)

    /// Request q of the load of `tile`, in group slot `slot` of group `i` (input part `haloPart(group: i)`,
    /// residual half i mod 2), without the halo columns (rows, in the row ring) it `shares` with the tile before it;
    /// `ringBlock`: the tile's first ring block with a ring (`LayerPlan.haloPlacement`).
    func loadRequest(tile: (ty: Int, tx: Int), slot: (qy: Int, qx: Int), shares: Bool, ringBlock: Int, index i: Int, q: Int, arrival a: Int) {
        let rows = plan.loadRows(ty: tile.ty, shares: shares), cols = plan.loadCols(tx: tile.tx, shares: shares)
        let CW = plan.inWords, h = plan.shape.height, w = plan.shape.width
        let nh = plan.haloWords(ty: tile.ty, tx: tile.tx, pass: pass, shares: shares)
        let half = i & 1
        if q < nh {
            let ri = q / (cols.count * CW), rem = q % (cols.count * CW)
            let iy = rows.lowerBound + ri, ix = cols.lowerBound + rem / CW, word = rem % CW
            let hy = iy - (tile.ty * h * plan.strideY - plan.padY)
            let hx = ix - (tile.tx * w * plan.strideX - plan.padX)
            let bank = plan.inputBank(hy: hy, hx: hx, slot: slot)
            read(image.regions.input + (iy * plan.mapWidth + ix) * CW + word, arrival: a,
                 into: .input(part: plan.haloPart(group: i), bank: bank.by * cfg.tileW + bank.bx, addr: address(hy: hy, hx: hx, word: word, slot: slot, ringBlock: ringBlock)))
        } else {
            let (oy, ox, j) = outputWord(tile: tile, q: q - nh)
            read(image.regions.residual + (oy * plan.outW + ox) * plan.outWords + wb + j, arrival: a,
                 into: .residual(half: half, word: bufferWord(tile: tile, slot: slot, oy: oy, ox: ox, j: j)))
        }
    }

    // MARK: Line buffer (stepped, §6.5)

    /// Request q of the load of tile `k` of group `i`, one of the band's words that load brings
    /// (§6.5): into the line buffer at its map position.
    func lineRequest(_ band: LineBand, group i: Int, tile k: Int, q: Int, arrival a: Int) {
        let r = band.segments(group: i, tile: k), target = band.word(r.lowerBound) + q
        var lo = r.lowerBound, hi = r.upperBound - 1
        while lo < hi { let m = (lo + hi + 1) / 2; if band.segments[m].firstWord <= target { lo = m } else { hi = m - 1 } }
        let seg = band.segments[lo], CW = plan.inWords, o = target - seg.firstWord
        let iy = seg.row, ix = seg.cols.lowerBound + o / CW, w = o % CW
        let at = plan.lineAddress(iy: iy, ix: ix, word: w)
        read(image.regions.input + (iy * plan.mapWidth + ix) * CW + w, arrival: a, into: .line(bank: at.by * cfg.tileW + at.bx, addr: at.address))
    }

    /// The copy engine's copy of group `i`'s halos (their positions inside the map) from the line
    /// buffer into the group's half of the input buffer, at each tile's slot (§6.5). Done at once:
    /// no engine reads that half (the group two before it is requantized) nor writes those
    /// line-buffer words (the loads after it write rows at least a ring past its first) until the
    /// copy ends.
    func copyHalos(group: [(ty: Int, tx: Int)], index i: Int) {
        let part = plan.haloPart(group: i), CW = plan.inWords, h = plan.shape.height, w = plan.shape.width
        for (k, tile) in group.enumerated() {
            let slot = plan.slot(k)
            let y0 = tile.ty * h * plan.strideY - plan.padY, x0 = tile.tx * w * plan.strideX - plan.padX
            for hy in 0..<plan.haloH { for hx in 0..<plan.haloW {
                let iy = y0 + hy, ix = x0 + hx
                guard iy >= 0 && iy < plan.mapHeight && ix >= 0 && ix < plan.mapWidth else { continue }
                let bank = plan.inputBank(hy: hy, hx: hx, slot: slot)
                for word in 0..<CW {
                    let src = plan.lineAddress(iy: iy, ix: ix, word: word), dst = plan.inputAddress(hy: hy, hx: hx, word: word, slot: slot)
                    inputBanks[part][bank.by * cfg.tileW + bank.bx].replaceSubrange((dst * B)..<((dst + 1) * B),
                        with: lineBanks[src.by * cfg.tileW + src.bx][(src.address * B)..<((src.address + 1) * B)])
                }
            } }
        }
    }

    /// Input-buffer address of halo (hy, hx), word `word`, of the tile in `slot`: in its slot's region,
    /// or in the ring from block `ringBlock` (§6.2).
    private func address(hy: Int, hx: Int, word: Int, slot: (qy: Int, qx: Int), ringBlock: Int) -> Int {
        plan.haloRing ? plan.ringInputAddress(hy: hy, hx: hx, word: word, block: ringBlock) : plan.inputAddress(hy: hy, hx: hx, word: word, slot: slot)
    }

    /// Word j of output pixel (oy, ox) of `tile` in group slot `slot`, in the output and residual
    /// buffers: the slot's tile sits at PE-array origin (qy·h, qx·w) (§6.4).
    private func bufferWord(tile: (ty: Int, tx: Int), slot: (qy: Int, qx: Int), oy: Int, ox: Int, j: Int) -> Int {
        let h = plan.shape.height, w = plan.shape.width
        let py = slot.qy * h + oy - tile.ty * h, px = slot.qx * w + ox - tile.tx * w
        return (py * cfg.tileW + px) * OW + j
    }

    /// The q-th (pixel, word) of a tile's valid output pixels in row, pixel, word order.
    private func outputWord(tile: (ty: Int, tx: Int), q: Int) -> (Int, Int, Int) {
        let rows = plan.outRows(ty: tile.ty), cols = plan.outCols(tx: tile.tx)
        let pix = q / OW, j = q % OW
        return (rows.lowerBound + pix / cols.count, cols.lowerBound + pix % cols.count, j)
    }

    // MARK: Compute engine (stepped): one step of the PE array

    /// Step k of kgroup g: tap (ky, kx), then chunk c (NC per tap), or with grouped lanes (§3.4) word
    /// w (CW per tap) and output subgroup j (NJ per word, innermost). A lane's accumulator restarts at
    /// its first step (k < NJ) and takes a dot product of lanesC bytes, or with grouped lanes, in
    /// lanes j·R…j·R + R − 1 only, one of a whole word (its lane group's GL chunks summed).
    func computeStep(group: [(ty: Int, tx: Int)], ringBlock: Int, index i: Int, kgroup g: Int, step k: Int, at t: Int) {
        let NC = plan.chunks, KW = plan.kernelWidth, S = plan.strideY, SX = plan.strideX, lanesK = cfg.lanesK
        let h = plan.shape.height, w = plan.shape.width
        let grouped = plan.lanesGrouped, NJ = plan.subSteps
        let perTap = grouped ? plan.inWords * NJ : NC
        let inner = k % perTap, kx = (k / perTap) % KW, ky = k / (perTap * KW)
        let word = grouped ? inner / NJ : inner * cfg.lanesC / B, off = grouped ? 0 : inner * cfg.lanesC % B
        let bytes = grouped ? B : cfg.lanesC
        let R = lanesPerStep, j = grouped ? inner % NJ : 0
        let first = k < NJ
        let part = plan.haloPart(group: i)
        var wAddr = [Int](repeating: -1, count: lanesK)
        let ring = plan.weightBase(pass), DW = cfg.weightBankDepth
        // the lanes (output channels) this step accumulates: all, or subgroup j's R
        let taking = grouped ? (j * R)..<min(lanesK, (j + 1) * R) : 0..<lanesK
        for lane in taking {
            let oLocal = g * lanesK + lane
            if pass.firstChannel + oLocal < pass.endChannel {
                wAddr[lane] = (ring + plan.weightAddress(oLocal: oLocal, ky: ky, kx: kx, word: word)) % DW * B + off
            }
        }
        let shares = plan.sharesLeft(group)
        for py in 0..<cfg.tileH { for px in 0..<cfg.tileW {
            // PE (py, px) computes pixel (py mod h, px mod w) of the tile in slot (py ÷ h, px ÷ w); an
            // empty slot computes zeros.
            var slot = (qy: py / h, qx: px / w)
            let n = slot.qy * plan.slotsWide + slot.qx
            let hy = (py % h) * S + ky
            var hx = (px % w) * SX + kx
            var inside = false
            if n < group.count {
                let iy = group[n].ty * h * S - plan.padY + hy, ix = group[n].tx * w * SX - plan.padX + hx
                inside = iy >= 0 && iy < plan.mapHeight && ix >= 0 && ix < plan.mapWidth
            }
            // a shared column (§6.2, "Halo reuse") is column hx + w·SX of the tile to the left: same bank
            if n < group.count && shares[n] && hx < plan.sharedColumns { hx += w * SX; slot.qx -= 1 }
            let bank = plan.inputBank(hy: hy, hx: hx, slot: slot)
            let a = address(hy: hy, hx: hx, word: word, slot: slot, ringBlock: ringBlock) * B + off
            let base = (py * cfg.tileW + px) * lanesK
            for lane in taking {
                var sum: Int32 = 0
                if inside && wAddr[lane] >= 0 {
                    let inB = inputBanks[part][bank.by * cfg.tileW + bank.bx]
                    let wB = weightBanks[lane]
                    for c in 0..<bytes {
                        sum &+= Int32(Int8(bitPattern: inB[a + c])) &* Int32(Int8(bitPattern: wB[wAddr[lane] + c]))
                    }
                }
                acc[base + lane] = (first ? 0 : acc[base + lane]) &+ sum
            }
        } }
        if k == plan.steps - 1 {
            requantQueue.append(RequantJob(start: t + cfg.computePipelineDepth, tileIndex: i, kgroup: g, shadow: acc))
        }
    }

    // MARK: Requant engine (stepped): one tile row per cycle, or per requantSlices cycles

    func requantCycle(at t: Int) {
        guard requantHead < requantQueue.count, requantQueue[requantHead].start <= t else { return }
        let j = requantQueue[requantHead]
        // row r, slice sl: lanes sl·(lanesK/s) … of every column, or with column slices (s > lanesK)
        // lane sl ÷ c of the tileW/c columns of column group sl mod c (§7.5)
        let r = (t - j.start) / cfg.requantSlices, sl = (t - j.start) % cfg.requantSlices
        precondition(r < cfg.tileH, "requant job overran")
        let half = j.tileIndex & 1, lanesK = cfg.lanesK, n = cfg.requantLanesPerColumn
        let c = cfg.requantColumnSlices, cols = cfg.tileW / c
        let columns = c > 1 ? ((sl % c) * cols)..<((sl % c + 1) * cols) : 0..<cfg.tileW
        let lanes = c > 1 ? (sl / c)..<(sl / c + 1) : (sl * n)..<((sl + 1) * n)
        for px in columns {
            for lane in lanes {
                let o = pass.firstChannel + j.kgroup * lanesK + lane
                guard o < pass.endChannel else { continue }
                let bh = plan.biasHalf(pass), bias = biasBytes[bh]
                let bo = o * 4 - biasBase[bh]
                let b = Int32(bitPattern: UInt32(bias[bo]) | UInt32(bias[bo + 1]) << 8 | UInt32(bias[bo + 2]) << 16 | UInt32(bias[bo + 3]) << 24)
                let idx = (r * cfg.tileW + px) * OW * B + (o - wb * B)
                let res: Int8? = plan.hasResidual ? Int8(bitPattern: residualBuf[half][idx]) : nil
                let v = requantizedOutput(accumulator: j.shadow[(r * cfg.tileW + px) * lanesK + lane], bias: b,
                                          requantization: job.requantization, residual: res, activation: job.activation)
                outputBuf[half][idx] = UInt8(bitPattern: v)
            }
        }
        if r == cfg.tileH - 1 && sl == cfg.requantSlices - 1 { requantHead += 1 }
        if requantHead == requantQueue.count { requantQueue.removeAll(keepingCapacity: true); requantHead = 0 }
    }

    // MARK: Store engine (stepped): one word with byte strobes

    /// Request q of the store of group `i`: its tiles' valid pixels in slot order, each in row,
    /// pixel, word order.
    func storeRequest(group: [(ty: Int, tx: Int)], index i: Int, q: Int) {
        var q = q, n = 0
        while q >= plan.storeWords(ty: group[n].ty, tx: group[n].tx, pass: pass) {
            q -= plan.storeWords(ty: group[n].ty, tx: group[n].tx, pass: pass); n += 1
        }
        let tile = group[n]
        let (oy, ox, j) = outputWord(tile: tile, q: q)
        let local = bufferWord(tile: tile, slot: plan.slot(n), oy: oy, ox: ox, j: j) * B
        let dst = (image.regions.output + (oy * plan.outW + ox) * plan.outWords + wb + j) * B
        let half = i & 1
        for b in 0..<B {
            let ch = (wb + j) * B + b
            if ch >= pass.firstChannel && ch < pass.endChannel { image.bytes[dst + b] = outputBuf[half][local + b] }
        }
    }

    // MARK: Fast mode: a tile's outputs, written where its stores go

    /// The layer's outputs (NHWC), computed once by SparseCNN's SBNet-style sparse convolution on the
    /// active tiles: bit for bit the int8 layer (its tests prove it against the dense conv), at the
    /// speed of its vectorised kernels. Fast-mode stores copy their pass's channels from it.
    private lazy var fastOutput: [Int8] = {
        do {
            let conv = try QuantizedConv(filter: job.filter, bias: job.bias, geometry: job.geometry,
                                         requantization: job.requantization, activation: job.activation)
            return try conv.sparse(job.input, tileMask: job.tileMask, residual: job.residual).scalars
        } catch { preconditionFailure("a validated layer job failed SparseCNN's sparse conv: \(error)") }
    }()

    func storeTileFast(tile: (ty: Int, tx: Int)) {
        let rows = plan.outRows(ty: tile.ty), cols = plan.outCols(tx: tile.tx)
        let o0 = pass.firstChannel, o1 = pass.endChannel, cout = plan.cout
        let outBase = image.regions.output * B, COWB = plan.outWords * B
        fastOutput.withUnsafeBufferPointer { y in
        image.bytes.withUnsafeMutableBufferPointer { mem in
            for oy in rows { for ox in cols {
                let dst = outBase + (oy * plan.outW + ox) * COWB, src = (oy * plan.outW + ox) * cout
                for o in o0..<o1 { mem[dst + o] = UInt8(bitPattern: y[src + o]) }
            } }
        } }
    }
}
