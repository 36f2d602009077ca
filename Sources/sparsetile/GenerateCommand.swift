import AcceleratorSpec
import ArgumentParser
import Foundation
import RTLGen

/// `sparsetile generate`: the accelerator's Verilog and manifest.json for one HardwareConfig.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate the accelerator's Verilog (sparsetile_accel) and manifest.json for a hardware config."
    )

    @Option(name: .long, help: "Hardware config JSON (default: the built-in default config; 'small' for the small reference).")
    var config: String?
    @Option(name: .long, help: "Tile size HxW (overrides the config).")
    var tile: String?
    @Option(name: .customLong("lanes-k"), help: "Output-channel lanes (overrides the config).")
    var lanesK: Int?
    @Option(name: .customLong("lanes-c"), help: "Input-channel lanes (overrides the config).")
    var lanesC: Int?
    @Option(name: .customLong("mem-bytes"), help: "DRAM word width B in bytes (overrides the config).")
    var memBytes: Int?
    @Option(name: .customLong("mem-latency"), help: "DRAM latency (overrides the config; the RTL does not depend on it).")
    var memLatency: Int?
    @Option(name: .customLong("max-map-size"), help: "Largest output map side the mask register holds (default 512).")
    var maxMapSize: Int = 512
    @Option(name: .long, help: "Output directory.")
    var out: String
    @Option(name: .customLong("inject-fault"), help: ArgumentHelp("Build the RTL with a deliberate fault, to prove the checks can fail: \(FaultInjection.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var fault: String = "none"

    func run() throws {
        let fi = try parseFault(fault)
        var cfg = HardwareConfig.default
        if let path = config {
            if path == "small" { cfg = .small }
            else if path == "default" { cfg = .default }
            else { cfg = try HardwareConfig.fromJSON(Data(contentsOf: URL(fileURLWithPath: path))) }
        }
        let base = cfg
        if let t = tile {
            let parts = t.lowercased().split(separator: "x").compactMap { Int($0) }
            guard parts.count == 2 else { throw ValidationError("--tile expects HxW, got '\(t)'") }
            cfg.tileH = parts[0]; cfg.tileW = parts[1]
        }
        if let k = lanesK { cfg.lanesK = k }
        if let c = lanesC { cfg.lanesC = c }
        if let b = memBytes { cfg.memBytesPerCycle = b }
        if let l = memLatency { cfg.memLatency = l }
        if tile != nil || lanesK != nil || lanesC != nil || memBytes != nil {
            // Same words per bank as the base config.
            let B = cfg.memBytesPerCycle
            cfg.inputBufferBytes = 2 * cfg.tileH * cfg.tileW * B * base.inputBankDepth
            cfg.outputBufferBytes = 2 * cfg.tileH * cfg.tileW * B * base.outputWordsPerPixel
            cfg.weightBufferBytes = cfg.lanesK * B * base.weightBankDepth
        }
        do {
            try cfg.validate()
            let gen = try AcceleratorGenerator(config: cfg, limits: AcceleratorLimits(maxMapSize: maxMapSize), fault: fi)
            let names = try gen.write(to: URL(fileURLWithPath: out))
            print("config \(cfg.contentHash): wrote \(names.count) files to \(out) (top sparsetile_accel)"
                  + (fi == .none ? "" : "; DELIBERATELY FAULTY: fault \(fi.rawValue)"))
        } catch let e as AcceleratorGeneratorError {
            FileHandle.standardError.write(Data("error: \(e.description)\n".utf8))
            throw ExitCode(1)
        } catch let e as AcceleratorSpecError {
            FileHandle.standardError.write(Data("error: \(e.description)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `--inject-fault NAME` (generate, cosim, regress): the fault, or a usage error listing the valid names.
func parseFault(_ name: String) throws -> FaultInjection {
    do { return try FaultInjection(name: name) } catch let e as FaultInjection.UnknownName {
        throw ValidationError("--inject-fault: \(e.description)")
    }
}
