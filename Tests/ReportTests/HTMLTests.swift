import Foundation
import Testing
@testable import Report

/// Runs a tool; returns (status, stdout+stderr).
@discardableResult
func runTool(_ exe: String, _ args: [String], timeout: TimeInterval = 120) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: exe)
    p.arguments = args
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("report-tool-\(UUID().uuidString).log")
    _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    let h = try FileHandle(forWritingTo: log)
    p.standardOutput = h; p.standardError = h
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
    if p.isRunning { p.terminate() }
    p.waitUntilExit()
    try h.close()
    let out = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(at: log)
    return (p.terminationStatus, out)
}

/// Every section the report must show (issue 6), by element id, and the charts inside them.
let reportSections = ["totals", "hardware", "synthesis", "masks", "cycles", "utilization", "speedup", "macs", "cosim", "table"]
let reportCharts = ["chart-cycles", "chart-cycles-share", "chart-utilization", "chart-speedup", "chart-macs", "chart-cosim"]

/// The SynthResult the sample page shows.
let sampleSynth = SynthResult(target: "xilinx", device: "xc7", top: "sparsetile_top", configHash: nil, luts: 1234, flipFlops: 567, dsps: 8,
                              blockRams: 4, fmaxMHz: 87.25, cells: [:], note: "example")

/// A report page built from model results (with co-simulation columns), a small image and masks over it.
func samplePage(synthesis: SynthResult? = sampleSynth, mismatchAt: Int? = nil) throws -> String {
    try samplePageAndReport(synthesis: synthesis, mismatchAt: mismatchAt).0
}

func samplePageAndReport(synthesis: SynthResult? = sampleSynth, mismatchAt: Int? = nil) throws -> (String, LayerReportSet) {
    let set = try sampleCoSimReport(config: .default, mismatchAt: mismatchAt)
    let img = try Image.load(path: Image.bundledDefaultPath).resized(height: 96, width: 96)
    var thumbs: [MaskThumbnail] = []
    for (i, l) in set.layers.enumerated() {
        let pm = try PixelMask(height: 96, width: 96, bits: (0..<(96 * 96)).map { p in (p / 96 + p % 96 + 7 * i) % 40 < 14 })
        let tm = try TileMask(reducing: pm, tileHeight: 8, tileWidth: 8, halo: 1)
        thumbs.append(MaskThumbnail(layer: l.name, pixelDensity: pm.density, tileDensity: tm.density,
                                    png: try img.overlay(pm, tileMask: tm).pngBytes()))
    }
    let page = HTMLReport(title: "Test report <&>", facts: [("network", "synthetic")], report: set,
                          inputImagePNG: try img.pngBytes(), masks: thumbs, synthesis: synthesis,
                          synthCommand: "sparsetile synth --target xilinx --rtl-dir out/rtl --json out/synth.json")
    return (page.render(), set)
}

/// The text of the element with `id` up to its closing tag (`</section>` or `</svg>`), for
/// checks scoped to one section or chart.
func element(_ id: String, in html: String, closing: String) -> String? {
    guard let r = html.range(of: "id=\"\(id)\"") else { return nil }
    guard let end = html.range(of: closing, range: r.upperBound..<html.endIndex) else { return nil }
    return String(html[r.lowerBound..<end.upperBound])
}

@Suite struct HTMLTests {
    @Test func pageIsSelfContained() throws {
        let html = try samplePage()
        for id in reportSections + reportCharts {
            #expect(html.contains("id=\"\(id)\""), "section \(id) missing")
        }
        #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
        #expect(!html.contains("https://"))
        #expect(!html.contains("<script"))
        #expect(html.contains("data:image/png;base64,"))
        #expect(html.contains("Test report &lt;&amp;&gt;"))
    }

    @Test func synthesisResultsOrHowToGetThem() throws {
        let without = try #require(element("synthesis", in: try samplePage(synthesis: nil), closing: "</div>"))
        #expect(without.contains("not run"))
        #expect(without.contains("<code>sparsetile synth --json</code>"))
        #expect(without.contains("--rtl-dir out/rtl --json out/synth.json"))
        let with = try #require(element("synthesis", in: try samplePage(), closing: "</table>"))
        #expect(!with.contains("not run"))
        for v in ["\(sampleSynth.luts!)", "\(sampleSynth.flipFlops)", "\(sampleSynth.dsps)", "\(sampleSynth.blockRams)",
                  String(format: "%.1f MHz", sampleSynth.fmaxMHz!)] {
            #expect(with.contains("<td>\(v)"), "synthesis table lacks \(v)")
        }
        // iCE40: the packer's logic cells, when counted, beside the LUTs
        #expect(!with.contains("logic cells"))
        var ice40 = sampleSynth
        ice40.logicCells = 4321
        let cells = try #require(element("synthesis", in: try samplePage(synthesis: ice40), closing: "</table>"))
        #expect(cells.contains("<th>logic cells</th><td>4321 "), "\(cells)")
    }

