import Foundation
import AcceleratorSpec
import RTLGen
import TileModel
import SparseCNN

/// The regression suites of `sparsetile regress` (issue 5): configurations × layer shapes × masks,
/// and `random` (issue 17, `RandomSuite`): cases drawn at random from a seed.
public enum RegressionSuite: String, CaseIterable, Sendable {
    case smoke, `default`, full, random
}

/// The mask of one regression case.
public enum MaskKind: Hashable, Sendable, CustomStringConvertible {
    case empty, full, singleTile, checkerboard
    /// Random tiles at this density (seeded per case).
    case random(Double)
    /// A real mask: the gradient-energy importance map of the bundled camera image, resampled to
    /// the output map, its top `density` fraction of pixels active, max-pooled over tiles.
    case image(Double)
    /// A real mask through a network: the pixel mask SparseCNN's `SparsityController` gives a conv
    /// layer of `network` (`resnet18` or `srresnet`) run on the bundled camera image at a small input
    /// size (`NetworkMasks`), at per-layer pixel density `density`; the layer is the first whose
    /// output map covers the case's map, its mask resampled (nearest) to the case's map, max-pooled over tiles.
    case network(String, Double)

    public var description: String {
        switch self {
        case .empty: return "empty"
        case .full: return "full"
        case .singleTile: return "single"
        case .checkerboard: return "checker"
        case .random(let d): return "rand\(Int((d * 100).rounded()))"
        case .image(let d): return "camera\(Int((d * 100).rounded()))"
        case .network(let n, let d): return "\(n)-d\(Int((d * 100).rounded()))"
        }
    }

    /// The tile mask of a `mapHeight × mapWidth` output in `tileH × tileW` tiles.
    public func tileMask(mapHeight: Int, mapWidth: Int, tileH: Int, tileW: Int, seed: UInt64) throws -> TileMask {
        if case .image(let d) = self {
            let map = BundledImportance.map.resampled(height: mapHeight, width: mapWidth)
            let sorted = map.values.sorted(by: >)
            let k = max(1, Int((Double(sorted.count) * d).rounded()))
            let threshold = sorted[min(k, sorted.count) - 1]
            let px = try PixelMask(height: mapHeight, width: mapWidth, bits: map.values.map { $0 >= threshold })
            return try TileMask(reducing: px, tileHeight: tileH, tileWidth: tileW)
        }
        if case .network(let n, let d) = self {
            let px = try NetworkMasks.mask(network: n, density: d, mapHeight: mapHeight, mapWidth: mapWidth)
            return try TileMask(reducing: px, tileHeight: tileH, tileWidth: tileW)
        }
        let th = (mapHeight + tileH - 1) / tileH, tw = (mapWidth + tileW - 1) / tileW
        return try TileMask(mapHeight: mapHeight, mapWidth: mapWidth, tileHeight: tileH, tileWidth: tileW,
                            bits: bits(tilesHigh: th, tilesWide: tw, seed: seed))
    }

    /// The tile bits over `th × tw` tiles (`.image` masks need the map size: use `tileMask`).
    public func bits(tilesHigh th: Int, tilesWide tw: Int, seed: UInt64) -> [Bool] {
        let n = th * tw
        switch self {
        case .image, .network: return Array(repeating: true, count: n)
        case .empty: return Array(repeating: false, count: n)
        case .full: return Array(repeating: true, count: n)
        case .singleTile:
            var b = Array(repeating: false, count: n)
            b[Int(seed % UInt64(n))] = true
            return b
        case .checkerboard: return (0..<n).map { ($0 / tw + $0 % tw) % 2 == 0 }
        case .random(let d):
            var g = SplitMix64(seed: seed)
            return (0..<n).map { _ in g.nextUnit() < d }
        }
    }
}

/// The importance map of the bundled camera image (at 96x96), computed once.
enum BundledImportance {
    static let map: ImportanceMap = {
        let img = try! Image.load(path: Image.bundledDefaultPath).resized(height: 96, width: 96)
        return try! GradientEnergyPredictor().importance(for: img.rgbTensor())
    }()
}

