import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec

/// Registered engine boundaries (`HardwareConfig.boundaryRegisters`, docs/microarchitecture.md §7.3).
@Suite("Registered engine boundaries in the RTL")
struct BoundaryRegistersRTLTests {
    /// One tile, all active: its compute starts once its load is in, its requantization P cycles
    /// after its last step, its store after that, so the loaded token a cycle later (§7.3) and the
    /// address stage (P = 4, §7.4) make the layer exactly two cycles longer; the RTL co-simulates
    /// exactly with and without the registers and writes the same bytes.
    @Test(arguments: [false, true])
    func registersDelayTheTileByTwoCycles(residual: Bool) throws {
        let base = Regression.config(tile: (2, 2), lanesK: 2, lanesC: 4, bytes: 8, latency: 3)
        var cut = base
        cut.boundaryRegisters = true
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 6, outChannels: 3, height: 2, width: 2, residual: residual)
            .job(config: base, density: 1, seed: 12, shape: TileShape(height: 2, width: 2))
        let plain = try CoSimulator(config: base, cache: StandIn.cache).run(job)
        let registered = try CoSimulator(config: cut, cache: StandIn.cache).run(job)
        #expect(plain.comparison.matches, "\(plain.comparison.diagnosis)")
        #expect(registered.comparison.matches, "\(registered.comparison.diagnosis)")
        #expect(registered.rtl.outputBytes == plain.rtl.outputBytes)
        #expect(registered.model.stats.cycles == plain.model.stats.cycles + 2)
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
