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

    /// The take interval (§7.3), hand-worked: a 1×1 kernel on a 1×2 map of 1×1 tiles, one input
    /// word a pixel, so each load is one request. L0 is granted at g and presents its request at
    /// g + 1; L1 (eligible at once, i < 2) is granted after it, at g + 2 — and takes its tile — or,
    /// when takes must be three cycles apart (boundary registers), at g + 3; its request follows a
    /// cycle after its grant. So the loads start 2 cycles apart without the registers, 3 with them,
    /// and the RTL agrees with the model cycle for cycle both ways.
    @Test func oneRequestLoadsStartTheTakeIntervalApart() throws {
        let base = Regression.config(tile: (1, 1), lanesK: 2, lanesC: 2, bytes: 4, latency: 3)
        var cut = base
        cut.boundaryRegisters = true
        let job = try SyntheticLayer(kernel: 1, stride: 1, inChannels: 2, outChannels: 2, height: 1, width: 2, residual: false)
            .job(config: base, density: 1, seed: 5, shape: TileShape(height: 1, width: 1))
        for (config, interval) in [(base, 2), (cut, 3)] {
            let run = try CoSimulator(config: config, cache: StandIn.cache).run(job)
            #expect(run.comparison.matches, "\(run.comparison.diagnosis)")
            let loads = run.model.trace.filter { $0.pass == 0 }.map(\.loadStart)
            #expect(loads.count == 2)
            #expect(loads[1] - loads[0] == interval)
        }
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
