import Foundation
import AcceleratorSpec
import TileModel

extension TileEvent {
    /// The engine trace column `c` (in `TileEvent.columns` order) belongs to.
    public static func engine(ofColumn c: Int) -> String {
        switch c {
        case 4, 5: return "load"
        case 6, 7: return "compute"
        case 8, 9: return "store"
        default: return "mask scanner (tile order)"
        }
    }
}

/// The first trace row where model and RTL differ.
public struct TraceMismatch: Hashable, Sendable, CustomStringConvertible {
    public var row: Int
    public var pass: Int, index: Int, ty: Int, tx: Int
    /// Column name of the first differing value (in column order) and the engine it belongs to.
    public var column: String
    public var engine: String
    public var model: Int?
    public var rtl: Int?
    /// The earliest cycle of the two differing values.
    public var cycle: Int?
    public var description: String {
        let m = model.map(String.init) ?? "none", r = rtl.map(String.init) ?? "none"
        return "first differing tile: pass \(pass) tile #\(index) (ty \(ty), tx \(tx)), \(column): model \(m), RTL \(r)"
            + (cycle.map { " — diverges at cycle \($0)" } ?? "") + ", engine: \(engine)"
    }
}

/// The first output element (NHWC order) where the RTL differs from the model (or the golden output).
public struct OutputMismatch: Hashable, Sendable, CustomStringConvertible {
    public var y: Int, x: Int, c: Int
    public var rtl: Int8
    public var model: Int8
    public var golden: Int8?
    public var differing: Int
    /// The model's trace record of the tile (and pass) that produces this element, if it is active.
    public var tile: TileEvent?
    public var description: String {
        var s = "first differing output at (y \(y), x \(x), c \(c)): RTL \(rtl), model \(model)" + (golden.map { ", SparseCNN \($0)" } ?? "")
            + " (\(differing) elements differ)"
        if let t = tile {
            s += "; it belongs to pass \(t.pass) tile #\(t.index) (ty \(t.ty), tx \(t.tx)): loaded [\(t.loadStart), \(t.loadEnd)), "
                + "computed [\(t.computeStart), \(t.computeEnd)), stored [\(t.storeStart), \(t.storeEnd))"
        } else {
            s += "; its tile is inactive (the output must keep the layer's default)"
        }
        return s
    }
}

/// A stall cause whose counter differs between the model (`LayerStats.stallCycles`) and the RTL
/// (its `STALL_<CAUSE>` register).
public struct StallMismatch: Hashable, Sendable, CustomStringConvertible {
    public var cause: StallCause
    public var model: Int
    public var rtl: Int
    public init(cause: StallCause, model: Int, rtl: Int) { self.cause = cause; self.model = model; self.rtl = rtl }
    public var description: String {
        "stall cycles '\(cause.rawValue)' (STALL_\(cause.rawValue.uppercased())): model \(model), RTL \(rtl)"
    }
}

/// Everything compared for one layer. No tolerances.
public struct LayerComparison: Sendable {
    public var name: String
    public var status: HarnessStatus
    public var modelCycles: Int
    /// Counted by the harness.
    public var rtlCycles: Int
    /// The RTL's CYCLES CSR.
    public var rtlCounterCycles: Int
    public var modelBeats: (read: Int, written: Int)
    /// Counted by the harness on the DRAM port.
    public var rtlBeats: (read: Int, written: Int)
    /// The model's computeBusyCycles and stall cycles by cause.
    public var modelBusyCycles: Int
    public var modelStallCycles: StallCycles
    /// The RTL's statistics registers (CYCLES, BUSY, STALL_*, BEATS_*).
    public var rtlCounters: RTLCounters
    public var cyclesMatch: Bool
    /// The RTL's CYCLES and BEATS_RD/WR registers equal the harness's counts (true when the run did not finish).
    public var counterMatches: Bool
    public var beatsMatch: Bool
    /// What BEATS_RD/BEATS_WR should read: the harness's beats, or 0 on a config without beat counters (§2).
    public var beatRegistersExpected: (read: Int, written: Int)
    /// The RTL's BUSY register equals the model's computeBusyCycles (false when the run did not finish).
    public var busyMatches: Bool
    /// The stall causes whose RTL counter differs from the model's, in `StallCause` order (empty when
    /// all are equal, and when the run did not finish).
    public var stallMismatches: [StallMismatch]
    /// Busy cycles and every stall counter equal.
    public var stallCountersMatch: Bool { busyMatches && stallMismatches.isEmpty }
    public var outputsMatch: Bool
    /// Model vs SparseCNN golden (nil when no golden output).
    public var modelMatchesGolden: Bool?
    public var traceMatch: Bool
    public var traceMismatch: TraceMismatch?
    public var outputMismatch: OutputMismatch?
    public var harnessMessage: String

