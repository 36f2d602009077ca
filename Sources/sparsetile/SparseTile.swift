import ArgumentParser

@main
struct SparseTile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparsetile",
        abstract: "Hardware/software co-design of tile-based sparse convolution accelerators.",
        subcommands: [MasksCommand.self, DemoCommand.self, Simulate.self, ReportCommand.self, SweepCommand.self, SynthCommand.self]
    )
}
