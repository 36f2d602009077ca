import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec

/// The RTL's internal widths follow from the config and the generator limits, not from fixed
/// 16, 18 or 32 bits (docs/accelerator-rtl.md, "Generator limits"): the walkers' map coordinates
/// from the largest map side and kernel, tile coordinates from the largest map's tiles at the
/// smallest shape, the halo bank's word arithmetic from its depth. Layers at those edges — the
/// largest output map of an RTL sized for maps of 32, the largest kernel (its halo 8×8 slots of
/// one word at stride 1, 10×10 at stride 2, of a bank half of DI = 128), stride 2 on an input twice
/// the largest map, 1×1 tiles at the smaller shape — co-simulate exactly: a width one bit short
/// wraps a coordinate or an address, and the RTL's outputs or cycles leave the model's.
@Suite("Derived widths in the RTL")
struct DerivedWidthsRTLTests {
    static let source = DesignSource.accelerator(maxMapSize: 32)

    @Test(arguments: [(15, 1, 32, 1), (15, 2, 64, 1), (3, 2, 63, 1), (3, 1, 32, 2)])
    func layersAtTheLimitsCoSimulateExactly(kernel: Int, stride: Int, side: Int, shapes: Int) throws {
        // (2×2 tiles, 2 + 2 lanes, B = 4; halo banks of 2·128 words, weight banks of 512: a K = 15 kgroup)
        let cfg = try HardwareConfig(tileH: 2, tileW: 2, lanesK: 2, lanesC: 2, inputBufferBytes: 2 * 4 * 4 * 128,
                                     weightBufferBytes: 2 * 4 * 512, outputBufferBytes: 2 * 4 * 4 * 2, memBytesPerCycle: 4,
                                     memLatency: 3, tileShapes: shapes)
        let shape = TileShape(height: 2 >> (shapes - 1), width: 2 >> (shapes - 1))
        let job = try SyntheticLayer(kernel: kernel, stride: stride, inChannels: 2, outChannels: 3, height: side, width: side, residual: stride == 1)
            .job(config: cfg, density: 0.5, seed: 21, shape: shape)
        #expect(max(job.outShape.height, job.outShape.width) == 32)
        let run = try CoSimulator(config: cfg, source: Self.source, cache: StandIn.cache).run(job)
        #expect(run.comparison.matches, "\(run.comparison.diagnosis)")
    }
}

/// The counters sized from the buffers (issue 13: `AcceleratorContext.cwW`, `ncW`, `stepW`,
/// `passChannelsW`, `kgroupW`): layers at their edges — one output channel's weights filling a
/// weight bank (CW = DW = 64, T = NC = 128 steps), passes of DO·B = 8 channels in 4 kgroups —
/// co-simulate exactly; one bit short and a counter wraps. A layer past them (CW = 128, which the
/// mapper never plans) is refused: STATUS.error, nothing read.
@Suite("Counter widths from the buffers")
struct BufferWidthsRTLTests {
    // (2×2 tiles, 2 + 2 lanes, B = 4; halo banks of 2·128 words, weight banks of 64, 2 output words a pixel)
    static let cfg = try! HardwareConfig(tileH: 2, tileW: 2, lanesK: 2, lanesC: 2, inputBufferBytes: 2 * 4 * 4 * 128,
                                         weightBufferBytes: 2 * 4 * 64, outputBufferBytes: 2 * 4 * 4 * 2, memBytesPerCycle: 4,
                                         memLatency: 3)
    static let source = DesignSource.accelerator(maxMapSize: 32)

    /// (256 input channels: CW = 64 = DW, T = NC = 128; 16 output channels: passes of 8 = DO·B)
    @Test(arguments: [(256, 4), (8, 16)])
    func aLayerAtTheBuffersEdgesCoSimulatesExactly(inChannels: Int, outChannels: Int) throws {
        let job = try SyntheticLayer(kernel: 1, stride: 1, inChannels: inChannels, outChannels: outChannels, height: 4, width: 4, residual: true)
            .job(config: Self.cfg, density: 0.75, seed: 31)
        let plan = try LayerPlan(job: job, config: Self.cfg)
        if inChannels == 256 {
            #expect(plan.inWords == Self.cfg.weightBankDepth && plan.steps == 128)
        } else {
            #expect(plan.passChannels == Self.cfg.outputWordsPerPixel * Self.cfg.memBytesPerCycle && plan.passes.count == 2)
        }
        let run = try CoSimulator(config: Self.cfg, source: Self.source, cache: StandIn.cache).run(job)
        #expect(run.comparison.matches, "\(run.comparison.diagnosis)")
    }

    /// A map of the most channels the config allows, B·(2^w − 1) = 4·127 = 508 (w = 7 bits for DW =
    /// 64 words): its pixel's COW = 127 words and channel 507 fit the counters, and it co-simulates
    /// exactly; one more channel and the mapper refuses the layer.
    @Test func aMapOfTheMostChannelsCoSimulatesExactly() throws {
        #expect(Self.cfg.maxMapChannels == 4 * 127)
        let layer = { (cout: Int) in try SyntheticLayer(kernel: 1, stride: 1, inChannels: 4, outChannels: cout, height: 4, width: 4, residual: false)
            .job(config: Self.cfg, density: 0.75, seed: 33) }
        #expect(throws: AcceleratorSpecError.self) { try LayerPlan(job: try layer(509), config: Self.cfg) }
        let job = try layer(508)
        #expect(try LayerPlan(job: job, config: Self.cfg).passes.count == 64)
        let run = try CoSimulator(config: Self.cfg, source: Self.source, cache: StandIn.cache).run(job)
        #expect(run.comparison.matches, "\(run.comparison.diagnosis)")
    }

    @Test func aLayerPastThemIsRefused() throws {
        let job = try SyntheticLayer(kernel: 1, stride: 1, inChannels: 8, outChannels: 8, height: 4, width: 4, residual: false)
            .job(config: Self.cfg, density: 1, seed: 32)
        let build = try CoSimulator(config: Self.cfg, source: Self.source, cache: StandIn.cache).build()
        let good = try HarnessJob(job: job, config: Self.cfg, watchdog: 20_000)
        #expect(try !build.run(good).statusError)
        // Cin = 512: CW = 128 does not fit 7 bits (DW = 64); pc = 16 channels do not fit 4 (DO·B = 8);
        // Cout = 512 is past the 4·127 = 508 channels a map may have (the channel counters' 9 bits
        // would hold it, its pixel's 128 words not the word counters' 7).
        for bad in [try good.with("LAYER2", "Cin", value: 512), try good.with("PASS", "pc", value: 16),
                    try good.with("LAYER2", "Cout", value: 512)] {
            let h = try build.run(bad)
            #expect(h.statusError && h.beatsRead == 0, "\(h.values)")
        }
    }
}
