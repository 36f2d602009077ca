import Foundation
import Testing
@testable import sparsetile

/// `sparsetile cosim`: every failure here comes before the Verilator build (minutes when not cached),
/// which is the point: a bad option, input or output path must not cost a build. (A successful
/// co-simulation is CoSimTests' and the regression's: it needs Verilator and a build.)
@Suite struct CosimCommandTests {
    @Test func usageErrorsExit64() throws {
        expectExit(try runSparsetile(["cosim", "--layer", "k3s1c8x8@16x16", "--bogus"]), .usage, "Unknown option '--bogus'")
        expectExit(try runSparsetile(["cosim", "--layer", "k3s1c8x8@16x16", "--inject-fault", "nope"]), .usage, "--inject-fault:")
        expectExit(try runSparsetile(["cosim", "--layer", "k3s1c8x8@16x16", "--jobs", "0"]), .usage, "--jobs must be at least 1")
        expectExit(try runSparsetile(["cosim", "--layer", "k3s1c8x8@16x16", "--layers", "nope"]), .usage, "--layers nope: no such layer")
        expectExit(try runSparsetile(["cosim", "--layer", "k3s1c8x8@16x16", "--density", "nan"]), .usage, "--density nan must be in (0, 1]")
    }

    @Test func badInputExits65BeforeTheBuild() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let net = try scratch.write("hand.json", handWorkedNetwork)
        let bad = try scratch.write("masks/c1.pixel.npy", Data([0x93] + Array("NUMPY".utf8) + [1, 0, 0xff, 0x7f]))
        let r = try runSparsetile(["cosim", "--network", net, "--input-size", "16x16", "--mask-dir", scratch.path("masks")])
        expectExit(r, .badInput, bad)
        #expect(!r.output.contains("Verilator"), "\(r.output)")
        let missing = scratch.path("missing.png")
        expectExit(try runSparsetile(["cosim", "--network", net, "--image", missing]), .badInput, "--image \(missing): no such file")
    }

    @Test func outputPathsAreCheckedFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let dir = try scratch.folder("a-folder"), file = try scratch.write("a-file", "x")
        expectStoppedAtOnce(try runSparsetile(["cosim", "--layer", "k3s1c8x8@16x16", "--json", dir]), option: "--json", path: dir)
        expectStoppedAtOnce(try runSparsetile(["cosim", "--layer", "k3s1c8x8@16x16", "--csv", dir]), option: "--csv", path: dir)
        expectStoppedAtOnce(try runSparsetile(["cosim", "--layer", "k3s1c8x8@16x16", "--testbench", file]), option: "--testbench", path: file)
    }
}