/// The per-layer masks SparseCNN gives ResNet-18 and SRResNet on the bundled camera image
/// (gradient-energy importance, `SparsityController` at one pixel density per layer), at small
/// input sizes: ResNet-18 at 64x64 (conv maps 32, 16, 8, 4, 2), SRResNet at 16x16 (maps 16, 32, 64).
public enum NetworkMasks {
    /// The input size each network is run at.
    public static func inputSize(_ network: String) -> ImageSize {
        network == "resnet18" ? ImageSize(height: 64, width: 64) : ImageSize(height: 16, width: 16)
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var memo: [String: [LayerMasks]] = [:]

    /// Every conv layer's masks of `network` at `density` (computed once per process).
    public static func layers(network: String, density: Double) throws -> [LayerMasks] {
        let key = "\(network)/\(density)"
        lock.lock(); defer { lock.unlock() }
        if let m = memo[key] { return m }
        guard network == "resnet18" || network == "srresnet" else {
            throw CoSimError.invalidArgument("network masks: resnet18 or srresnet, got '\(network)'")
        }
        let net = try Network.named(network)
        let size = inputSize(network)
        let img = try Image.load(path: Image.bundledDefaultPath).resized(height: size.height, width: size.width)
        let plan = try net.plan(height: size.height, width: size.width)
        let map = try GradientEnergyPredictor().importance(for: img.rgbTensor())
        let masks = try SparsityController(layers: plan.convLayers, map: map, tiling: TilingPolicy()).masks(density: density)
        memo[key] = masks
        return masks
    }

    /// The pixel mask of the first conv layer whose output map is at least `mapHeight × mapWidth`
    /// (the smallest such map), resampled (nearest pixel centre) to `mapHeight × mapWidth`.
    public static func mask(network: String, density: Double, mapHeight: Int, mapWidth: Int) throws -> PixelMask {
        let all = try layers(network: network, density: density)
        let fits = all.filter { $0.pixelMask.height >= mapHeight && $0.pixelMask.width >= mapWidth }
        guard let src = fits.min(by: { $0.pixelMask.bits.count < $1.pixelMask.bits.count })?.pixelMask else {
            throw CoSimError.invalidArgument("network masks: no \(network) layer covers a \(mapHeight)x\(mapWidth) map")
        }
        var bits: [Bool] = []
        bits.reserveCapacity(mapHeight * mapWidth)
        for y in 0..<mapHeight {
            let sy = (2 * y + 1) * src.height / (2 * mapHeight)
            for x in 0..<mapWidth { bits.append(src[sy, (2 * x + 1) * src.width / (2 * mapWidth)]) }
        }
        return try PixelMask(height: mapHeight, width: mapWidth, bits: bits)
    }
}

/// One case: a configuration, a layer shape and a mask.
public struct RegressionCase: Sendable {
    /// Stable identifier `<config#>/<shape>/<mask>`.
    public var id: String
    public var configIndex: Int
    public var config: HardwareConfig
    public var shape: SyntheticLayer
    public var mask: MaskKind
    public var seed: UInt64
    /// The tile shape the layer runs at (one of the config's shapes, §3.1).
    public var tileShape: TileShape
    /// The layer runs between two others of its shape (other tensors), with weight handoff (§7.2):
    /// preloaded by the previous one, which the RTL runs first in the same simulation, and handing
    /// the next one's first pass on (where the passes fit halves of the weight buffer).
    public var handoff: Bool
    /// The layer computes a channel window (§4: channels max(1, Cout÷3) ..< Cout − Cout÷4) over its mask, on
    /// an output region that already holds other values (a dense run's output, as under an SMSR
    /// channel mask's sparse tiles, docs/masks.md).
    public var channelWindow: Bool
    /// The DRAM behind the port for this case (the random suite draws one per case); nil: the run's
    /// `--mem-profile`.
    public var memory: MemoryProfile?
    /// The layers' activation (the random suite draws one per case); nil: the synthetic layer's, ReLU.
    public var activation: Activation?

    public init(id: String, configIndex: Int, config: HardwareConfig, shape: SyntheticLayer, mask: MaskKind, seed: UInt64,
                tileShape: TileShape? = nil, handoff: Bool = false, channelWindow: Bool = false, memory: MemoryProfile? = nil,
                activation: Activation? = nil) {
        self.id = id; self.configIndex = configIndex; self.config = config; self.shape = shape; self.mask = mask
        self.seed = seed; self.tileShape = tileShape ?? TileShape(height: config.tileH, width: config.tileW)
        self.handoff = handoff; self.channelWindow = channelWindow; self.memory = memory; self.activation = activation
    }

