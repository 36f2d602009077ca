import Foundation
import Testing
import CoSim
import ArgumentParser
@testable import sparsetile

/// `sparsetile regress`: the random suite's options, the command a failure prints, JUnit merging.
@Suite("regress command")
struct RegressRandomSuiteTests {
    /// The arguments of a printed command (its words; single quotes, as the command quotes ids, removed).
    static func arguments(_ command: String) -> [String] {
        Array(command.split(separator: " ").map { $0.replacingOccurrences(of: "'", with: "") }.dropFirst(2))
    }

    /// The command printed for a failing case, parsed back, selects that case alone, with the same
    /// seed, memory profile, X seed and fault: whatever shard it ran in.
    @Test(arguments: [
        ["--suite", "random", "--count", "120", "--seed", "9", "--shard", "2/3", "--x-seed", "4"],
        ["--suite", "default", "--seed", "3", "--mem-profile", "random:5-40:0.1", "--inject-fault", "late-handshake"],
    ])
    func reproduceCommandRunsTheCaseAlone(_ args: [String]) throws {
        let run = try Regress.parse(args)
        let cases = try run.selection().cases
        #expect(!cases.isEmpty)
        // a handful, among them ids that need quoting (`@`, `+`) in the default suite
        let some = cases.enumerated().filter { $0.offset % 17 == 0 }.map(\.element) + cases.filter { $0.id.contains("+handoff") }.prefix(2)
        for c in some {
            let command = run.reproduceCommand(c)
            #expect(command.hasPrefix("sparsetile regress "))
            let again = try Regress.parse(Self.arguments(command))
            let alone = try again.selection().cases
            #expect(alone.map(\.id) == [c.id], "\(command)")
            #expect(alone.first?.seed == c.seed && alone.first?.memory == c.memory && alone.first?.config == c.config)
            #expect(again.memory.profile == run.memory.profile && again.xSeed.seed == run.xSeed.seed && again.fault == run.fault)
            #expect(again.suite == run.suite && again.seed == run.seed && again.count == run.count)   // (the pool depends on the count)
            #expect(again.shard == nil)
        }
    }

    /// End to end, under Verilator: a random case on an RTL with a datapath fault fails, its line
    /// and the closing list print the command that runs it alone, and that command fails the same way.
    @Test(.enabled(if: Toolchain.find("verilator") != nil, "Verilator is not on PATH"))
    func aFailingCasePrintsTheCommandThatReproducesItAlone() throws {
        // a case with every tile active and no handoff: a dropped carry must change its outputs
        let c = try #require(RandomSuite(seed: 3, count: 40).cases().first { $0.mask == .full && !$0.handoff })
        let index = String(c.id.prefix { $0 != "/" })
        let env = ["SPARSETILE_VERILATOR_OPT": "quick",
                   "SPARSETILE_VERILATOR_CACHE": RepositoryPaths.root.appendingPathComponent(".build/cli-tests-verilator").path]
        let r = try runSparsetile(["regress", "--suite", "random", "--count", "40", "--seed", "3", "--case", index,
                                   "--inject-fault", "dropped-carry"], environment: env)
        let command = "sparsetile regress --suite random --seed 3 --count 40 --case \(index) --inject-fault dropped-carry"
        #expect(r.status == ExitStatus.mismatch.rawValue, "\(r.output)")
        #expect(r.output.contains("FAIL \(c.id)") && r.output.contains("  reproduce: " + command), "\(r.output)")
        #expect(r.output.contains("failed cases, each reproduced alone by:\n  " + command), "\(r.output)")
        let again = try runSparsetile(["regress"] + Self.arguments(command), environment: env)
        #expect(again.status == ExitStatus.mismatch.rawValue && again.output.contains("FAIL \(c.id)"), "\(again.output)")
    }

    @Test func randomSuiteOptionsAreChecked() throws {
        #expect(try Regress.parse(["--suite", "random", "--count", "50"]).selection().cases.count == 50)
        #expect(try Regress.parse(["--suite", "random"]).selection().cases.count == 1000)
        for bad in [["--suite", "smoke", "--count", "5"], ["--suite", "random", "--count", "0"],
                    ["--suite", "random", "--mem-profile", "random:1-3:0.5"], ["--suite", "random", "--count", "30", "--case", "r30"],
                    ["--suite", "nightly"]] {
            #expect(throws: ValidationError.self, "\(bad)") { try Regress.parse(bad).selection() }
        }
        #expect(throws: (any Error).self) { try Regress.parse(["--x-seed", "0"]) }
    }

