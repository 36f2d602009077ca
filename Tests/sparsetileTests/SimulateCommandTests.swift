import Foundation
import Testing
import Report
@testable import sparsetile

/// `sparsetile simulate` as a user runs it: exit codes by class, inputs and outputs checked first.
@Suite struct SimulateCommandTests {
    @Test func usageErrorsExit64() throws {
        expectExit(try runSparsetile(["simulate", "--layer", "k3s1c8x8@16x16", "--bogus"]), .usage, "Unknown option '--bogus'")
        expectExit(try runSparsetile(["simulate", "--layer", "k3s1c8x8@16x16", "--density", "2"]), .usage, "--density 2.0 must be in (0, 1]")
        expectExit(try runSparsetile(["simulate", "--layer", "k3s1c8x8@16x16", "--model-mode", "slow"]), .usage, "--model-mode slow")
        expectExit(try runSparsetile(["simulate"]), .usage, "give --network, --synthetic or at least one --layer")
    }

    /// A mask folder whose .npy is not one: exit 65 naming the file (and so the layer).
    @Test func aMalformedMaskFileIsBadInput() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let net = try scratch.write("hand.json", handWorkedNetwork)
        let bad = try scratch.write("masks/c1.pixel.npy", "not a numpy file")
        let r = try runSparsetile(["simulate", "--network", net, "--input-size", "16x16", "--mask-dir", scratch.path("masks")])
        expectExit(r, .badInput, "\(bad): not a .npy file")
    }

    /// Missing inputs are bad input (65) naming the option, before any work.
    @Test func missingInputsExit65NamingTheOption() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let net = try scratch.write("hand.json", handWorkedNetwork)
        let missing = scratch.path("missing")
        for (option, kind) in [("--config", "no such file"), ("--image", "no such file"), ("--mask-dir", "no such folder"), ("--weights", "no such folder")] {
            let r = try runSparsetile(["simulate", "--network", net, "--input-size", "16x16", option, missing])
            expectExit(r, .badInput, "Error: \(option) \(missing): \(kind)")
        }
        let file = try scratch.write("a-file", "x")
        expectExit(try runSparsetile(["simulate", "--network", net, "--mask-dir", file]), .badInput, "--mask-dir \(file): is a file, not a folder")
    }

    /// --json naming a folder stops the run before the model runs (no table printed).
    @Test func outputPathsAreCheckedFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let dir = try scratch.folder("a-folder")
        expectStoppedAtOnce(try runSparsetile(["simulate", "--layer", "k3s1c8x8@16x16", "--json", dir]), option: "--json", path: dir)
        expectStoppedAtOnce(try runSparsetile(["simulate", "--layer", "k3s1c8x8@16x16", "--csv", dir]), option: "--csv", path: dir)
        let file = try scratch.write("a-file", "x")
        expectStoppedAtOnce(try runSparsetile(["simulate", "--layer", "k3s1c8x8@16x16", "--trace", file]), option: "--trace", path: file)
    }

    /// Two small layers: exit 0, the JSON and CSV written with one row per layer, in order, into a
    /// folder that did not exist.
    @Test func aSmallRunWritesItsReports() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let layers = ["k3s1c8x8@16x16", "k5s2c3x16@20x20r"]
        let r = try runSparsetile(["simulate", "--layer", layers[0], "--layer", layers[1],
                                   "--json", scratch.path("new/a.json"), "--csv", scratch.path("new/b.csv")])
        expectExit(r, .success, "total: 2 layers")
        let set = try LayerReportSet.fromJSON(Data(contentsOf: URL(fileURLWithPath: scratch.path("new/a.json"))))
        #expect(set.layers.map(\.name) == layers && set.config == .default)
        let csv = try String(contentsOfFile: scratch.path("new/b.csv"), encoding: .utf8)
        #expect(try LayerReport.parseCSV(csv) == set.layers)
    }
}