    /// Whether `selector` names this case: its whole id, or, in the random suite, its index part
    /// (`r17` for `r17/cfg2/…`).
    public func isNamed(_ selector: String) -> Bool {
        if id == selector { return true }
        guard selector.first == "r", Int(selector.dropFirst()) != nil else { return false }
        return id.hasPrefix(selector + "/")
    }

    /// The channel window of a `channelWindow` case of `cout` channels (two or more).
    public static func window(channels cout: Int) -> Range<Int> { max(1, cout / 3)..<max(max(1, cout / 3) + 1, cout - cout / 4) }

    /// The layer job (deterministic tensors and mask from the seed), its mask at the case's tile shape.
    public func job() throws -> LayerJob { try jobs().job }

    /// The layer job and, with `handoff`, the previous layer that hands it its first pass (nil when the
    /// passes do not allow a handoff).
    public func jobs() throws -> (previous: LayerJob?, job: LayerJob) {
        func make(_ seed: UInt64, _ name: String) throws -> LayerJob {
            let full = try shape.job(config: config, density: 1, seed: seed, name: name)
            let m = full.tileMask
            var job = full.with(tileMask: try mask.tileMask(mapHeight: m.mapHeight, mapWidth: m.mapWidth,
                                                            tileH: tileShape.height, tileW: tileShape.width, seed: seed))
            if let activation { job.activation = activation }
            return job
        }
        var job = try make(seed, id)
        if channelWindow {
            job.channels = Self.window(channels: job.outChannels)
            var state = seed | 1
            job.baseOutput = try QTensor(shape: job.outShape, scalars: (0..<job.outShape.count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Int8(truncatingIfNeeded: state >> 56)
            })
        }
        guard handoff else { return (nil, job) }
        let chain = try WeightHandoff.linked([try make(seed ^ 0x5052_4556, id + "<previous>"), job,
                                              try make(seed ^ 0x4E45_5854, id + "<next>")], config: config)
        return (chain[1].handoff.preloaded ? chain[0] : nil, chain[1])
    }
}

/// How one case ended.
public struct RegressionOutcome: Sendable {
    public enum Status: String, Sendable { case pass, fail, error, skipped }
    public var caseID: String
    public var configHash: String
    public var status: Status
    public var modelCycles: Int?
    public var rtlCycles: Int?
    public var message: String
    public var seconds: Double
    /// The comparison's parts (nil when the case did not run).
    public var timingMatches: Bool?
    public var outputsMatch: Bool?
    /// Busy cycles and every stall counter (part of `timingMatches`).
    public var stallCountersMatch: Bool?
    public init(caseID: String, configHash: String, status: Status, modelCycles: Int? = nil, rtlCycles: Int? = nil,
                message: String = "", seconds: Double = 0) {
        self.caseID = caseID; self.configHash = configHash; self.status = status
        self.modelCycles = modelCycles; self.rtlCycles = rtlCycles; self.message = message; self.seconds = seconds
    }
}

/// Merged JUnit XML and its counts (`Regression.mergeJUnit`).
public struct JUnitTotals: Sendable {
    public var xml: String
    public var tests: Int, failures: Int, errors: Int, skipped: Int
    /// The shards' times summed (machine time, not wall time).
    public var seconds: Double
}

/// The regression matrix and its runner.
public struct Regression: Sendable {
    /// The RTL's limits in the regression: maps up to 32 (the suites' maps are small).
    public static let limits = AcceleratorLimits(maxMapSize: 32)
    /// The design the regression simulates: the accelerator sized for the suite's small maps.
    public static let design = DesignSource.accelerator(maxMapSize: limits.maxMapSize)

    public var suite: RegressionSuite
    public var seed: UInt64
    /// Cases of the random suite (the other suites are fixed lists).
    public var count: Int

    public init(suite: RegressionSuite, seed: UInt64 = 1, count: Int = 1000) {
        self.suite = suite; self.seed = seed; self.count = count
    }