    public var matches: Bool {
        status == .done && cyclesMatch && counterMatches && beatsMatch && stallCountersMatch && outputsMatch && traceMatch
            && (modelMatchesGolden ?? true)
    }

    /// Multi-line explanation of a mismatch (empty when everything matches).
    public var diagnosis: String {
        if matches { return "" }
        var l: [String] = []
        switch status {
        case .hang: l.append("RTL hang: \(harnessMessage)")
        case .protocolError: l.append("RTL DRAM protocol error: \(harnessMessage)")
        case .done: break
        }
        if !cyclesMatch { l.append("cycles: model \(modelCycles), RTL \(rtlCycles)") }
        if status == .done && rtlCounterCycles != rtlCycles {
            l.append("RTL CYCLES register \(rtlCounterCycles) differs from the harness's count \(rtlCycles)")
        }
        if status == .done && (rtlCounters.beatsRead, rtlCounters.beatsWritten) != beatRegistersExpected {
            l.append("RTL BEATS_RD/BEATS_WR registers \(rtlCounters.beatsRead)/\(rtlCounters.beatsWritten) differ from \(beatRegistersExpected.read)/\(beatRegistersExpected.written) (the harness's count, or 0 without beat counters)")
        }
        if !beatsMatch { l.append("DRAM beats read/written: model \(modelBeats.read)/\(modelBeats.written), RTL \(rtlBeats.read)/\(rtlBeats.written)") }
        if status == .done && !busyMatches { l.append("compute-busy cycles (BUSY): model \(modelBusyCycles), RTL \(rtlCounters.busy)") }
        for m in stallMismatches { l.append(m.description) }
        if let t = traceMismatch { l.append(t.description) }
        if let o = outputMismatch { l.append(o.description) }
        if modelMatchesGolden == false { l.append("model output differs from SparseCNN's golden output") }
        return l.map { "  " + $0 }.joined(separator: "\n")
    }

