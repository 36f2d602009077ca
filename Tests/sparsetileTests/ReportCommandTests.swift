import Foundation
import Testing
import Report
@testable import sparsetile

/// `sparsetile report` on the three-conv hand-worked network.
@Suite struct ReportCommandTests {
    @Test func usageErrorsExit64() throws {
        expectExit(try runSparsetile(["report", "--network", "srresnet"]), .usage, "Missing expected argument '--html <html>'")
        let html = FileManager.default.temporaryDirectory.appendingPathComponent("never-\(UUID().uuidString).html").path
        expectExit(try runSparsetile(["report", "--network", "srresnet", "--html", html, "--density", "0"]), .usage, "--density 0.0 must be in (0, 1]")
        // (refused before SRResNet's int8 run at 128×128, which takes over a minute in a debug build)
        let jobs = try runSparsetile(["report", "--network", "srresnet", "--html", html, "--jobs", "0"])
        expectExit(jobs, .usage, "--jobs must be at least 1")
        #expect(!jobs.output.contains("running"), "\(jobs.output)")
        #expect(!FileManager.default.fileExists(atPath: html))
    }

    /// Malformed inputs are bad input naming the file: a mask that is not a .npy, a quality
    /// result that is not one; missing ones name the option.
    @Test func badAndMissingInputsExit65() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let net = try scratch.write("hand.json", handWorkedNetwork)
        let base = ["report", "--network", net, "--input-size", "16x16", "--html", scratch.path("r.html")]
        let bad = try scratch.write("masks/c1.tile.npy", "garbage")
        expectExit(try runSparsetile(base + ["--mask-dir", scratch.path("masks")]), .badInput, bad)
        let quality = try scratch.write("q.json", "{\"points\": 3}")
        expectExit(try runSparsetile(base + ["--quality-json", quality]), .badInput, "--quality-json \(quality): not a `sparsetile quality --json` result")
        for option in ["--quality-json", "--synth-json", "--image"] {
            expectStoppedAtOnce(try runSparsetile(base + [option, scratch.path("missing")]), option: option, path: scratch.path("missing"))
        }
        #expect(!scratch.exists("r.html"))
    }

    @Test func outputPathsAreCheckedFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let dir = try scratch.folder("a-folder")
        for option in ["--html", "--json", "--csv"] {
            let args = ["report", "--network", "srresnet", "--html", scratch.path("r.html"), option, dir]
            expectStoppedAtOnce(try runSparsetile(args), option: option, path: dir)
        }
    }

    /// The page, the JSON and the CSV, with the three layers checked against SparseCNN.
    @Test func aSmallRunWritesThePage() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let net = try scratch.write("hand.json", handWorkedNetwork)
        let r = try runSparsetile(["report", "--network", net, "--input-size", "16x16", "--html", scratch.path("r.html"),
                                   "--json", scratch.path("r.json"), "--csv", scratch.path("r.csv")])
        expectExit(r, .success, "outputs: all 3 conv layers equal SparseCNN's int8 outputs bit for bit")
        let set = try LayerReportSet.fromJSON(Data(contentsOf: URL(fileURLWithPath: scratch.path("r.json"))))
        #expect(set.layers.map(\.name) == ["c1", "c2", "c3"])
        #expect(try LayerReport.parseCSV(String(contentsOfFile: scratch.path("r.csv"), encoding: .utf8)) == set.layers)
        #expect(try String(contentsOfFile: scratch.path("r.html"), encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
    }
}
