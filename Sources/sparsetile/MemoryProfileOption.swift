import ArgumentParser
import AcceleratorSpec

/// `--mem-profile fixed|random:MIN-MAX:P`, shared by `simulate`, `cosim` and `regress`.
struct MemoryProfileOption: ParsableArguments {
    @Option(name: .customLong("mem-profile"), help: ArgumentHelp(
        "DRAM timing behind the memory port: 'fixed' (every read takes the config's memLatency, the request channel is always ready) or 'random:MIN-MAX:P' (each read's latency uniform in MIN...MAX, the request channel not ready in a cycle with probability P), drawn from --seed.",
        valueName: "profile"))
    var profile: MemoryProfile = .fixed
}

extension MemoryProfile: ExpressibleByArgument {
    public init?(argument: String) { try? self.init(parsing: argument) }
    public var defaultValueDescription: String { description }
}