    /// A config with buffers big enough for every suite shape (64 input words per bank; 64 weight words
    /// per bank, so wide layers take several output-channel passes), still small RTL.
    /// `inputWords` words per input bank (default 64 per shape level).
    /// `lineWords` words per line-buffer bank (§6.5; default none); `packedProducts` and `packedSums` (§7.4);
    /// `requantStages` and `requantSlices` (§7.5); `boundaryRegisters` (§7.3).
    public static func config(tile: (Int, Int), lanesK: Int, lanesC: Int, bytes B: Int, latency L: Int, tileShapes: Int = 1,
                              inputWords: Int? = nil, lineWords: Int = 0, packedProducts: Bool = false, packedSums: Bool = false,
                              requantStages: Int = 0,
                              requantSlices: Int = 1, boundaryRegisters: Bool = false) -> HardwareConfig {
        let th = tile.0, tw = tile.1
        return try! HardwareConfig(tileH: th, tileW: tw, lanesK: lanesK, lanesC: lanesC,
                                   inputBufferBytes: 2 * th * tw * B * (inputWords ?? 64 << (tileShapes - 1)), weightBufferBytes: lanesK * B * 64,
                                   outputBufferBytes: 2 * th * tw * B * 2, memBytesPerCycle: B, memLatency: L,
                                   tileShapes: tileShapes, lineBufferBytes: th * tw * B * lineWords, packedProducts: packedProducts, packedSums: packedSums,
                                   requantStages: requantStages, requantSlices: requantSlices, boundaryRegisters: boundaryRegisters)
    }

    /// Configurations: tile 2x2 … 16x16, lanes 1 … 16, DRAM width and latency, one to three tile
    /// shapes (every case runs at every shape of its config), a line buffer.
    public var configs: [HardwareConfig] {
        let smoke = [
            Self.config(tile: (2, 2), lanesK: 2, lanesC: 4, bytes: 8, latency: 2),
            Self.config(tile: (4, 4), lanesK: 4, lanesC: 4, bytes: 16, latency: 8, tileShapes: 2),
        ]
        let more = [
            // (requant lanes cut by three registers and by one, §7.5)
            Self.config(tile: (2, 4), lanesK: 3, lanesC: 2, bytes: 4, latency: 1, requantStages: 3),
            Self.config(tile: (4, 2), lanesK: 1, lanesC: 8, bytes: 8, latency: 5, requantStages: 1),
            // the default config's geometry and its four shapes, with a line buffer (§6.5) that the
            // layers whose groups' halos fit its ring take (an input buffer of 32 words per bank:
            // stride-2 groups of 2x2 tiles hold 8 of their 16 slots, §3.1), and packed products (§7.4)
            Self.config(tile: (8, 8), lanesK: 8, lanesC: 8, bytes: 32, latency: 20, tileShapes: 4, inputWords: 32, lineWords: 64,
                        packedProducts: true),
            // (the line buffer, §6.5: every layer whose groups' halos fit its ring takes it, at every
            // shape; with boundary registers, §7.3: the copy engine takes a group a cycle later; a
            // requant lane a column, a row in four slices, §7.5; and packed products summed before
            // they are separated, §7.4)
            Self.config(tile: (4, 4), lanesK: 4, lanesC: 4, bytes: 16, latency: 6, tileShapes: 3, lineWords: 96, packedProducts: true,
                        packedSums: true, requantSlices: 4, boundaryRegisters: true),
        ]
        let full = [
            Self.config(tile: (3, 5), lanesK: 4, lanesC: 1, bytes: 4, latency: 3),
            Self.config(tile: (16, 16), lanesK: 2, lanesC: 4, bytes: 16, latency: 40, tileShapes: 2),
            Self.config(tile: (2, 2), lanesK: 16, lanesC: 16, bytes: 64, latency: 7),
        ]
        switch suite {
        case .smoke: return smoke
        case .default: return smoke + more + presets.map(\.config)
        case .full: return smoke + more + full + presets.map(\.config)
        case .random: return RandomSuite(seed: seed, count: count).configs
        }
    }