    /// End to end: the built tool lists a random suite, refuses a case it lacks (64), and merges shard
    /// JUnit files into one, exiting 1 when they hold a failure.
    @Test func theToolListsRandomCasesAndMergesJUnit() throws {
        let list = try runSparsetile(["regress", "--suite", "random", "--count", "30", "--seed", "4", "--list"])
        #expect(list.status == 0)
        #expect(list.output.split(separator: "\n").map(String.init) == RandomSuite(seed: 4, count: 30).cases().map(\.id))
        let missing = try runSparsetile(["regress", "--suite", "random", "--count", "30", "--case", "r30"])
        #expect(missing.status == ExitStatus.usage.rawValue && missing.output.contains("--case r30"), "\(missing.output)")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("junit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = Regression(suite: .smoke).cases()
        func write(_ k: Int, failing: Bool) throws -> String {
            let mine = Regression.shard(cases, index: k, count: 2)
            let o = mine.enumerated().map { i, c in
                RegressionOutcome(caseID: c.id, configHash: c.config.contentHash, status: failing && i == 0 ? .fail : .pass)
            }
            let p = dir.appendingPathComponent("s\(k)-\(failing).xml").path
            try Regression.junit(o, suiteName: "s\(k)", seconds: 1).write(toFile: p, atomically: true, encoding: .utf8)
            return p
        }
        let all = dir.appendingPathComponent("all.xml").path
        let good = try runSparsetile(["regress", "--merge-junit", try write(1, failing: false), try write(2, failing: false), "--junit", all])
        #expect(good.status == 0 && good.output.contains("\(cases.count) cases, 0 failures"), "\(good.output)")
        let merged = try String(contentsOfFile: all, encoding: .utf8)
        #expect(merged.components(separatedBy: "<testcase ").count - 1 == cases.count)
        let bad = try runSparsetile(["regress", "--merge-junit", try write(1, failing: true), try write(2, failing: false), "--junit", all])
        #expect(bad.status == ExitStatus.mismatch.rawValue && bad.output.contains("1 failures"), "\(bad.output)")
        let twice = try runSparsetile(["regress", "--merge-junit", try write(1, failing: false), try write(1, failing: true), "--junit", all])
        #expect(twice.status == ExitStatus.badInput.rawValue, "\(twice.output)")
    }
}

/// `sparsetile regress` without running a case (those need Verilator builds): its options and lists.
@Suite struct RegressCommandTests {
    @Test func usageErrorsExit64() throws {
        expectExit(try runSparsetile(["regress", "--suite", "nope"]), .usage, "--suite nope: smoke, default, full, random")
        expectExit(try runSparsetile(["regress", "--shard", "3/2", "--list"]), .usage, "--shard expects I/N with 1 ≤ I ≤ N, got '3/2'")
        expectExit(try runSparsetile(["regress", "--shard", "x", "--list"]), .usage, "--shard expects I/N")
        expectExit(try runSparsetile(["regress", "--jobs", "0"]), .usage, "--jobs must be at least 1")
        expectExit(try runSparsetile(["regress", "--mem-profile", "random:9-1:0.5"]), .usage, "--mem-profile")
    }

    /// --junit naming a folder stops the run before any build.
    @Test func outputPathsAreCheckedFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let dir = try scratch.folder("a-folder")
        expectStoppedAtOnce(try runSparsetile(["regress", "--junit", dir]), option: "--junit", path: dir)
    }

    /// --list lists the smoke suite's cases; shards 1/2 and 2/2 split it in two, every case once.
    @Test func shardsPartitionTheList() throws {
        func list(_ args: [String]) throws -> [String] {
            let r = try runSparsetile(["regress", "--list"] + args)
            expectExit(r, .success)
            return r.output.split(separator: "\n").map(String.init)
        }
        let all = try list([]), one = try list(["--shard", "1/2"]), two = try list(["--shard", "2/2"])
        #expect(all.count > 2 && Set(all).count == all.count)
        #expect(Set(one).isDisjoint(with: two) && Set(one).union(two) == Set(all))
        #expect(abs(one.count - two.count) <= 1)
    }
}
