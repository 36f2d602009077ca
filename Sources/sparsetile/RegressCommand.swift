import Foundation
import ArgumentParser
import AcceleratorSpec
import RTLGen
import CoSim

/// `sparsetile regress`: the seeded co-simulation matrix of configurations × layer shapes × masks.
struct Regress: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the co-simulation regression: configurations x layer shapes x masks, model vs RTL.",
        discussion: """
        Suites: smoke (CI), default, full. Cases are generated from --seed and ordered deterministically;
        --shard I/N runs every N-th case starting at the I-th, so N machines (a CI matrix, a Slurm array)
        cover the suite exactly once, and their JUnit files merge. Each configuration is built once
        (.build-verilator/<hash>/). Exit status 1 when any case mismatches or errors.
        """)

    @Option(name: .long, help: "smoke, default or full.")
    var suite: String = "smoke"
    @Option(name: .long, help: "Parallel simulations.")
    var jobs: Int = 2
    @Option(name: .long, help: "Run shard I of N (1-based), e.g. 2/8.")
    var shard: String?
    @Option(name: .long, help: "Write JUnit XML here.")
    var junit: String?
    @Option(name: .long, help: "Seed of tensors and random masks.")
    var seed: UInt64 = 1
    @OptionGroup var memory: MemoryProfileOption
    @OptionGroup var xSeed: XSeedOption
    @Flag(name: .long, help: "List the cases (of this shard) and exit.")
    var list = false
    @Option(name: .customLong("inject-fault"), help: ArgumentHelp("Build the RTL with a deliberate fault, to prove the checks can fail: \(FaultInjection.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var fault: String = "none"

    func run() throws {
        guard let s = RegressionSuite(rawValue: suite) else { throw ValidationError("--suite: smoke, default or full") }
        let fi = try parseFault(fault)
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        let reg = Regression(suite: s, seed: seed)
        var cases = reg.cases()
        let total = cases.count
        var label = "\(s.rawValue) suite, seed \(seed), memory \(memory.profile)" + (xSeed.seed.map { ", X seed \($0)" } ?? "")
        if let sh = shard {
            let (i, n) = try Regression.parseShard(sh)
            cases = Regression.shard(cases, index: i, count: n)
            label += ", shard \(i)/\(n)"
        }
        if list { for c in cases { say(c.id) }; return }
        say("regress: \(label): \(cases.count) of \(total) cases, \(jobs) jobs\(fi == .none ? "" : ", FAULT \(fi.rawValue)")")
        let t0 = Date()
        let cache = BuildCache()
        // Build each configuration once, before the parallel runs.
        var seen = Set<String>()
        let configs = cases.map(\.config).filter { seen.insert($0.contentHash).inserted }
        for (k, cfg) in configs.enumerated() {
            let b = try cache.simulator(config: cfg, source: Regression.design, fault: fi)
            say(String(format: "  build %d/%d config %@: %@", k + 1, configs.count, cfg.contentHash, b.reused ? "cached" : String(format: "%.1f s", b.buildSeconds)))
        }
        let n = cases.count
        let outcomes = Regression.run(cases, jobs: jobs, execute: { [profile = memory.profile, x = xSeed.seed] in
            Regression.execute($0, source: Regression.design, fault: fi, cache: cache, memory: profile, xSeed: x)
        },
                                      progress: { done, o in
            var line = String(format: "[%d/%d] %@ %@ (%.2f s)", done, n, o.status.rawValue.uppercased(), o.caseID, o.seconds)
            if let m = o.modelCycles, let r = o.rtlCycles { line += " model \(m) RTL \(r)" }
            if o.status == .fail || o.status == .error { line += "\n" + o.message }
            say(line)
        })
        let wall = Date().timeIntervalSince(t0)
        say(Regression.summary(outcomes, seconds: wall))
        if let p = junit {
            try Regression.junit(outcomes, suiteName: "sparsetile.regress.\(s.rawValue)" + (shard.map { ".shard\($0.replacingOccurrences(of: "/", with: "of"))" } ?? ""), seconds: wall)
                .write(toFile: p, atomically: true, encoding: .utf8)
        }
        if outcomes.contains(where: { $0.status == .fail || $0.status == .error }) { throw ExitCode(ExitStatus.mismatch.rawValue) }
    }

    /// Unbuffered output, so progress lines from the workers interleave correctly with the rest.
    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
}
