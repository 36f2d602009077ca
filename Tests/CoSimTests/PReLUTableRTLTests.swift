import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec
import SparseCNN

/// PReLU tables (docs/microarchitecture.md §7.5, `HardwareConfig.preluTable`) in the RTL of the
/// iCE40 UP5K preset, which has them.
@Suite("PReLU tables in the RTL")
struct PReLUTableRTLTests {
    let preset = HardwareConfig.preset(named: "ice40-up5k")!

    func job(slope: Int16) throws -> LayerJob {
        var job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 4, outChannels: 3, height: 6, width: 6, residual: true)
            .job(config: preset, density: 1, seed: 31)
        job.activation = .prelu(slope: slope)
        return job
    }

    /// The host's 128 writes are the table of q = index − 128, worked out here from the formula of
    /// docs/quantization.md with plain integers: clamp((q·slope + 128) >> 8) (an arithmetic shift).
    @Test(arguments: [Int16.min, -300, -1, 0, 1, 64, 256, 511, Int16.max])
    func theTableIsTheActivationOfEveryNegativeByte(slope: Int16) throws {
        let job = try job(slope: slope)
        let plan = try LayerPlan(job: job, config: preset)
        let map = RegisterMap.standard
        let writes = try map.layerProgram(job: job, plan: plan, regions: MemoryRegions(plan: plan))
            .filter { $0.register == "PRELU_TABLE" }
        #expect(writes.count == 128)
        for (i, w) in writes.enumerated() {
            let q = i - 128, v = q * Int(slope) + 128
            let shifted = v >= 0 ? v / 256 : -((-v + 255) / 256)
            let expected = min(127, max(-128, shifted))
            #expect(Int(w.value >> 8 & 0x7F) == i && Int(Int8(truncatingIfNeeded: w.value & 0xFF)) == expected, "index \(i)")
        }
        // (a config without tables, or a layer without PReLU, writes none)
        var plain = preset
        plain.preluTable = false
        #expect(try map.layerProgram(job: job, plan: LayerPlan(job: job, config: plain), regions: MemoryRegions(plan: plan))
            .allSatisfy { $0.register != "PRELU_TABLE" })
        var relu = job
        relu.activation = .relu
        #expect(try map.layerProgram(job: relu, plan: plan, regions: MemoryRegions(plan: plan)).allSatisfy { $0.register != "PRELU_TABLE" })
    }

    /// The RTL's PReLU outputs come from its table and equal the model's (SparseCNN's formula), at
    /// slopes that scale down, up, negate and saturate.
    @Test(arguments: [Int16.min, -300, 0, 77, 256, Int16.max])
    func aPReLULayerCoSimulatesExactly(slope: Int16) throws {
        let r = try CoSimulator(config: preset, cache: StandIn.cache).run(job(slope: slope))
        #expect(r.comparison.matches, "\(r.comparison.diagnosis)")
    }

    /// The table's read register is the lane's cut after the residual add: fewer cuts are refused.
    @Test func aTableNeedsFourRequantCuts() throws {
        #expect(throws: AcceleratorSpecError.self) { try preset.overriding(preluTable: true, requantStages: 3) }
        #expect(try !preset.overriding(requantStages: 3).preluTable)
        #expect(try preset.overriding(requantStages: 5).preluTable)
    }
}