    /// The FPGA presets (`HardwareConfig.presets`, issue 13), after the suite's own configurations in
    /// the default and full suites: each runs the smoke shapes and masks (its RTL at the regression's
    /// limits), cases `<preset>[@shape]/<layer>/<mask>`.
    public var presets: [(name: String, config: HardwareConfig)] {
        suite == .default || suite == .full ? HardwareConfig.presets.map { ($0.name, $0.config) } : []
    }

    /// Layer shapes: K 1, 3, 5 and 7, stride 1 and 2, channels not multiples of the lanes (Cin 1, 3, 4;
    /// with taps packed where the config packs them, §3.2, stride 2 included: the 7x7 stride-2 layer),
    /// maps not multiples of the tile (7x7, 14x14, 5x9), tiny maps, many output-channel groups and
    /// passes (with halos resident across passes), residual and not; few output channels (output
    /// pairs, §3.3, run at every shape of the configs that take them), over wide input words too
    /// (grouped lanes, §3.4).
    public var shapes: [SyntheticLayer] {
        func l(_ k: Int, _ s: Int, _ ci: Int, _ co: Int, _ h: Int, _ w: Int, _ r: Bool) -> SyntheticLayer {
            SyntheticLayer(kernel: k, stride: s, inChannels: ci, outChannels: co, height: h, width: w, residual: r)
        }
        let smoke = [l(3, 1, 8, 4, 6, 6, true), l(1, 2, 5, 3, 7, 9, false)]
        let more = [l(3, 2, 6, 10, 9, 7, false), l(3, 1, 3, 5, 5, 11, true), l(1, 1, 16, 16, 4, 4, false),
                    l(3, 1, 4, 2, 1, 1, false),
                    // few input channels, maps of one or a few tiles, many output-channel groups and passes
                    l(3, 1, 1, 6, 14, 14, false), l(5, 1, 4, 3, 7, 7, true), l(3, 1, 3, 40, 5, 9, false),
                    // passes over a map of one to four tiles: resident halos with a residual
                    l(3, 1, 8, 72, 3, 3, true),
                    // two passes over three or four tile groups: halos resident in the quarters
                    l(3, 1, 8, 40, 9, 13, true),
                    // a first layer: 7x7 stride 2 over 3 channels (ResNet-18's conv1)
                    l(7, 2, 3, 9, 11, 13, false),
                    // few output channels: output pairs (§3.3) where the config takes them, a
                    // 5x5 kernel (6 columns wide in pairs) and a residual
                    l(5, 1, 6, 3, 12, 16, false), l(3, 1, 6, 1, 5, 8, true), l(5, 1, 8, 2, 7, 10, false),
                    // few output channels over wide input words: grouped lanes (§3.4) where the config
                    // groups them, with a residual, and one channel (in pairs, at the pair shapes)
                    l(3, 1, 24, 3, 9, 10, true), l(3, 1, 20, 1, 8, 12, false)]
        let full = [l(3, 1, 20, 12, 12, 10, true), l(1, 2, 33, 7, 13, 5, false)]
        switch suite {
        case .smoke: return smoke
        case .default: return smoke + more
        case .full: return smoke + more + full
        case .random: return []   // (drawn per case)
        }
    }

    public var masks: [MaskKind] {
        switch suite {
        case .smoke: return [.full, .empty, .singleTile, .random(0.5), .image(0.3)]
        case .default: return [.full, .empty, .singleTile, .checkerboard, .random(0.3), .random(0.7), .image(0.3),
                               .network("resnet18", 0.3), .network("srresnet", 0.3)]
        case .full: return [.full, .empty, .singleTile, .checkerboard, .random(0.1), .random(0.3), .random(0.5), .random(0.9),
                            .image(0.1), .image(0.3), .network("resnet18", 0.1), .network("resnet18", 0.3),
                            .network("srresnet", 0.1), .network("srresnet", 0.3)]
        case .random: return []   // (drawn per case)
        }
    }

