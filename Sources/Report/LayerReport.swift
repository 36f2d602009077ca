import Foundation
@_exported import TileModel

/// One row of the per-layer report: every command that produces per-layer results (`simulate`,
/// `report`, `cosim`, `demo`) writes these rows, as CSV (`Columns`) and as JSON (the same
/// names, `stallCycles` nested). Units are in docs/reports.md and in `LayerReport.columns`.
///
/// The model's columns are its `LayerStats`, held whole (one source of truth per field) and read
/// through it: `row.cycles` is `row.stats.cycles`. The report adds `milliseconds` and the
/// co-simulation columns. The JSON row is flat, as it always was (`encode(to:)`); it does not carry
/// `LayerStats.weightBytesRead` (SCALE-Sim's bandwidth report does), so a decoded row has 0 there.
@dynamicMemberLookup
public struct LayerReport: Hashable, Sendable {
    /// The model's statistics of the layer: name, shapes, tiles, cycles, bound, stalls, MACs, DRAM bytes.
    public var stats: LayerStats
    /// cycles at the configured clock, in milliseconds.
    public var milliseconds: Double

    /// A field of `stats` (`row.cycles`, `row.stallCycles`, …), read and written in place.
    public subscript<T>(dynamicMember field: WritableKeyPath<LayerStats, T>) -> T {
        get { stats[keyPath: field] }
        set { stats[keyPath: field] = newValue }
    }

    // Co-simulation columns (`sparsetile cosim`, `sparsetile demo`); nil (absent from the JSON,
    // empty in the CSV) when the layer was only simulated on the model.
    /// Cycles of the Swift model.
    public var modelCycles: Int?
    /// Cycles of the RTL under Verilator (counted by the harness: first cycle `done` reads 1).
    public var rtlCycles: Int?
    /// RTL output bytes == model output bytes (and == SparseCNN's golden output when known).
    public var outputsMatch: Bool?
    /// modelCycles == rtlCycles (and the RTL's CYCLES register agrees).
    public var cyclesMatch: Bool?
    /// The per-tile event trace of the RTL == the model's, row by row.
    public var traceMatch: Bool?
    /// DRAM read and write beats equal.
    public var dramBeatsMatch: Bool?
    /// The RTL's busy cycles and every stall counter equal the model's (`computeBusyCycles`, `stallCycles`).
    public var stallCyclesMatch: Bool?
    /// The RTL's BUSY register (its computeBusyCycles).
    public var rtlBusyCycles: Int?
    /// The RTL's STALL_<CAUSE> registers, by cause (same keys as `stallCycles`).
    public var rtlStallCycles: StallCycles?
    /// Model output == SparseCNN's int8 output (network layers only).
    public var goldenMatch: Bool?
    /// Wall seconds of the model run and of the Verilator run of this layer.
    public var modelSeconds: Double?
    public var rtlSeconds: Double?
    /// The diagnosis of a mismatch (first differing tile, cycle, engine, output element).
    public var mismatch: String?

    /// True when the row carries co-simulation results.
    public var isCoSimulated: Bool { modelCycles != nil }
    /// True when every co-simulation check of the row passed (false when not co-simulated).
    public var coSimMatches: Bool {
        isCoSimulated && outputsMatch == true && cyclesMatch == true && traceMatch != false && dramBeatsMatch != false
            && stallCyclesMatch != false && goldenMatch != false && mismatch == nil
    }

    /// The row of one simulated layer; `clockMHz` converts cycles to milliseconds.
    public init(_ s: LayerStats, clockMHz: Double) {
        stats = s
        milliseconds = Double(s.cycles) / (clockMHz * 1000)
    }

    /// Cycles by phase in the order the charts stack them: compute busy, then the stall causes.
    public var phases: [(phase: Phase, cycles: Int)] {
        let st = stats.stallCycles
        return [(.computeBusy, stats.computeBusyCycles), (.load, st.load), (.store, st.store), (.dram, st.dram),
                (.weights, st.weights), (.setup, st.setup), (.requant, st.requant), (.drain, st.drain)]
    }

