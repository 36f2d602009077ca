import Foundation
import Testing
import AcceleratorSpec
@testable import sparsetile

/// `sparsetile generate`: the RTL of one config.
@Suite struct GenerateCommandTests {
    @Test func usageErrorsExit64() throws {
        expectExit(try runSparsetile(["generate"]), .usage, "Missing expected argument '--out <out>'")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("never-\(UUID().uuidString)").path
        expectExit(try runSparsetile(["generate", "--out", out, "--inject-fault", "nope"]), .usage, "--inject-fault:")
        expectExit(try runSparsetile(["generate", "--out", out, "--lanes-k", "four"]), .usage, "--lanes-k")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A config out of range (from the overrides or the file) is bad input naming the field.
    @Test func badConfigsExit65() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        expectExit(try runSparsetile(["generate", "--tile", "64x64", "--out", scratch.path("g")]), .badInput, "tileH 64 must be in 1...32")
        expectExit(try runSparsetile(["generate", "--config", "small", "--lanes-c", "32", "--out", scratch.path("g")]), .badInput,
                   "memBytesPerCycle 16 must be a multiple of lanesC 32")
        let missing = scratch.path("missing.json")
        expectExit(try runSparsetile(["generate", "--config", missing, "--out", scratch.path("g")]), .badInput, "--config \(missing): no such file")
        #expect(!scratch.exists("g"))
    }

    @Test func outputPathsAreCheckedFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.write("a-file", "x")
        expectStoppedAtOnce(try runSparsetile(["generate", "--out", file]), option: "--out", path: file)
    }

    /// The small config's RTL: its manifest records the config, whose hash names the top module.
    /// The output folder is a one-letter relative path, which used to trap in Foundation
    /// (`NSString.deletingLastPathComponent` on Linux; exit 132).
    @Test func aSmallConfigsRTL() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let r = try runSparsetile(["generate", "--config", "small", "--out", "g"], in: scratch.url)
        let hash = HardwareConfig.small.contentHash
        expectExit(r, .success, "config \(hash): wrote", "top st_\(hash.prefix(8))_accel")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.url.appendingPathComponent("g/manifest.json"))) as? [String: Any]
        #expect(manifest?["top"] as? String == "st_\(hash.prefix(8))_accel")
        #expect(scratch.exists("g/st_\(hash.prefix(8))_accel.sv"))
    }
}
