import Foundation
import Testing
@testable import sparsetile

/// `sparsetile regress` without running a case (those need Verilator builds): its options and lists.
@Suite struct RegressCommandTests {
    @Test func usageErrorsExit64() throws {
        expectExit(try runSparsetile(["regress", "--suite", "nope"]), .usage, "--suite: smoke, default or full")
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
