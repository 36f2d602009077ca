import Foundation
import Testing
@testable import Report

/// A few small layers through the model (fast mode, timing only), with sparse masks.
func sampleReport(config: HardwareConfig = .small) throws -> LayerReportSet {
    let model = TileModel(config: config)
    let specs = ["k3s1c8x8@16x16", "k3s2c8x16@16x16", "k1s1c16x16@8x8r", "k3s1c16x4@8x8r"]
    var stats: [LayerStats] = []
    for (i, s) in specs.enumerated() {
        var job = try SyntheticLayer(parsing: s).job(config: config, density: [1, 0.5, 0.3, 0.7][i], seed: UInt64(i + 1))
        job.name = "layer\(i),\"odd\" name"  // commas and quotes must survive CSV
        stats.append(try model.simulate(job, mode: .fast, outputs: false).stats)
    }
    return LayerReportSet(config: config, stats: stats)
}

/// `sampleReport` with co-simulation columns: layer `mismatchAt` (if any) disagrees on cycles.
func sampleCoSimReport(config: HardwareConfig = .small, mismatchAt: Int? = nil) throws -> LayerReportSet {
    let base = try sampleReport(config: config)
    let rows = base.layers.enumerated().map { i, l -> LayerReport in
        var r = l
        r.modelCycles = l.cycles
        r.rtlCycles = l.cycles + (i == mismatchAt ? 3 : 0)
        r.cyclesMatch = r.modelCycles == r.rtlCycles
        r.outputsMatch = true
        r.traceMatch = i != mismatchAt
        r.dramBeatsMatch = true
        r.rtlBusyCycles = l.computeBusyCycles
        var st = l.stallCycles
        if i == mismatchAt { st.dram += 2 }
        r.rtlStallCycles = st
        r.stallCyclesMatch = st == l.stallCycles
        r.goldenMatch = i % 2 == 0 ? true : nil  // synthetic layers have no golden output
        r.modelSeconds = 0.001 * Double(i + 1) + 0.000123
        r.rtlSeconds = 0.1 / Double(i + 3)
        if i == mismatchAt { r.mismatch = "  cycles: model \(l.cycles), RTL \(l.cycles + 3)\n  second, \"quoted\" line" }
        return r
    }
    var set = LayerReportSet(config: config, layers: rows)
    set.cosim = CoSimSummary(layers: rows, verilatorBuildSeconds: 12.5, verilatorBuildReused: false)
    return set
}

/// `rows` as the JSON and the CSV carry them: every report column; `LayerStats.weightBytesRead`,
/// not a report column (docs/reports.md), reads back as 0.
func reported(_ rows: [LayerReport]) -> [LayerReport] {
    rows.map { var r = $0; r.weightBytesRead = 0; return r }
}

@Suite struct ReportSchemaTests {
    @Test func cosimColumnsRoundTrip() throws {
        for mismatchAt in [nil, 2] {
            let set = try sampleCoSimReport(mismatchAt: mismatchAt)
            let csv = set.csv()
            let header = csv.split(separator: "\n")[0].split(separator: ",").map(String.init)
            #expect(header == (LayerReport.columns + LayerReport.cosimColumns).map(\.name))
            let fromCSV = try LayerReport.parseCSV(csv)
            let decoded = try LayerReportSet.fromJSON(Data(set.json().utf8))
            #expect(fromCSV == reported(set.layers))
            #expect(decoded.layers == reported(set.layers))
            #expect(decoded.cosim == set.cosim)
            // JSON rows carry the cosim keys of issue 6 at the top level of each row.
            let obj = try JSONSerialization.jsonObject(with: Data(set.json().utf8)) as! [String: Any]
            let row = (obj["layers"] as! [[String: Any]])[1]
            for k in ["modelCycles", "rtlCycles", "outputsMatch", "cyclesMatch", "rtlBusyCycles", "stallCyclesMatch"] {
                #expect(row[k] != nil, "missing \(k)")
            }
            // rtlStallCycles: an object with the keys of the model's stallCycles.
            let rtlStalls = try #require(row["rtlStallCycles"] as? [String: Any])
            #expect(Set(rtlStalls.keys) == Set((row["stallCycles"] as! [String: Any]).keys))
            #expect(rtlStalls["dram"] as? Int == set.layers[1].rtlStallCycles?.dram)
            #expect(row["goldenMatch"] == nil)  // absent, not null, when unknown
            let cosim = obj["cosim"] as! [String: Any]
            #expect(cosim["layers"] as? Int == set.layers.count)
            #expect(cosim["mismatches"] as? Int == (mismatchAt == nil ? 0 : 1))
        }
    }

