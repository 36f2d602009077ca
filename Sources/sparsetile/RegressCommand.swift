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
        Suites: smoke (CI), default, full, and random: --count cases (default 1000), each a configuration, \
        layer, tile shape, mask, memory profile and weight handoff drawn from --seed within the limits \
        HardwareConfig validates; the configurations come from a pool of one per 1000 cases (at least 4), \
        as each is a Verilator build of 10-60 s. Cases are ordered deterministically; --shard I/N runs \
        every N-th case (by a fixed hash of the ids) starting at the I-th, so N machines (a CI matrix, a \
        Slurm array: sim/ci/) cover the suite exactly once, and --merge-junit joins their JUnit files. \
        A failing case prints the one command that reproduces it alone (--case). Each configuration is \
        built once (.build-verilator/<hash>/). Exit status 1 when any case mismatches or errors.

        Examples:
          sparsetile regress --suite random --count 10000 --seed 7 --shard 3/8 --junit shard3.xml
          sparsetile regress --merge-junit shard1.xml shard2.xml --junit all.xml
        """)

    @Option(name: .long, help: "smoke, default, full or random.")
    var suite: String = "smoke"
    @Option(name: .long, help: "Cases of the random suite (default 1000).")
    var count: Int?
    @Option(name: .long, help: "Parallel simulations.")
    var jobs: Int = 2
    @Option(name: .long, help: "Run shard I of N (1-based), e.g. 2/8.")
    var shard: String?
    @Option(name: .customLong("case"), help: ArgumentHelp("Run only this case: its id, or r<index> in the random suite (what a failure prints).", valueName: "id"))
    var only: String?
    @Option(name: .long, help: "Write JUnit XML here (with --merge-junit: the merged file).")
    var junit: String?
    @Option(name: .customLong("merge-junit"), parsing: .upToNextOption,
            help: ArgumentHelp("Merge these JUnit files (of the shards of one run) into --junit and exit: 1 when they hold a failure or error.", valueName: "file"))
    var mergeJUnit: [String] = []
    @Option(name: .long, help: "Seed of tensors and random masks (and, in the random suite, of every draw).")
    var seed: UInt64 = 1
    @OptionGroup var memory: MemoryProfileOption
    @OptionGroup var xSeed: XSeedOption
    @Flag(name: .long, help: "List the cases (of this shard) and exit.")
    var list = false
    @Option(name: .customLong("inject-fault"), help: ArgumentHelp("Build the RTL with a deliberate fault, to prove the checks can fail: \(FaultInjection.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var fault: String = "none"

    /// The cases this run selects (suite, count, shard, case), how many the suite has, and a label.
    func selection() throws -> (cases: [RegressionCase], total: Int, label: String) {
        guard let s = RegressionSuite(rawValue: suite) else {
            throw ValidationError("--suite \(suite): \(RegressionSuite.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if s != .random, let n = count { throw ValidationError("--count \(n): only the random suite has a count (its other suites are fixed lists)") }
        if let n = count, n < 1 { throw ValidationError("--count \(n): must be at least 1") }
        if s == .random, memory.profile != .fixed {
            throw ValidationError("--mem-profile \(memory.profile): the random suite draws each case's memory profile")
        }
        let reg = Regression(suite: s, seed: seed, count: count ?? 1000)
        var cases = reg.cases()
        let total = cases.count
        var label = "\(s.rawValue) suite, seed \(seed), "
            + (s == .random ? "\(total) cases over \(reg.configs.count) configurations, memory drawn per case" : "memory \(memory.profile)")
            + (xSeed.seed.map { ", X seed \($0)" } ?? "")
        if let sh = shard {
            // (a malformed --shard is a usage error, not the internal one CoSimError would be)
            let (i, n): (Int, Int)
            do { (i, n) = try Regression.parseShard(sh) } catch CoSimError.invalidArgument(let m) { throw ValidationError(m) }
            cases = Regression.shard(cases, index: i, count: n)
            label += ", shard \(i)/\(n)"
        }
        if let id = only {
            cases = cases.filter { $0.isNamed(id) }
            guard !cases.isEmpty else { throw ValidationError("--case \(id): no such case in this suite\(shard.map { " and shard \($0)" } ?? "") (--list lists them)") }
            label += ", case \(id)"
        }
        return (cases, total, label)
    }

    /// The command that runs case `c` of this run alone: the suite, its seed (and count), the case,
    /// and whatever changes its result (memory profile, X seed, fault). Not the shard: the case names itself.
    func reproduceCommand(_ c: RegressionCase) -> String {
        let random = suite == RegressionSuite.random.rawValue
        var a = ["sparsetile", "regress", "--suite", suite, "--seed", "\(seed)"]
        if random { a += ["--count", "\(count ?? 1000)"] }
        // (the random suite's index names the case; other ids are quoted for the shell where needed)
        let id = random ? String(c.id.prefix { $0 != "/" }) : c.id
        a += ["--case", id.allSatisfy { $0.isLetter || $0.isNumber || "_./-".contains($0) } ? id : "'\(id)'"]
        if !random, memory.profile != .fixed { a += ["--mem-profile", "\(memory.profile)"] }
        if let x = xSeed.seed { a += ["--x-seed", "\(x)"] }
        if fault != FaultInjection.none.rawValue { a += ["--inject-fault", fault] }
        return a.joined(separator: " ")
    }

    func run() throws {
        if !mergeJUnit.isEmpty { return try merge() }
        try OutputPaths.check([("--junit", junit)])
        let fi = try parseFault(fault)
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        let (cases, total, label) = try selection()
        if list { for c in cases { say(c.id) }; return }
        say("regress: \(label): \(cases.count) of \(total) cases, \(jobs) jobs\(fi == .none ? "" : ", FAULT \(fi.rawValue)")")
        let t0 = Date()
        let cache = BuildCache()
        // Build each configuration once, before the parallel runs.
        var seen = Set<String>()
        let configs = cases.map(\.config).filter { seen.insert($0.contentHash).inserted }
        for (k, cfg) in configs.enumerated() {
            let b = try cache.simulator(config: cfg, source: Regression.design, fault: fi)
            let shape = "tile \(cfg.tileH)x\(cfg.tileW)/\(cfg.tileShapes), lanes \(cfg.lanesK)x\(cfg.lanesC), B \(cfg.memBytesPerCycle), L \(cfg.memLatency)"
            say(String(format: "  build %d/%d config %@ (%@): %@", k + 1, configs.count, cfg.contentHash, shape,
                       b.reused ? "cached" : String(format: "%.1f s", b.buildSeconds)))
        }
        let n = cases.count
        let byID = Dictionary(cases.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let outcomes = Regression.run(cases, jobs: jobs, execute: { [profile = memory.profile, x = xSeed.seed] in
            Regression.execute($0, source: Regression.design, fault: fi, cache: cache, memory: profile, xSeed: x)
        },
                                      progress: { done, o in
            var line = String(format: "[%d/%d] %@ %@ (%.2f s)", done, n, o.status.rawValue.uppercased(), o.caseID, o.seconds)
            if let m = o.modelCycles, let r = o.rtlCycles { line += " model \(m) RTL \(r)" }
            if o.status == .fail || o.status == .error {
                line += "\n" + o.message + "\n  reproduce: " + (byID[o.caseID].map(reproduceCommand) ?? "?")
            }
            say(line)
        })
        let wall = Date().timeIntervalSince(t0)
        say(Regression.summary(outcomes, seconds: wall))
        let failed = outcomes.filter { $0.status == .fail || $0.status == .error }
        if !failed.isEmpty {
            say("failed cases, each reproduced alone by:")
            for o in failed { say("  " + (byID[o.caseID].map(reproduceCommand) ?? o.caseID)) }
        }
        if let p = junit {
            try write(Regression.junit(outcomes, suiteName: "sparsetile.regress.\(suite)" + (shard.map { ".shard\($0.replacingOccurrences(of: "/", with: "of"))" } ?? ""), seconds: wall),
                      to: p)
        }
        if !failed.isEmpty { throw ExitCode(ExitStatus.mismatch.rawValue) }
    }

    /// `--merge-junit FILES --junit OUT`: one JUnit file from the shards' files.
    private func merge() throws {
        guard let out = junit else { throw ValidationError("--merge-junit needs --junit FILE (where the merged file goes)") }
        try OutputPaths.check([("--junit", out)])
        let docs = try mergeJUnit.map { path -> (name: String, xml: String) in
            do { return (path, try String(contentsOfFile: path, encoding: .utf8)) } catch {
                throw InputFileError(description: "--merge-junit \(path): cannot read it (\(error.localizedDescription))")
            }
        }
        let t: JUnitTotals
        do { t = try Regression.mergeJUnit(docs) } catch let e as CoSimError { throw InputFileError(description: "--merge-junit: \(e)") }
        try t.xml.write(toFile: out, atomically: true, encoding: .utf8)
        say("merged \(docs.count) JUnit files into \(out): \(t.tests) cases, \(t.failures) failures, \(t.errors) errors, \(t.skipped) skipped")
        if t.failures + t.errors > 0 { throw ExitCode(ExitStatus.mismatch.rawValue) }
    }

    /// Unbuffered output, so progress lines from the workers interleave correctly with the rest.
    private func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
}