    /// A slice of a layer's cycles.
    public enum Phase: String, CaseIterable, Sendable {
        case computeBusy = "compute busy", load = "load stall", store = "store stall", dram = "DRAM contention"
        case weights = "weight load", setup = "setup (mask)", requant = "requant pad", drain = "drain"
    }
}

extension LayerReport: Codable {
    /// The JSON row's keys, in the order the row has always had them (it was a flat struct of these
    /// fields before it held a `LayerStats`); `json()` sorts them anyway.
    private enum Key: String, CodingKey {
        case name, kernel, stride, inShape, outShape, tileShape, tapsPacked, outputPairs, lanesGrouped, lineBuffer, tileDensity, activeTiles, passes
        case cycles, boundCycles, cyclesOverBound, denseCycles, speedup, computeBusyCycles, stallCycles, issuedMACs
        case usefulMACs, denseMACs, peUtilization, dramBytesRead, dramBytesWritten, boundBytes, milliseconds
        case modelCycles, rtlCycles, outputsMatch, cyclesMatch, traceMatch, dramBeatsMatch, stallCyclesMatch
        case rtlBusyCycles, rtlStallCycles, goldenMatch, modelSeconds, rtlSeconds, mismatch
    }

    /// One flat object: the model's columns, `milliseconds`, then the co-simulation columns that are set.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        let s = stats
        try c.encode(s.name, forKey: .name); try c.encode(s.kernel, forKey: .kernel); try c.encode(s.stride, forKey: .stride)
        try c.encode(s.inShape, forKey: .inShape); try c.encode(s.outShape, forKey: .outShape)
        try c.encode(s.tileShape, forKey: .tileShape); try c.encode(s.tapsPacked, forKey: .tapsPacked)
        try c.encode(s.outputPairs, forKey: .outputPairs); try c.encode(s.lanesGrouped, forKey: .lanesGrouped)
        try c.encode(s.lineBuffer, forKey: .lineBuffer)
        try c.encode(s.tileDensity, forKey: .tileDensity)
        try c.encode(s.activeTiles, forKey: .activeTiles); try c.encode(s.passes, forKey: .passes)
        try c.encode(s.cycles, forKey: .cycles); try c.encode(s.boundCycles, forKey: .boundCycles)
        try c.encode(s.cyclesOverBound, forKey: .cyclesOverBound); try c.encode(s.denseCycles, forKey: .denseCycles)
        try c.encode(s.speedup, forKey: .speedup); try c.encode(s.computeBusyCycles, forKey: .computeBusyCycles)
        try c.encode(s.stallCycles, forKey: .stallCycles); try c.encode(s.issuedMACs, forKey: .issuedMACs)
        try c.encode(s.usefulMACs, forKey: .usefulMACs); try c.encode(s.denseMACs, forKey: .denseMACs)
        try c.encode(s.peUtilization, forKey: .peUtilization); try c.encode(s.dramBytesRead, forKey: .dramBytesRead)
        try c.encode(s.dramBytesWritten, forKey: .dramBytesWritten); try c.encode(s.boundBytes, forKey: .boundBytes)
        try c.encode(milliseconds, forKey: .milliseconds)
        try c.encodeIfPresent(modelCycles, forKey: .modelCycles); try c.encodeIfPresent(rtlCycles, forKey: .rtlCycles)
        try c.encodeIfPresent(outputsMatch, forKey: .outputsMatch); try c.encodeIfPresent(cyclesMatch, forKey: .cyclesMatch)
        try c.encodeIfPresent(traceMatch, forKey: .traceMatch); try c.encodeIfPresent(dramBeatsMatch, forKey: .dramBeatsMatch)
        try c.encodeIfPresent(stallCyclesMatch, forKey: .stallCyclesMatch); try c.encodeIfPresent(rtlBusyCycles, forKey: .rtlBusyCycles)
        try c.encodeIfPresent(rtlStallCycles, forKey: .rtlStallCycles); try c.encodeIfPresent(goldenMatch, forKey: .goldenMatch)
        try c.encodeIfPresent(modelSeconds, forKey: .modelSeconds); try c.encodeIfPresent(rtlSeconds, forKey: .rtlSeconds)
        try c.encodeIfPresent(mismatch, forKey: .mismatch)
    }

    /// Reads `encode(to:)`'s object (`weightBytesRead`, not in it, is 0).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        func int(_ k: Key) throws -> Int { try c.decode(Int.self, forKey: k) }
        func double(_ k: Key) throws -> Double { try c.decode(Double.self, forKey: k) }
        stats = LayerStats(
            name: try c.decode(String.self, forKey: .name), kernel: try int(.kernel), stride: try int(.stride),
            inShape: try c.decode([Int].self, forKey: .inShape), outShape: try c.decode([Int].self, forKey: .outShape),
            tileShape: try c.decode(String.self, forKey: .tileShape), tapsPacked: try c.decode(Bool.self, forKey: .tapsPacked),
            outputPairs: try c.decode(Bool.self, forKey: .outputPairs),
            lanesGrouped: try c.decodeIfPresent(Bool.self, forKey: .lanesGrouped) ?? false,
            lineBuffer: try c.decodeIfPresent(Bool.self, forKey: .lineBuffer) ?? false, tileDensity: try double(.tileDensity),
            activeTiles: try int(.activeTiles), passes: try int(.passes), cycles: try int(.cycles),
            computeBusyCycles: try int(.computeBusyCycles), stallCycles: try c.decode(StallCycles.self, forKey: .stallCycles),
            issuedMACs: try int(.issuedMACs), usefulMACs: try int(.usefulMACs), denseMACs: try int(.denseMACs),
            peUtilization: try double(.peUtilization), dramBytesRead: try int(.dramBytesRead), weightBytesRead: 0,
            dramBytesWritten: try int(.dramBytesWritten), boundBytes: try int(.boundBytes), boundCycles: try int(.boundCycles),
            cyclesOverBound: try double(.cyclesOverBound), denseCycles: try int(.denseCycles), speedup: try double(.speedup))
        milliseconds = try double(.milliseconds)
        modelCycles = try c.decodeIfPresent(Int.self, forKey: .modelCycles)
        rtlCycles = try c.decodeIfPresent(Int.self, forKey: .rtlCycles)
        outputsMatch = try c.decodeIfPresent(Bool.self, forKey: .outputsMatch)
        cyclesMatch = try c.decodeIfPresent(Bool.self, forKey: .cyclesMatch)
        traceMatch = try c.decodeIfPresent(Bool.self, forKey: .traceMatch)
        dramBeatsMatch = try c.decodeIfPresent(Bool.self, forKey: .dramBeatsMatch)
        stallCyclesMatch = try c.decodeIfPresent(Bool.self, forKey: .stallCyclesMatch)
        rtlBusyCycles = try c.decodeIfPresent(Int.self, forKey: .rtlBusyCycles)
        rtlStallCycles = try c.decodeIfPresent(StallCycles.self, forKey: .rtlStallCycles)
        goldenMatch = try c.decodeIfPresent(Bool.self, forKey: .goldenMatch)
        modelSeconds = try c.decodeIfPresent(Double.self, forKey: .modelSeconds)
        rtlSeconds = try c.decodeIfPresent(Double.self, forKey: .rtlSeconds)
        mismatch = try c.decodeIfPresent(String.self, forKey: .mismatch)
    }
}

