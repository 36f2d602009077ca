import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec

/// A tile row in several requant cycles (`HardwareConfig.requantSlices`, docs/microarchitecture.md §7.5).
@Suite("Requant slices in the RTL")
struct RequantSlicesRTLTests {
    /// One 2×2 tile of two kgroups (3 output channels on 2 lanes), T = 9·⌈6/4⌉ = 18 steps, so the
    /// slot Kc = max(18, 2·s) does not change: only the last kgroup's requant takes tileH·s = 4
    /// cycles instead of 2, and the store that ends the layer waits 2 cycles more. The RTL
    /// co-simulates exactly and writes the same bytes as with whole rows.
    @Test func slicesDelayTheLastRowsByTheRowsTheyAdd() throws {
        var cut = PipelineCut.base
        cut.requantSlices = 2
        let job = try PipelineCut.oneTile(residual: true, seed: 12)
        #expect(try PipelineCut.addedCycles(base: PipelineCut.base, cut: cut, job: job) == 2)
    }

    /// A 1×1 kernel on 4 channels is one step a kgroup (T = 1), so the slot is the requant
    /// engine's: Kc = tileH·s, 2 with whole rows and 4 in two slices. Both kgroups' slots and the
    /// last requant grow by 2: 4 cycles in all.
    @Test func shortKgroupsWaitForTheSlices() throws {
        var cut = PipelineCut.base
        cut.requantSlices = 2
        let job = try SyntheticLayer(kernel: 1, stride: 1, inChannels: 4, outChannels: 3, height: 2, width: 2, residual: false)
            .job(config: PipelineCut.base, density: 1, seed: 13, shape: TileShape(height: 2, width: 2))
        #expect(try PipelineCut.addedCycles(base: PipelineCut.base, cut: cut, job: job) == 4)
    }

    /// Slices of a wider row (4×4 tile, 4 lanes in 2 and in 4 slices, requant registers, a
    /// residual, several tiles and passes) co-simulate exactly and write what whole rows write.
    @Test(arguments: [2, 4])
    func slicedRowsWriteTheSameBytes(slices: Int) throws {
        let base = Regression.config(tile: (4, 4), lanesK: 4, lanesC: 4, bytes: 16, latency: 5, requantStages: 3)
        var cut = base
        cut.requantSlices = slices
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 8, outChannels: 12, height: 9, width: 7, residual: true)
            .job(config: base, density: 0.6, seed: 14, shape: TileShape(height: 4, width: 4))
        #expect(try PipelineCut.addedCycles(base: base, cut: cut, job: job) >= 0)
    }

    /// Column slices (s > lanesK): a 4×4 tile of 2 lanes in 4 slices (two lanes' halves of the
    /// columns: 4 requant lanes) and in 8 (one lane, a column at a time), with requant registers, a
    /// residual (each lane's residual word is its column's) and several tiles, kgroups and passes,
    /// co-simulate exactly and write what whole rows write.
    @Test(arguments: [4, 8])
    func columnSlicesWriteTheSameBytes(slices: Int) throws {
        let base = Regression.config(tile: (4, 4), lanesK: 2, lanesC: 4, bytes: 8, latency: 5, requantStages: 2)
        var cut = base
        cut.requantSlices = slices
        #expect(cut.requantColumnSlices == slices / 2 && cut.requantLanesPerColumn == 1)
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 8, outChannels: 5, height: 9, width: 7, residual: true)
            .job(config: base, density: 0.6, seed: 15, shape: TileShape(height: 4, width: 4))
        // T = 9·⌈8/4⌉ = 18 ≥ tileH·s = 16 or 32: with 8 slices the slot grows to 32
        #expect(try PipelineCut.addedCycles(base: base, cut: cut, job: job) >= 0)
    }

    /// Slices of lanes that are not a power of two (6 lanes in 2 slices of 3; the random suite found
    /// 10 in 2 slices of 5 writing channel 5 wrong): a slice's first lane is slice·n, not the slice
    /// index's bits followed by the lane's. Co-simulates exactly and writes what whole rows write.
    @Test func slicesOfLanesThatAreNotAPowerOfTwo() throws {
        let base = Regression.config(tile: (4, 4), lanesK: 6, lanesC: 4, bytes: 16, latency: 5, requantStages: 3)
        var cut = base
        cut.requantSlices = 2
        #expect(cut.requantLanesPerColumn == 3)
        let job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 8, outChannels: 14, height: 9, width: 7, residual: true)
            .job(config: base, density: 0.6, seed: 16, shape: TileShape(height: 4, width: 4))
        #expect(try PipelineCut.addedCycles(base: base, cut: cut, job: job) >= 0)
    }

    @Test func slicesMustDivideTheLanesOrTheColumns() throws {
        var c = HardwareConfig.small   // lanesK 4, tile 4×4
        // 3 and 6 are not powers of two; 32 = lanesK · 8, and 8 does not divide tileW 4
        for bad in [0, 3, 6, 32] {
            c.requantSlices = bad
            #expect(throws: AcceleratorSpecError.self) { try c.validate() }
        }
        for good in [2, 4, 8, 16] {
            c.requantSlices = good
            try c.validate()
        }
        c.requantSlices = 4
        // an override halves the base's slices until the lanes and tile take them: 4 = 2 lanes · 2
        // columns; 3 lanes take none; 8 lanes take 4; 2 lanes on 1-wide tiles take 2
        #expect(try c.overriding(lanesK: 2).requantSlices == 4)
        #expect(try c.overriding(lanesK: 3).requantSlices == 1)
        #expect(try c.overriding(lanesK: 8).requantSlices == 4)
        #expect(try c.overriding(tileH: 4, tileW: 1, lanesK: 2).requantSlices == 2)
    }
}
