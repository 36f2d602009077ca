import ArgumentParser

/// Release-mode benchmarks: `swift run -c release sparsetile-bench <subcommand>`.
/// Each benchmark lives in its own file; add it to `subcommands` here.

struct SparseTileBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparsetile-bench",
        abstract: "Benchmarks of the SparseTile software and models (build with -c release).",
        subcommands: [SparseConvBenchmark.self, ModelBenchmark.self]
    )
}
SparseTileBench.main()
