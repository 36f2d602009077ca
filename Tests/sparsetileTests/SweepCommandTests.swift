import Foundation
import Testing
import AcceleratorSpec
import Report
@testable import sparsetile

/// `sparsetile sweep` on the three-conv hand-worked network.
@Suite struct SweepCommandTests {
    /// Malformed, out-of-range and repeated list entries are usage errors, never skipped silently.
    @Test func usageErrorsExit64() throws {
        for (args, message) in [(["--tiles", "4x4,4x4"], "--tiles: 4x4 is given twice"),
                                (["--tiles", "4x4,big"], "--tiles: 'big' is not a tile HxW"),
                                (["--lanes-k", "4,0"], "--lanes-k: 0 is not a positive number of lanes"),
                                (["--lanes-c", "4,x"], "--lanes-c expects comma-separated integers"),
                                (["--jobs", "0"], "--jobs must be at least 1"),
                                (["--synth", "asic", "--tiles", "4x4", "--lanes-k", "4"], "--synth must be xilinx, ice40 or generic")] {
            expectExit(try runSparsetile(["sweep", "--network", "srresnet", "--input-size", "16x16"] + args), .usage, message)
        }
        // every configuration invalid: lanesC 64 does not divide the default config's 32-byte word
        expectExit(try runSparsetile(["sweep", "--network", "srresnet", "--input-size", "16x16", "--tiles", "4x4", "--lanes-c", "64"]),
                   .usage, "no valid configuration: t4x4-k4-c64: invalid hardware config: memBytesPerCycle 32 must be a multiple of lanesC 64")
    }

    @Test func missingInputsExit65() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let missing = scratch.path("missing")
        expectStoppedAtOnce(try runSparsetile(["sweep", "--network", "srresnet", "--image", missing]), option: "--image", path: missing)
        expectStoppedAtOnce(try runSparsetile(["sweep", "--network", "srresnet", "--config", missing]), option: "--config", path: missing)
    }

    @Test func outputPathsAreCheckedFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let dir = try scratch.folder("a-folder")
        for option in ["--json", "--csv", "--html"] {
            expectStoppedAtOnce(try runSparsetile(["sweep", "--network", "srresnet", option, dir]), option: option, path: dir)
        }
    }

    /// Two tiles × one lane count: two points, labelled and hashed as the override rule makes them.
    @Test func aSmallSweep() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let net = try scratch.write("hand.json", handWorkedNetwork)
        let r = try runSparsetile(["sweep", "--network", net, "--input-size", "16x16", "--config", "small", "--tiles", "2x2,4x4",
                                   "--lanes-k", "4", "--json", scratch.path("s.json")])
        expectExit(r, .success, "sweep of hand 16×16")
        let result = try JSONDecoder().decode(SweepResult.self, from: Data(contentsOf: URL(fileURLWithPath: scratch.path("s.json"))))
        #expect(result.points.map(\.label) == ["t2x2-k4-c4", "t4x4-k4-c4"])
        let expected = try [2, 4].map { try HardwareConfig.small.overriding(tileH: $0, tileW: $0, lanesK: 4).contentHash }
        #expect(result.points.map(\.configHash) == expected)
        #expect(result.points.allSatisfy { $0.cycles > 0 })
    }
}
