import AcceleratorSpec
import ArgumentParser
import Foundation
import Testing
@testable import sparsetile

/// A base config with banks shallower than the reference configs' (DI 64, DW 512, DO 8), so that a
/// rule that raised depths to a floor (as the sweep's did: 128, 1024, 16) would show.
let shallowBaseJSON = """
    {"tileH": 4, "tileW": 4, "lanesK": 4, "lanesC": 4, "memBytesPerCycle": 16, "memLatency": 8, "tileShapes": 2,
     "inputBufferBytes": 32768, "weightBufferBytes": 32768, "outputBufferBytes": 4096}
    """

/// `HardwareOptions` (Sources/sparsetile/HardwareOptions.swift) and the override rule it applies,
/// `HardwareConfig.overriding`.
@Suite("Hardware options")
struct HardwareOptionsTests {
    /// Every command that takes a hardware config, parsed in-process with `base` and `overrides`
    /// (plus what the command needs besides), and the config each one resolves.
    static func configsOfEveryCommand(_ base: [String], _ overrides: [String]) throws -> [String: HardwareConfig] {
        let hw = base + overrides
        var out: [String: HardwareConfig] = [:]
        out["simulate"] = try Simulate.parse(["--layer", "k3s1c8x8@16x16"] + hw).source.hardwareConfig()
        out["cosim"] = try Cosim.parse(["--layer", "k3s1c8x8@16x16"] + hw).source.hardwareConfig()
        out["report"] = try ReportCommand.parse(["--network", "srresnet", "--html", "r.html"] + hw).hw.resolve()
        out["demo"] = try DemoCommand.parse(hw).hw.resolve()
        out["masks"] = try MasksCommand.parse(["--network", "srresnet", "--out", "m"] + hw).hardware.resolve()
        out["quality"] = try QualityCommand.parse(hw).hardware.resolve()
        out["generate"] = try Generate.parse(["--out", "g"] + hw).hardware.resolve()
        out["synth"] = try SynthCommand.parse(["--target", "generic"] + hw).hw.resolve()
        // sweep takes lists (--tiles, --lanes-k, --lanes-c): one of each gives one configuration
        let lists = overrides.map { $0 == "--tile" ? "--tiles" : $0 }
        let sweep = try SweepCommand.parse(["--network", "srresnet"] + base + lists).configurations()
        #expect(sweep.configs.count == 1, "\(sweep.skipped)")
        out["sweep"] = sweep.configs.first
        return out
    }

    /// The commands whose help offers `--config`: each must be in `configsOfEveryCommand`, so a
    /// new command cannot bring its own config options and rule unnoticed.
    @Test func everyCommandWithAConfigIsCovered() throws {
        let withConfig = SparseTile.configuration.subcommands.filter { $0.helpMessage(columns: 400).contains("--config <config>") }
            .map { $0._commandName }
        let covered = try Self.configsOfEveryCommand([], ["--tile", "4x4", "--lanes-k", "4", "--lanes-c", "4"])
        #expect(Set(withConfig) == Set(covered.keys))
        #expect(withConfig.count == 9)
    }

    /// One base, one set of overrides: the same config (same content hash) through every command.
    @Test(arguments: [
        ["--config", "small"],
        ["--config", "default"],
        [],
    ] as [[String]])
    func sameConfigThroughEveryCommand(_ base: [String]) throws {
        let overrides = ["--tile", "8x8", "--lanes-k", "8", "--lanes-c", "4", "--mem-bytes", "32"]
        let configs = try Self.configsOfEveryCommand(base, overrides)
        let hashes = Set(configs.values.map(\.contentHash))
        #expect(hashes.count == 1, "\(configs.mapValues(\.contentHash))")
        #expect(configs["simulate"] == configs["generate"])
    }

    /// The shallow base from a file: every command keeps its depths, i.e. computes the buffers of
    /// `handWorkedOverride` (none raises them to a floor).
    @Test func shallowBaseFromAFileKeepsItsDepthsEverywhere() throws {
        let path = try networkFile(shallowBaseJSON)  // (a temporary .json file: a config here)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configs = try Self.configsOfEveryCommand(["--config", path], ["--tile", "8x8", "--lanes-k", "8", "--lanes-c", "8", "--mem-bytes", "32"])
        for (command, c) in configs {
            #expect(c.inputBufferBytes == 262_144 && c.weightBufferBytes == 131_072 && c.outputBufferBytes == 32_768, "\(command)")
        }
        #expect(Set(configs.values.map(\.contentHash)).count == 1)
    }