/// Sums over the layers of a run (the `totals` object of the JSON report).
public struct ReportTotals: Hashable, Codable, Sendable {
    public var layers = 0
    public var cycles = 0
    public var boundCycles = 0
    public var denseCycles = 0
    public var computeBusyCycles = 0
    public var stallCycles = StallCycles()
    public var issuedMACs = 0
    public var usefulMACs = 0
    public var denseMACs = 0
    public var dramBytesRead = 0
    public var dramBytesWritten = 0
    /// usefulMACs / (MACsPerCycle · cycles).
    public var peUtilization = 0.0
    /// cycles / boundCycles.
    public var cyclesOverBound = 0.0
    /// denseCycles / cycles.
    public var speedup = 0.0
    /// cycles at the configured clock, ms.
    public var milliseconds = 0.0
    /// denseCycles at the configured clock, ms.
    public var denseMilliseconds = 0.0

    public init(layers rows: [LayerReport], config: HardwareConfig) {
        for s in rows {
            layers += 1; cycles += s.cycles; boundCycles += s.boundCycles; denseCycles += s.denseCycles
            computeBusyCycles += s.computeBusyCycles; stallCycles = stallCycles + s.stallCycles
            issuedMACs += s.issuedMACs; usefulMACs += s.usefulMACs; denseMACs += s.denseMACs
            dramBytesRead += s.dramBytesRead; dramBytesWritten += s.dramBytesWritten
        }
        peUtilization = cycles == 0 ? 0 : Double(usefulMACs) / Double(config.macsPerCycle) / Double(cycles)
        cyclesOverBound = boundCycles == 0 ? 0 : Double(cycles) / Double(boundCycles)
        speedup = cycles == 0 ? 0 : Double(denseCycles) / Double(cycles)
        milliseconds = Double(cycles) / (config.clockMHz * 1000)
        denseMilliseconds = Double(denseCycles) / (config.clockMHz * 1000)
    }
}