    @Test func cosimSectionShowsEveryLayer() throws {
        let (html, set) = try samplePageAndReport()
        let sec = try #require(element("cosim", in: html, closing: "</section>"))
        #expect(!sec.contains("not run"))
        #expect(sec.contains("\(set.layers.count) / \(set.layers.count) layers"))
        for l in set.layers {
            // One table row per layer: name, model cycles, RTL cycles.
            #expect(sec.contains("<td class=\"l\">\(xmlEscape(l.name))</td><td>\(l.modelCycles!)</td><td>\(l.rtlCycles!)</td>"))
        }
        #expect(!sec.contains("class=\"mism\""))
        // A mismatch is shown: the card, the row and its diagnosis.
        let (bad, badSet) = try samplePageAndReport(mismatchAt: 1)
        let badSec = try #require(element("cosim", in: bad, closing: "</section>"))
        #expect(badSec.contains("1 of \(badSet.layers.count) MISMATCH"))
        #expect(badSec.contains("class=\"mism\""))
        #expect(badSec.contains(xmlEscape(badSet.layers[1].mismatch!)))
        // A model-only report says how to get the co-simulation.
        let plain = HTMLReport(title: "t", report: try sampleReport()).render()
        let plainSec = try #require(element("cosim", in: plain, closing: "</section>"))
        #expect(plainSec.contains("not run"))
        #expect(!plainSec.contains("chart-cosim"))
    }