    @Test func cosimSummaryAddsUp() throws {
        let set = try sampleCoSimReport(mismatchAt: 1)
        let c = try #require(set.cosim)
        var model = 0, rtl = 0, ms = 0.0, rs = 0.0
        for l in set.layers { model += l.cycles; rtl += l.rtlCycles!; ms += l.modelSeconds!; rs += l.rtlSeconds! }
        #expect(c.modelCycles == model && c.rtlCycles == rtl && c.rtlCycles == model + 3)
        #expect(c.modelSeconds == ms && c.rtlSeconds == rs)
        #expect(c.rtlCyclesPerSecond == Double(rtl) / rs && c.modelCyclesPerSecond == Double(model) / ms)
        #expect(c.mismatchedLayers == [set.layers[1].name] && c.mismatches == 1)
        #expect(set.layers.filter(\.coSimMatches).count == set.layers.count - 1)
        // A plain model report has no cosim object and no cosim columns.
        let plain = try sampleReport()
        #expect(plain.cosim == nil)
        #expect(!plain.csv().contains("modelCycles"))
        #expect(!plain.json().contains("\"cosim\""))
    }

    /// A layer whose only difference is one stall counter is a mismatch in the summary.
    @Test func stallCounterMismatchAloneIsAMismatch() throws {
        var rows = try sampleCoSimReport().layers
        #expect(rows.filter(\.coSimMatches).count == rows.count)
        rows[2].rtlStallCycles?.requant += 1
        rows[2].stallCyclesMatch = false
        let c = CoSimSummary(layers: rows, verilatorBuildSeconds: 0, verilatorBuildReused: true)
        #expect(c.mismatches == 1 && c.mismatchedLayers == [rows[2].name])
        let back = try LayerReport.parseCSV(LayerReport.csv(rows))
        #expect(back[2].rtlStallCycles?.requant == rows[2].stallCycles.requant + 1 && back[2].stallCyclesMatch == false)
    }

    @Test func csvAndJSONCarryTheSameRows() throws {
        let set = try sampleReport()
        let fromCSV = try LayerReport.parseCSV(set.csv())
        let fromJSON = try LayerReportSet.fromJSON(Data(set.json().utf8)).layers
        #expect(fromCSV.count == set.layers.count)
        #expect(fromCSV == fromJSON)
        #expect(fromJSON == reported(set.layers))
    }

    @Test func simulateJSONKeepsItsKeys() throws {
        let set = try sampleReport()
        let obj = try JSONSerialization.jsonObject(with: Data(set.json().utf8)) as! [String: Any]
        #expect(Set(obj.keys) == ["config", "layers", "totals"])
        let row = (obj["layers"] as! [[String: Any]])[0]
        for k in ["name", "kernel", "stride", "inShape", "outShape", "tileDensity", "cycles", "boundCycles", "denseCycles",
                  "computeBusyCycles", "stallCycles", "issuedMACs", "usefulMACs", "peUtilization", "dramBytesRead", "dramBytesWritten"] {
            #expect(row[k] != nil, "missing key \(k)")
        }
        let stalls = row["stallCycles"] as! [String: Any]
        #expect(Set(stalls.keys) == ["setup", "weights", "load", "store", "dram", "requant", "drain"])
        let totals = obj["totals"] as! [String: Any]
        for k in ["cycles", "boundCycles", "denseCycles", "peUtilization", "speedup", "milliseconds", "stallCycles"] {
            #expect(totals[k] != nil, "missing totals key \(k)")
        }
    }

