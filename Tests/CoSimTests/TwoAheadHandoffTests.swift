import Testing
import AcceleratorSpec
import CoSim
import TileModel

/// The weight handoff two ahead (docs/microarchitecture.md §7.2) on the RTL: a small config whose
/// 2×2 tiles run four to a group, three 8-channel 3×3 layers as in SRResNet's body (A without a
/// residual leaves the port idle, B with one keeps it busy, C after them). A's burst carries B's
/// first pass and C's first kgroups; B's carries C's bias words and the rest (or bias words only).
/// A co-simulated on its own and B right after A (in one memory, the warm-up run being A itself)
/// agree with the model in cycles, stall counters, trace, DRAM beats and outputs.
@Suite("Weight handoff two ahead, co-simulated", .enabled(if: haveVerilator && AcceleratorRTL.isAvailable), .serialized)
struct TwoAheadHandoffTests {
    static let config = try! HardwareConfig(tileH: 4, tileW: 4, lanesK: 2, lanesC: 4, inputBufferBytes: 2 * 16 * 8 * 128,
                                            weightBufferBytes: 2 * 8 * 256, outputBufferBytes: 2 * 16 * 8 * 2,
                                            memBytesPerCycle: 8, memLatency: 3, tileShapes: 2)

    static func jobs() throws -> [LayerJob] {
        let cfg = config
        return try [false, true, false].enumerated().map { i, residual in
            try SyntheticLayer(kernel: 3, stride: 1, inChannels: 8, outChannels: 8, height: 16, width: 16, residual: residual)
                .job(config: cfg, density: 1, seed: UInt64(40 + i), name: "layer\(i)", shape: TileShape(height: 2, width: 2))
        }
    }

    @Test func aAndBMatchTheModel() throws {
        let cfg = Self.config
        let linked = try WeightHandoff.linked(try Self.jobs(), config: cfg)
        let na = try #require(linked[0].handoff.next), nb = try #require(linked[1].handoff.next)
        #expect(na.followingWords > 0, "A carries none of C's weights: the case does not exercise two ahead")
        #expect(nb.firstWord == na.followingWords)
        let sim = CoSimulator(config: cfg, cache: StandIn.cache)
        let a = try sim.run(linked[0]).comparison
        #expect(a.matches, "\(a.diagnosis)")
        let b = try sim.run(linked[1], after: linked[0]).comparison
        #expect(b.matches, "\(b.diagnosis)")
    }
}
