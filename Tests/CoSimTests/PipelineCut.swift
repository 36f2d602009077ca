import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec

/// A config and the same config with pipeline registers added (`requantStages`,
/// `boundaryRegisters`): both co-simulated on one job.
enum PipelineCut {
    /// Co-simulates `job` on `base` and on `cut`, expects both to match the model exactly and the
    /// RTL to write the same bytes, and returns how many cycles the registers added.
    static func addedCycles(base: HardwareConfig, cut: HardwareConfig, job: LayerJob) throws -> Int {
        let plain = try CoSimulator(config: base, cache: StandIn.cache).run(job)
        let piped = try CoSimulator(config: cut, cache: StandIn.cache).run(job)
        #expect(plain.comparison.matches, "\(plain.comparison.diagnosis)")
        #expect(piped.comparison.matches, "\(piped.comparison.diagnosis)")
        #expect(piped.rtl.outputBytes == plain.rtl.outputBytes)
        return piped.model.stats.cycles - plain.model.stats.cycles
    }

    /// The one-tile job both tests run: a 2×2 tile, all active.
    static let base = Regression.config(tile: (2, 2), lanesK: 2, lanesC: 4, bytes: 8, latency: 3)
    static func oneTile(residual: Bool, seed: UInt64) throws -> LayerJob {
        try SyntheticLayer(kernel: 3, stride: 1, inChannels: 6, outChannels: 3, height: 2, width: 2, residual: residual)
            .job(config: base, density: 1, seed: seed, shape: TileShape(height: 2, width: 2))
    }
}