/// The co-simulation summary of a run (the `cosim` object of the JSON report): how many layers
/// agreed, and how fast each simulator ran (cycles simulated per wall second).
public struct CoSimSummary: Hashable, Codable, Sendable {
    /// Co-simulated layers and how many of them mismatched (any check), with their names.
    public var layers: Int
    public var mismatches: Int
    public var mismatchedLayers: [String]
    /// Sums over the layers of the model's and the RTL's cycles.
    public var modelCycles: Int
    public var rtlCycles: Int
    /// Wall seconds of the model runs and of the Verilator runs (harness clocking loops).
    public var modelSeconds: Double
    public var rtlSeconds: Double
    /// modelCycles / modelSeconds and rtlCycles / rtlSeconds.
    public var modelCyclesPerSecond: Double
    public var rtlCyclesPerSecond: Double
    /// Seconds spent building the Verilator simulator in this run (0 when the cached build was reused).
    public var verilatorBuildSeconds: Double
    public var verilatorBuildReused: Bool

    /// Sums the co-simulation columns of `layers` (rows without them are skipped).
    public init(layers rows: [LayerReport], verilatorBuildSeconds: Double, verilatorBuildReused: Bool) {
        let c = rows.filter(\.isCoSimulated)
        layers = c.count
        mismatchedLayers = c.filter { !$0.coSimMatches }.map(\.name)
        mismatches = mismatchedLayers.count
        modelCycles = c.reduce(0) { $0 + ($1.modelCycles ?? 0) }
        rtlCycles = c.reduce(0) { $0 + ($1.rtlCycles ?? 0) }
        modelSeconds = c.reduce(0) { $0 + ($1.modelSeconds ?? 0) }
        rtlSeconds = c.reduce(0) { $0 + ($1.rtlSeconds ?? 0) }
        modelCyclesPerSecond = modelSeconds > 0 ? Double(modelCycles) / modelSeconds : 0
        rtlCyclesPerSecond = rtlSeconds > 0 ? Double(rtlCycles) / rtlSeconds : 0
        self.verilatorBuildSeconds = verilatorBuildSeconds
        self.verilatorBuildReused = verilatorBuildReused
    }
}

/// The per-layer report of one run on one configuration: `{"config", "layers", "totals"}` as
/// JSON (plus `cosim` when the layers were co-simulated), the rows as CSV, and an aligned text table.
public struct LayerReportSet: Codable, Sendable {
    public var config: HardwareConfig
    public var layers: [LayerReport]
    public var totals: ReportTotals
    /// Present when the layers were co-simulated (`cosim`, `demo`).
    public var cosim: CoSimSummary?