    @Test func columnsMatchTheJSONRowAndTheDocs() throws {
        let set = try sampleReport()
        let row = (try JSONSerialization.jsonObject(with: Data(set.json().utf8)) as! [String: Any])["layers"] as! [[String: Any]]
        var jsonKeys = Set(row[0].keys)
        jsonKeys.remove("stallCycles")
        let columnKeys = Set(LayerReport.columns.compactMap { $0.kind.isStall ? nil : $0.name })
        #expect(jsonKeys == columnKeys)
        // docs/reports.md documents every column with its unit.
        let docs = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/reports.md"), encoding: .utf8)
        for c in LayerReport.columns + LayerReport.cosimColumns {
            #expect(docs.contains("| `\(c.name)` | \(c.unit) |"), "docs/reports.md lacks the row of \(c.name) (unit \(c.unit))")
        }
        // The co-simulation keys of a co-simulated row are exactly the cosim columns.
        let cosimRow = (try JSONSerialization.jsonObject(with: Data(try sampleCoSimReport(mismatchAt: 0).json().utf8)) as! [String: Any])["layers"] as! [[String: Any]]
        // (the rtlStall* columns are the fields of the nested rtlStallCycles object)
        #expect(Set(cosimRow[0].keys).subtracting(row[0].keys)
                == Set(LayerReport.cosimColumns.compactMap { $0.kind.isRTLStall ? nil : $0.name } + ["rtlStallCycles"]))
    }

    @Test func stallsPartitionTheIdleCycles() throws {
        for l in try sampleReport().layers {
            #expect(l.phases.reduce(0) { $0 + $1.cycles } == l.cycles)
        }
    }

    @Test func tableIsAligned() throws {
        let lines = try sampleReport().table().split(separator: "\n")
        let widths = Set(lines.dropLast().map { $0.count })
        #expect(lines.count == 4 + 2)
        #expect(widths.count <= 2)  // header and rows line up (trailing blanks trimmed on left-aligned tails)
        #expect(lines.last!.hasPrefix("total: 4 layers"))
    }

    @Test func csvQuoting() {
        let rows = CSV.parse("a,\"b,c\",\"d\"\"e\"\n1,2,3\n")
        #expect(rows == [["a", "b,c", "d\"e"], ["1", "2", "3"]])
    }

    @Test func paretoFront() {
        func p(_ l: String, _ c: Int, _ m: Int) -> SweepPoint {
            SweepPoint(label: l, configHash: "", tileH: 1, tileW: 1, lanesK: 1, lanesC: 1, macUnits: m, bufferBytes: 100,
                       cycles: c, denseCycles: c, boundCycles: c, milliseconds: 0, peUtilization: 0, speedup: 1, pareto: false)
        }
        let r = SweepResult(workload: "w", points: [p("a", 100, 10), p("b", 50, 20), p("c", 60, 30), p("d", 10, 40), p("e", 100, 10)])
        #expect(r.points.filter(\.pareto).map(\.label) == ["a", "b", "d", "e"])
        // With Yosys counts the area is LUTs, or logic cells once every point has them: "y" has
        // fewer LUTs than "x" at the same cycles but more cells (its flip-flops alone in cells).
        func q(_ l: String, luts: Int, cells: Int?) -> SweepPoint {
            var s = p(l, 100, 1)
            s.synth = SweepSynth(target: "ice40-up5k", luts: luts, flipFlops: 0, dsps: 1, blockRams: 0, logicCells: cells)
            return s
        }
        let byCells = SweepResult(workload: "w", points: [q("x", luts: 100, cells: 120), q("y", luts: 90, cells: 150)])
        #expect(byCells.points.filter(\.pareto).map(\.label) == ["x"])
        #expect(byCells.table().contains("logic cells") && byCells.csv().contains(",120\n"))
        let byLUTs = SweepResult(workload: "w", points: [q("x", luts: 100, cells: 120), q("y", luts: 90, cells: nil)])
        #expect(byLUTs.points.filter(\.pareto).map(\.label) == ["y"])
    }

    @Test func overriddenConfigsAreValid() throws {
        for t in [2, 4, 8, 16] { for k in [4, 8, 16] {
            let c = try HardwareConfig.default.overriding(tileH: t, tileW: t, lanesK: k)
            #expect(c.macsPerCycle == t * t * k * 8)
        } }
    }

    @Test func sweepRunsAndReportsProgress() throws {
        let layers = [TimingLayer(name: "a", kernel: 3, stride: 1, inHeight: 16, inWidth: 16, inChannels: 8, outChannels: 8, residual: false,
                                 pixelMask: try PixelMask(height: 16, width: 16, bits: (0..<256).map { $0 % 7 == 0 })),
                      TimingLayer(name: "b", kernel: 1, stride: 2, inHeight: 16, inWidth: 16, inChannels: 8, outChannels: 16, residual: false)]
        let configs = try [2, 4].map { try HardwareConfig.small.overriding(tileH: $0, tileW: $0) }
        final class Calls: @unchecked Sendable { let lock = NSLock(); var done: [Int] = [] }
        let calls = Calls()
        let r = try SweepResult.run(workload: "t", layers: layers, configs: configs) { d, _ in
            calls.lock.lock(); calls.done.append(d); calls.lock.unlock()
        }
        #expect(calls.done == [1, 2])
        // Two configurations at a time give the same points in the same order.
        let parallel = try SweepResult.run(workload: "t", layers: layers, configs: configs, jobs: 2)
        #expect(parallel.points.map(\.cycles) == r.points.map(\.cycles) && parallel.points.map(\.label) == r.points.map(\.label))
        #expect(r.points.count == 2, "\(r.skipped)")
        #expect(r.points.allSatisfy { $0.cycles > 0 })
        #expect(r.points.contains { $0.pareto })
        #expect(r.csv().split(separator: "\n").count == 3)
        let page = HTMLReport.sweepPage(r, title: "sweep <t>")
        #expect(page.contains("id=\"chart-sweep\""))
        #expect(page.contains("class=\"pf\""))
        #expect(page.contains("sweep &lt;t&gt;"))
    }

    @Test func svgEscapesText() {
        let svg = SVGChart.horizontalBars(id: "x", title: "a<b & \"c\"", rows: [.init(label: "<script>", segments: [1, 2], marker: 2.5)],
                                          series: ["s&1", "s2"], axisLabel: "cycles")
        #expect(!svg.contains("<script>"))
        #expect(svg.contains("&lt;script&gt;"))
        #expect(svg.contains("a&lt;b &amp; &quot;c&quot;"))
        #expect(SVGChart.niceTicks(930) == [0, 200, 400, 600, 800, 1000])
        #expect(SVGChart.compact(1_234_567) == "1.23M")
    }
}

extension ReportColumn.Kind {
    var isStall: Bool { if case .stall = self { return true } else { return false } }
    var isRTLStall: Bool { if case .rtlStall = self { return true } else { return false } }
}
