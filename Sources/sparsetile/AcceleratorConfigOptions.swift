import AcceleratorSpec
import ArgumentParser
import Foundation
import RTLGen

/// The hardware config of the commands that generate RTL (`generate`, `synth`, `sweep --synth`):
/// a base config and overrides that keep each buffer bank's depth.
struct AcceleratorConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Hardware config: small, default or a JSON file (default: the built-in default config).")
    var config: String?
    @Option(name: .long, help: "Tile size HxW (overrides the config; bank depths kept).")
    var tile: String?
    @Option(name: .customLong("lanes-k"), help: "Output-channel lanes (overrides the config).")
    var lanesK: Int?
    @Option(name: .customLong("lanes-c"), help: "Input-channel lanes (overrides the config).")
    var lanesC: Int?
    @Option(name: .customLong("mem-bytes"), help: "DRAM word width B in bytes (overrides the config).")
    var memBytes: Int?
    @Option(name: .customLong("max-map-size"), help: "Largest output map side the mask register holds (default 512).")
    var maxMapSize: Int = 512
    @Option(help: ArgumentHelp("Prefix of every module name (default st_<first 8 hex digits of the config hash>_; top <prefix>accel).",
                               valueName: "name"))
    var prefix: String?

    func resolve() throws -> (HardwareConfig, AcceleratorLimits) {
        var cfg = HardwareConfig.default
        if let path = config {
            if path == "small" { cfg = .small } else if path == "default" { cfg = .default }
            else { cfg = try loadConfig(path) }
        }
        let t = try tile.map { try HardwareConfig.parseTile($0) }
        cfg = try cfg.overriding(tileH: t?.0, tileW: t?.1, lanesK: lanesK, lanesC: lanesC, memBytes: memBytes)
        return (cfg, AcceleratorLimits(maxMapSize: maxMapSize))
    }
}

extension HardwareConfig {
    /// As `sparsetile generate`: the overrides, with each buffer bank keeping the base config's depth.
    func overriding(tileH: Int?, tileW: Int?, lanesK: Int?, lanesC: Int?, memBytes: Int?) throws -> HardwareConfig {
        let base = self
        var c = self
        if let v = tileH { c.tileH = v }
        if let v = tileW { c.tileW = v }
        if let v = lanesK { c.lanesK = v }
        if let v = lanesC { c.lanesC = v }
        if let v = memBytes { c.memBytesPerCycle = v }
        if tileH != nil || tileW != nil || lanesK != nil || lanesC != nil || memBytes != nil {
            let B = c.memBytesPerCycle
            c.inputBufferBytes = 2 * c.tileH * c.tileW * B * base.inputBankDepth
            c.outputBufferBytes = 2 * c.tileH * c.tileW * B * base.outputWordsPerPixel
            c.weightBufferBytes = c.lanesK * B * base.weightBankDepth
        }
        try c.validate()
        return c
    }
}
