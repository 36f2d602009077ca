import CConvKernels
import Dispatch
import Foundation

// Dense convolution kernels shared by the dense ops and the SBNet-style sparse path.
//
// Both public entry points and `QuantizedConv.sparse` funnel into one core per scalar type
// (`ConvKernel.int8` / `ConvKernel.float`) that convolves a *batch* of equally sized NHWC
// images with a given padding. The dense ops call it with batch 1 and "same" padding; the
// sparse path calls it on the stack of gathered halo blocks with padding 0. Reusing the same
// kernel is what makes the sparse path's speed comparable with the dense one.

/// Shape of one call to the convolution core: `batch` images of `inH × inW × cin`, each
/// producing `outH × outW × cout`. Output pixel (oy, ox) of image b reads input rows
/// `oy·stride − pad ..< oy·stride − pad + kernel` of image b (and likewise columns); taps that
/// fall outside the image are skipped, which is exactly zero padding.
@usableFromInline
struct ConvPlan: Sendable {
    var batch: Int
    var inH: Int, inW: Int, cin: Int
    var outH: Int, outW: Int, cout: Int
    var kernel: Int, stride: Int, pad: Int

    /// Multiply-accumulates of the whole plan counting padded taps (a work estimate only).
    var nominalMACs: Int { batch * outH * outW * cout * kernel * kernel * cin }

    /// The same shape for the C kernels.
    var shape: st_conv_shape {
        st_conv_shape(batch: batch, inH: inH, inW: inW, cin: cin, outH: outH, outW: outW, cout: cout,
                      kernel: kernel, stride: stride, pad: pad)
    }
}

enum ConvKernel {
    /// Which inner loops run: the wide-vector C kernels where this CPU has them, or the portable
    /// Swift loops (the reference the C kernels are tested against, bit for bit).
    enum Loops: Sendable, CaseIterable { case avx512, avx2, portable }

    /// The int kernel's loops on this CPU (AVX-512 BW + VNNI, else AVX2, else portable), or narrower
    /// ones named by `SPARSETILE_CONV_LOOPS` (avx2 or portable: to measure them, or to rule them out).
    static let intLoops: Loops = {
        let best: Loops = [.portable, .avx2, .avx512][Int(st_conv_int16_available())]
        return requestedLoops.map { narrower($0, best) } ?? best
    }()
    /// The float kernel's loops on this CPU (AVX2, else portable), or `SPARSETILE_CONV_LOOPS=portable`.
    static let floatLoops: Loops = {
        let best: Loops = st_conv_float_available() != 0 ? .avx2 : .portable
        return requestedLoops.map { narrower($0, best) } ?? best
    }()

    /// `SPARSETILE_CONV_LOOPS` (avx512, avx2 or portable), if set to one of them.
    static let requestedLoops: Loops? = ProcessInfo.processInfo.environment["SPARSETILE_CONV_LOOPS"].flatMap { v in
        Loops.allCases.first { "\($0)" == v }
    }

    /// The narrower of two loop kinds (a request never widens what the CPU runs).
    static func narrower(_ a: Loops, _ b: Loops) -> Loops {
        let order: [Loops] = [.portable, .avx2, .avx512]
        return order[min(order.firstIndex(of: a)!, order.firstIndex(of: b)!)]
    }

    /// Whether this CPU runs `loops` for the int kernel.
    static func runsInt(_ loops: Loops) -> Bool {
        switch loops {
        case .avx512: return st_conv_int16_available() >= 2
        case .avx2: return st_conv_int16_available() >= 1
        case .portable: return true
        }
    }

    /// Below this many MACs a call stays on the calling thread: dispatch costs more than it saves.
    static let parallelThreshold = 1 << 20

    /// Splits the `batch × outH` output rows into contiguous chunks and runs `body` on each,
    /// in parallel when the work is large enough.
    static func forEachRowChunk(_ plan: ConvPlan, _ body: (Range<Int>) -> Void) {
        parallelChunks(plan.batch * plan.outH, work: plan.nominalMACs, body)
    }

