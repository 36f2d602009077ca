import Foundation

/// A mechanism of the accelerator that only saves cycles or host work, or tells the host where the
/// cycles went: a config may leave it out
/// (`HardwareConfig.leftOut`), and then the model's mapper never chooses it, the host never sets
/// its register fields, and the generated RTL takes their layer-record fields as constants (so the
/// logic they enable is not built) and refuses a layer whose registers ask for it (`STATUS.error`). Every
/// layer still runs, in more cycles: a small part (the iCE40 UP5K) trades them for its logic.
/// docs/microarchitecture.md §2, "Mechanisms a config may leave out".
public enum Mechanism: String, CaseIterable, Codable, Hashable, Sendable, Comparable {
    /// §3.2: vertical taps side by side in the input words (`LAYER0.packed`).
    case tapPacking
    /// §3.3: output columns 2x′ and 2x′+1 side by side in the output lanes (`LAYER0.pairs`).
    case outputPairs
    /// §3.4: the lanes of a wide input word form lane groups (`LAYER0.grouped`).
    case groupedLanes
    /// §6.2: a tile shares the halo rows or columns it has in common with the one before it (the
    /// column and row rings, and sharing within a tile group: the layer record's `nsh`, `rowring`).
    case haloReuse
    /// §4, §7.3: halos stay in the input buffer across passes (`PASS.resident`).
    case residentHalos
    /// §7.2: the next layer's first pass loads during this layer's last (`PASS.next`, `PASS.preloaded`).
    case weightHandoff
    /// §7.2: a layer of several passes gives each half the weight buffer, and the next pass's
    /// weights load during a pass (`PASS.prefetch`). Without it each pass may use the whole
    /// buffer and loads its weights after the pass before it.
    case weightPrefetch
    /// §8: the RW registers read back what was written (else they read 0; the RO registers, the
    /// status and the counters, still read).
    case registerReadBack
    /// §7.4: each PE copies its kgroup sum into a shadow register, so the next kgroup accumulates
    /// while the requant engine reads the last. Without them the requant engine reads the
    /// accumulators, and the next kgroup waits until it has: `Kc = T + tileH·s − 1` instead of
    /// `max(T, tileH·s)` (`LayerPlan.kgroupCycles`).
    case accumulatorShadows
    /// §9: the seven stall counters (`STALL_<CAUSE>`), which break the cycles the PE array does not
    /// issue down by cause. Without them they read 0; CYCLES, BUSY and the DRAM beats still count
    /// (the model still gives the breakdown).
    case stallCounters
    /// §9: CYCLES and BUSY count 64 bits. Without, 32 bits that stop at 2^32 − 1 rather than wrap
    /// (`CYCLES_HI` and `BUSY_HI` read 0): a count that reads 2^32 − 1 is "at least that"
    /// (`counterLimit`); a layer needs about 4·10^9 cycles to reach it.
    case wideCounters
    /// §9: BEATS_RD and BEATS_WR, the DRAM read and write beats of a layer. Without, they read 0
    /// (the model still counts them, and the co-simulation's harness counts them on the port).
    case beatCounters

    /// The register fields (register, field) by which the host asks for it in a layer: a config
    /// that leaves it out refuses a layer that sets one (`STATUS.error`). None for halo reuse (the
    /// RTL decides it from the layer), the read-back, the shadows and the counters.
    public var registerFields: [(register: String, field: String)] {
        switch self {
        case .tapPacking: [("LAYER0", "packed")]
        case .outputPairs: [("LAYER0", "pairs")]
        case .groupedLanes: [("LAYER0", "grouped")]
        case .residentHalos: [("PASS", "resident")]
        case .weightHandoff: [("PASS", "preloaded"), ("PASS", "next")]
        case .weightPrefetch: [("PASS", "prefetch")]
        case .haloReuse, .registerReadBack, .accumulatorShadows, .stallCounters, .wideCounters, .beatCounters: []
        }
    }

    public static func < (a: Mechanism, b: Mechanism) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses a comma-separated list of mechanism names (`--leave-out`); `all` is every one.
    public static func list(_ text: String) throws -> Set<Mechanism> {
        var out: Set<Mechanism> = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            if part == "all" { out.formUnion(allCases); continue }
            guard let m = Mechanism(rawValue: part) else {
                throw AcceleratorSpecError.invalidConfig("unknown mechanism \"\(part)\"; the mechanisms a config may leave out are "
                                                         + allCases.map(\.rawValue).joined(separator: ", ") + " (or all)")
            }
            out.insert(m)
        }
        return out
    }
}

extension HardwareConfig {
    /// The most CYCLES and BUSY count to (§9): 2^64 − 1, or 2^32 − 1 without wide counters, where
    /// they stop.
    public var counterLimit: UInt64 { has(.wideCounters) ? UInt64.max : UInt64(UInt32.max) }

    /// Whether the config has `mechanism` (it is not in `leftOut`).
    public func has(_ mechanism: Mechanism) -> Bool { !leftOut.contains(mechanism) }
}