    /// Every case, in a fixed order (config, shape, mask).
    public func cases() -> [RegressionCase] {
        if suite == .random { return RandomSuite(seed: seed, count: count).cases() }
        var out: [RegressionCase] = []
        let all = configs, firstPreset = all.count - presets.count
        let smoke = Regression(suite: .smoke, seed: seed)
        for (ci, c) in all.enumerated() {
            let preset = ci >= firstPreset ? presets[ci - firstPreset].name : nil
            let (shapes, masks) = preset == nil ? (self.shapes, self.masks) : (smoke.shapes, smoke.masks)
            // every shape of the config, then the pair shapes (§3.3) of the layers that take them
            let pairShapes = c.shapes.map { TileShape(height: $0.height, width: 2 * $0.width) }
            for t in c.shapes + pairShapes {
                // (the full tile keeps the case ids of configs with one shape)
                let tag = t == c.shapes[0] ? "" : "@\(t)"
                let layers = c.shapes.contains(t) ? shapes : shapes.filter {
                    LayerPlan.maskTiles(kernel: $0.kernel, stride: $0.stride, inChannels: $0.inChannels, outChannels: $0.outChannels,
                                        outWidth: ($0.width + $0.stride - 1) / $0.stride, config: c).contains(t)
                }
                for s in layers {
                    for m in masks {
                        let id = "\(preset ?? "cfg\(ci)")\(tag)/\(s.name)/\(m)"
                        var h: UInt64 = seed ^ 0xcbf2_9ce4_8422_2325
                        for b in id.utf8 { h ^= UInt64(b); h = h &* 0x100_0000_01b3 }
                        out.append(RegressionCase(id: id, configIndex: ci, config: c, shape: s, mask: m, seed: h, tileShape: t))
                        // the same layer between two others, handing weights on (§7.2), at two masks
                        if m == .full || m == .image(0.3) {
                            out.append(RegressionCase(id: id + "+handoff", configIndex: ci, config: c, shape: s, mask: m, seed: h ^ 1,
                                                      tileShape: t, handoff: true))
                        }
                        // a channel window over the layer's mask (§4), at two masks, at the config's shapes
                        if (m == .random(0.3) || m == .image(0.3)) && s.outChannels >= 2 && c.shapes.contains(t) {
                            out.append(RegressionCase(id: id + "+window", configIndex: ci, config: c, shape: s, mask: m, seed: h ^ 2,
                                                      tileShape: t, channelWindow: true))
                        }
                    }
                }
            }
        }
        return out
    }

    /// Shard `index` (1-based) of `count` of `cases`: the cases are ordered by a fixed hash of their
    /// id (so every shard mixes configurations, shapes and masks) and dealt round-robin. Independent
    /// of the seed and of the machine; the shards partition the suite.
    public static func shard(_ cases: [RegressionCase], index: Int, count: Int) -> [RegressionCase] {
        precondition(count >= 1 && (1...count).contains(index))
        func h(_ id: String) -> UInt64 {
            var x: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in id.utf8 { x ^= UInt64(b); x = x &* 0x100_0000_01b3 }
            return x
        }
        let order = cases.indices.sorted { (h(cases[$0].id), $0) < (h(cases[$1].id), $1) }
        let mine = Set(order.enumerated().filter { $0.offset % count == index - 1 }.map(\.element))
        return cases.indices.filter { mine.contains($0) }.map { cases[$0] }
    }

    /// Parses `I/N`.
    public static func parseShard(_ s: String) throws -> (index: Int, count: Int) {
        let p = s.split(separator: "/").compactMap { Int($0) }
        guard p.count == 2, p[1] >= 1, (1...p[1]).contains(p[0]) else {
            throw CoSimError.invalidArgument("--shard expects I/N with 1 ≤ I ≤ N, got '\(s)'")
        }
        return (p[0], p[1])
    }

    /// Runs `cases` with `jobs` workers; `execute` runs one case; `progress` sees each outcome as it ends
    /// (from worker threads, serialised). Outcomes come back in case order.
    public static func run(_ cases: [RegressionCase], jobs: Int,
                           execute: @Sendable (RegressionCase) -> RegressionOutcome,
                           progress: @Sendable (Int, RegressionOutcome) -> Void = { _, _ in }) -> [RegressionOutcome] {
        let done = ParallelWork.Counter()
        // (`execute` turns every failure into an outcome: nothing throws)
        return (try? ParallelWork.map(cases.count, jobs: jobs, { execute(cases[$0]) },
                                      finished: { _, r in if case .success(let o) = r { progress(done.increment(), o) } })) ?? []
    }

