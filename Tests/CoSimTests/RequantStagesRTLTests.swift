import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec

/// Pipeline registers in the requant lanes (`HardwareConfig.requantStages`, docs/microarchitecture.md §7.5).
@Suite("Requant pipeline registers in the RTL")
struct RequantStagesRTLTests {
    /// One 2×2 tile, all active, with a residual: the layer ends with the store of its only tile,
    /// which waits for the tile's last requantized row, so R registers in the lanes make it exactly
    /// R cycles longer; the RTL co-simulates exactly at every R and writes the same bytes.
    @Test(arguments: Array(1...HardwareConfig.maxRequantStages))
    func registersDelayTheTileByTheirCount(stages: Int) throws {
        let base = Regression.config(tile: (2, 2), lanesK: 2, lanesC: 4, bytes: 8, latency: 3)
        var cut = base
        cut.requantStages = stages
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 6, outChannels: 3, height: 2, width: 2, residual: true)
            .job(config: base, density: 1, seed: 11, shape: TileShape(height: 2, width: 2))
        let plain = try CoSimulator(config: base, cache: StandIn.cache).run(job)
        let piped = try CoSimulator(config: cut, cache: StandIn.cache).run(job)
        #expect(plain.comparison.matches, "\(plain.comparison.diagnosis)")
        #expect(piped.comparison.matches, "\(piped.comparison.diagnosis)")
        #expect(piped.rtl.outputBytes == plain.rtl.outputBytes)
        #expect(piped.model.stats.cycles == plain.model.stats.cycles + stages)
    }

    @Test func outOfRangeIsRefused() {
        var c = HardwareConfig.small
        c.requantStages = HardwareConfig.maxRequantStages + 1
        #expect(throws: AcceleratorSpecError.self) { try c.validate() }
        c.requantStages = -1
        #expect(throws: AcceleratorSpecError.self) { try c.validate() }
    }
}
