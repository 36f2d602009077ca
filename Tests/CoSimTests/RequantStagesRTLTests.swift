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
        var cut = PipelineCut.base
        cut.requantStages = stages
        let job = try PipelineCut.oneTile(residual: true, seed: 11)
        #expect(try PipelineCut.addedCycles(base: PipelineCut.base, cut: cut, job: job) == stages)
    }

    @Test func outOfRangeIsRefused() {
        var c = HardwareConfig.small
        c.requantStages = HardwareConfig.maxRequantStages + 1
        #expect(throws: AcceleratorSpecError.self) { try c.validate() }
        c.requantStages = -1
        #expect(throws: AcceleratorSpecError.self) { try c.validate() }
    }
}
