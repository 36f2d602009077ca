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
    /// The command that would produce the synthesis results, shown when `synthesis` is nil.
    public var synthCommand: String
    /// The cycle budget the masks were chosen for (their summary.json), if any.
    public var budget: MaskRunSummary.Budget?
    /// A `sparsetile quality` result to chart (PSNR against MACs), if any.
    public var quality: QualitySweep.Result?
    /// Each channel-masked layer's share of its output channels computed in its sparse tiles
    /// (docs/masks.md, "Channel masks"); its window runs are rows `<layer>.ch<first>-<last>`.
    public var channelShares: [String: Double] = [:]

    public static let defaultSynthCommand = "sparsetile synth --target xilinx|ice40|generic --rtl-dir DIR --json synth.json"

    public init(title: String, facts: [(String, String)] = [], report: LayerReportSet, inputImagePNG: [UInt8]? = nil,
                masks: [MaskThumbnail] = [], synthesis: SynthResult? = nil, sweep: SweepResult? = nil, warnings: [String] = [],
                synthCommand: String = HTMLReport.defaultSynthCommand) {
        self.title = title; self.facts = facts; self.report = report; self.inputImagePNG = inputImagePNG
        self.masks = masks; self.synthesis = synthesis; self.sweep = sweep; self.warnings = warnings
        self.synthCommand = synthCommand
    }

    /// `[H, W, C]` as `H×W×C`, or `H²×C` when the map is square (keeps the table narrow).
    static func shape(_ s: [Int]) -> String {
        s.count == 3 && s[0] == s[1] ? "\(s[0])²×\(s[2])" : s.map(String.init).joined(separator: "×")
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
        var nav: [(String, String)] = [("totals", "totals"), ("hardware", "hardware & synthesis")]
        if inputImagePNG != nil || !masks.isEmpty { nav.append(("masks", "masks")) }
        nav += [("cycles", "cycles by phase"), ("utilization", "PE utilization"), ("speedup", "speed-up"), ("macs", "MACs"),
                ("cosim", "co-simulation")]
        if sweep != nil { nav.append(("sweep", "sweep")) }
        nav.append(("table", "table"))
        h += "<nav>" + nav.map { "<a href=\"#\($0.0)\">\(xmlEscape($0.1))</a>" }.joined(separator: " · ") + "</nav>\n"

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
                                            ("LUTs", s.luts.map(String.init) ?? "–")]
            if let lc = s.logicCells { rows.append(("logic cells", "\(lc) (nextpnr-ice40's packer: what must fit the part)")) }
            rows += [("flip-flops", "\(s.flipFlops)"), ("DSPs", "\(s.dsps)"), ("block RAMs", "\(s.blockRams)"),
                     ("Fmax", s.fmaxMHz.map { "\(f($0, 1)) MHz (\(s.fmaxIsEstimate == true ? "estimate from the mapped netlist's logic levels" : "nextpnr"))" } ?? "not placed and routed")]
            if let n = s.note { rows.append(("note", n)) }
            for (k, v) in rows { h += "<tr><th>\(xmlEscape(k))</th><td>\(xmlEscape(v))</td></tr>" }
            h += "</table>\n"
        } else {
            h += "<p class=\"notrun\"><b>not run</b>: use <code>sparsetile synth --json</code></p>\n"
            h += "<p class=\"note\">For this design: <code>\(xmlEscape(synthCommand))</code>, then pass <code>--synth-json FILE</code> to show LUTs, flip-flops, DSPs, block RAMs and Fmax here.</p>\n"
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

        h += cosimSection()

        if let sw = sweep { h += Self.sweepSection(sw) }
        if let b = budget { h += budgetSection(b) }
        if let q = quality { h += Self.qualitySection(q) }

        // Table.
        h += "<section id=\"table\"><h2>Per-layer table</h2><div class=\"scroll\"><table class=\"grid\"><thead><tr>"
        let cols = ["layer", "K/S", "in → out", "tile", "tiles", "cycles", "bound", "c/b", "busy", "load", "store", "dram", "weights", "other", "PE %", "speed-up", "useful MACs", "dense MACs", "DRAM rd B", "DRAM wr B", "ms"]
        h += cols.map { "<th>\(xmlEscape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for l in layers {
            let st = l.stallCycles
            let cells = [l.name, "\(l.kernel)/\(l.stride)\(l.tapsPacked ? " packed" : "")\(l.outputPairs ? " pairs" : "")\(l.lanesGrouped ? " grouped" : "")\(l.lineBuffer ? " line" : "")",
                         "\(Self.shape(l.inShape)) → \(Self.shape(l.outShape))", l.tileShape,
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

    /// PSNR against the ground truth over the MACs kept, at tile and at pixel level, with the dense
    /// and bicubic figures as levels; and the points as a table.
    static func qualitySection(_ q: QualitySweep.Result) -> String {
        func f(_ x: Double?, _ d: Int) -> String { x.map { String(format: "%.\(d)f", $0) } ?? "inf" }
        var h = "<section id=\"quality\"><h2>Quality against saving</h2>\n"
        h += "<p class=\"note\">\(xmlEscape(q.network)) ×\(q.scale), input \(q.inputSize[0])×\(q.inputSize[1]), ground truth \(q.groundTruthSize[0])×\(q.groundTruthSize[1]), \(q.mode.rawValue) masks, configuration \(xmlEscape(q.config)) (`sparsetile quality`, docs/masks.md). PSNR in dB against the ground truth.</p>\n"
        let finite = q.points.filter { $0.psnrSparse != nil }
        h += SVGChart.lines(id: "chart-quality", title: "PSNR against the fraction of dense MACs computed",
                            lines: [SVGChart.Line(name: "tile MACs", points: finite.map { ($0.tileMACFraction, $0.psnrSparse!) }),
                                    SVGChart.Line(name: "pixel MACs", points: finite.map { ($0.pixelMACFraction, $0.psnrSparse!) })],
                            levels: [("dense", q.psnrDense), ("bicubic", q.psnrBicubic)].compactMap { n, v in v.map { (n, $0) } },
                            xLabel: "fraction of dense MACs", yLabel: "PSNR (dB)")
        h += "\n<div class=\"scroll\"><table class=\"grid\"><thead><tr>" + ["density", "pixel MACs", "tile MACs", "cycles", "PSNR sparse", "PSNR dense", "PSNR bicubic", "SSIM sparse", "SSIM dense"].map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
        for p in q.points {
            h += "<tr>" + [f(p.density, 3), f(p.pixelMACFraction, 4), f(p.tileMACFraction, 4), "\(p.cycles)", f(p.psnrSparse, 2), f(p.psnrDense, 2),
                           f(p.psnrBicubic, 2), f(p.ssimSparse, 4), f(p.ssimDense, 4)].map { "<td>\($0)</td>" }.joined() + "</tr>\n"
        }
        return h + "</tbody></table></div></section>\n"
    }

    /// This run's cycles against the cycle budget its masks were chosen for, per layer: each bar
    /// is the layer's share of the budget, with what the budget's solution expected beside it.
    func budgetSection(_ b: MaskRunSummary.Budget) -> String {
        func f(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
        let t = report.totals
        var h = "<section id=\"budget\"><h2>Cycles against the budget</h2>\n"
        h += "<p class=\"note\">The masks were chosen for a budget of <b>\(b.budgetCycles)</b> cycles"
        if let ms = b.latencyMs { h += " (\(f(ms, 3)) ms at \(f(b.clockMHz, 0)) MHz)" }
        h += " on configuration \(xmlEscape(b.config)) (docs/masks.md, “Cycle budget”). This run: <b>\(t.cycles)</b> cycles = \(f(100 * Double(t.cycles) / Double(max(1, b.budgetCycles)), 2))&nbsp;% of the budget"
        h += b.config == report.config.contentHash ? "; the budget's solution expected \(b.modelCycles)." : "; <b>another configuration</b> than the budget's, so the figures differ from its \(b.modelCycles)."
        h += " Importance kept \(f(b.importanceKept, 3)); dense \(b.denseCycles), empty masks \(b.minimumCycles).</p>\n"
        h += "<div class=\"scroll\"><table class=\"grid\"><thead><tr>" + ["layer", "tile", "tile density", "pixel density", "channel mask", "cycles (this run)", "cycles (budget's solution)", "% of budget", "importance kept", "weight"].map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>\n"
        // a layer's cycles: its own row and its channel-window runs' rows (`<layer>.ch…`)
        var own: [String: Int] = [:]
        for r in report.layers { own[LayerJob.layer(ofWindowRun: r.name) ?? r.name, default: 0] += r.cycles }
        let pixels = Dictionary(masks.map { ($0.layer, $0.pixelDensity) }, uniquingKeysWith: { a, _ in a })
        for l in b.layers {
            let c = own[l.name]
            let share = Double(c ?? l.cycles) / Double(max(1, b.budgetCycles))
            let bar = "<span style=\"display:inline-block;height:0.7em;width:\(f(min(100, 400 * share), 1))px;background:#d9822b\"></span> "
            let pixel = (pixels[l.name] ?? nil).map { f($0, 2) } ?? "–", channel = channelShares[l.name].map { f($0, 2) } ?? "–"
            h += "<tr><td class=\"l\">\(xmlEscape(l.name))</td><td>\(l.tile.map(String.init).joined(separator: "×"))</td><td>\(f(l.tileDensity, 2))</td><td>\(pixel)</td><td>\(channel)</td><td>\(c.map(String.init) ?? "–")</td><td>\(l.cycles)</td><td class=\"l\">\(bar)\(f(100 * share, 1))</td><td>\(f(l.importanceKept, 3))</td><td>\(f(l.weight, 3))</td></tr>\n"
        }
        return h + "</tbody></table></div></section>\n"
    }

    /// RTL (Verilator) vs model cycles per layer, every check, and both simulators' speeds.
    func cosimSection() -> String {
        func f(_ x: Double, _ d: Int) -> String { String(format: "%.\(d)f", x) }
        func rate(_ cycles: Int?, _ s: Double?) -> String {
            guard let c = cycles, let s, s > 0 else { return "–" }
            return SVGChart.compact(Double(c) / s)
        }
        var h = "<section id=\"cosim\"><h2>Co-simulation: RTL (Verilator) vs cycle-accurate model</h2>\n"
        let rows = report.layers.filter(\.isCoSimulated)
        guard let c = report.cosim, !rows.isEmpty else {
            h += "<p class=\"notrun\"><b>not run</b>: this report comes from the model only. <code>sparsetile demo</code> or <code>sparsetile cosim --json FILE</code> co-simulate every layer in Verilator.</p></section>\n"
            return h
        }
        let ok = c.mismatches == 0
        h += "<div class=\"cards\">\n"
        let cards: [(String, String, String, Bool)] = [
            ("agreement", ok ? "\(c.layers) / \(c.layers) layers" : "\(c.mismatches) of \(c.layers) MISMATCH",
             "cycles, stall counters, trace, DRAM beats, output bytes, golden", ok),
            ("cycles", "\(c.rtlCycles)", "RTL total; model \(c.modelCycles)", c.rtlCycles == c.modelCycles),
            ("Verilator speed", "\(SVGChart.compact(c.rtlCyclesPerSecond)) cycles/s", "\(f(c.rtlSeconds, 1)) s in the harness, summed over layers", true),
            ("model speed", "\(SVGChart.compact(c.modelCyclesPerSecond)) cycles/s", "\(f(c.modelSeconds, 2)) s summed (sparse run with outputs + dense timing)", true),
            ("Verilator build", c.verilatorBuildReused ? "cached" : "\(f(c.verilatorBuildSeconds, 0)) s", "per configuration, reused later", true),
        ]
        for card in cards {
            h += "<div class=\"card\(card.3 ? "" : " bad")\"><div class=\"k\">\(xmlEscape(card.0))</div><div class=\"v\">\(xmlEscape(card.1))</div><div class=\"s\">\(xmlEscape(card.2))</div></div>\n"
        }
        h += "</div>\n"
        let chartRows = rows.map { l in
            SVGChart.Row(label: l.name, segments: [Double(l.modelCycles ?? 0), Double(l.rtlCycles ?? 0)],
                         note: l.modelCycles == l.rtlCycles ? "equal" : "Δ \((l.rtlCycles ?? 0) - (l.modelCycles ?? 0))")
        }
        h += SVGChart.horizontalBars(id: "chart-cosim", title: "Cycles per layer: model vs RTL under Verilator", rows: chartRows,
                                     series: ["model", "RTL (Verilator)"], colors: ["#0072B2", "#E69F00"], axisLabel: "cycles",
                                     grouped: true)
        h += "<div class=\"scroll\"><table class=\"grid\"><thead><tr>"
        h += ["layer", "model cycles", "RTL cycles", "cycles", "stalls", "trace", "DRAM beats", "outputs", "golden", "model s", "RTL s",
              "model cycles/s", "RTL cycles/s"].map { "<th>\(xmlEscape($0))</th>" }.joined()
        h += "</tr></thead><tbody>\n"
        func mark(_ b: Bool?) -> String { b.map { $0 ? "<td class=\"ok\">✓</td>" : "<td class=\"bad\">✗</td>" } ?? "<td>–</td>" }
        for l in rows {
            h += "<tr\(l.coSimMatches ? "" : " class=\"mism\"")><td class=\"l\">\(xmlEscape(l.name))</td><td>\(l.modelCycles ?? 0)</td><td>\(l.rtlCycles ?? 0)</td>"
            h += mark(l.cyclesMatch) + mark(l.stallCyclesMatch) + mark(l.traceMatch) + mark(l.dramBeatsMatch) + mark(l.outputsMatch)
                + mark(l.goldenMatch)
            h += "<td>\(l.modelSeconds.map { f($0, 3) } ?? "–")</td><td>\(l.rtlSeconds.map { f($0, 3) } ?? "–")</td>"
            h += "<td>\(rate(l.modelCycles, l.modelSeconds))</td><td>\(rate(l.rtlCycles, l.rtlSeconds))</td></tr>\n"
            if let m = l.mismatch { h += "<tr class=\"mism\"><td colspan=\"13\" class=\"l\"><pre>\(xmlEscape(m))</pre></td></tr>\n" }
        }
        h += "<tr class=\"total\"><td class=\"l\">total</td><td>\(c.modelCycles)</td><td>\(c.rtlCycles)</td><td colspan=\"6\">\(ok ? "all layers match" : "\(c.mismatches) mismatched")</td>"
        h += "<td>\(f(c.modelSeconds, 2))</td><td>\(f(c.rtlSeconds, 2))</td><td>\(SVGChart.compact(c.modelCyclesPerSecond))</td><td>\(SVGChart.compact(c.rtlCyclesPerSecond))</td></tr>\n"
        h += "</tbody></table></div><p class=\"note\">Exact comparison, no tolerances (docs/cosim.md). Speeds are simulated cycles per wall second: the RTL's from the harness's clocking loop, the model's including its output computation and the dense-cycle reference run.</p></section>\n"
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
    body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 24px 32px; max-width: 1320px; background: #fafafa; }
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
    table.grid { border-collapse: collapse; font-size: 11.5px; font-variant-numeric: tabular-nums; }
    table.grid th { background: #eef3f8; padding: 4px 5px; border-bottom: 1px solid #bcd; white-space: nowrap; }
    table.grid td { padding: 3px 5px; text-align: right; border-bottom: 1px solid #eee; white-space: nowrap; }
    table.grid td.l { text-align: left; font-family: ui-monospace, Menlo, Consolas, monospace; }
    table.grid tr.total td { font-weight: 700; border-top: 2px solid #999; }
    table.grid tr.pareto td { background: #fff1e6; }
    footer { color: #888; font-size: 12px; margin-top: 24px; }
    nav { font-size: 13px; margin: 6px 0 0; }
    nav a { color: #0072B2; text-decoration: none; }
    .notrun { background: #fff6e0; border: 1px solid #E69F00; padding: 6px 10px; border-radius: 4px; }
    .card.bad { border-color: #d33; background: #fde8e8; }
    table.grid td.ok { color: #007a55; text-align: center; }
    table.grid td.bad, table.grid tr.mism td { color: #b00; font-weight: 600; }
    table.grid td pre { margin: 0; white-space: pre-wrap; font-size: 11px; }
    """
}
