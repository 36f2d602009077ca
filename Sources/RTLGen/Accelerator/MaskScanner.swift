/// Mask register and scanner (§6.1): the tile mask (maxMw words of 8·B bits, loaded by the MASK
/// burst), a pending copy reloaded every pass, and a two-level priority encoder (first word with a
/// pending bit, then its lowest bit) giving the next active tile. The result is registered: the
/// port sequencer consumes it at a load grant, at least two cycles after the previous grant.
extension AcceleratorBuilder {
    func maskScanner() {
        m.submodule("mask_scanner", documentation: "Mask register and scanner (§6.1): the next active tile, registered.")
        let wb = 8 * B
        let lgWb = log2Exact(wb)
        let idxW = bitsFor(max(maxMw - 1, 1))
        let jW = idxW + lgWb
        let pendings = (0..<maxMw).map { m.reg("scan_pending_\($0)", width: wb) }
        maskWords = (0..<maxMw).map { m.reg("mask_word_\($0)", width: wb) }
        scanValid = m.reg("scan_valid", width: 1, reset: 0)
        scanJ = m.reg("scan_index", width: jW, reset: 0)
        scanTy = m.reg("scan_ty", width: cntW, reset: 0)
        scanTx = m.reg("scan_tx", width: cntW, reset: 0)
        grantLoad = m.wire("grant_load")
        let wordAny = cat((0..<maxMw).reversed().map { pendings[$0].reduceOr() as any ExprConvertible })
        let (anyW, wIdx) = m.lowestSetBit("scan_word", wordAny)
        let wIdxW = m.wire("scan_word_index", wIdx.fit(idxW))
        let word = m.wire("scan_word_bits", select(wIdxW, pendings))
        let (_, bIdx) = m.lowestSetBit("scan_bit", word)
        let j = m.wire("scan_next", cat(wIdxW, bIdx.fit(lgWb)))
        let skip = faultSkippedTile(pendings: pendings, found: anyW, word: wIdxW, bit: bIdx, next: j)
        let (ty, tx) = m.udiv("scan_div", (skip?.next ?? j.expr).fit(cntW), dTW, qbits: cntW)
        let rspIdx = maskRspIndexW!
        let clearWord = m.wire("scan_clear_word", scanJ[lgWb...(jW - 1)].fit(idxW))
        let one = cat(Expr.zeros(width: wb - 1), k(1, 1))
        let clearMask = m.wire("scan_clear_mask", ~(one << scanJ[0...(lgWb - 1)]))
        m.clocked("scanner") { p in
            p.assign(scanValid, skip?.valid ?? anyW); p.assign(scanJ, skip?.next ?? j.expr); p.assign(scanTy, ty); p.assign(scanTx, tx.fit(cntW))
            for w in 0..<maxMw {
                p.when(maskRspW && rspIdx == w) {
                    p.assign(maskWords[w], memRspRdata.fit(wb)); p.assign(pendings[w], memRspRdata.fit(wb))
                }
                p.when(passEnd) { p.assign(pendings[w], maskWords[w]) }
                p.when(grantLoad && clearWord == w) { p.assign(pendings[w], pendings[w] & clearMask) }
                if let s = skip { p.when(s.clearNow && s.word == w) { p.assign(pendings[w], pendings[w] & s.mask) } }
            }
            p.when(startPulse) { for w in 0..<maxMw { p.assign(maskWords[w], Expr.zeros(width: wb)); p.assign(pendings[w], Expr.zeros(width: wb)) } }
        }
    }
}