    /// Runs `body` over contiguous chunks covering `0..<count`, on all cores when `work` (in
    /// MAC-sized units) reaches `parallelThreshold`, else in one call on this thread. `body`
    /// must only write state owned by its chunk.
    static func parallelChunks(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let workers = System.processorCount
        guard workers > 1, count > 1, work >= parallelThreshold else {
            if count > 0 { body(0..<count) }
            return
        }
        // A few chunks per core so that an uneven split (border rows are cheaper) still balances.
        let chunks = min(count, workers * 4)
        withoutActuallyEscaping(body) { body in
            // Chunks write disjoint outputs and only read shared inputs, so handing the
            // (pointer-capturing) body to the worker threads is race-free.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: chunks) { i in
                let lo = count * i / chunks, hi = count * (i + 1) / chunks
                if lo < hi { body(lo..<hi) }
            }
        }
    }

    /// Int8 × int8 → int32 accumulators with wrapping adds (the accelerator's 32-bit adders wrap;
    /// the sums are exact for every supported shape).
    ///
    /// `input` holds `batch` images, `weights` is [cout][k][k][cin], `output` receives
    /// `batch × outH × outW × cout` accumulators.
    ///
    /// Both operands are first widened to Int16 (a cheap pass: every input is reused k²·cout
    /// times). The int16 × int16 → int32 dot product is a pattern the x86 backend turns into
    /// `pmaddwd` (8 MACs per instruction even on baseline SSE2), whereas the int8 form is
    /// vectorised as unpack/multiply/unpack sequences at about a third of the speed.
    static func int8(_ plan: ConvPlan, input: UnsafePointer<Int8>, weights: UnsafePointer<Int8>,
                     output: UnsafeMutablePointer<Int32>, loops: Loops = intLoops) {
        let inCount = plan.batch * plan.inH * plan.inW * plan.cin
        let x16 = UnsafeMutablePointer<Int16>.allocate(capacity: inCount)
        defer { x16.deallocate() }
        for i in 0..<inCount { x16[i] = Int16(input[i]) }
        widened(plan, input: x16, weights: weights, output: output, loops: loops)
    }

    /// `int8` for an input that is already widened to Int16 (values in −128...127), as the
    /// sparse path gathers it.
    static func widened(_ plan: ConvPlan, input: UnsafePointer<Int16>, weights: UnsafePointer<Int8>,
                        output: UnsafeMutablePointer<Int32>, loops: Loops = intLoops) {
        let wCount = plan.cout * plan.kernel * plan.kernel * plan.cin
        let w16 = UnsafeMutablePointer<Int16>.allocate(capacity: wCount)
        defer { w16.deallocate() }
        for i in 0..<wCount { w16[i] = Int16(weights[i]) }
        precondition(runsInt(loops), "this CPU cannot run the \(loops) int loops")
        switch loops {
        case .avx512, .avx2:
            let isa: Int32 = loops == .avx512 ? 2 : 1
            forEachRowChunk(plan) { rows in
                var shape = plan.shape
                st_conv_int16_rows(&shape, rows.lowerBound, rows.upperBound, input, w16, output, isa)
            }
        case .portable:
            forEachRowChunk(plan) { rows in
                int16Rows(plan, rows: rows, input: input, weights: w16, output: output)
            }
        }
    }

    /// Output rows `rows` (counted over the whole batch) of a plan whose int8 operands were
    /// widened to Int16.
    static func int16Rows(_ p: ConvPlan, rows: Range<Int>, input: UnsafePointer<Int16>,
                          weights: UnsafePointer<Int16>, output: UnsafeMutablePointer<Int32>) {
        let cin = p.cin, cout = p.cout, k = p.kernel
        let filterSize = k * k * cin
        let imageSize = p.inH * p.inW * cin
        let inRowSize = p.inW * cin
        for r in rows {
            let b = r / p.outH, oy = r % p.outH
            let iy0 = oy * p.stride - p.pad
            // Kernel rows that land inside the image: the padding is handled by clamping the
            // tap range once per row/column instead of testing every tap.
            let kyLo = max(0, -iy0), kyHi = min(k, p.inH - iy0)
            let image = input + b * imageSize
            var out = output + r * p.outW * cout
            var ox = 0
            while ox < p.outW {
                let ix0 = ox * p.stride - p.pad
                let kxLo = max(0, -ix0), kxHi = min(k, p.inW - ix0)
                // For a fixed kernel row the taps kxLo..<kxHi × all input channels are one
                // contiguous run both in the NHWC input and in the [ky][kx][cin] weights.
                let run = (kxHi - kxLo) * cin
                // Two horizontally adjacent pixels with the same tap range (all interior pixels)
                // are computed together so that every weight load serves both.
                let ix1 = ix0 + p.stride
                if ox + 1 < p.outW, run > 0, max(0, -ix1) == kxLo, min(k, p.inW - ix1) == kxHi {
                    int16PixelPair(cin: cin, cout: cout, filterSize: filterSize, run: run,
                                   rows: kyLo..<kyHi, weightOffset: { ky in (ky * k + kxLo) * cin },
                                   x0: { ky in image + (iy0 + ky) * inRowSize + (ix0 + kxLo) * cin },
                                   pixelStep: p.stride * cin, weights: weights, output: out)
                    out += 2 * cout
                    ox += 2
                    continue
                }
                var o = 0
                // Four output channels at a time share every input load; 8 taps per step.
                while o + 4 <= cout {
                    var v0 = SIMD4<Int32>(), v1 = SIMD4<Int32>(), v2 = SIMD4<Int32>(), v3 = SIMD4<Int32>()
                    var a0: Int32 = 0, a1: Int32 = 0, a2: Int32 = 0, a3: Int32 = 0
                    let w0 = weights + o * filterSize
                    if run > 0 {
                        for ky in kyLo..<kyHi {
                            let x = image + (iy0 + ky) * inRowSize + (ix0 + kxLo) * cin
                            let wa = w0 + (ky * k + kxLo) * cin
                            let wb = wa + filterSize, wc = wb + filterSize, wd = wc + filterSize
                            var i = 0
                            while i + 8 <= run {
                                let xv = load8(x + i)
                                v0 &+= multiplyAddPairs(xv, load8(wa + i))
                                v1 &+= multiplyAddPairs(xv, load8(wb + i))
                                v2 &+= multiplyAddPairs(xv, load8(wc + i))
                                v3 &+= multiplyAddPairs(xv, load8(wd + i))
                                i += 8
                            }
                            while i < run {
                                let xs = Int32(x[i])
                                a0 &+= xs &* Int32(wa[i]); a1 &+= xs &* Int32(wb[i])
                                a2 &+= xs &* Int32(wc[i]); a3 &+= xs &* Int32(wd[i])
                                i += 1
                            }
                        }
                    }
                    out[o] = a0 &+ v0.wrappedSum(); out[o + 1] = a1 &+ v1.wrappedSum()
                    out[o + 2] = a2 &+ v2.wrappedSum(); out[o + 3] = a3 &+ v3.wrappedSum()
                    o += 4
                }
                while o < cout {
                    var v = SIMD4<Int32>()
                    var a: Int32 = 0
                    if run > 0 {
                        for ky in kyLo..<kyHi {
                            let x = image + (iy0 + ky) * inRowSize + (ix0 + kxLo) * cin
                            let w = weights + o * filterSize + (ky * k + kxLo) * cin
                            var i = 0
                            while i + 8 <= run {
                                v &+= multiplyAddPairs(load8(x + i), load8(w + i))
                                i += 8
                            }
                            while i < run { a &+= Int32(x[i]) &* Int32(w[i]); i += 1 }
                        }
                    }
                    out[o] = a &+ v.wrappedSum()
                    o += 1
                }
                out += cout
                ox += 1
            }
        }
    }

    /// Two output pixels, `pixelStep` elements apart in the input, over the same taps: kernel
    /// rows `rows`, each a contiguous run of `run` values starting at `x0(ky)` in the input and
    /// `weightOffset(ky)` in each output channel's filter. Writes `2 × cout` accumulators.
    @inline(__always)
    static func int16PixelPair(cin: Int, cout: Int, filterSize: Int, run: Int, rows: Range<Int>,
                               weightOffset: (Int) -> Int, x0: (Int) -> UnsafePointer<Int16>,
                               pixelStep: Int, weights: UnsafePointer<Int16>,
                               output: UnsafeMutablePointer<Int32>) {
        var o = 0
        // 4 channels × 2 pixels: 8 vector accumulators, 6 loads per 8 multiply-adds.
        while o + 4 <= cout {
            var p0 = SIMD4<Int32>(), p1 = SIMD4<Int32>(), p2 = SIMD4<Int32>(), p3 = SIMD4<Int32>()
            var q0 = SIMD4<Int32>(), q1 = SIMD4<Int32>(), q2 = SIMD4<Int32>(), q3 = SIMD4<Int32>()
            var t = SIMD8<Int32>()   // scalar tails: lanes 0-3 pixel 0, 4-7 pixel 1
            for ky in rows {
                let xa = x0(ky), xb = xa + pixelStep
                let wa = weights + o * filterSize + weightOffset(ky)
                let wb = wa + filterSize, wc = wb + filterSize, wd = wc + filterSize
                var i = 0
                while i + 8 <= run {
                    let u = load8(xa + i), v = load8(xb + i)
                    let c0 = load8(wa + i)
                    p0 &+= multiplyAddPairs(u, c0); q0 &+= multiplyAddPairs(v, c0)
                    let c1 = load8(wb + i)
                    p1 &+= multiplyAddPairs(u, c1); q1 &+= multiplyAddPairs(v, c1)
                    let c2 = load8(wc + i)
                    p2 &+= multiplyAddPairs(u, c2); q2 &+= multiplyAddPairs(v, c2)
                    let c3 = load8(wd + i)
                    p3 &+= multiplyAddPairs(u, c3); q3 &+= multiplyAddPairs(v, c3)
                    i += 8
                }
                while i < run {
                    let w4 = SIMD4<Int32>(Int32(wa[i]), Int32(wb[i]), Int32(wc[i]), Int32(wd[i]))
                    t &+= SIMD8<Int32>(lowHalf: w4 &* Int32(xa[i]), highHalf: w4 &* Int32(xb[i]))
                    i += 1
                }
            }
            output[o] = t[0] &+ p0.wrappedSum(); output[o + 1] = t[1] &+ p1.wrappedSum()
            output[o + 2] = t[2] &+ p2.wrappedSum(); output[o + 3] = t[3] &+ p3.wrappedSum()
            output[cout + o] = t[4] &+ q0.wrappedSum(); output[cout + o + 1] = t[5] &+ q1.wrappedSum()
            output[cout + o + 2] = t[6] &+ q2.wrappedSum(); output[cout + o + 3] = t[7] &+ q3.wrappedSum()
            o += 4
        }
        while o < cout {
            var p = SIMD4<Int32>(), q = SIMD4<Int32>()
            var a: Int32 = 0, b: Int32 = 0
            for ky in rows {
                let xa = x0(ky), xb = xa + pixelStep
                let w = weights + o * filterSize + weightOffset(ky)
                var i = 0
                while i + 8 <= run {
                    let c = load8(w + i)
                    p &+= multiplyAddPairs(load8(xa + i), c)
                    q &+= multiplyAddPairs(load8(xb + i), c)
                    i += 8
                }
                while i < run {
                    a &+= Int32(xa[i]) &* Int32(w[i])
                    b &+= Int32(xb[i]) &* Int32(w[i])
                    i += 1
                }
            }
            output[o] = a &+ p.wrappedSum()
            output[cout + o] = b &+ q.wrappedSum()
            o += 1
        }
    }

    /// Eight consecutive Int16 values (no alignment needed).
    @inline(__always)
    static func load8(_ p: UnsafePointer<Int16>) -> SIMD8<Int16> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Int16>.self)
    }

    /// Products of eight int16 pairs, adjacent products summed into four int32 lanes. Written
    /// so that the x86 backend selects `pmaddwd` (one instruction, 8 MACs); the int16 products
    /// of int8 operands are at most 2^14, so the pair sums cannot overflow.
    @inline(__always)
    static func multiplyAddPairs(_ a: SIMD8<Int16>, _ b: SIMD8<Int16>) -> SIMD4<Int32> {
        let p = SIMD8<Int32>(truncatingIfNeeded: a) &* SIMD8<Int32>(truncatingIfNeeded: b)
        return p.evenHalf &+ p.oddHalf
    }

    /// Float version of `int8`, without bias (callers add it).
    ///
    /// Every output element is summed in the fixed order ky, kx, cin over the in-image taps
    /// (padded taps skipped), one unfused multiply and add per tap, exactly as a textbook loop.
    /// The vectorisation runs across output channels instead of along the sum, which keeps that
    /// order: Swift does not reassociate float adds, so a vectorised reduction is not available,
    /// and a fixed order makes the result reproducible and independent of the thread split.
    static func float(_ plan: ConvPlan, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                      output: UnsafeMutablePointer<Float>, loops: Loops = floatLoops) {
        // Output channels are processed in blocks of 16, then 4, then 1 (see `floatRows`). Each
        // block's weights are repacked tap-major, [ky][kx][cin][block lane], at offset
        // `firstChannel · taps`, so one pass over the taps streams one contiguous slice.
        let cout = plan.cout, taps = plan.kernel * plan.kernel * plan.cin
        let wt = UnsafeMutablePointer<Float>.allocate(capacity: cout * taps)
        defer { wt.deallocate() }
        var o0 = 0
        while o0 < cout {
            let width = floatBlockWidth(from: o0, cout: cout)
            for j in 0..<width {
                for t in 0..<taps { wt[o0 * taps + t * width + j] = weights[(o0 + j) * taps + t] }
            }
            o0 += width
        }
        precondition(loops != .avx512, "the float kernel has AVX2 and portable loops")
        switch loops {
        case .avx512, .avx2:
            forEachRowChunk(plan) { rows in
                var shape = plan.shape
                st_conv_float_rows(&shape, rows.lowerBound, rows.upperBound, input, wt, output)
            }
        case .portable:
            forEachRowChunk(plan) { rows in
                floatRows(plan, rows: rows, input: input, weightsByTap: wt, output: output)
            }
        }
    }

    /// Width of the output-channel block starting at channel `o`: 16 while 16 remain, then 4, then 1.
    @inline(__always)
    static func floatBlockWidth(from o: Int, cout: Int) -> Int {
        cout - o >= 16 ? 16 : (cout - o >= 4 ? 4 : 1)
    }

    /// Output rows `rows` of a float plan; `weightsByTap` is packed by `float(_:input:weights:output:)`.
    static func floatRows(_ p: ConvPlan, rows: Range<Int>, input: UnsafePointer<Float>,
                          weightsByTap: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let cin = p.cin, cout = p.cout, k = p.kernel
        let taps = k * k * cin
        let imageSize = p.inH * p.inW * cin
        let inRowSize = p.inW * cin
        // The channels past the last block of 4 (all of them when cout < 4, e.g. an RGB output) are
        // computed four interior pixels at a time, one pixel per lane: each lane adds the same
        // products in the same order as the scalar loop, so the sums are bit for bit the same.
        let oTail = cout - cout % 4, st = p.stride * cin
        let oxInLo = (p.pad + p.stride - 1) / p.stride                      // first ox with ix0 ≥ 0
        let oxInHi = p.inW - k + p.pad >= 0 ? min(p.outW, (p.inW - k + p.pad) / p.stride + 1) : 0  // past the last with ix0 + k ≤ inW
        let quads = oTail < cout ? max(0, (oxInHi - oxInLo) / 4) : 0
        let quadEnd = oxInLo + 4 * quads
        for r in rows {
            let b = r / p.outH, oy = r % p.outH
            let iy0 = oy * p.stride - p.pad
            let kyLo = max(0, -iy0), kyHi = min(k, p.inH - iy0)
            let image = input + b * imageSize
            let rowOut = output + r * p.outW * cout
            for q in 0..<quads {
                let ox0 = oxInLo + 4 * q, ix0 = ox0 * p.stride - p.pad
                for o in oTail..<cout {
                    var s0 = SIMD4<Float>()
                    for ky in kyLo..<kyHi {
                        for kx in 0..<k {
                            let x = image + (iy0 + ky) * inRowSize + (ix0 + kx) * cin
                            let w = weightsByTap + o * taps + (ky * k + kx) * cin
                            for c in 0..<cin {
                                s0 += SIMD4<Float>(x[c], x[c + st], x[c + 2 * st], x[c + 3 * st]) * SIMD4<Float>(repeating: w[c])
                            }
                        }
                    }
                    for j in 0..<4 { rowOut[(ox0 + j) * cout + o] = s0[j] }
                }
            }
            var out = rowOut
            for ox in 0..<p.outW {
                let ix0 = ox * p.stride - p.pad
                let kxLo = max(0, -ix0), kxHi = min(k, p.inW - ix0)
                var o = 0
                // 16 output channels per pass over the taps (four 4-lane accumulators).
                while o + 16 <= cout {
                    var s0 = SIMD4<Float>(), s1 = SIMD4<Float>(), s2 = SIMD4<Float>(), s3 = SIMD4<Float>()
                    for ky in kyLo..<kyHi {
                        for kx in kxLo..<max(kxLo, kxHi) {
                            let x = image + (iy0 + ky) * inRowSize + (ix0 + kx) * cin
                            var w = weightsByTap + o * taps + ((ky * k + kx) * cin) * 16
                            for c in 0..<cin {
                                let xs = SIMD4<Float>(repeating: x[c])
                                s0 += xs * load4(w); s1 += xs * load4(w + 4)
                                s2 += xs * load4(w + 8); s3 += xs * load4(w + 12)
                                w += 16
                            }
                        }
                    }
                    store4(s0, out + o); store4(s1, out + o + 4); store4(s2, out + o + 8); store4(s3, out + o + 12)
                    o += 16
                }
                while o + 4 <= cout {
                    var s0 = SIMD4<Float>()
                    for ky in kyLo..<kyHi {
                        for kx in kxLo..<max(kxLo, kxHi) {
                            let x = image + (iy0 + ky) * inRowSize + (ix0 + kx) * cin
                            var w = weightsByTap + o * taps + ((ky * k + kx) * cin) * 4
                            for c in 0..<cin {
                                s0 += SIMD4<Float>(repeating: x[c]) * load4(w)
                                w += 4
                            }
                        }
                    }
                    store4(s0, out + o)
                    o += 4
                }
                if ox >= oxInLo && ox < quadEnd { o = cout }  // done four pixels at a time above
                while o < cout {
                    var a: Float = 0
                    for ky in kyLo..<kyHi {
                        for kx in kxLo..<max(kxLo, kxHi) {
                            let x = image + (iy0 + ky) * inRowSize + (ix0 + kx) * cin
                            let w = weightsByTap + o * taps + (ky * k + kx) * cin
                            for c in 0..<cin {
                                a += x[c] * w[c]
                            }
                        }
                    }
                    out[o] = a
                    o += 1
                }
                out += cout
            }
        }
    }

    @inline(__always)
    static func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
    }

    @inline(__always)
    static func store4(_ v: SIMD4<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
    }
}

