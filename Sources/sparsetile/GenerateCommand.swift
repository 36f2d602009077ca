import AcceleratorSpec
import ArgumentParser
import Foundation
import RTLGen

/// `sparsetile generate`: the accelerator's Verilog and manifest.json for one HardwareConfig.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate the accelerator's Verilog (top <prefix>accel) and manifest.json for a hardware config."
    )

    @OptionGroup var hardware: HardwareOptions
    @OptionGroup var rtl: RTLOptions
    @Option(name: .long, help: "Output directory.")
    var out: String
    @Option(name: .customLong("inject-fault"), help: ArgumentHelp("Build the RTL with a deliberate fault, to prove the checks can fail: \(FaultInjection.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var fault: String = "none"

    func run() throws {
        try OutputPaths.checkDirectories([("--out", out)])
        let fi = try parseFault(fault)
        do {
            let cfg = try hardware.resolve()
            let gen = try AcceleratorGenerator(config: cfg, limits: rtl.limits(preset: hardware.base.preset), fault: fi, prefix: rtl.prefix)
            let names = try gen.write(to: URL(fileURLWithPath: out))
            print("config \(cfg.contentHash): wrote \(names.count) files to \(out) (top \(gen.top))"
                  + (fi == .none ? "" : "; DELIBERATELY FAULTY: fault \(fi.rawValue)"))
        } catch let e as AcceleratorGeneratorError {
            // a configuration the generator cannot build (a width or a limit out of range): bad input
            throw InputFileError(description: e.description)
        }
    }
}

/// `--inject-fault NAME` (generate, cosim, regress): the fault, or a usage error listing the valid names.
func parseFault(_ name: String) throws -> FaultInjection {
    do { return try FaultInjection(name: name) } catch let e as FaultInjection.UnknownName {
        throw ValidationError("--inject-fault: \(e.description)")
    }
}