    public init(config: HardwareConfig, layers: [LayerReport]) {
        self.config = config; self.layers = layers
        totals = ReportTotals(layers: layers, config: config)
    }

    /// Rows from the model's per-layer statistics.
    public init(config: HardwareConfig, stats: [LayerStats]) {
        self.init(config: config, layers: stats.map { LayerReport($0, clockMHz: config.clockMHz) })
    }

    /// Pretty-printed JSON with sorted keys.
    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }

    /// Decodes `json()` output.
    public static func fromJSON(_ data: Data) throws -> LayerReportSet {
        try JSONDecoder().decode(LayerReportSet.self, from: data)
    }

    /// One header line (`LayerReport.columns` names) and one line per layer.
    public func csv() -> String { LayerReport.csv(layers) }

    /// The human-readable per-layer table with a totals line.
    public func table() -> String {
        let f2 = { (x: Double) in String(format: "%.2f", x) }
        var t = TextTable(columns: [("layer", .left), ("shape", .left), ("tile", .right), ("tiles", .right), ("cycles", .right),
                                    ("bound", .right), ("c/b", .right), ("PE%", .right),
                                    ("stall ld/st/dr/wt/rq/other", .right), ("DRAM rd/wr KiB", .right), ("speedup", .right)])
        for s in layers {
            let st = s.stallCycles
            // (a `p` after the stride: taps packed, §3.2; an `o`: output pairs, §3.3)
            let shape = "k\(s.kernel)s\(s.stride)\(s.tapsPacked ? "p" : "")\(s.outputPairs ? "o" : "")\(s.lanesGrouped ? "g" : "")\(s.lineBuffer ? "l" : "") \(s.inShape.map(String.init).joined(separator: "x"))→\(s.outShape.last ?? 0)"
            t.add([s.name, shape, s.tileShape, f2(s.tileDensity), "\(s.cycles)", "\(s.boundCycles)", f2(s.cyclesOverBound),
                   String(format: "%.1f", 100 * s.peUtilization),
                   "\(st.load)/\(st.store)/\(st.dram)/\(st.weights)/\(st.requant)/\(st.setup + st.drain)",
                   "\(s.dramBytesRead / 1024)/\(s.dramBytesWritten / 1024)", f2(s.speedup)])
        }
        let tt = totals
        let f = { (x: Double, d: Int) in String(format: "%.\(d)f", x) }
        return t.render() + "\n"
            + "total: \(tt.layers) layers, \(tt.cycles) cycles (\(f(tt.milliseconds, 3)) ms at \(f(config.clockMHz, 0)) MHz), bound \(tt.boundCycles) (cycles/bound \(f(tt.cyclesOverBound, 3))), PE util \(f(100 * tt.peUtilization, 1))%, dense \(tt.denseCycles) cycles (\(f(tt.denseMilliseconds, 3)) ms), speed-up \(f(tt.speedup, 2))x, DRAM read \(tt.dramBytesRead) B written \(tt.dramBytesWritten) B"
    }
}

/// Right/left aligned plain-text columns.
public struct TextTable: Sendable {
    public enum Alignment: Sendable { case left, right }
    public var columns: [(String, Alignment)]
    public var rows: [[String]] = []

    public init(columns: [(String, Alignment)]) { self.columns = columns }
    public mutating func add(_ row: [String]) { rows.append(row) }

    /// Columns separated by two spaces, each as wide as its widest cell.
    public func render() -> String {
        let widths = columns.indices.map { i in max(columns[i].0.count, rows.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            columns.indices.map { i in
                let c = i < cells.count ? cells[i] : ""
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return columns[i].1 == .left ? c + pad : pad + c
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(columns.map(\.0))] + rows.map(line)).joined(separator: "\n")
    }
}