/// Number of cores worth splitting work over (read once).
enum System {
    static let processorCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
}

/// Validates the input/filter pair shared by every conv entry point.
func checkConvOperands(inputChannels: Int, filterInChannels: Int, filterKernel: Int,
                       geometry: ConvGeometry, operation: String) throws {
    guard inputChannels == filterInChannels else {
        throw SparseCNNError.shapeMismatch("\(operation): input has \(inputChannels) channels but the filter expects \(filterInChannels)")
    }
    guard filterKernel == geometry.kernel else {
        throw SparseCNNError.shapeMismatch("\(operation): filter kernel \(filterKernel) differs from geometry kernel \(geometry.kernel)")
    }
}

/// Dense float convolution, "same" zero padding, NHWC in and out.
///
/// Output is `ceil(H / stride) × ceil(W / stride) × Cout`; `bias`, when given, has one value per
/// output channel and is added after the sum over taps.
public func conv2d(_ input: FloatTensor, _ filter: Filter<Float>, bias: [Float]?, geometry: ConvGeometry) throws -> FloatTensor {
    try checkConvOperands(inputChannels: input.channels, filterInChannels: filter.inChannels,
                          filterKernel: filter.kernel, geometry: geometry, operation: "conv2d")
    if let bias, bias.count != filter.outChannels {
        throw SparseCNNError.shapeMismatch("conv2d: bias has \(bias.count) values for \(filter.outChannels) output channels")
    }
    let outShape = geometry.outputShape(input: input.shape, outChannels: filter.outChannels)
    let plan = ConvPlan(batch: 1, inH: input.height, inW: input.width, cin: input.channels,
                        outH: outShape.height, outW: outShape.width, cout: outShape.channels,
                        kernel: geometry.kernel, stride: geometry.stride, pad: geometry.padding)
    // Every element is written by the kernel: no zero fill (whose page faults would all land on
    // this thread), and the bias is added per pixel over the cores.
    let out = [Float](unsafeUninitializedCapacity: outShape.count) { y, count in
        input.scalars.withUnsafeBufferPointer { x in
            filter.scalars.withUnsafeBufferPointer { w in
                ConvKernel.float(plan, input: x.baseAddress!, weights: w.baseAddress!, output: y.baseAddress!)
            }
        }
        if let bias {
            let cout = outShape.channels, base = y.baseAddress!
            bias.withUnsafeBufferPointer { b in
                ConvKernel.parallelChunks(outShape.pixels, work: outShape.count / 4) { pixels in
                    for p in pixels {
                        for o in 0..<cout { base[p * cout + o] += b[o] }
                    }
                }
            }
        }
        count = outShape.count
    }
    return try FloatTensor(shape: outShape, scalars: out)
}

