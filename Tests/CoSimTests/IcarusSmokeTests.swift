import Foundation
import Testing
import CoSim
import RTLGen
import TileModel
import AcceleratorSpec

let haveIcarus = Toolchain.find("iverilog") != nil && Toolchain.find("vvp") != nil

/// The portable testbenches (`Testbench`, what `cosim --testbench` writes) of the smoke suite under
/// Icarus Verilog: a second simulator, with its own X semantics and scheduling, runs the generated
/// RTL of every smoke case (the fixed memory profile, the benches' only one) and must see the
/// model's output bytes and cycle count. Runs wherever the test suite runs (CI: `.ci/run`).
@Suite("Smoke suite under Icarus", .enabled(if: AcceleratorRTL.isAvailable))
struct IcarusSmokeTests {
    @Test(.enabled(if: haveIcarus, "iverilog/vvp not on PATH (bash sim/install-deps.sh installs them): the smoke suite's testbenches were not run under Icarus"))
    func smokeTestbenchesPassUnderIcarus() throws {
        let cases = Regression(suite: .smoke, seed: 1).cases()
        // One design per configuration, generated once; the regression's limits (maps up to 32).
        var designs: [String: GeneratedDesign] = [:]
        for c in cases where designs[c.config.contentHash] == nil {
            designs[c.config.contentHash] = try AcceleratorRTL.generate(config: c.config, fault: .none, limits: Regression.limits)
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sparsetile-icarus-smoke-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let frozen = designs
        // (a bench compiles and runs in a few seconds; two at a time keeps the suite under two minutes)
        let results = try ParallelWork.map(cases.count, jobs: 2) { i -> (id: String, expected: Int?, output: String) in
            let c = cases[i]
            let job = try c.job()
            guard (try? LayerPlan(job: job, config: c.config)) != nil else { return (c.id, nil, "") }   // (skipped in the regression too)
            let design = frozen[c.config.contentHash]!
            let dir = root.appendingPathComponent("case\(i)")
            try Testbench(layer: job, config: c.config, top: design.top).write(to: dir)
            // The cycle count the bench must see, from the model run here (not the bench's own constant).
            let cycles = try TileModel(config: c.config).cycles(job)
            return (c.id, cycles, try Testbench.runIcarus(benchDir: dir, design: design))
        }
        let ran = results.filter { $0.expected != nil }
        #expect(ran.count >= cases.count * 3 / 4, "only \(ran.count) of \(cases.count) smoke cases ran")
        for r in ran {
            #expect(r.output.contains("PASS: \(r.expected!) cycles"), "\(r.id): \(r.output)")
            #expect(!r.output.contains("FAIL"), "\(r.id): \(r.output)")
        }
    }
}
