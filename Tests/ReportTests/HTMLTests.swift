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

/// A report page built from model results, a small image and masks over it.
func samplePage() throws -> String {
    let set = try sampleReport(config: .default)
    let img = try Image.load(path: Image.bundledDefaultPath).resized(height: 96, width: 96)
    var thumbs: [MaskThumbnail] = []
    for (i, l) in set.layers.enumerated() {
        let pm = try PixelMask(height: 96, width: 96, bits: (0..<(96 * 96)).map { p in (p / 96 + p % 96 + 7 * i) % 40 < 14 })
        let tm = try TileMask(reducing: pm, tileHeight: 8, tileWidth: 8, halo: 1)
        thumbs.append(MaskThumbnail(layer: l.name, pixelDensity: pm.density, tileDensity: tm.density,
                                    png: try img.overlay(pm, tileMask: tm).pngBytes()))
    }
    let synth = SynthResult(target: "xilinx", device: "xc7", top: "sparsetile_top", configHash: nil, luts: 1234, flipFlops: 567, dsps: 8,
                            blockRams: 4, fmaxMHz: nil, cells: [:], note: "example")
    let page = HTMLReport(title: "Test report <&>", facts: [("network", "synthetic")], report: set,
                          inputImagePNG: try img.pngBytes(), masks: thumbs, synthesis: synth)
    return page.render()
}

@Suite struct HTMLTests {
    @Test func pageIsSelfContained() throws {
        let html = try samplePage()
        for id in ["totals", "hardware", "synthesis", "masks", "cycles", "utilization", "speedup", "macs", "table"] {
            #expect(html.contains("id=\"\(id)\""), "section \(id) missing")
        }
        #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
        #expect(!html.contains("https://"))
        #expect(!html.contains("<script"))
        #expect(html.contains("data:image/png;base64,"))
        #expect(html.contains("Test report &lt;&amp;&gt;"))
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
        for id in ["totals", "hardware", "synthesis", "masks", "cycles", "utilization", "speedup", "macs", "table",
                   "chart-cycles", "chart-cycles-share", "chart-utilization", "chart-speedup", "chart-macs"] {
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