    /// The rule on the shallow base, worked by hand: tile 4x4 → 8x8, lanesK 4 → 8, lanesC 4 → 8,
    /// B 16 → 32. Base depths: DI = 32768 / (2·4·4·16) = 64, DW = 32768 / (4·16) = 512,
    /// DO = 4096 / (2·4·4·16) = 8. Kept: input 2·8·8·32·64 = 262144, output 2·8·8·32·8 = 32768,
    /// weight 8·32·512 = 131072. Tile shapes 2 (8 divides into one halving).
    @Test func handWorkedOverride() throws {
        let base = try HardwareConfig.fromJSON(Data(shallowBaseJSON.utf8))
        let c = try base.overriding(tileH: 8, tileW: 8, lanesK: 8, lanesC: 8, memBytesPerCycle: 32)
        #expect(c.inputBufferBytes == 262_144)
        #expect(c.outputBufferBytes == 32_768)
        #expect(c.weightBufferBytes == 131_072)
        #expect((c.inputBankDepth, c.weightBankDepth, c.outputWordsPerPixel) == (64, 512, 8))
        #expect(c.tileShapes == 2 && c.memLatency == 8 && c.clockMHz == 200)
    }

    /// On the default config (DI 128, DW 1024, DO 16, DL 256, B 32, four tile shapes), `--tile 2x2
    /// --lanes-k 4`: input 2·2·2·32·128 = 32768, output 2·2·2·32·16 = 4096, weight 4·32·1024 =
    /// 131072, line buffer 2·2·32·256 = 32768; tile shapes 4 → 2 (2×2 and 1×1: 2 is not divisible
    /// by 4). A 3×5 tile cannot hold a line buffer: it gets none.
    @Test func smallTileOnTheDefaultConfig() throws {
        let c = try HardwareOptions.parse(["--tile", "2x2", "--lanes-k", "4"]).resolve()
        #expect((c.tileH, c.tileW, c.lanesK, c.lanesC) == (2, 2, 4, 8))
        #expect((c.inputBufferBytes, c.outputBufferBytes, c.weightBufferBytes) == (32_768, 4_096, 131_072))
        #expect(c.tileShapes == 2)
        #expect(c.lineBufferBytes == 32_768 && c.lineBankDepth == 256)
        let odd = try HardwareOptions.parse(["--tile", "3x5"]).resolve()
        #expect(odd.lineBufferBytes == 0 && odd.tileShapes == 1)
        #expect(try HardwareOptions.parse(["--tile", "2x2", "--line-buffer", "0"]).resolve().lineBufferBytes == 0)
        // No override: the base itself.
        #expect(try HardwareOptions.parse([]).resolve() == .default)
        #expect(try HardwareOptions.parse(["--config", "small"]).resolve() == .small)
    }

    /// --preset names a part's preset as the base config (its MACs a cycle, issue 13: 8, 4, 256,
    /// 2 048), overrides apply to it, and the RTL's map limit follows it unless given; --config and
    /// --preset together, or an unknown preset, are usage errors.
    @Test func presetsAreBaseConfigs() throws {
        let macs = try HardwareConfig.presets.map { p in try HardwareOptions.parse(["--preset", p.name]).resolve().macsPerCycle }
        #expect(HardwareConfig.presets.map(\.name) == ["ice40-up5k", "ice40-hx8k", "xc7z020", "xczu7ev"])
        #expect(macs == [8, 4, 256, 2048])
        #expect(HardwareConfig.preset(named: "xc7z020")?.packedProducts == true)
        #expect(try HardwareOptions.parse(["--preset", "xc7z020", "--lanes-k", "2"]).resolve().lanesK == 2)
        #expect(try RTLOptions.parse([]).limits(preset: "ice40-up5k").maxMapSize == 64)
        #expect(try RTLOptions.parse(["--max-map-size", "32"]).limits(preset: "ice40-up5k").maxMapSize == 32)
        #expect(try RTLOptions.parse([]).limits(preset: nil).maxMapSize == 512)
        for (args, message) in [(["--preset", "xc7z020", "--config", "small"], "give --config or --preset, not both"),
                                (["--preset", "ice40-up9k"], "--preset ice40-up9k: no such preset")] {
            let e = #expect(throws: (any Error).self, "\(args)") { try HardwareOptions.parse(args).resolve() }
            #expect(e.map { "\($0)" }?.contains(message) == true, "\(args): \(e.map { "\($0)" } ?? "")")
        }
    }

