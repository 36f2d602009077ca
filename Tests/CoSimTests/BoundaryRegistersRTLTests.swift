import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec

/// Registered engine boundaries (`HardwareConfig.boundaryRegisters`, docs/microarchitecture.md §7.3).
@Suite("Registered engine boundaries in the RTL")
struct BoundaryRegistersRTLTests {
    /// One tile, all active: its compute starts once its load is in, its requantization P cycles
    /// after its last step, its store after that, so the loaded token a cycle later (§7.3), the
    /// address stage and the operand stage (P = 3 + 2, §7.4) make the layer exactly three cycles
    /// longer; the RTL co-simulates exactly with and without the registers and writes the same bytes.
    @Test(arguments: [false, true])
    func registersDelayTheTileByThreeCycles(residual: Bool) throws {
        var cut = PipelineCut.base
        cut.boundaryRegisters = true
        let job = try PipelineCut.oneTile(residual: residual, seed: 12)
        #expect(try PipelineCut.addedCycles(base: PipelineCut.base, cut: cut, job: job) == 3)
    }

    /// The field is in the config's JSON only when set, so that configs without it keep their hash.
    @Test func jsonOnlyWhenSet() throws {
        var c = HardwareConfig.small
        let plain = String(decoding: try JSONEncoder().encode(c), as: UTF8.self)
        #expect(!plain.contains("boundaryRegisters"))
        c.boundaryRegisters = true
        let data = try JSONEncoder().encode(c)
        #expect(String(decoding: data, as: UTF8.self).contains("\"boundaryRegisters\":true"))
        #expect(try JSONDecoder().decode(HardwareConfig.self, from: data).boundaryRegisters)
        #expect(c.contentHash != HardwareConfig.small.contentHash)
    }
}
