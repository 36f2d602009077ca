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
    @Option(help: "Skip the (slow) stepped measurement.")
    var skipStepped = false

    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    func run() throws {
        let cfg = HardwareConfig.default
        let model = TileModel(config: cfg)
        print("config default (\(cfg.contentHash)): tile 8x8, lanesK 8, lanesC 8, B 32, L 20")

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
            print(String(format: "%-22@ %10d %10.3f %14.3g %8.4f %13.3g %10.0fx", l.name as NSString, fast.stats.cycles,
                         ts, c / ts, tf, c / tf, ts / tf))
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
}
