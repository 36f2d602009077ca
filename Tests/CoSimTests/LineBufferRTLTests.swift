import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec

/// The line buffer in the RTL (docs/microarchitecture.md §6.5, register field LAYER0.line).
@Suite("The line buffer in the RTL")
struct LineBufferRTLTests {
    /// 2×2 tiles (shapes 2×2 and 1×1), lanes 2×4, B 8, line banks of 64 words.
    static let config = Regression.config(tile: (2, 2), lanesK: 2, lanesC: 4, bytes: 8, latency: 3, tileShapes: 2, lineWords: 64)

    /// A 3×3 layer on a 6×6 map of 4 channels (one word a pixel) in 2×2 tiles, all active. With the
    /// line buffer every map pixel is read once: 36 input words. Without, the tiles take the column
    /// ring (a 4×4 halo; a tile below its neighbour would load 2·4 words, one beside it 4·2: columns
    /// on a tie): per tile row 3 + 2 + 1 columns (the first tile's 3 in the map, then the columns
    /// past the 2 shared), of 3, 4 and 3 rows: 60 words. Both co-simulate exactly and write the same
    /// output bytes; the weights, bias and mask words are the same, so the reads differ by 24.
    @Test func theLineBitSelectsTheLoadsNotTheResult() throws {
        let cfg = Self.config
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 4, outChannels: 2, height: 6, width: 6, residual: false)
            .job(config: cfg, density: 1, seed: 5, shape: TileShape(height: 2, width: 2))
        let plan = try LayerPlan(job: job, config: cfg)
        #expect(plan.lineBuffer)
        let sim = CoSimulator(config: cfg, cache: StandIn.cache)
        let r = try sim.run(job)
        #expect(r.comparison.matches, "\(r.comparison.diagnosis)")

        let build = try sim.build()
        let line = try HarnessJob(job: job, config: cfg, watchdog: 20_000)
        #expect(try line.sets("LAYER0", "line"))
        let a = try build.run(line), b = try build.run(try line.with("LAYER0", "line", false))
        #expect(!a.statusError && !b.statusError)
        #expect(a.outputBytes == b.outputBytes && a.outputBytes == r.rtl.outputBytes)
        #expect(b.counters.beatsRead - a.counters.beatsRead == 60 - 36, "\(a.counters.beatsRead) vs \(b.counters.beatsRead)")
    }

    /// LAYER0.line on a config without a line buffer is refused: STATUS.error, nothing read.
    @Test func theLineBitWithoutALineBufferIsAnError() throws {
        let cfg = StandIn.config
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 4, outChannels: 2, height: 4, width: 4, residual: false)
            .job(config: cfg, density: 1, seed: 6)
        let bad = try HarnessJob(job: job, config: cfg, watchdog: 2_000).with("LAYER0", "line", true)
        let h = try CoSimulator(config: cfg, cache: StandIn.cache).build().run(bad)
        #expect(h.statusError && h.beatsRead == 0, "\(h.values)")
    }
}
