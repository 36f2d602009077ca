import Foundation
@_exported import TileModel

/// One row of the per-layer report: every command that produces per-layer results (`simulate`,
/// `report`, `sweep --layers`) writes these rows, as CSV (`Columns`) and as JSON (the same
/// names, `stallCycles` nested). Units are in docs/reports.md and in `LayerReport.columns`.
public struct LayerReport: Hashable, Codable, Sendable {
    /// Layer name (network layer name or synthetic spec).
    public var name: String
    /// Kernel size K (K×K).
    public var kernel: Int
    /// Stride S.
    public var stride: Int
    /// Input shape [H, W, C] in pixels/channels.
    public var inShape: [Int]
    /// Output shape [H, W, C].
    public var outShape: [Int]
    /// The layer's tile shape `HxW` (docs/microarchitecture.md §3.1).
    public var tileShape: String
    public var tapsPacked: Bool
    /// Output columns computed in pairs in the output-channel lanes (few output channels, §3.3):
    /// `tileShape` is then the engines' shape, each tile twice as wide in the layer's map.
    public var outputPairs: Bool
    /// Active tiles / all tiles (0...1).
    public var tileDensity: Double
    /// Active output tiles.
    public var activeTiles: Int
    /// Output-channel passes (weight reloads).
    public var passes: Int
    /// Total cycles of the layer.
    public var cycles: Int
    /// Physical lower bound in cycles: max(⌈usefulMACs / MACsPerCycle⌉, ⌈boundBytes / B⌉).
    public var boundCycles: Int
    /// cycles / boundCycles.
    public var cyclesOverBound: Double
    /// Cycles of the same layer with an all-ones tile mask, at the tile shape best for it.
    public var denseCycles: Int
    /// denseCycles / cycles.
    public var speedup: Double
    /// Cycles in which the compute engine issued a step.
    public var computeBusyCycles: Int
    /// Non-busy cycles by cause; they sum to cycles − computeBusyCycles.
    public var stallCycles: StallCycles
    /// MACs issued to the PE array (active tiles' valid pixels).
    public var issuedMACs: Int
    /// MACs on pixels set in the pixel mask.
    public var usefulMACs: Int
    /// MACs of the dense layer, H_out·W_out·Cout·K²·Cin.
    public var denseMACs: Int
    /// usefulMACs / (MACsPerCycle · cycles), 0...1.
    public var peUtilization: Double
    /// Bytes read from DRAM (beats × B).
    public var dramBytesRead: Int
    /// Bytes written to DRAM.
    public var dramBytesWritten: Int
    /// Compulsory DRAM bytes of the active work.
    public var boundBytes: Int
    /// cycles at the configured clock, in milliseconds.
    public var milliseconds: Double

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

    public init(name: String, kernel: Int, stride: Int, inShape: [Int], outShape: [Int], tileShape: String, tapsPacked: Bool = false, outputPairs: Bool = false, tileDensity: Double,
                activeTiles: Int, passes: Int, cycles: Int, boundCycles: Int, cyclesOverBound: Double, denseCycles: Int,
                speedup: Double, computeBusyCycles: Int, stallCycles: StallCycles, issuedMACs: Int, usefulMACs: Int,
                denseMACs: Int, peUtilization: Double, dramBytesRead: Int, dramBytesWritten: Int, boundBytes: Int,
                milliseconds: Double) {
        self.name = name; self.kernel = kernel; self.stride = stride; self.inShape = inShape; self.outShape = outShape
        self.tileShape = tileShape; self.tapsPacked = tapsPacked; self.outputPairs = outputPairs; self.tileDensity = tileDensity; self.activeTiles = activeTiles; self.passes = passes; self.cycles = cycles
        self.boundCycles = boundCycles; self.cyclesOverBound = cyclesOverBound; self.denseCycles = denseCycles
        self.speedup = speedup; self.computeBusyCycles = computeBusyCycles; self.stallCycles = stallCycles
        self.issuedMACs = issuedMACs; self.usefulMACs = usefulMACs; self.denseMACs = denseMACs
        self.peUtilization = peUtilization; self.dramBytesRead = dramBytesRead; self.dramBytesWritten = dramBytesWritten
        self.boundBytes = boundBytes; self.milliseconds = milliseconds
    }

    /// The row of one simulated layer; `clockMHz` converts cycles to milliseconds.
    public init(_ s: LayerStats, clockMHz: Double) {
        self.init(name: s.name, kernel: s.kernel, stride: s.stride, inShape: s.inShape, outShape: s.outShape,
                  tileShape: s.tileShape, tapsPacked: s.tapsPacked, outputPairs: s.outputPairs, tileDensity: s.tileDensity, activeTiles: s.activeTiles, passes: s.passes, cycles: s.cycles,
                  boundCycles: s.boundCycles, cyclesOverBound: s.cyclesOverBound, denseCycles: s.denseCycles,
                  speedup: s.speedup, computeBusyCycles: s.computeBusyCycles, stallCycles: s.stallCycles,
                  issuedMACs: s.issuedMACs, usefulMACs: s.usefulMACs, denseMACs: s.denseMACs,
                  peUtilization: s.peUtilization, dramBytesRead: s.dramBytesRead, dramBytesWritten: s.dramBytesWritten,
                  boundBytes: s.boundBytes, milliseconds: Double(s.cycles) / (clockMHz * 1000))
    }

    /// Cycles by phase in the order the charts stack them: compute busy, then the stall causes.
    public var phases: [(phase: Phase, cycles: Int)] {
        let st = stallCycles
        return [(.computeBusy, computeBusyCycles), (.load, st.load), (.store, st.store), (.dram, st.dram),
                (.weights, st.weights), (.setup, st.setup), (.requant, st.requant), (.drain, st.drain)]
    }

    /// A slice of a layer's cycles.
    public enum Phase: String, CaseIterable, Sendable {
        case computeBusy = "compute busy", load = "load stall", store = "store stall", dram = "DRAM contention"
        case weights = "weight load", setup = "setup (mask)", requant = "requant pad", drain = "drain"
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
            let shape = "k\(s.kernel)s\(s.stride)\(s.tapsPacked ? "p" : "")\(s.outputPairs ? "o" : "") \(s.inShape.map(String.init).joined(separator: "x"))→\(s.outShape.last ?? 0)"
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
