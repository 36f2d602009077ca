import Foundation

/// A mask drawn over the input image for one layer (a PNG, embedded as a data: URI).
public struct MaskThumbnail: Sendable {
    public var layer: String
    public var pixelDensity: Double?
    public var tileDensity: Double
    public var png: [UInt8]
    public init(layer: String, pixelDensity: Double?, tileDensity: Double, png: [UInt8]) {
        self.layer = layer; self.pixelDensity = pixelDensity; self.tileDensity = tileDensity; self.png = png
    }
}

/// Everything the self-contained HTML report shows. Build it, then call `render()`.
public struct HTMLReport: Sendable {
    public var title: String
    /// Free-form facts about the run shown under the title (network, input size, density, …).
    public var facts: [(String, String)]
    public var report: LayerReportSet
    /// The network input as PNG, if the run had an image.
    public var inputImagePNG: [UInt8]?
    public var masks: [MaskThumbnail]
    /// Synthesis results of this configuration, if `--synth-json` was given.
    public var synthesis: SynthResult?
    /// A design-space sweep to chart, if any.
    public var sweep: SweepResult?
    /// Lines shown as warnings at the top (e.g. output mismatches).
    public var warnings: [String]

    public init(title: String, facts: [(String, String)] = [], report: LayerReportSet, inputImagePNG: [UInt8]? = nil,
                masks: [MaskThumbnail] = [], synthesis: SynthResult? = nil, sweep: SweepResult? = nil, warnings: [String] = []) {
        self.title = title; self.facts = facts; self.report = report; self.inputImagePNG = inputImagePNG
        self.masks = masks; self.synthesis = synthesis; self.sweep = sweep; self.warnings = warnings
    }

    static func dataURI(_ png: [UInt8]) -> String { "data:image/png;base64," + Data(png).base64EncodedString() }