    /// Runs one case through the model and the RTL (the simulator must be built already, or is built now),
    /// both behind the DRAM of the case's profile, else `memory`, seeded with the case's seed; the RTL's X values drawn from
    /// `xSeed` (nil: Verilator's zeros).
    public static func execute(_ c: RegressionCase, source: DesignSource, fault: FaultInjection, cache: BuildCache,
                               memory: MemoryProfile = .fixed, xSeed: Int? = nil) -> RegressionOutcome {
        let t0 = Date()
        do {
            // (a layer the config cannot hold is skipped, with or without the layers around it)
            var alone = c
            alone.handoff = false
            let skip = { (e: any Error) in RegressionOutcome(caseID: c.id, configHash: c.config.contentHash, status: .skipped, message: "\(e)") }
            do { _ = try LayerPlan(job: try alone.job(), config: c.config) } catch { return skip(error) }
            let (previous, job) = try c.jobs()
            do { _ = try LayerPlan(job: job, config: c.config) } catch { return skip(error) }
            let sim = CoSimulator(config: c.config, source: source, fault: fault, cache: cache, memory: c.memory ?? memory, seed: c.seed,
                                  xSeed: xSeed)
            let r = try sim.run(job, after: previous)
            return outcome(c, comparison: r.comparison, seconds: Date().timeIntervalSince(t0))
        } catch {
            return RegressionOutcome(caseID: c.id, configHash: c.config.contentHash, status: .error, message: "\(error)",
                                     seconds: Date().timeIntervalSince(t0))
        }
    }

    /// The outcome of case `c` from its comparison: pass only when everything matches (cycles, the
    /// CYCLES/BEATS registers, DRAM beats, busy cycles and every stall counter, the trace, the outputs).
    /// `timingMatches` covers all but the outputs.
    public static func outcome(_ c: RegressionCase, comparison cmp: LayerComparison, seconds: Double) -> RegressionOutcome {
        var o = RegressionOutcome(caseID: c.id, configHash: c.config.contentHash, status: cmp.matches ? .pass : .fail,
                                  modelCycles: cmp.modelCycles, rtlCycles: cmp.rtlCycles, message: cmp.diagnosis, seconds: seconds)
        o.timingMatches = cmp.status == .done && cmp.cyclesMatch && cmp.counterMatches && cmp.traceMatch && cmp.beatsMatch
            && cmp.stallCountersMatch
        o.outputsMatch = cmp.outputsMatch
        o.stallCountersMatch = cmp.stallCountersMatch
        return o
    }

    /// JUnit XML (one `testsuite`; `testcase` classname = config hash, name = case id).
    public static func junit(_ outcomes: [RegressionOutcome], suiteName: String, seconds: Double) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let f = outcomes.filter { $0.status == .fail }.count, e = outcomes.filter { $0.status == .error }.count
        let s = outcomes.filter { $0.status == .skipped }.count
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
        x += "  <testsuite name=\"\(esc(suiteName))\" tests=\"\(outcomes.count)\" failures=\"\(f)\" errors=\"\(e)\" skipped=\"\(s)\" time=\"\(String(format: "%.3f", seconds))\">\n"
        for o in outcomes {
            x += "    <testcase classname=\"config.\(o.configHash)\" name=\"\(esc(o.caseID))\" time=\"\(String(format: "%.3f", o.seconds))\""
            switch o.status {
            case .pass: x += "/>\n"
            case .fail: x += ">\n      <failure message=\"mismatch\">\(esc(o.message))</failure>\n    </testcase>\n"
            case .error: x += ">\n      <error message=\"error\">\(esc(o.message))</error>\n    </testcase>\n"
            case .skipped: x += ">\n      <skipped message=\"\(esc(o.message))\"/>\n    </testcase>\n"
            }
        }
        x += "  </testsuite>\n</testsuites>\n"
        return x
    }

