import ArgumentParser

/// Release-mode benchmarks: `swift run -c release sparsetile-bench <subcommand>`.
struct SparseTileBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparsetile-bench",
        abstract: "Release-mode benchmarks that print figures.",
        subcommands: [ModelBenchmark.self])
}

SparseTileBench.main()
