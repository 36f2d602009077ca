import ArgumentParser
import CoSim

/// `--x-seed N`, shared by `cosim` and `regress` (docs/cosim.md, "X-propagation").
struct XSeedOption: ParsableArguments {
    @Option(name: .customLong("x-seed"), help: ArgumentHelp(
        "Draw the RTL's X values (every X assigned, every variable before reset) from seed N (1...2147483647), passed to the simulation as +verilator+seed+N; without it they are 0. Results must not depend on it.",
        valueName: "N"))
    var seed: Int?

    func validate() throws {
        if let s = seed, !SimulatorBuild.xSeedRange.contains(s) {
            throw ValidationError("--x-seed \(s): must be in \(SimulatorBuild.xSeedRange.lowerBound)...\(SimulatorBuild.xSeedRange.upperBound) (Verilator's +verilator+seed+)")
        }
    }
}
