import Foundation
import Testing
import CoSim
import RTLGen
import TileModel
import AcceleratorSpec

/// X-propagation (docs/cosim.md, "X-propagation"): builds make every X a drawn value, `--x-seed`
/// picks the draw, and the results must not depend on it.
@Suite("X-propagation")
struct XPropagationTests {
    /// The flags are in every build, and they are part of the stamp: a build made without them (an
    /// older cache entry) has another stamp, so it is rebuilt rather than reused.
    @Test func buildsPropagateXAndTheStampCoversTheFlags() {
        let flags = BuildCache(optimization: .quick).verilatorFlags(config: StandIn.config, top: "t", traceFST: false, registerHeader: "r.h")
        let x = ["--x-assign", "unique", "--x-initial", "unique"]   // the options issue 17 names, written out here
        #expect((0...(flags.count - x.count)).contains { Array(flags[$0..<($0 + x.count)]) == x }, "\(flags)")
        let without = flags.filter { !["--x-assign", "--x-initial", "unique"].contains($0) }
        let files = [(name: "a.sv", contents: "module a; endmodule")]
        #expect(BuildCache.stamp(files: files, harness: "h", flags: flags, verilatorVersion: "v")
                != BuildCache.stamp(files: files, harness: "h", flags: without, verilatorVersion: "v"))
        #expect(BuildCache.stamp(files: files, harness: "h", flags: flags, verilatorVersion: "v")
                == BuildCache.stamp(files: files, harness: "h", flags: flags, verilatorVersion: "v"))
    }

    /// The plusargs randomize what is never reset, reproducibly per seed, under the build flags: a
    /// 64-bit variable nobody assigns, printed by a Verilator `--binary` build of its own. Without
    /// the arguments it is 0; seeds 1 and 2 differ; seed 1 twice is the same value.
    @Test(.enabled(if: haveVerilator, "Verilator is not on PATH")) func xSeedsDrawUnresetState() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sparsetile-xprobe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try """
            module xprobe;
                logic [63:0] never_reset;
                initial begin $display("X %h", never_reset); $finish; end
            endmodule
            """.write(to: dir.appendingPathComponent("xprobe.sv"), atomically: true, encoding: .utf8)
        try Toolchain.check(try Toolchain.verilator(), ["--binary", "-Mdir", "obj", "-o", "xprobe", "-Wno-fatal"] + BuildCache.xPropagationFlags
                            + ["-MAKEFLAGS", "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0", "xprobe.sv"], in: dir)
        func value(_ args: [String]) throws -> String {
            let out = try Toolchain.check(dir.appendingPathComponent("obj/xprobe").path, args)
            return try #require(out.split(separator: "\n").first { $0.hasPrefix("X ") }.map(String.init), "\(out)")
        }
        let none = try value([]), one = try value(SimulatorBuild.xSeedArguments(1))
        #expect(none == "X 0000000000000000")
        #expect(one != none)
        #expect(try value(SimulatorBuild.xSeedArguments(2)) != one)
        #expect(try value(SimulatorBuild.xSeedArguments(1)) == one)
    }

    /// The harness hands its `+verilator+…` arguments to Verilator (not merely skips them): a seed
    /// Verilator refuses (0) ends the run with Verilator's own message.
    @Test(.enabled(if: haveVerilator, "Verilator is not on PATH")) func theHarnessPassesXSeedsToVerilator() throws {
        let sim = try StandIn.cache.simulator(config: StandIn.config, source: StandIn.source())
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 8, outChannels: 4, height: 6, width: 6, residual: true)
            .job(config: StandIn.config, seed: 5)
        let hj = try HarnessJob(job: job, config: StandIn.config, watchdog: 10_000)
        #expect(try sim.run(hj, xSeed: 3).status == .done)
        #expect { try sim.run(hj, xSeed: 0) } throws: { "\($0)".contains("+verilator+seed+' must be an unsigned integer, greater than 0") }
    }
}

/// The smoke suite under three X seeds: every case passes under each, with the same cycles.
@Suite("Smoke suite under X seeds", .enabled(if: haveVerilator && AcceleratorRTL.isAvailable), .serialized)
struct XSeedSmokeTests {
    @Test func smokeResultsAreIdenticalUnderThreeXSeeds() {
        let cases = Regression(suite: .smoke, seed: 1).cases()
        var results: [Int: [String]] = [:]
        for x in [1, 2, 3] {
            let o = Regression.run(cases, jobs: 2, execute: {
                Regression.execute($0, source: Regression.design, fault: .none, cache: AcceleratorTests.cache, xSeed: x)
            })
            let bad = o.filter { $0.status != .pass }
            #expect(bad.isEmpty, "X seed \(x): \(bad.map { "\($0.caseID) \($0.status): \($0.message)" }.joined(separator: "\n"))")
            results[x] = o.map { "\($0.caseID) \($0.status) \($0.modelCycles ?? -1) \($0.rtlCycles ?? -1)" }
        }
        #expect(results[1]?.count == cases.count)
        #expect(results[1] == results[2] && results[2] == results[3])
    }
}
