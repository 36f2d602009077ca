import Foundation
import AcceleratorSpec
import RTLGen
import TileModel
import SparseCNN

/// The random regression (`sparsetile regress --suite random --count N --seed S`, issue 17): `count`
/// cases, each a configuration, a layer, a tile shape, a mask, a memory profile and whether the layer
/// hands weights on, drawn from `seed`.
///
/// A Verilator build per configuration costs 10–60 s, so the configurations come from a small pool
/// (`poolSize`: one per 1 000 cases, at least 4) drawn from the seed, and each case picks one of the
/// pool: many cases per build. Every draw is a pure function of the seed and the case's index
/// (and of the pool size, so of `count`): case `r17` of `--seed 5 --count 10000` is the same case on
/// every machine and in every shard, which is what makes `--case r17` reproduce it alone.
///
/// Configurations stay within what `HardwareConfig.validate()` and the generator accept, in a range
/// whose RTL builds in under a minute: tile sides 1…16 (divisible by the halvings of 1…3 tile
/// shapes), lanesC 1…16 (powers of two), DRAM words of 4…64 bytes, lanesK 1…min(16, B), at most 512
/// MACs per cycle, latency 1…40, a read window from 1 up or the default, accumulators of 20…32 bits,
/// 8…96 input words per bank and shape level, 4…128 weight words per bank, 1…4 output words per
/// pixel. Layers: kernels 1…9 (odd), stride 1 or 2, 1…32 input and 1…48 output channels, maps of
/// 1…32 on each side, residual or not. A layer that the drawn configuration cannot run (`LayerPlan`
/// rejects it, or the RTL's limits at `Regression.limits`) is drawn again from the same stream, so
/// no case is skipped and the draw stays deterministic.
public struct RandomSuite: Sendable {
    public var seed: UInt64
    public var count: Int

    public init(seed: UInt64, count: Int) { self.seed = seed; self.count = count }

    /// Configurations in the pool: one per 1 000 cases, at least 4 (so a small run still mixes a few).
    public static func poolSize(count: Int) -> Int { max(4, (count + 999) / 1000) }

    /// The configuration pool, distinct configurations in draw order.
    public var configs: [HardwareConfig] {
        var g = SplitMix64(seed: SplitMix64.seed(seed, name: "random-suite/configs"))
        var out: [HardwareConfig] = [], hashes = Set<String>()
        while out.count < Self.poolSize(count: count) {
            if let c = Self.drawConfig(&g), hashes.insert(c.contentHash).inserted { out.append(c) }
        }
        return out
    }

    /// Every case in index order; ids `r<index>/cfg<k>[@<tile>]/<layer>/<mask>/<memory profile>[+handoff][+window]`.
    public func cases() -> [RegressionCase] {
        let pool = configs
        return (0..<count).map { drawCase($0, pool: pool) }
    }