    /// The page: inline CSS, inline SVG, images as data: URIs; it needs no network access.
    public func render() -> String {
        let cfg = report.config, t = report.totals, layers = report.layers
        func f(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
        var h = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(xmlEscape(title))</title>
        <style>
        \(Self.css)
        \(SVGChart.css)
        </style></head><body>
        <header><h1>\(xmlEscape(title))</h1>
        <p class="facts">\(facts.map { "<span><b>\(xmlEscape($0.0))</b> \(xmlEscape($0.1))</span>" }.joined(separator: " "))</p></header>

        """
        for w in warnings { h += "<p class=\"warn\">\(xmlEscape(w))</p>\n" }

        // Totals.
        h += "<section id=\"totals\"><h2>Totals at \(f(cfg.clockMHz, 0)) MHz</h2><div class=\"cards\">\n"
        let cards: [(String, String, String)] = [
            ("time", "\(f(t.milliseconds, 3)) ms", "\(t.cycles) cycles over \(t.layers) layers"),
            ("dense time", "\(f(t.denseMilliseconds, 3)) ms", "\(t.denseCycles) cycles, all tiles on"),
            ("speed-up over dense", "\(f(t.speedup, 2))×", "denseCycles / cycles"),
            ("PE utilization", "\(f(100 * t.peUtilization, 1)) %", "useful MACs / (\(cfg.macsPerCycle) MACs/cycle × cycles)"),
            ("cycles / bound", f(t.cyclesOverBound, 3), "bound \(t.boundCycles) cycles"),
            ("MACs", "\(SVGChart.compact(Double(t.usefulMACs))) of \(SVGChart.compact(Double(t.denseMACs)))",
             "useful vs dense (\(f(t.denseMACs == 0 ? 0 : 100 * (1 - Double(t.usefulMACs) / Double(t.denseMACs)), 1)) % skipped)"),
            ("DRAM traffic", "\(SVGChart.compact(Double(t.dramBytesRead)))B / \(SVGChart.compact(Double(t.dramBytesWritten)))B", "read / written"),
        ]
        for c in cards {
            h += "<div class=\"card\"><div class=\"k\">\(xmlEscape(c.0))</div><div class=\"v\">\(xmlEscape(c.1))</div><div class=\"s\">\(xmlEscape(c.2))</div></div>\n"
        }
        h += "</div></section>\n"

        // Hardware.
        h += "<section id=\"hardware\"><h2>Hardware configuration</h2><div class=\"two\"><table class=\"kv\">\n"
        let kv: [(String, String)] = [
            ("config hash", cfg.contentHash),
            ("tile (output pixels)", "\(cfg.tileH) × \(cfg.tileW)"),
            ("lanes K × C", "\(cfg.lanesK) × \(cfg.lanesC)"),
            ("MAC units (MACs/cycle)", "\(cfg.macsPerCycle)"),
            ("input buffer", "\(cfg.inputBufferBytes / 1024) KiB (double-buffered)"),
            ("weight buffer", "\(cfg.weightBufferBytes / 1024) KiB"),
            ("output buffer", "\(cfg.outputBufferBytes / 1024) KiB (double-buffered)"),
            ("DRAM port", "\(cfg.memBytesPerCycle) B/cycle, latency \(cfg.memLatency) cycles"),
            ("widths act / wt / acc", "\(cfg.activationWidth) / \(cfg.weightWidth) / \(cfg.accumulatorWidth) bits"),
            ("clock", "\(f(cfg.clockMHz, 0)) MHz"),
        ]
        for (k, v) in kv { h += "<tr><th>\(xmlEscape(k))</th><td>\(xmlEscape(v))</td></tr>\n" }
        h += "</table>\n<div id=\"synthesis\" class=\"synth\"><h3>Synthesis results</h3>\n"
        if let s = synthesis {
            h += "<table class=\"kv\">"
            var rows: [(String, String)] = [("target", s.target + (s.device.map { " (\($0))" } ?? "")), ("top", s.top),
                                            ("LUTs", s.luts.map(String.init) ?? "–"), ("flip-flops", "\(s.flipFlops)"),
                                            ("DSPs", "\(s.dsps)"), ("block RAMs", "\(s.blockRams)"),
                                            ("Fmax", s.fmaxMHz.map { "\(f($0, 1)) MHz (nextpnr)" } ?? "not placed and routed")]
            if let n = s.note { rows.append(("note", n)) }
            for (k, v) in rows { h += "<tr><th>\(xmlEscape(k))</th><td>\(xmlEscape(v))</td></tr>" }
            h += "</table>\n"
        } else {
            h += "<p class=\"note\">No synthesis results given. Run <code>sparsetile synth --target xilinx|ice40|generic --rtl-dir DIR --json synth.json</code> on the generated RTL and pass <code>--synth-json synth.json</code> to include LUTs, flip-flops, DSPs, block RAMs and Fmax here.</p>\n"
        }
        h += "</div></div></section>\n"

        // Masks.
        if inputImagePNG != nil || !masks.isEmpty {
            h += "<section id=\"masks\"><h2>Input image and per-layer masks</h2>\n<p class=\"note\">Colour = computed pixels; dimmed blue = skipped; amber outlines = active tiles.</p><div class=\"thumbs\">\n"
            if let png = inputImagePNG {
                h += "<figure class=\"input\"><img src=\"\(Self.dataURI(png))\" alt=\"input image\"><figcaption><b>input</b></figcaption></figure>\n"
            }
            for m in masks {
                let pd = m.pixelDensity.map { "pixels \(f(100 * $0, 0))%, " } ?? ""
                h += "<figure class=\"mask\"><img src=\"\(Self.dataURI(m.png))\" alt=\"mask of \(xmlEscape(m.layer))\"><figcaption><b>\(xmlEscape(m.layer))</b><br>\(pd)tiles \(f(100 * m.tileDensity, 0))%</figcaption></figure>\n"
            }
            h += "</div></section>\n"
        }

        // Charts.
        let phaseNames = LayerReport.Phase.allCases.map(\.rawValue)
        let cycleRows = layers.map { l in
            SVGChart.Row(label: l.name, segments: l.phases.map { Double($0.cycles) }, marker: Double(l.boundCycles),
                         note: "\(SVGChart.compact(Double(l.cycles))) ×\(f(l.cyclesOverBound, 2))")
        }
        h += "<section id=\"cycles\"><h2>Cycles by phase</h2><p class=\"note\">Stacked: compute-busy cycles and the stall causes that partition the rest (docs/microarchitecture.md §9). Black tick: the physical bound max(useful MACs / MACs per cycle, compulsory bytes / B). Right: total cycles and cycles / bound.</p>\n"
        h += SVGChart.horizontalBars(id: "chart-cycles", title: "Cycles per layer by phase", rows: cycleRows, series: phaseNames,
                                     markerLabel: "physical bound", axisLabel: "cycles")
        let shareRows = layers.map { l in
            SVGChart.Row(label: l.name, segments: l.phases.map { l.cycles == 0 ? 0 : 100 * Double($0.cycles) / Double(l.cycles) },
                         marker: l.cycles == 0 ? nil : 100 * Double(l.boundCycles) / Double(l.cycles),
                         note: "busy \(f(l.cycles == 0 ? 0 : 100 * Double(l.computeBusyCycles) / Double(l.cycles), 1)) %")
        }
        h += "<p class=\"note\">The same, each layer scaled to 100 % of its own cycles: where its time goes, and the bound as a share of it.</p>\n"
        h += SVGChart.horizontalBars(id: "chart-cycles-share", title: "Share of each layer's cycles by phase", rows: shareRows,
                                     series: phaseNames, markerLabel: "bound / cycles", axisLabel: "percent of the layer's cycles")
        h += "</section>\n"

        let utilRows = layers.map { SVGChart.Row(label: $0.name, segments: [100 * $0.peUtilization], note: "\(f(100 * $0.peUtilization, 1)) %") }
        h += "<section id=\"utilization\"><h2>PE utilization</h2>\n"
        h += SVGChart.horizontalBars(id: "chart-utilization", title: "PE utilization per layer (useful MACs / (MACs per cycle × cycles))",
                                     rows: utilRows, series: ["PE utilization"], colors: ["#009E73"], axisLabel: "percent",
                                     reference: 100 * t.peUtilization, referenceLabel: "whole network \(f(100 * t.peUtilization, 1)) %")
        h += "</section>\n"

        let spRows = layers.map { SVGChart.Row(label: $0.name, segments: [$0.speedup], note: "\(f($0.speedup, 2))×") }
        h += "<section id=\"speedup\"><h2>Speed-up over dense</h2>\n"
        h += SVGChart.horizontalBars(id: "chart-speedup", title: "Speed-up over dense per layer (dense cycles / sparse cycles)",
                                     rows: spRows, series: ["speed-up"], colors: ["#0072B2"], axisLabel: "× (1 = no gain)",
                                     reference: 1, referenceLabel: "1× (dense)")
        h += "</section>\n"

        let macRows = layers.map { l in
            SVGChart.Row(label: l.name, segments: [Double(l.denseMACs), Double(l.issuedMACs), Double(l.usefulMACs)],
                         note: l.denseMACs == 0 ? "" : "\(f(100 * Double(l.usefulMACs) / Double(l.denseMACs), 1)) % of dense")
        }
        h += "<section id=\"macs\"><h2>MACs: dense vs sparse</h2>\n"
        h += SVGChart.horizontalBars(id: "chart-macs", title: "MACs per layer", rows: macRows,
                                     series: ["dense", "issued (active tiles)", "useful (active pixels)"],
                                     colors: ["#999999", "#E69F00", "#0072B2"], axisLabel: "MACs", grouped: true)
        h += "</section>\n"

        if let sw = sweep { h += Self.sweepSection(sw) }

        // Table.
        h += "<section id=\"table\"><h2>Per-layer table</h2><div class=\"scroll\"><table class=\"grid\"><thead><tr>"
        let cols = ["layer", "K/S", "in → out", "tiles", "cycles", "bound", "c/b", "busy", "load", "store", "dram", "weights", "other", "PE %", "speed-up", "useful MACs", "dense MACs", "DRAM rd", "DRAM wr", "ms"]
        h += cols.map { "<th>\(xmlEscape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for l in layers {
            let st = l.stallCycles
            let cells = [l.name, "\(l.kernel)/\(l.stride)",
                         "\(l.inShape.map(String.init).joined(separator: "×")) → \(l.outShape.map(String.init).joined(separator: "×"))",
                         f(l.tileDensity, 2), "\(l.cycles)", "\(l.boundCycles)", f(l.cyclesOverBound, 2), "\(l.computeBusyCycles)",
                         "\(st.load)", "\(st.store)", "\(st.dram)", "\(st.weights)", "\(st.setup + st.requant + st.drain)",
                         f(100 * l.peUtilization, 1), f(l.speedup, 2), SVGChart.compact(Double(l.usefulMACs)),
                         SVGChart.compact(Double(l.denseMACs)), SVGChart.compact(Double(l.dramBytesRead)),
                         SVGChart.compact(Double(l.dramBytesWritten)), f(l.milliseconds, 3)]
            h += "<tr>" + cells.enumerated().map { $0.offset == 0 ? "<td class=\"l\">\(xmlEscape($0.element))</td>" : "<td>\(xmlEscape($0.element))</td>" }.joined() + "</tr>\n"
        }
        h += "<tr class=\"total\"><td class=\"l\">total</td><td></td><td></td><td></td><td>\(t.cycles)</td><td>\(t.boundCycles)</td><td>\(f(t.cyclesOverBound, 2))</td><td>\(t.computeBusyCycles)</td><td>\(t.stallCycles.load)</td><td>\(t.stallCycles.store)</td><td>\(t.stallCycles.dram)</td><td>\(t.stallCycles.weights)</td><td>\(t.stallCycles.setup + t.stallCycles.requant + t.stallCycles.drain)</td><td>\(f(100 * t.peUtilization, 1))</td><td>\(f(t.speedup, 2))</td><td>\(SVGChart.compact(Double(t.usefulMACs)))</td><td>\(SVGChart.compact(Double(t.denseMACs)))</td><td>\(SVGChart.compact(Double(t.dramBytesRead)))</td><td>\(SVGChart.compact(Double(t.dramBytesWritten)))</td><td>\(f(t.milliseconds, 3))</td></tr>\n"
        h += "</tbody></table></div><p class=\"note\">Columns and units: docs/reports.md. The same rows are in the CSV and JSON reports.</p></section>\n"
        h += "<footer>Generated by sparsetile (SparseTile). Self-contained: no external resources.</footer>\n</body></html>\n"
        return h
    }

    /// The sweep's Pareto chart and table (also used by the standalone sweep page).
    static func sweepSection(_ sw: SweepResult) -> String {
        func f(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
        var h = "<section id=\"sweep\"><h2>Design-space sweep</h2><p class=\"note\">Total cycles of the workload vs MAC units per configuration; orange: the Pareto front (no other configuration has fewer or equal cycles with fewer or equal MAC units and buffer bytes). Resource figures are analytic <b>estimates</b> (MAC units, buffer bytes) until synthesis results are wired in.</p>\n"
        let pts = sw.points.map { p in
            SVGChart.Point(x: Double(p.macUnits), y: Double(p.cycles), label: p.label, highlighted: p.pareto)
        }
        h += SVGChart.scatter(id: "chart-sweep", title: "Cycles vs MAC units (\(sw.workload))", points: pts,
                              xLabel: "MAC units (tileH·tileW·lanesK·lanesC), log scale", yLabel: "total cycles, log scale",
                              highlightLabel: "Pareto front")
        h += "<div class=\"scroll\"><table class=\"grid\"><thead><tr>"
        h += ["config", "tile", "lanes K×C", "MAC units", "buffers (est.)", "cycles", "ms", "PE %", "speed-up", "Pareto"].map { "<th>\($0)</th>" }.joined()
        h += "</tr></thead><tbody>\n"
        for p in sw.points {
            h += "<tr\(p.pareto ? " class=\"pareto\"" : "")><td class=\"l\">\(xmlEscape(p.label))</td><td>\(p.tileH)×\(p.tileW)</td><td>\(p.lanesK)×\(p.lanesC)</td><td>\(p.macUnits)</td><td>\(p.bufferBytes / 1024) KiB</td><td>\(p.cycles)</td><td>\(f(p.milliseconds, 3))</td><td>\(f(100 * p.peUtilization, 1))</td><td>\(f(p.speedup, 2))</td><td>\(p.pareto ? "★" : "")</td></tr>\n"
        }
        return h + "</tbody></table></div></section>\n"
    }

    /// A page with only the sweep.
    public static func sweepPage(_ sw: SweepResult, title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(xmlEscape(title))</title>
        <style>
        \(css)
        \(SVGChart.css)
        </style></head><body><header><h1>\(xmlEscape(title))</h1></header>
        \(sweepSection(sw))
        <footer>Generated by sparsetile (SparseTile). Self-contained: no external resources.</footer></body></html>

        """
    }

    static let css = """
    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 24px 32px; max-width: 1240px; background: #fafafa; }
    h1 { font-size: 24px; margin: 0 0 6px; }
    h2 { font-size: 19px; border-bottom: 2px solid #0072B2; padding-bottom: 4px; margin-top: 30px; }
    h3 { font-size: 15px; margin: 0 0 8px; }
    section { background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; padding: 6px 18px 14px; margin: 18px 0; }
    .facts span { display: inline-block; margin-right: 18px; color: #444; }
    .warn { background: #fde8e8; border: 1px solid #d33; padding: 8px 12px; color: #900; font-weight: 600; }
    .note { color: #555; font-size: 13px; }
    .cards { display: flex; flex-wrap: wrap; gap: 12px; }
    .card { border: 1px solid #d8e3ee; background: #f3f8fc; border-radius: 6px; padding: 10px 14px; min-width: 150px; }
    .card .k { font-size: 12px; color: #456; text-transform: uppercase; letter-spacing: .04em; }
    .card .v { font-size: 22px; font-weight: 650; margin: 2px 0; }
    .card .s { font-size: 12px; color: #666; }
    .two { display: flex; gap: 30px; flex-wrap: wrap; align-items: flex-start; }
    table.kv th { text-align: left; font-weight: 500; color: #555; padding: 3px 14px 3px 0; }
    table.kv td { font-family: ui-monospace, Menlo, Consolas, monospace; padding: 3px 0; }
    .synth { border-left: 3px solid #E69F00; padding-left: 16px; max-width: 560px; }
    .thumbs { display: flex; flex-wrap: wrap; gap: 10px; }
    figure { margin: 0; text-align: center; font-size: 11px; }
    figure img { width: 132px; height: auto; image-rendering: pixelated; border: 1px solid #ccc; display: block; }
    figure.input img { width: 276px; }
    figcaption { margin-top: 3px; font-family: ui-monospace, Menlo, Consolas, monospace; max-width: 132px; overflow-wrap: anywhere; }
    figure.input figcaption { max-width: 276px; }
    .scroll { overflow-x: auto; }
    table.grid { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
    table.grid th { background: #eef3f8; padding: 4px 7px; border-bottom: 1px solid #bcd; white-space: nowrap; }
    table.grid td { padding: 3px 7px; text-align: right; border-bottom: 1px solid #eee; white-space: nowrap; }
    table.grid td.l { text-align: left; font-family: ui-monospace, Menlo, Consolas, monospace; }
    table.grid tr.total td { font-weight: 700; border-top: 2px solid #999; }
    table.grid tr.pareto td { background: #fff1e6; }
    footer { color: #888; font-size: 12px; margin-top: 24px; }
    """
}
