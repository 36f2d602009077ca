import Foundation
import Testing
@testable import sparsetile

/// `sparsetile demo`: every failure here comes before its masks, RTL and Verilator build. (The
/// whole demo needs Verilator and minutes; it is run by hand and in the README's timings.)
@Suite struct DemoCommandTests {
    @Test func usageErrorsExit64() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("never-\(UUID().uuidString)").path
        for (args, message) in [(["--density", "2"], "--density 2.0 must be in (0, 1]"),
                                (["--input-size", "big"], "--input-size:"),
                                (["--jobs", "0"], "--jobs must be at least 1")] {
            expectExit(try runSparsetile(["demo", "--out", out] + args), .usage, message)
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func missingInputsExit65() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let missing = scratch.path("missing")
        for option in ["--image", "--synth-json", "--config"] {
            expectStoppedAtOnce(try runSparsetile(["demo", "--out", scratch.path("d"), option, missing]), option: option, path: missing)
        }
        #expect(!scratch.exists("d"))
    }

    @Test func outputPathsAreCheckedFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.write("a-file", "x")
        expectStoppedAtOnce(try runSparsetile(["demo", "--out", file]), option: "--out", path: file)
    }
}
