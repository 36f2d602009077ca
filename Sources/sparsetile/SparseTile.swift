import ArgumentParser

@main
struct SparseTile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparsetile",
        abstract: "Hardware/software co-design of tile-based sparse convolution accelerators.",
        discussion: ExitStatus.help,
        subcommands: [
            MasksCommand.self, Simulate.self, Generate.self, Cosim.self, Regress.self,
            ReportCommand.self, SweepCommand.self, SynthCommand.self, DemoCommand.self, QualityCommand.self,
        ]
    )
}
