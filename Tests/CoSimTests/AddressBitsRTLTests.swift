import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec

/// DRAM addresses of `HardwareConfig.addressBits` bits (docs/microarchitecture.md §2).
@Suite("DRAM address width in the RTL")
struct AddressBitsRTLTests {
    /// A layer whose image reaches past word 2^15 on 16-bit addresses (its output region starts
    /// above it: the top address bit is used) co-simulates exactly; a layer whose image needs more
    /// than 2^16 words is refused by its plan, naming the words and the bits.
    @Test func sixteenBitAddresses() throws {
        var cfg = StandIn.config
        cfg.addressBits = 16
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 32, outChannels: 32, height: 64, width: 64, residual: true)
            .job(config: cfg, density: 0.05, seed: 31)
        let regions = MemoryRegions(plan: try LayerPlan(job: job, config: cfg))
        #expect(regions.output >= 1 << 15 && regions.end <= 1 << 16)
        let r = try CoSimulator(config: cfg, cache: StandIn.cache).run(job)
        #expect(r.comparison.matches, "\(r.comparison.diagnosis)")

        let big = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 32, outChannels: 32, height: 80, width: 80, residual: true)
            .job(config: cfg, density: 0.05, seed: 32)
        do {
            _ = try LayerPlan(job: big, config: cfg)
            Issue.record("an image past 2^16 words was accepted")
        } catch let AcceleratorSpecError.invalidLayer(m) {
            #expect(m.contains("65536 words") && m.contains("16-bit"), "\(m)")
        }
        var wide = cfg
        wide.addressBits = 32
        #expect(throws: Never.self) { try LayerPlan(job: big, config: wide) }
    }
}
