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
extension AcceleratorBuilder {
    func maskScanner() throws {
        m.submodule("mask_scanner", documentation: "Mask RAM and scanner (§6.1): the next active tile, registered.")
        let wb = 8 * B
        let lgWb = log2Exact(wb)
        let idxW = bitsFor(max(maxMw - 1, 1))
        scanValid = m.reg("scan_valid", width: 1, reset: 0)
        scanJ = m.reg("scan_bit_index", width: lgWb, reset: 0)  // the registered tile's bit in the current word
        scanTy = m.reg("scan_ty", width: cntW, reset: 0)
        scanTx = m.reg("scan_tx", width: cntW, reset: 0)
        grantLoad = m.wire("grant_load")
        let nonEmpty = m.reg("mask_nonempty", width: maxMw)
        let curWord = m.reg("scan_cur_word", width: idxW, reset: 0)
        let curBits = m.reg("scan_cur_bits", width: wb)
        let weightsBefore = m.reg("scan_weights_q", width: 1, reset: 0)
        let fill = m.reg("scan_fill", width: 1, reset: 0)
        let passStart = m.wire("scan_pass_start", inWeights && !weightsBefore)

        // ---- which word is next: the first non-empty word of the mask, and the first after the current one ----
        let (firstAny, firstIdx) = try lowestSetBit("scan_first", nonEmpty)
        m.allowUnused(firstAny)  // the first word is read at a pass start, when the mask has a set bit
        let firstWord = m.wire("scan_first_word", firstIdx.fit(idxW))
        let allWords = ~Expr.zeros(width: maxMw)
        let later = m.wire("scan_later", nonEmpty & (allWords << (curWord.zext(idxW + 1) + 1)))
        let (nextAny, nextIdx) = try lowestSetBit("scan_next_word", later)
        let nextWord = m.wire("scan_next_word_index", nextIdx.fit(idxW))
        let depth = max(maxMw, 2), aw = Memory.addressWidth(depth: depth)
        let rspIdx = maskRspIndexW!
        let wordData = m.memory("mask_ram", width: wb, depth: depth,
                                write: MemoryWritePort(enable: maskRspW, address: rspIdx.fit(aw), data: memRspRdata.fit(wb)),
                                read: MemoryReadPort(enable: k(1, 1), address: mux(passStart, firstWord, nextWord).fit(aw)))

        // ---- the registered result: the current word's lowest pending bit ----
        let (found, bIdx) = try lowestSetBit("scan_bit", curBits)
        let j = m.wire("scan_next", cat(curWord, bIdx.fit(lgWb)))
        let (ty, tx) = m.udiv("scan_div", j.fit(cntW), dTW, qbits: cntW)

        // ---- a grant clears the granted bit; an emptied word gives way to the next non-empty one ----
        let one = cat(Expr.zeros(width: wb - 1), k(1, 1))
        let granted = m.wire("scan_cur_cleared", curBits & ~(one << scanJ))
        let remaining = faultSkipSecondTile(granted)
        let emptied = m.wire("scan_cur_emptied", !remaining.reduceOr())
        m.clocked("scanner") { p in
            p.assign(scanValid, found); p.assign(scanJ, bIdx.fit(lgWb)); p.assign(scanTy, ty); p.assign(scanTx, tx.fit(cntW))
            p.assign(weightsBefore, inWeights); p.assign(fill, passStart)
            // Each mask word arrives once per layer, after START cleared the vector: set its bit.
            p.when(maskRspW) { p.assign(nonEmpty, nonEmpty | (memRspRdata.fit(wb).reduceOr().zext(maxMw) << rspIdx.fit(idxW))) }
            p.when(fill) { p.assign(curWord, firstWord); p.assign(curBits, wordData) }
            p.when(grantLoad) {
                p.when(emptied) {
                    p.assign(curWord, nextWord); p.assign(curBits, mux(nextAny, wordData, Expr.zeros(width: wb)))
                }.otherwise { p.assign(curBits, remaining) }
            }
            p.when(startPulse) { p.assign(nonEmpty, Expr.zeros(width: maxMw)); p.assign(curBits, Expr.zeros(width: wb)) }
        }
    }
}
