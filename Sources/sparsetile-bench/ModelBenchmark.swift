import Foundation
import ArgumentParser
import TileModel

/// `sparsetile-bench model`: simulated cycles per second of the cycle-accurate model, stepped vs
/// fast, and the wall time of whole network-shaped workloads.
struct ModelBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Cycle-accurate model speed: stepped vs fast cycles/s, wall time per network.")

    @Option(help: "Fraction of active tiles in the network workloads.")
    var density: Double = 0.5
    @Flag(help: "Skip the (slow) stepped measurement.")
    var skipStepped = false
    @Flag(help: "Also run the demo's co-simulation (needs Verilator; minutes on a first build) for the model/Verilator speed ratio.")
    var cosim = false

    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    func run() throws {
        // (first, while this process is small: a child's peak RSS counts the pages it starts with)
        try endToEnd()
        let cfg = HardwareConfig.default
        let model = TileModel(config: cfg)
        print("\nconfig default (\(cfg.contentHash)): tile 8x8, lanesK 8, lanesC 8, B 32, L 20")

        // Stepped vs fast on the same layers (data moved in both).
        let probe: [SyntheticLayer] = [
            try SyntheticLayer(parsing: "k3s1c64x64@32x32r"),
            try SyntheticLayer(parsing: "k3s2c64x128@32x32"),
            try SyntheticLayer(parsing: "k1s1c128x64@32x32"),
        ]
        print("\nlayer                     cycles   stepped s  stepped cyc/s   fast s    fast cyc/s   speed-up")
        for l in probe {
            let job = try l.job(config: cfg, density: density, seed: 5)
            var t0 = now()
            let fast = try model.simulate(job, mode: .fast, dense: false)
            let tf = now() - t0
            var ts = Double.nan
            if !skipStepped {
                t0 = now()
                let stepped = try model.simulate(job, mode: .stepped, dense: false)
                ts = now() - t0
                precondition(stepped.stats == fast.stats && stepped.output == fast.output, "stepped and fast disagree on \(l.name)")
            }
            let c = Double(fast.stats.cycles)
            // (with --skip-stepped the stepped columns say so instead of printing nan)
            func right(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
            let stepped = ts.isNaN ? right("-", 10) + " " + right("-", 14) : String(format: "%10.3f %14.3g", ts, c / ts)
            let speedUp = ts.isNaN ? right("-", 11) : String(format: "%10.0fx", ts / tf)
            print(String(format: "%-22@ %10d %@ %8.4f %13.3g %@", l.name as NSString, fast.stats.cycles,
                         stepped as NSString, tf, c / tf, speedUp as NSString))
        }

        // Whole network-shaped workloads in fast mode with outputs (tensor generation excluded).
        for (net, layers) in [("resnet18@224", SyntheticLayer.resnet18(size: 224)), ("srresnet@128", SyntheticLayer.srresnet(size: 128))] {
            let jobs = try layers.enumerated().map { i, nl in try nl.1.job(config: cfg, density: density, seed: UInt64(i + 1), name: nl.0) }
            var t0 = now()
            var cycles = 0
            for j in jobs { cycles += try model.simulate(j, mode: .fast, outputs: true, dense: true).stats.cycles }
            let withOutputs = now() - t0
            t0 = now()
            for j in jobs { _ = try model.cycles(j) }
            let timingOnly = now() - t0
            print(String(format: "\n%@ (%d conv layers, tile density %.2f): %d cycles = %.3f ms at %.0f MHz",
                         net as NSString, jobs.count, density, cycles, Double(cycles) / (cfg.clockMHz * 1000), cfg.clockMHz))
            print(String(format: "  fast mode with outputs + dense baseline: %.3f s wall (%.3g simulated cycles/s)", withOutputs, Double(cycles) / withOutputs))
            print(String(format: "  fast mode timing only:                   %.4f s wall (%.3g simulated cycles/s)", timingOnly, Double(cycles) / timingOnly))
        }
    }

    /// Issue 14's end-to-end figures, each by running the `sparsetile` command built beside this
    /// benchmark (release build), as a user would: wall time, and peak memory of the ResNet-18 run.
    func endToEnd() throws {
        let bin = Bundle.main.executableURL!.deletingLastPathComponent().appendingPathComponent("sparsetile")
        guard FileManager.default.isExecutableFile(atPath: bin.path) else {
            print("\nend to end: \(bin.path) is missing: swift build -c release --product sparsetile"); return
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sparsetile-bench-\(getpid())")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        /// Runs the command; its wall seconds and this process's largest child's peak RSS so far (MB).
        func time(_ args: [String]) throws -> (seconds: Double, peakMB: Double) {
            let p = Process()
            p.executableURL = bin; p.arguments = args
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            let t0 = now()
            try p.run(); p.waitUntilExit()
            let dt = now() - t0
            guard p.terminationStatus == 0 else { throw ValidationError("sparsetile \(args.joined(separator: " ")) exited \(p.terminationStatus)") }
            var u = rusage(); getrusage(RUSAGE_CHILDREN.rawValue, &u)
            return (dt, Double(u.ru_maxrss) / 1024)
        }
        func row(_ what: String, _ now: String, _ target: String) { print(what.padding(toLength: 74, withPad: " ", startingAt: 0) + now.padding(toLength: 14, withPad: " ", startingAt: 0) + target) }
        print("end to end (issue 14), release build, this machine, \(ParallelWork.defaultJobs) cores:")
        row("command", "now", "target")
        // (the ResNet-18 run first: the children's peak RSS is then its own)
        let r = try time(["simulate", "--network", "resnet18", "--input-size", "224x224", "--density", "0.3"])
        row("simulate --network resnet18 --input-size 224x224 --density 0.3", String(format: "%.2f s", r.seconds), "<= 1.0 s")
        row("  its peak memory (max RSS)", String(format: "%.0f MB", r.peakMB), "<= 300 MB")
        let sr = try time(["simulate", "--network", "srresnet", "--input-size", "128x128"])
        row("simulate --network srresnet --input-size 128x128", String(format: "%.2f s", sr.seconds), "<= 2 s")
        let sweep = ["sweep", "--network", "srresnet", "--input-size", "64x64", "--tiles", "2x2,4x4,8x8,16x16",
                     "--lanes-k", "2,4,8,16", "--lanes-c", "2,4,8", "--json", tmp.appendingPathComponent("sweep.json").path]
        let sw = try time(sweep + ["--outputs"])
        row("sweep --network srresnet --input-size 64x64 (48 configs) --outputs", String(format: "%.2f s", sw.seconds), "<= 15 s")
        let st = try time(sweep)
        row("  the same sweep, timing only", String(format: "%.2f s", st.seconds), "")
        if cosim {
            let json = tmp.appendingPathComponent("cosim.json")
            _ = try time(["cosim", "--network", "srresnet", "--input-size", "64x64", "--density", "0.3", "--json", json.path])
            let o = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
            let c = o?["cosim"] as? [String: Any]
            if let m = c?["modelCyclesPerSecond"] as? Double, let v = c?["rtlCyclesPerSecond"] as? Double {
                row("cosim (the demo's layers): model / Verilator cycles/s", String(format: "%.0fx", m / v), ">= 100x")
            }
        } else {
            row("cosim model / Verilator cycles/s", "(--cosim)", ">= 100x")
        }
    }
}