    /// The JUnit files of several shards as one document: their `testsuite` elements, unchanged,
    /// under one `testsuites` element whose counts are the sums. `documents` are (name, XML) pairs as
    /// `junit` writes them; a document without a `testsuite`, or a case (classname and name) in two of
    /// them (shards of different runs, or one shard twice), is an error naming the file(s).
    public static func mergeJUnit(_ documents: [(name: String, xml: String)]) throws -> JUnitTotals {
        var totals = JUnitTotals(xml: "", tests: 0, failures: 0, errors: 0, skipped: 0, seconds: 0)
        var suites: [String] = []
        var seen: [String: String] = [:]
        func attribute(_ name: String, in tag: Substring) -> String? {
            guard let r = tag.range(of: " \(name)=\"") else { return nil }
            let rest = tag[r.upperBound...]
            return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
        }
        for (name, xml) in documents {
            var rest = Substring(xml), found = 0
            while let open = rest.range(of: "<testsuite "), let close = rest.range(of: "</testsuite>", range: open.upperBound..<rest.endIndex) {
                let block = rest[open.lowerBound..<close.upperBound]
                let tag = block[..<(block.firstIndex(of: ">") ?? block.endIndex)]
                guard let t = attribute("tests", in: tag).flatMap(Int.init), let f = attribute("failures", in: tag).flatMap(Int.init),
                      let e = attribute("errors", in: tag).flatMap(Int.init) else {
                    throw CoSimError.invalidArgument("\(name): a <testsuite> without tests, failures and errors counts")
                }
                totals.tests += t; totals.failures += f; totals.errors += e
                totals.skipped += attribute("skipped", in: tag).flatMap(Int.init) ?? 0
                totals.seconds += attribute("time", in: tag).flatMap(Double.init) ?? 0
                var cases = block
                while let c = cases.range(of: "<testcase ") {
                    let ctag = cases[c.lowerBound..<(cases[c.lowerBound...].firstIndex(of: ">") ?? cases.endIndex)]
                    let key = "\(attribute("classname", in: ctag) ?? "") \(attribute("name", in: ctag) ?? "")"
                    if let other = seen[key] {
                        throw CoSimError.invalidArgument("case \(key) is in both \(other) and \(name): shards of one run partition its cases")
                    }
                    seen[key] = name
                    cases = cases[c.upperBound...]
                }
                suites.append(String(block))
                found += 1
                rest = rest[close.upperBound...]
            }
            if found == 0 { throw CoSimError.invalidArgument("\(name): no <testsuite> element (not a `sparsetile regress --junit` file)") }
        }
        totals.xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites tests=\"\(totals.tests)\" failures=\"\(totals.failures)\" errors=\"\(totals.errors)\" skipped=\"\(totals.skipped)\" time=\"\(String(format: "%.3f", totals.seconds))\">\n"
            + suites.map { "  " + $0 + "\n" }.joined() + "</testsuites>\n"
        return totals
    }

    /// The summary table: counts per config and in total, with wall time.
    public static func summary(_ outcomes: [RegressionOutcome], seconds: Double) -> String {
        var rows: [(String, [RegressionOutcome.Status: Int])] = []
        var order: [String] = []
        var by: [String: [RegressionOutcome.Status: Int]] = [:]
        for o in outcomes {
            if by[o.configHash] == nil { order.append(o.configHash); by[o.configHash] = [:] }
            by[o.configHash]![o.status, default: 0] += 1
        }
        for k in order { rows.append((k, by[k]!)) }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var out = [pad("config", 18) + pad("cases", 7) + pad("pass", 7) + pad("fail", 7) + pad("error", 7) + pad("skip", 7)]
        var tot: [RegressionOutcome.Status: Int] = [:]
        for (k, c) in rows {
            let n = c.values.reduce(0, +)
            out.append(pad(k, 18) + pad("\(n)", 7) + pad("\(c[.pass] ?? 0)", 7) + pad("\(c[.fail] ?? 0)", 7)
                       + pad("\(c[.error] ?? 0)", 7) + pad("\(c[.skipped] ?? 0)", 7))
            for (s, v) in c { tot[s, default: 0] += v }
        }
        out.append(pad("total", 18) + pad("\(outcomes.count)", 7) + pad("\(tot[.pass] ?? 0)", 7) + pad("\(tot[.fail] ?? 0)", 7)
                   + pad("\(tot[.error] ?? 0)", 7) + pad("\(tot[.skipped] ?? 0)", 7))
        out.append(String(format: "wall time %.1f s", seconds))
        return out.joined(separator: "\n")
    }
}