    /// Compares the model's run with the harness's.
    public init(name: String, plan: LayerPlan, model: LayerSimulation, rtl: HarnessResult, golden: QTensor?) {
        self.name = name
        status = rtl.status
        modelCycles = model.stats.cycles
        rtlCycles = rtl.cycles
        rtlCounterCycles = rtl.counters.cycles
        let B = plan.wordBytes
        modelBeats = (model.stats.dramBytesRead / B, model.stats.dramBytesWritten / B)
        rtlBeats = (rtl.beatsRead, rtl.beatsWritten)
        modelBusyCycles = model.stats.computeBusyCycles
        modelStallCycles = model.stats.stallCycles
        rtlCounters = rtl.counters
        let done = rtl.status == .done
        cyclesMatch = done && rtl.cycles == model.stats.cycles
        // (CYCLES and BUSY stop at the config's counter limit, §9)
        let limit = plan.config.counterLimit
        func counted(_ n: Int) -> UInt64 { min(UInt64(n), limit) }
        // (a config without the beat counters reads 0 from them, §2)
        beatRegistersExpected = plan.config.has(.beatCounters) ? rtlBeats : (0, 0)
        counterMatches = !done || (UInt64(rtl.counters.cycles) == counted(rtl.cycles)
                                   && (rtl.counters.beatsRead, rtl.counters.beatsWritten) == beatRegistersExpected)
        beatsMatch = modelBeats == rtlBeats
        busyMatches = done && UInt64(rtl.counters.busy) == counted(model.stats.computeBusyCycles)
        // (a config without the stall counters reads 0 from them, §2)
        let counted = plan.config.has(.stallCounters)
        stallMismatches = !done ? [] : StallCause.allCases.compactMap { c in
            let m = counted ? model.stats.stallCycles[c] : 0, r = rtl.counters.stalls[c]
            return m == r ? nil : StallMismatch(cause: c, model: m, rtl: r)
        }
        traceMismatch = Self.firstTraceMismatch(model: model.trace, rtl: rtl.trace)
        traceMatch = traceMismatch == nil
        harnessMessage = rtl.message
        // Outputs: decode the RTL's output region like MemoryImage.output.
        let cout = plan.cout, COW = plan.outWords
        var rtlOut = [Int8](repeating: 0, count: plan.outH * plan.outW * cout)
        if rtl.outputBytes.count >= plan.outH * plan.outW * COW * B {
            for p in 0..<(plan.outH * plan.outW) { for c in 0..<cout { rtlOut[p * cout + c] = Int8(bitPattern: rtl.outputBytes[p * COW * B + c]) } }
        }
        let modelOut = model.output?.scalars ?? []
        modelMatchesGolden = golden.map { $0.scalars == modelOut }
        var first: Int? = nil, count = 0
        for i in 0..<rtlOut.count where i >= modelOut.count || rtlOut[i] != modelOut[i] || (golden.map { $0.scalars[i] != rtlOut[i] } ?? false) {
            if first == nil { first = i }
            count += 1
        }
        outputsMatch = first == nil && rtl.outputBytes.count >= plan.outH * plan.outW * COW * B
        if let i = first {
            let p = i / cout
            let y = p / plan.outW, x = p % plan.outW, c = i % cout
            let ty = y / plan.shape.height, tx = x / plan.shape.width
            let pass = plan.passes.first { $0.firstChannel <= c && c < $0.endChannel }?.index ?? 0
            let tile = model.trace.first { $0.pass == pass && $0.ty == ty && $0.tx == tx }
            // (x, c) are the engines' (§3.3); the report names the layer's own pixel and channel
            outputMismatch = OutputMismatch(y: y, x: x * plan.columnsPerOutput + c / plan.layerCout, c: c % plan.layerCout, rtl: rtlOut[i], model: i < modelOut.count ? modelOut[i] : 0,
                                            golden: golden.map { $0.scalars[i] }, differing: count, tile: tile)
        }
    }

    /// The first row (in trace order) and column where the traces differ, or nil.
    public static func firstTraceMismatch(model: [TileEvent], rtl: [TileEvent]) -> TraceMismatch? {
        for r in 0..<max(model.count, rtl.count) {
            let m = r < model.count ? model[r] : nil, t = r < rtl.count ? rtl[r] : nil
            if m == t { continue }
            let key = (m ?? t)!
            for (c, column) in TileEvent.columns.enumerated() {
                let mv = m?[keyPath: column.value], rv = t?[keyPath: column.value]
                if mv == rv { continue }
                let rtlValue = (rv ?? -1) < 0 && c >= 4 ? nil : rv
                let cycle = [mv, rtlValue].compactMap { $0 }.min()
                return TraceMismatch(row: r, pass: key.pass, index: key.index, ty: key.ty, tx: key.tx,
                                     column: column.name, engine: TileEvent.engine(ofColumn: c),
                                     model: mv, rtl: rtlValue, cycle: c >= 4 ? cycle : nil)
            }
        }
        return nil
    }
}