    @Test func chartsHaveARowPerLayer() throws {
        let (html, set) = try samplePageAndReport()
        for id in reportCharts {
            let svg = try #require(element(id, in: html, closing: "</svg>"), "no chart \(id)")
            for l in set.layers { #expect(svg.contains(">\(xmlEscape(l.name))<"), "\(id) lacks layer \(l.name)") }
        }
        // Cycles chart: one bound tick per layer.
        let cycles = try #require(element("chart-cycles", in: html, closing: "</svg>"))
        #expect(cycles.components(separatedBy: "class=\"marker\"").count - 1 == set.layers.count)
        // Masks: the input and one figure per layer.
        let masks = try #require(element("masks", in: html, closing: "</section>"))
        #expect(masks.components(separatedBy: "<img ").count - 1 == set.layers.count + 1)
        // Totals at the configured clock.
        let totals = try #require(element("totals", in: html, closing: "</section>"))
        #expect(totals.contains(String(format: "%.3f ms", set.totals.milliseconds)))
        #expect(totals.contains(String(format: "Totals at %.0f MHz", set.config.clockMHz)))
    }

    /// Renders the page in headless Chromium: the DOM after rendering has every section and
    /// chart, and a screenshot is taken (kept in $REPORT_SCREENSHOT_DIR when set).
    @Test func rendersInHeadlessChromium() throws {
        guard let chromium = SynthFlow.which("chromium") ?? SynthFlow.which("chromium-browser") else {
            print("note: chromium not installed (Debian package chromium); skipping the headless rendering test")
            return
        }
        let dir = ProcessInfo.processInfo.environment["REPORT_SCREENSHOT_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("report-html-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let page = dir.appendingPathComponent("report.html")
        try samplePage().write(to: page, atomically: true, encoding: .utf8)
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                      "--user-data-dir=\(dir.appendingPathComponent("profile").path)"]
        let (st, dom) = try runTool(chromium, common + ["--dump-dom", page.absoluteString])
        #expect(st == 0, "chromium --dump-dom failed: \(dom.suffix(2000))")
        for id in reportSections + reportCharts {
            #expect(dom.contains("id=\"\(id)\""), "rendered DOM lacks #\(id)")
        }
        #expect(dom.components(separatedBy: "<img ").count - 1 == 5)  // input + 4 masks
        #expect(dom.contains("class=\"marker\""))
        let shot = dir.appendingPathComponent("report.png")
        let (s2, out2) = try runTool(chromium, common + ["--screenshot=\(shot.path)", "--window-size=1400,3000",
                                                         "--hide-scrollbars", page.absoluteString])
        #expect(s2 == 0, "chromium --screenshot failed: \(out2.suffix(2000))")
        let size = (try? FileManager.default.attributesOfItem(atPath: shot.path)[.size] as? Int) ?? 0
        #expect(size > 20_000, "screenshot is \(size) bytes")
        let png = try Image.load(path: shot.path)
        #expect(png.width == 1400 && png.height == 3000)
        print("screenshot: \(shot.path) (\(size) bytes)")
    }
}

/// The cycle-budget section: this run's cycles per layer against the budget its masks were chosen for.
@Suite struct HTMLBudgetTests {
    @Test func budgetSectionShowsEveryLayerAgainstTheBudget() throws {
        let set = try sampleReport()
        let budgetCycles = set.totals.cycles * 2
        let layers = set.layers.map { l in
            MaskRunSummary.Budget.Layer(name: l.name, tile: [8, 8], tileDensity: l.tileDensity, cycles: l.cycles,
                                        cycleShare: Double(l.cycles) / Double(set.totals.cycles), importanceKept: 0.5, weight: 0.25)
        }
        var page = HTMLReport(title: "t", report: set)
        #expect(!page.render().contains("id=\"budget\""))
        page.budget = MaskRunSummary.Budget(budgetCycles: budgetCycles, latencyMs: nil, clockMHz: 200, config: set.config.contentHash,
                                            modelCycles: set.totals.cycles, ofBudget: 0.5, denseCycles: budgetCycles * 3,
                                            minimumCycles: 10, importanceKept: 0.5, layers: layers)
        let html = page.render()
        let sec = try #require(element("budget", in: html, closing: "</section>"))
        #expect(sec.contains("\(budgetCycles)</b> cycles"))
        #expect(sec.contains("50.00&nbsp;% of the budget"))   // this run is half the budget, computed here from the totals
        for l in set.layers { #expect(sec.contains(">\(xmlEscape(l.name))</td>")) }
        #expect(!sec.contains("another configuration"))
    }

    /// A channel-masked layer's row: its channel share, its pixel density from the masks, and its
    /// cycles with those of its window runs (rows `<layer>.ch<first>-<last>`) added.
    @Test func budgetRowsCountWindowRunsAndShowTheChannelShare() throws {
        var set = try sampleReport()
        let first = set.layers[0]
        var window = first
        window.name = LayerJob.windowRunName(layer: first.name, channels: 2..<6)
        window.cycles = 1234
        set.layers.insert(window, at: 1)
        var page = HTMLReport(title: "t", report: set,
                              masks: [MaskThumbnail(layer: first.name, pixelDensity: 0.125, tileDensity: 0.5, png: [])])
        page.channelShares = [first.name: 0.25]
        page.budget = MaskRunSummary.Budget(budgetCycles: 1_000_000, latencyMs: nil, clockMHz: 200, config: set.config.contentHash,
                                            modelCycles: 1, ofBudget: 0.5, denseCycles: 2, minimumCycles: 1, importanceKept: 0.5,
                                            layers: [.init(name: first.name, tile: [8, 8], tileDensity: 0.5, cycles: 7, cycleShare: 1,
                                                           importanceKept: 0.5, weight: 1)])
        let sec = try #require(element("budget", in: page.render(), closing: "</section>"))
        #expect(sec.contains("<td>0.50</td><td>0.12</td><td>0.25</td><td>\(first.cycles + 1234)</td><td>7</td>"), "\(sec)")
        #expect(LayerJob.layer(ofWindowRun: window.name) == first.name)
        #expect(LayerJob.layer(ofWindowRun: "conv.ch") == nil && LayerJob.layer(ofWindowRun: "a.ch1-x") == nil)
    }
}

/// The quality section: PSNR against MACs from a `quality` result.
@Suite struct HTMLQualityTests {
    @Test func qualitySectionChartsEveryPoint() throws {
        // As `quality --json` writes it (the keys issue 16 names).
        let json = """
        {"network": "srresnet", "inputSize": [16, 16], "groundTruthSize": [64, 64], "scale": 4, "mode": "pixel", "predictor": "gradient-energy", "config": "abc",
         "denseCycles": 1000, "psnrBicubic": 23, "ssimBicubic": 0.55, "psnrDense": 25, "ssimDense": 0.6,
         "points": [
          {"density": 0.2, "pixelMACFraction": 0.2, "tileMACFraction": 0.31, "cycles": 200, "psnrSparse": 21.5, "psnrDense": 25,
           "psnrBicubic": 23, "ssimSparse": 0.5, "ssimDense": 0.6},
          {"density": 0.5, "pixelMACFraction": 0.5, "tileMACFraction": 0.62, "cycles": 500, "psnrSparse": 24.25, "psnrDense": 25,
           "psnrBicubic": 23, "ssimSparse": 0.5, "ssimDense": 0.6}]}
        """
        let q = try JSONDecoder().decode(QualitySweep.Result.self, from: Data(json.utf8))
        let points = q.points
        var page = HTMLReport(title: "t", report: try sampleReport())
        #expect(!page.render().contains("id=\"quality\""))
        page.quality = q
        let sec = try #require(element("quality", in: page.render(), closing: "</section>"))
        let svg = try #require(element("chart-quality", in: sec, closing: "</svg>"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == 2 * points.count)   // tile and pixel series
        #expect(svg.contains("dense 25.00") && svg.contains("bicubic 23.00"))
        #expect(sec.contains("<td>24.25</td>") && sec.contains("<td>0.6200</td>"))
    }
}
