import Foundation
import Testing
@testable import sparsetile

/// `sparsetile synth`: every failure here comes before Yosys (minutes). (A synthesis run is
/// ReportTests' SynthTests', with captured tool output.)
@Suite struct SynthCommandTests {
    @Test func usageErrorsExit64() throws {
        expectExit(try runSparsetile(["synth"]), .usage, "give --target xilinx|ice40|generic or --part NAME")
        expectExit(try runSparsetile(["synth", "--part", "xc9z999"]), .usage, "--part must be one of ice40-up5k")
        expectExit(try runSparsetile(["synth", "--part", "xc7z020", "--target", "ice40"]), .usage, "--target ice40 contradicts --part xc7z020")
        expectExit(try runSparsetile(["synth", "--target", "asic"]), .usage, "--target must be xilinx, ice40 or generic")
        expectExit(try runSparsetile(["synth", "--target", "ice40", "--device", "up9k"]), .usage, "--device must be one of up5k")
        // MAC16 pairs instantiate iCE40 cells: refused for another family before any RTL is written
        expectExit(try runSparsetile(["synth", "--target", "xilinx", "--config", "small", "--mac16-pairs", "true"]), .usage,
                   "instantiate iCE40 SB_MAC16 cells")
        expectExit(try runSparsetile(["synth", "--preset", "ice40-up5k", "--part", "xc7z020"]), .usage, "mac16Pairs")
    }

    @Test func badAndMissingInputsExit65() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let missing = scratch.path("missing")
        expectExit(try runSparsetile(["synth", "--target", "generic", "--rtl-dir", missing]), .badInput, "--rtl-dir \(missing): no such directory")
        expectExit(try runSparsetile(["synth", "--target", "generic", "--config", missing]), .badInput, "--config \(missing): no such file")
        expectExit(try runSparsetile(["synth", "--target", "generic", "--tile", "2x2", "--lanes-c", "3"]), .badInput, "lanesC 3 must be a power of two")
        let empty = try scratch.folder("rtl")
        let r = try runSparsetile(["synth", "--target", "generic", "--rtl-dir", empty])
        expectExit(r, .badInput, empty)
        #expect(!r.output.contains("yosys"), "\(r.output)")
    }

    /// --json naming a folder stops the run before the RTL is generated or Yosys starts.
    @Test func outputPathsAreCheckedFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let dir = try scratch.folder("a-folder")
        let r = try runSparsetile(["synth", "--target", "generic", "--config", "small", "--json", dir], in: scratch.url)
        expectStoppedAtOnce(r, option: "--json", path: dir)
        #expect(!scratch.exists(".build-synth"))
    }
}