    /// Case `index` (0-based) over `pool` (`configs`).
    public func drawCase(_ index: Int, pool: [HardwareConfig]) -> RegressionCase {
        var g = SplitMix64(seed: SplitMix64.seed(seed, name: "random-suite/case\(index)"))
        let k = g.int(0...(pool.count - 1)), cfg = pool[k]
        let mask = Self.drawMask(&g)
        let memory: MemoryProfile = g.nextUnit() < 0.25 ? .fixed : {
            let lo = g.int(1...30)
            return .random(minLatency: lo, maxLatency: lo + g.int(0...90), stallProbability: Double(g.int(0...50)) / 100)
        }()
        let handoff = g.nextUnit() < 0.15
        // A channel window (§4) in about one case in eight without a handoff, drawn from a stream of its
        // own so the other draws (and the ids of the other cases) stay what they were.
        var gw = SplitMix64(seed: SplitMix64.seed(seed, name: "random-suite/window\(index)"))
        let wantsWindow = !handoff && gw.nextUnit() < 0.125
        // The activation, from a stream of its own too: none, ReLU or PReLU (a third each; the slope
        // any int16 in half the PReLU cases, within ±512, slopes of magnitude up to 2, in the rest)
        var ga = SplitMix64(seed: SplitMix64.seed(seed, name: "random-suite/activation\(index)"))
        let activation: Activation = switch ga.int(0...2) {
        case 0: .none
        case 1: .relu
        default: .prelu(slope: Int16(ga.nextUnit() < 0.5 ? ga.int(-32768...32767) : ga.int(-512...512)))
        }
        let act: String = switch activation {
        case .none: "+none"
        case .relu: ""
        case .prelu(let s): "+prelu\(s)"
        }
        // Layers until one fits (each try continues the stream: deterministic); the last try is the
        // smallest layer, which fits every configuration this suite draws (were it not to, the case
        // would run and report itself skipped, never vanish).
        var made: RegressionCase! = nil
        for attempt in 0..<200 {
            let layer = attempt < 199 ? Self.drawLayer(&g)
                : SyntheticLayer(kernel: 1, stride: 1, inChannels: 1, outChannels: 1, height: 1, width: 1, residual: false)
            let ow = (layer.width + layer.stride - 1) / layer.stride
            let tiles = LayerPlan.maskTiles(kernel: layer.kernel, stride: layer.stride, inChannels: layer.inChannels,
                                            outChannels: layer.outChannels, outWidth: ow, config: cfg)
            let tile = tiles[g.int(0...(tiles.count - 1))]
            let tag = tile == cfg.shapes[0] ? "" : "@\(tile)"
            // (a window runs unpaired, §3.3: not at a pair shape; and needs two channels)
            let window = wantsWindow && cfg.shapes.contains(tile) && layer.outChannels >= 2
            let id = "r\(index)/cfg\(k)\(tag)/\(layer.name)/\(mask)/\(memory)" + (handoff ? "+handoff" : "") + (window ? "+window" : "") + act
            var h: UInt64 = seed ^ 0xcbf2_9ce4_8422_2325
            for b in id.utf8 { h ^= UInt64(b); h = h &* 0x100_0000_01b3 }
            let c = RegressionCase(id: id, configIndex: k, config: cfg, shape: layer, mask: mask, seed: h, tileShape: tile,
                                   handoff: handoff, channelWindow: window, memory: memory, activation: activation)
            made = c
            if Self.fits(c) { break }
        }
        return made
    }

    /// Whether the model and the regression's RTL run case `c`.
    static func fits(_ c: RegressionCase) -> Bool {
        guard let job = try? c.jobs().job, let plan = try? LayerPlan(job: job, config: c.config) else { return false }
        return (try? Regression.limits.check(plan)) != nil
    }

