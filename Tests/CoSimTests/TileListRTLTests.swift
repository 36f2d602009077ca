import Foundation
import Testing
import CoSim
import TileModel
import AcceleratorSpec
import SparseCNN

/// Tile lists (docs/microarchitecture.md §6.1, `HardwareConfig.tileList`) in the RTL of the iCE40
/// UP5K preset, which has them, against the same config with a bitmap.
@Suite("Tile lists in the RTL")
struct TileListRTLTests {
    let list = HardwareConfig.preset(named: "ice40-up5k")!
    var bitmap: HardwareConfig { var c = list; c.tileList = false; return c }

    /// The job of an 8×8 3×3 layer (4×4 tiles of 2×2) over the tiles `active` picks.
    func job(_ active: (Int, Int) -> Bool) throws -> LayerJob {
        var job = try SyntheticLayer(kernel: 3, stride: 1, inChannels: 4, outChannels: 3, height: 8, width: 8, residual: true)
            .job(config: list, density: 1, seed: 21)
        for ty in 0..<job.tileMask.tilesHigh { for tx in 0..<job.tileMask.tilesWide { job.tileMask[ty, tx] = active(ty, tx) } }
        return job
    }

    /// The list's RTL runs exactly what its model says, and the same tiles as the bitmap's: the
    /// same output, in cycles that differ only by the MASK burst (§7.2: it ends at Mw + L, and
    /// everything after it starts that much later). Tile (0, 0) alone is an entry of zeros, which
    /// the layer must still see as a tile; no tile at all ends the layer after the MASK burst.
    @Test(arguments: ["tile (0, 0)", "the last tile", "every tile", "a checkerboard", "no tile"])
    func aListRunsTheBitmapsTiles(mask: String) throws {
        let pick: (Int, Int) -> Bool = switch mask {
        case "tile (0, 0)": { $0 == 0 && $1 == 0 }
        case "the last tile": { $0 == 3 && $1 == 3 }
        case "every tile": { _, _ in true }
        case "a checkerboard": { ($0 + $1) % 2 == 0 }
        default: { _, _ in false }
        }
        let job = try job(pick)
        let a = try CoSimulator(config: list, cache: StandIn.cache).run(job)
        #expect(a.comparison.matches, "\(a.comparison.diagnosis)")
        let b = try TileModel(config: bitmap).simulate(job, mode: .fast)
        let planA = try LayerPlan(job: job, config: list), planB = try LayerPlan(job: job, config: bitmap)
        let n = job.tileMask.activeCount
        #expect(planA.maskTiles == n && planA.maskWords == max(1, (n + 1) / 2))
        #expect(a.model.output != nil && a.model.output == b.output)
        #expect(a.model.stats.cycles - b.stats.cycles == planA.maskWords - planB.maskWords)
    }

    /// Maps whose last tile row and column are partial (a 7×9 map at stride 1, its output 7×9;
    /// 9×7 at stride 2, its output 5×4): the walkers' valid rows and columns there come from the
    /// map's last tile row and column (docs/synthesis.md, issue 13), and every tile's loads,
    /// stores and outputs must still be the model's, cycle for cycle.
    @Test(arguments: [(7, 9, 1), (9, 7, 2)])
    func partialLastTilesRunAsTheModelSays(shape: (height: Int, width: Int, stride: Int)) throws {
        let job = try SyntheticLayer(kernel: 3, stride: shape.stride, inChannels: 4, outChannels: 3,
                                     height: shape.height, width: shape.width, residual: shape.stride == 1)
            .job(config: list, density: 1, seed: 22)
        let run = try CoSimulator(config: list, cache: StandIn.cache).run(job)
        #expect(run.comparison.matches, "\(run.comparison.diagnosis)")
    }

    /// The list in DRAM: 16-bit little-endian entries (ty high, tx low) in the order the engines
    /// take the tiles, two to the UP5K's 4-byte word, and MASK_TILES their count.
    @Test func theListsEntriesAreTheActiveTilesInOrder() throws {
        let job = try job { ty, tx in (ty * 4 + tx) % 3 == 1 }
        let plan = try LayerPlan(job: job, config: list)
        let image = MemoryImage(job: job, plan: plan)
        let mask = image.regions.mask * 4
        var entries: [(Int, Int)] = []
        for n in 0..<plan.maskTiles {
            let e = Int(image.bytes[mask + 2 * n]) | Int(image.bytes[mask + 2 * n + 1]) << 8
            entries.append((e >> 8, e & 0xFF))
        }
        let expected = (0..<16).filter { $0 % 3 == 1 }.map { ($0 / 4, $0 % 4) }
        #expect(entries.map { [$0.0, $0.1] } == expected.map { [$0.0, $0.1] })
        let writes = try RegisterMap.standard.layerProgram(job: job, plan: plan, regions: image.regions)
        #expect(writes.first { $0.offset == RegisterMap.standard["MASK_TILES"]!.offset }?.value == UInt32(expected.count))
    }
}