/// Dense int8 convolution to int32 accumulators (no bias): the exact sums the PE array forms.
///
/// "Same" zero padding; output is `ceil(H / stride) × ceil(W / stride) × Cout`. Sums wrap at 32
/// bits like the hardware's adders (no supported shape comes near that).
public func conv2dAccumulators(_ input: QTensor, _ filter: Filter<Int8>, geometry: ConvGeometry) throws -> Tensor<Int32> {
    try checkConvOperands(inputChannels: input.channels, filterInChannels: filter.inChannels,
                          filterKernel: filter.kernel, geometry: geometry, operation: "conv2dAccumulators")
    let outShape = geometry.outputShape(input: input.shape, outChannels: filter.outChannels)
    let plan = ConvPlan(batch: 1, inH: input.height, inW: input.width, cin: input.channels,
                        outH: outShape.height, outW: outShape.width, cout: outShape.channels,
                        kernel: geometry.kernel, stride: geometry.stride, pad: geometry.padding)
    var out = [Int32](repeating: 0, count: outShape.count)
    input.scalars.withUnsafeBufferPointer { x in
        filter.scalars.withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer { y in
                ConvKernel.int8(plan, input: x.baseAddress!, weights: w.baseAddress!, output: y.baseAddress!)
            }
        }
    }
    return try Tensor(shape: outShape, scalars: out)
}