    /// A configuration in the suite's range, or nil when the draw is one `validate()` or the generator refuses.
    static func drawConfig(_ g: inout SplitMix64) -> HardwareConfig? {
        // Lanes first, then tile sides within what is left of the 512 MACs: drawing the sides first
        // and rejecting would leave almost only lanesC = 1.
        let shapes = g.int(1...3), halvings = 1 << (shapes - 1)
        let lanesC = 1 << g.int(0...4)
        let B = 1 << g.int(max(2, lanesC.trailingZeroBitCount)...6)
        let lanesK = g.int(1...max(1, min(16, B, 512 / (lanesC * halvings * halvings))))
        let pixels = 512 / (lanesK * lanesC)   // tileH·tileW at most
        let th = halvings * g.int(1...max(1, min(16, pixels / halvings) / halvings))
        let tw = halvings * g.int(1...max(1, min(16, pixels / th) / halvings))
        guard th * tw * lanesK * lanesC <= 512 else { return nil }
        let L = g.int(1...40)
        let window: Int? = g.nextUnit() < 0.5 ? nil : g.int(1...(2 * L + 2))
        let acc = g.nextUnit() < 0.7 ? 32 : g.int(20...31)
        let inputWords = g.int(8...96) << (shapes - 1), weightWords = g.int(4...128), outWords = g.int(1...4)
        // a line buffer (§6.5) in a third of the configs whose tile sides are powers of two
        let pow2 = th & (th - 1) == 0 && tw & (tw - 1) == 0
        let lineWords = g.nextUnit() < 0.35 && pow2 ? g.int(8...160) : 0
        // packed products (§7.4) in half the configs of an even lanesK, summed before they are
        // separated in half of those of lanesC ≤ 4
        let packed = g.nextUnit() < 0.5 && lanesK % 2 == 0
        let packedSums = packed && lanesC <= 4 && g.nextUnit() < 0.5
        // the presets' timing cuts (§7.3–§7.5): requant registers in a third, boundary registers in half
        let requantStages = g.nextUnit() < 0.33 ? g.int(1...HardwareConfig.maxRequantStages) : 0
        let boundary = g.nextUnit() < 0.5
        // requant slices (§7.5) in half the configs that take some: a power of two above 1 dividing
        // lanesK, or lanesK times one dividing tileW (column slices)
        let sliceCounts = (1...10).map { 1 << $0 }.filter { HardwareConfig.takesRequantSlices($0, lanesK: lanesK, tileW: tw) }
        let slices = !sliceCounts.isEmpty && g.nextUnit() < 0.5 ? sliceCounts[g.int(0...(sliceCounts.count - 1))] : 1
        // MAC16 pairs (§7.4) in half the others of an even lanesK (the cell's stated products
        // are what a simulator runs; the cell itself is MAC16PairsTests')
        let mac16 = !packed && lanesK % 2 == 0 && g.nextUnit() < 0.5
        // mechanisms left out (§2): every one, as the iCE40 presets, in a fifth; halo reuse alone (the
        // load responses then carry their writes in the read tags, §7.3) in a sixth more
        let u = g.nextUnit()
        let leftOut: Set<Mechanism> = u < 0.2 ? Set(Mechanism.allCases) : (u < 0.37 ? [.haloReuse] : [])
        // tile lists (§6.1), as the iCE40 presets, in a third
        let tileList = g.nextUnit() < 0.33
        // PReLU tables (§7.5), as the iCE40 presets, in half the configs whose lanes take them
        let preluTable = requantStages >= 4 && g.nextUnit() < 0.5
        guard let c = try? HardwareConfig(tileH: th, tileW: tw, lanesK: lanesK, lanesC: lanesC, accumulatorWidth: acc,
                                          inputBufferBytes: 2 * th * tw * B * inputWords, weightBufferBytes: lanesK * B * weightWords,
                                          outputBufferBytes: 2 * th * tw * B * outWords, memBytesPerCycle: B, memLatency: L,
                                          maxOutstandingReads: window, tileShapes: shapes, lineBufferBytes: th * tw * B * lineWords,
                                          packedProducts: packed, packedSums: packedSums, mac16Pairs: mac16, tileList: tileList, preluTable: preluTable, requantStages: requantStages,
                                          requantSlices: slices, boundaryRegisters: boundary, leftOut: leftOut),
              (try? AcceleratorGenerator(config: c, limits: Regression.limits)) != nil else { return nil }
        return c
    }

    static func drawLayer(_ g: inout SplitMix64) -> SyntheticLayer {
        let kernel = [1, 1, 3, 3, 3, 3, 5, 5, 7, 9][g.int(0...9)]
        let stride = g.nextUnit() < 0.3 ? 2 : 1
        let cin = g.nextUnit() < 0.3 ? g.int(1...4) : g.int(1...32)
        let cout = g.nextUnit() < 0.3 ? g.int(1...4) : g.int(1...48)
        func side() -> Int { g.nextUnit() < 0.2 ? g.int(1...4) : g.int(1...32) }
        let h = side(), w = side()
        return SyntheticLayer(kernel: kernel, stride: stride, inChannels: cin, outChannels: cout, height: h, width: w,
                              residual: g.nextUnit() < 0.4)
    }

    static func drawMask(_ g: inout SplitMix64) -> MaskKind {
        let u = g.nextUnit()
        func density() -> Double { Double(g.int(5...95)) / 100 }
        switch u {
        case ..<0.05: return .empty
        case ..<0.20: return .full
        case ..<0.30: return .singleTile
        case ..<0.40: return .checkerboard
        case ..<0.75: return .random(density())
        case ..<0.90: return .image(density())
        default:
            // (few network densities: each is one run of the network, memoized)
            return .network(g.nextUnit() < 0.5 ? "resnet18" : "srresnet", [0.1, 0.3, 0.5][g.int(0...2)])
        }
    }
}

extension SplitMix64 {
    /// A draw uniform in `range` (modulo bias below 2⁻⁵⁰ for the small ranges used here).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