    /// --leave-out sets the mechanisms a config leaves out (§2), replacing the base's: a list, `all`,
    /// or `none` (a preset's back); an unknown name is an error naming the known ones.
    @Test func leaveOut() throws {
        #expect(try HardwareOptions.parse(["--leave-out", "haloReuse,weightHandoff"]).resolve().leftOut == [.haloReuse, .weightHandoff])
        #expect(try HardwareOptions.parse(["--config", "small", "--leave-out", "all"]).resolve().leftOut == Set(Mechanism.allCases))
        #expect(try HardwareOptions.parse(["--preset", "ice40-up5k"]).resolve().leftOut == Set(Mechanism.allCases))
        #expect(try HardwareOptions.parse(["--preset", "ice40-up5k", "--leave-out", "none"]).resolve().leftOut.isEmpty)
        let e = #expect(throws: (any Error).self) { try HardwareOptions.parse(["--leave-out", "rings"]).resolve() }
        #expect(e.map { "\($0)" }?.contains("outputPairs") == true)
    }

    /// An explicit --tile-shapes is not lowered: one the tile cannot divide into is an error naming it.
    @Test func explicitTileShapesAreKept() throws {
        #expect(try HardwareOptions.parse(["--tile", "8x8", "--tile-shapes", "4"]).resolve().tileShapes == 4)
        let e = #expect(throws: (any Error).self) { try HardwareOptions.parse(["--tile", "2x2", "--tile-shapes", "3"]).resolve() }
        #expect(e.map { "\($0)" }?.contains("tileShapes 3") == true)
    }

    /// --line-buffer sets the line buffer in bytes (§6.5): 512 KiB on the small config's 4×4 banks of
    /// 16 bytes is 2048 words a bank; bytes that are not whole words of every bank, or a tile whose
    /// sides are not powers of two, are errors naming the field.
    @Test func lineBufferOverride() throws {
        let c = try HardwareOptions.parse(["--config", "small", "--line-buffer", "524288"]).resolve()
        #expect(c.lineBufferBytes == 524_288 && c.lineBankDepth == 2048)  // 4×4 banks of 16 bytes
        for args in [["--line-buffer", "1000"], ["--line-buffer", "524288", "--tile", "6x8"]] {
            let e = #expect(throws: (any Error).self, "\(args)") { try HardwareOptions.parse(args).resolve() }
            #expect(e.map { "\($0)" }?.contains("lineBufferBytes") == true, "\(args): \(e.map { "\($0)" } ?? "")")
        }
    }

    /// Overrides out of range are errors naming the field, never a trap (a JSON base may be huge).
    @Test func outOfRangeOverridesAreErrors() throws {
        for (args, field) in [(["--tile", "64x64"], "tileH"), (["--lanes-k", "0"], "lanesK"), (["--mem-bytes", "3"], "memBytesPerCycle"),
                              (["--lanes-c", "3"], "lanesC"), (["--clock-mhz", "0"], "clockMHz"), (["--mem-latency", "0"], "memLatency")] {
            let e = #expect(throws: (any Error).self, "\(args)") { try HardwareOptions.parse(args).resolve() }
            #expect(e.map { "\($0)" }?.contains(field) == true, "\(args): \(e.map { "\($0)" } ?? "")")
        }
        let huge = try HardwareConfig.fromJSON(Data("""
            {"tileH": 1, "tileW": 1, "lanesK": 1, "lanesC": 4, "memBytesPerCycle": 4, "memLatency": 8,
             "inputBufferBytes": \(Int.max / 16 * 8), "weightBufferBytes": 4, "outputBufferBytes": 8}
            """.utf8))
        let e = #expect(throws: (any Error).self) { try huge.overriding(tileH: 32, tileW: 32, memBytesPerCycle: 256) }
        #expect(e.map { "\($0)" }?.contains("inputBufferBytes") == true)
    }

    /// A misspelt key in a --config file is bad input (exit 65) naming the key and the one meant,
    /// in every command that takes a config, before any work (nothing else is printed or written).
    @Test(arguments: ["simulate", "cosim", "report", "demo", "masks", "quality", "generate", "synth", "sweep"])
    func aMisspeltConfigKeyIsBadInput(_ command: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let config = try scratch.write("hw.json", misspeltConfigJSON)
        let net = try scratch.write("hand.json", handWorkedNetwork)
        let rest: [String] = switch command {
        case "simulate", "cosim": ["--layer", "k3s1c8x8@16x16"]
        case "report": ["--network", net, "--input-size", "16x16", "--html", scratch.path("out")]
        case "demo", "generate": ["--out", scratch.path("out")]
        case "masks": ["--network", net, "--input-size", "16x16", "--out", scratch.path("out")]
        case "synth": ["--target", "generic"]
        case "sweep": ["--network", net, "--input-size", "16x16"]
        default: []
        }
        let r = try runSparsetile([command, "--config", config] + rest)
        expectExit(r, .badInput, "--config \(config): invalid hardware config: unknown key \"clockMhz\" (did you mean \"clockMHz\"?)")
        #expect(r.output.split(separator: "\n").count == 1, "\(r.output)")
        #expect(!scratch.exists("out"))
    }
}
