import Foundation

/// Everything `sparsetile masks` does, as a library call (the CLI parses flags into this).
public struct MaskRunOptions: Sendable {
    /// What decides the masks' density.
    public enum Target: Sendable {
        /// The same pixel density at every conv layer.
        case density(Double)
        /// Sparse MACs / dense MACs of the whole network ≈ this fraction (at most).
        case macBudget(Double)
        /// Masks chosen by the caller (e.g. against a cycle budget with the hardware model, which
        /// this module does not know).
        case chosen(MaskChooser)
    }

    /// `resnet18`, `srresnet`, or a path to a JSON network.
    public var network: String
    /// Input image; nil = `Image.bundledDefaultPath`.
    public var imagePath: String?
    /// Size the image is resized to (area averaging); nil = the network's default
    /// (ResNet-18: 224x224; JSON: its `inputSize`; otherwise the image's own size).
    public var inputSize: ImageSize?
    public var target: Target
    /// Pixels first (pooled into tiles) or whole tiles first (docs/masks.md).
    public var mode: MaskMode
    public var tiling: TilingPolicy
    /// Directory of .npy weights; nil = seeded He init.
    public var weightsDirectory: String?
    public var seed: UInt64
    /// A 2-D .npy importance map used instead of the gradient-energy predictor.
    public var priorMaskPath: String?
    /// Skip the int8 dense/sparse runs (no quality figure; much faster).
    public var skipQuality: Bool
    /// Masks chosen another way, reported beside (MACs, quality and the comparison's own record).
    public var comparison: MaskComparison?
    /// SMSR-style channel masks: this fraction of every conv layer's output channels is computed
    /// in the tiles its tile mask leaves sparse, the channels most active there (nil: none).
    public var channelDensity: Double?
    /// How the channel masks are chosen (`ChannelMask.Selection`): a window by default.
    public var channelSelection: ChannelMask.Selection = .window
    public var outputDirectory: String

    public init(network: String, imagePath: String? = nil, inputSize: ImageSize? = nil, target: Target = .density(0.3),
                mode: MaskMode = .pixel, tiling: TilingPolicy = TilingPolicy(), weightsDirectory: String? = nil, seed: UInt64 = 0,
                priorMaskPath: String? = nil, skipQuality: Bool = false, comparison: MaskComparison? = nil,
                channelDensity: Double? = nil, outputDirectory: String) {
        self.comparison = comparison
        self.channelDensity = channelDensity
        self.network = network
        self.imagePath = imagePath
        self.inputSize = inputSize
        self.target = target
        self.mode = mode
        self.tiling = tiling
        self.weightsDirectory = weightsDirectory
        self.seed = seed
        self.priorMaskPath = priorMaskPath
        self.skipQuality = skipQuality
        self.outputDirectory = outputDirectory
    }
}

/// Chooses every conv layer's masks from the run's controller (rankings at each layer's
/// resolution): how a caller brings its own criterion into `runMasks`.
public struct MaskChooser: Sendable {
    /// summary.json's `mode` (e.g. `cycleBudget`) and `target`.
    public var mode: String
    public var target: Double
    public var choose: @Sendable (SparsityController) throws -> (masks: [LayerMasks], budget: MaskRunSummary.Budget?)

    public init(mode: String, target: Double,
                choose: @escaping @Sendable (SparsityController) throws -> (masks: [LayerMasks], budget: MaskRunSummary.Budget?)) {
        self.mode = mode; self.target = target; self.choose = choose
    }
}

/// Chooses a second set of masks, given the controller and the run's own masks, to report beside
/// them (e.g. pixel masks at the cycles of regional ones).
public struct MaskComparison: Sendable {
    public var label: String
    public var choose: @Sendable (SparsityController, [LayerMasks]) throws -> (masks: [LayerMasks], density: Double, budget: MaskRunSummary.Budget?)

    public init(label: String,
                choose: @escaping @Sendable (SparsityController, [LayerMasks]) throws -> (masks: [LayerMasks], density: Double, budget: MaskRunSummary.Budget?)) {
        self.label = label; self.choose = choose
    }
}

/// `summary.json` of a mask run (and the table printed from it).
public struct MaskRunSummary: Codable, Sendable, Equatable {
    public struct Layer: Codable, Sendable, Equatable {
        public var name: String
        /// [H, W, C] of the layer's output.
        public var outShape: [Int]
        /// [tileH, tileW] of the layer's tile mask.
        public var tile: [Int]
        public var pixelDensity: Double
        public var tileDensity: Double
        public var denseMACs: Int
        /// MACs of the active tiles (what the accelerator and SparseCNN's tile-sparse conv compute).
        public var sparseMACs: Int
        /// MACs of the active pixels alone (the pixel-wise refinement).
        public var pixelMACs: Int
        /// Channels the channel mask computes in the sparse tiles (0 without one), and their MACs
        /// (already in `sparseMACs`).
        public var channelMaskChannels: Int
        public var channelMACs: Int
        public var activePixels: Int
        public var pixels: Int
        public var activeTiles: Int
        public var tiles: Int
        /// Importance threshold of the layer's mask (null when it is empty).
        public var threshold: Float?
    }

    public struct Totals: Codable, Sendable, Equatable {
        public var denseMACs: Int
        public var sparseMACs: Int
        public var pixelMACs: Int
        /// sparseMACs / denseMACs (tile MACs).
        public var macFraction: Double
        /// pixelMACs / denseMACs.
        public var pixelMACFraction: Double
        /// 1 − macFraction.
        public var macsSaved: Double
        /// Active pixels over all conv layers / all their output pixels.
        public var pixelDensity: Double
        public var tileDensity: Double
    }

    public struct Quality: Codable, Sendable, Equatable {
        /// `psnr` (image outputs) or `top1` (class outputs).
        public var metric: String
        /// Sparse vs dense int8 output PSNR in dB; null when identical or not an image output.
        public var psnrDB: Double?
        /// Whether the sparse and dense int8 outputs are bit-identical.
        public var identical: Bool
        public var top1Dense: Int?
        public var top1Sparse: Int?
        public var top1Agrees: Bool?

        public var text: String {
            if metric == "top1" {
                return "top-1 sparse \(top1Sparse ?? -1) vs dense \(top1Dense ?? -1): \(top1Agrees == true ? "agrees" : "differs")"
            }
            if identical { return "PSNR sparse vs dense: inf dB (identical)" }
            return String(format: "PSNR sparse vs dense: %.2f dB", psnrDB ?? 0)
        }
    }

    /// A cycle budget and what the cycle-accurate model made of the chosen masks.
    public struct Budget: Codable, Sendable, Equatable {
        public struct Layer: Codable, Sendable, Equatable {
            public var name: String
            /// [tileH, tileW] the layer runs at.
            public var tile: [Int]
            public var tileDensity: Double
            /// Model cycles of the layer in the network run.
            public var cycles: Int
            /// cycles / the network's cycles.
            public var cycleShare: Double
            /// Share of the layer's importance in its active tiles, 0...1.
            public var importanceKept: Double
            /// The layer's weight in the network's importance (its share of the dense cycles).
            public var weight: Double

            public init(name: String, tile: [Int], tileDensity: Double, cycles: Int, cycleShare: Double, importanceKept: Double,
                        weight: Double) {
                self.name = name; self.tile = tile; self.tileDensity = tileDensity; self.cycles = cycles
                self.cycleShare = cycleShare; self.importanceKept = importanceKept; self.weight = weight
            }
        }
        public var budgetCycles: Int
        /// Set when the budget was given in milliseconds.
        public var latencyMs: Double?
        public var clockMHz: Double
        /// Content hash of the hardware configuration.
        public var config: String
        public var modelCycles: Int
        /// modelCycles / budgetCycles (at most 1).
        public var ofBudget: Double
        /// Every tile active, each layer at its best shape.
        public var denseCycles: Int
        /// No tile active: the least any masks give.
        public var minimumCycles: Int
        /// Σ weight × importanceKept over the layers, 0...1.
        public var importanceKept: Double
        public var layers: [Layer]

        public init(budgetCycles: Int, latencyMs: Double?, clockMHz: Double, config: String, modelCycles: Int, ofBudget: Double,
                    denseCycles: Int, minimumCycles: Int, importanceKept: Double, layers: [Layer]) {
            self.budgetCycles = budgetCycles; self.latencyMs = latencyMs; self.clockMHz = clockMHz; self.config = config
            self.modelCycles = modelCycles; self.ofBudget = ofBudget; self.denseCycles = denseCycles
            self.minimumCycles = minimumCycles; self.importanceKept = importanceKept; self.layers = layers
        }
    }

    public var network: String
    public var image: String
    /// [H, W] the network ran at.
    public var inputSize: [Int]
    /// [tileH, tileW].
    public var tile: [Int]
    /// `max` or `avg:T`.
    public var reduce: String
    /// `density` or `macBudget`.
    public var mode: String
    /// `pixel` or `regional`: how the masks were chosen (MaskMode).
    public var maskMode: MaskMode
    public var target: Double
    /// Per-layer density used (the target in density mode; the solution in budget mode).
    public var density: Double
    public var layers: [Layer]
    public var totals: Totals
    public var quality: Quality?
    /// Set in cycle-budget mode.
    public var budget: Budget?
    /// The same image under masks chosen another way, for comparison (`MaskRunOptions.comparison`).
    public var comparison: Comparison?
    /// The layers the host runs, not the accelerator (`NetworkPlan.hostOps`: `name (op)`); nil in
    /// summaries written before it was recorded.
    public var hostOps: [String]? = nil
    /// The importance predictor the masks come from (`ImportancePredictor.name`: `gradient-energy`,
    /// `prior-mask`, `detail`); nil in summaries written before it was recorded.
    public var predictor: String? = nil

    /// Masks chosen another way, reported beside the run's own.
    public struct Comparison: Codable, Sendable, Equatable {
        /// What they are, e.g. "pixel mode at the same cycles".
        public var label: String
        /// The density that chose them (pixel density in pixel mode).
        public var density: Double
        public var pixelDensity: Double
        public var tileDensity: Double
        /// Tile MACs and pixel MACs over dense.
        public var macFraction: Double
        public var pixelMACFraction: Double
        public var quality: Quality?
        /// Model cycles of these masks, when the comparison was made on the hardware model.
        public var budget: Budget?
    }

    /// The aligned text table printed by the CLI.
    public func table() -> String {
        let nameW = max(5, layers.map(\.name.count).max() ?? 0)
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            let p = String(repeating: " ", count: max(0, w - s.count))
            return left ? s + p : p + s
        }
        func macs(_ n: Int) -> String { String(format: "%.3fM", Double(n) / 1e6) }
        var lines = [pad("layer", nameW, left: true) + "  " + pad("outShape", 14) + "  " + pad("pixelDens", 9) + "  "
            + pad("tileDens", 8) + "  " + pad("denseMACs", 12) + "  " + pad("sparseMACs", 12)]
        for l in layers {
            lines.append(pad(l.name, nameW, left: true) + "  " + pad(l.outShape.map(String.init).joined(separator: "x"), 14) + "  "
                + pad(String(format: "%.4f", l.pixelDensity), 9) + "  " + pad(String(format: "%.4f", l.tileDensity), 8) + "  "
                + pad(macs(l.denseMACs), 12) + "  " + pad(macs(l.sparseMACs), 12))
        }
        lines.append(pad("total", nameW, left: true) + "  " + pad("", 14) + "  " + pad(String(format: "%.4f", totals.pixelDensity), 9) + "  "
            + pad(String(format: "%.4f", totals.tileDensity), 8) + "  " + pad(macs(totals.denseMACs), 12) + "  " + pad(macs(totals.sparseMACs), 12))
        lines.append(String(format: "MACs: %.4f of dense (%.1f%% saved) in tiles; the pixels alone %.4f", totals.macFraction,
                            totals.macsSaved * 100, totals.pixelMACFraction))
        if let q = quality { lines.append("quality: " + q.text) }
        if let c = comparison {
            var line = String(format: "%@: density %.4f, tile MACs %.4f of dense, the pixels alone %.4f", c.label as NSString,
                              c.density, c.macFraction, c.pixelMACFraction)
            if let b = c.budget { line += ", \(b.modelCycles) cycles" }
            if let q = c.quality { line += "; " + q.text }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// Runs the whole `masks` job: loads the network, weights and image, computes the importance
/// map, picks per-layer masks, runs the int8 network dense and sparse for the quality figure,
/// and writes `<layer>.pixel.npy`, `<layer>.tile.npy`, `<layer>.overlay.png` and `summary.json`
/// into `outputDirectory`. `progress` receives one line per stage.
public func runMasks(_ options: MaskRunOptions, progress: @escaping (String) -> Void = { _ in }) throws -> MaskRunSummary {
    let fm = FileManager.default
    // Network.
    let source = try NetworkSource(options.network)
    let network = source.network
    // Image.
    let imagePath = options.imagePath ?? Image.bundledDefaultPath
    guard fm.fileExists(atPath: imagePath) else {
        throw SparseCNNError.malformedFile(path: imagePath, reason: "image file not found")
    }
    var image = try Image.load(path: imagePath)
    let size: ImageSize = options.inputSize ?? network.defaultInputSize
        ?? (options.network == "resnet18" ? ImageSize(height: 224, width: 224) : ImageSize(height: image.height, width: image.width))
    if size.height != image.height || size.width != image.width {
        progress("resizing \(image.height)x\(image.width) image to \(size) (area averaging)")
        image = try image.resized(height: size.height, width: size.width)
    }
    let input = try image.networkInput(channels: network.inputChannels)
    let plan = try network.plan(height: size.height, width: size.width)
    let convs = plan.convLayers
    guard !convs.isEmpty else { throw SparseCNNError.invalidArgument("network '\(network.name)' has no conv layers to mask") }

    // Masks.
    let predictor = try importancePredictor(for: network, priorMaskPath: options.priorMaskPath, weightsDirectory: options.weightsDirectory)
    let map = try predictor.importance(for: input)
    progress("choosing masks for \(convs.count) conv layers")
    let controller = SparsityController(layers: convs, map: map, tiling: options.tiling)
    let density: Double, masks: [LayerMasks], mode: String, target: Double
    var budget: MaskRunSummary.Budget?
    switch options.target {
    case .density(let d):
        guard d > 0, d <= 1 else { throw SparseCNNError.invalidArgument("density \(d) must be in (0, 1]") }
        (density, masks, mode, target) = (d, try controller.masks(density: d, mode: options.mode), "density", d)
    case .macBudget(let f):
        guard f > 0, f <= 1 else { throw SparseCNNError.invalidArgument("MAC budget \(f) must be in (0, 1]") }
        let r = try controller.masks(costFraction: f, mode: options.mode)
        (density, masks, mode, target) = (r.density, r.masks, "macBudget", f)
    case .chosen(let chooser):
        let r = try chooser.choose(controller)
        guard r.masks.map(\.layer.name) == convs.map(\.name) else {
            throw SparseCNNError.invalidArgument("internal: the mask chooser returned masks for other layers than the network's")
        }
        let tiles = r.masks.reduce(0) { $0 + $1.tileMask.bits.count }
        (density, masks, mode, target) = (Double(r.masks.reduce(0) { $0 + $1.tileMask.activeCount }) / Double(max(1, tiles)),
                                          r.masks, chooser.mode, chooser.target)
        budget = r.budget
    }

    // The same image under masks chosen another way (e.g. pixel mode at the same cycles).
    var compared: (label: String, masks: [LayerMasks], density: Double, budget: MaskRunSummary.Budget?)?
    if let c = options.comparison {
        progress("choosing masks for the comparison: \(c.label)")
        let r = try c.choose(controller, masks)
        compared = (c.label, r.masks, r.density, r.budget)
    }

    // Channel masks: each layer's channels ranked by their mean |float output| over the pixels its
    // tile mask leaves sparse (the float run that also calibrates int8).
    var channelMasks: [String: ChannelMask] = [:]
    var floatStats: FloatRunResult?
    let needsParams = !options.skipQuality || options.channelDensity != nil
    let params = needsParams ? try source.parameters(weightsDirectory: options.weightsDirectory, seed: options.seed) : nil
    if let f = options.channelDensity {
        guard f >= 0, f <= 1 else { throw SparseCNNError.invalidArgument("channel density \(f) must be in [0, 1]") }
        progress("float run: channel activity outside each layer's tiles")
        let tiles = Dictionary(uniqueKeysWithValues: masks.map { ($0.layer.name, $0.tileMask) })
        var activity: [String: [Double]] = [:]
        floatStats = try plan.runFloat(input, parameters: params!) { name, value in
            guard let m = tiles[name], case .map(let t) = value else { return }
            var sum = [Double](repeating: 0, count: t.channels), n = 0
            for y in 0..<t.height {
                for x in 0..<t.width where !m[y / m.tileHeight, x / m.tileWidth] {
                    n += 1
                    for c in 0..<t.channels { sum[c] += Double(abs(t.scalars[(y * t.width + x) * t.channels + c])) }
                }
            }
            activity[name] = sum.map { $0 / Double(max(1, n)) }
        }
        for m in masks {
            let a = activity[m.layer.name] ?? []
            let k = Int((f * Double(m.layer.outputShape.channels)).rounded())
            if k > 0 && !a.isEmpty { channelMasks[m.layer.name] = try ChannelMask(importance: a, count: k, selection: options.channelSelection) }
        }
    }

    // Quality.
    var quality: MaskRunSummary.Quality?, comparedQuality: MaskRunSummary.Quality?
    if !options.skipQuality {
        progress("calibrating int8 scales (float run)")
        let q = try floatStats.map { try QuantizedNetwork(plan: plan, parameters: params!, maxAbs: $0.maxAbs) }
            ?? QuantizedNetwork(plan: plan, parameters: params!, calibrationInput: input)
        progress("int8 dense run")
        let dense = try q.run(input, record: false) { progress("  dense \($0)") }
        func measure(_ masks: [LayerMasks], _ what: String, channels: [String: ChannelMask] = [:]) throws -> MaskRunSummary.Quality? {
            progress("int8 sparse run\(what)")
            let tileMasks = Dictionary(uniqueKeysWithValues: masks.map { ($0.layer.name, $0.tileMask) })
            let sparse = try q.run(input, tileMasks: tileMasks, channelMasks: channels, record: false) { progress("  sparse \($0)") }
            switch (dense.output, sparse.output) {
            case (.map(let a, _), .map(let b, _)):
                let p = try OutputQuality.psnr(reference: a, test: b)
                return .init(metric: "psnr", psnrDB: p, identical: p == nil)
            case (.vector(let a), .vector(let b)):
                let ta = OutputQuality.top1(a), tb = OutputQuality.top1(b)
                return .init(metric: "top1", psnrDB: nil, identical: a == b, top1Dense: ta, top1Sparse: tb, top1Agrees: ta == tb)
            default: return nil
            }
        }
        quality = try measure(masks, "", channels: channelMasks)
        if let c = compared { comparedQuality = try measure(c.masks, " (\(c.label))") }
    }

    // Files.
    progress("writing \(options.outputDirectory)")
    try fm.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
    func path(_ f: String) -> String { (options.outputDirectory as NSString).appendingPathComponent(f) }
    var layers: [MaskRunSummary.Layer] = []
    var active = 0, pixels = 0, activeTiles = 0, tiles = 0, denseMACs = 0, sparseMACs = 0, pixelMACs = 0
    for m in masks {
        let p = m.pixelMask, t = m.tileMask
        try NPYArray.uint8(shape: [p.height, p.width], values: p.bits.map { $0 ? 1 : 0 }).write(path: path("\(m.layer.name).pixel.npy"))
        try NPYArray.uint8(shape: [t.tilesHigh, t.tilesWide], values: t.bits.map { $0 ? 1 : 0 }).write(path: path("\(m.layer.name).tile.npy"))
        try image.overlay(p, tileMask: t).writePNG(path: path("\(m.layer.name).overlay.png"))
        let cm = channelMasks[m.layer.name]
        if let cm { try NPYArray.bool(shape: [cm.channels], values: cm.bits).write(path: path("\(m.layer.name).channel.npy")) }
        // MACs of one output channel over the sparse tiles, times the channels computed there.
        let perChannel = m.layer.sparseMACs(tileMask: try TileMask(mapHeight: t.mapHeight, mapWidth: t.mapWidth, tileHeight: t.tileHeight,
                                                                   tileWidth: t.tileWidth, bits: t.bits.map { !$0 })) / m.layer.outputShape.channels
        let channelMACs = (cm?.selectedCount ?? 0) * perChannel
        let l = MaskRunSummary.Layer(name: m.layer.name, outShape: m.layer.outputShape.array, tile: [t.tileHeight, t.tileWidth],
                                     pixelDensity: p.density,
                                     tileDensity: t.density, denseMACs: m.layer.denseMACs,
                                     sparseMACs: m.layer.sparseMACs(tileMask: t) + channelMACs,
                                     pixelMACs: m.layer.pixelMACs(pixelMask: p), channelMaskChannels: cm?.selectedCount ?? 0,
                                     channelMACs: channelMACs, activePixels: p.activeCount, pixels: p.bits.count, activeTiles: t.activeCount, tiles: t.bits.count,
                                     threshold: m.threshold)
        layers.append(l)
        active += l.activePixels; pixels += l.pixels; activeTiles += l.activeTiles; tiles += l.tiles
        denseMACs += l.denseMACs; sparseMACs += l.sparseMACs; pixelMACs += l.pixelMACs
    }
    let frac = denseMACs > 0 ? Double(sparseMACs) / Double(denseMACs) : 0
    let pixelFrac = denseMACs > 0 ? Double(pixelMACs) / Double(denseMACs) : 0
    let reduce: String
    switch options.tiling.reduction {
    case .max: reduce = "max"
    case .avg(let t): reduce = "avg:\(t)"
    }
    var summary = MaskRunSummary(
        network: network.name, image: imagePath, inputSize: [size.height, size.width],
        tile: [options.tiling.tileHeight, options.tiling.tileWidth], reduce: reduce, mode: mode, maskMode: options.mode,
        target: target, density: density, layers: layers,
        totals: .init(denseMACs: denseMACs, sparseMACs: sparseMACs, pixelMACs: pixelMACs, macFraction: frac,
                      pixelMACFraction: pixelFrac, macsSaved: 1 - frac,
                      pixelDensity: Double(active) / Double(pixels), tileDensity: Double(activeTiles) / Double(tiles)),
        quality: quality, budget: budget,
        comparison: compared.map { c in
            let pixels = c.masks.reduce(0) { $0 + $1.pixelMask.bits.count }, tiles = c.masks.reduce(0) { $0 + $1.tileMask.bits.count }
            let dense = Double(max(1, denseMACs))
            return MaskRunSummary.Comparison(
                label: c.label, density: c.density,
                pixelDensity: Double(c.masks.reduce(0) { $0 + $1.pixelMask.activeCount }) / Double(max(1, pixels)),
                tileDensity: Double(c.masks.reduce(0) { $0 + $1.tileMask.activeCount }) / Double(max(1, tiles)),
                macFraction: Double(c.masks.reduce(0) { $0 + $1.layer.sparseMACs(tileMask: $1.tileMask) }) / dense,
                pixelMACFraction: Double(c.masks.reduce(0) { $0 + $1.layer.pixelMACs(pixelMask: $1.pixelMask) }) / dense,
                quality: comparedQuality, budget: c.budget)
        })
    summary.hostOps = plan.hostOps
    summary.predictor = predictor.name
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    try enc.encode(summary).write(to: URL(fileURLWithPath: path("summary.json")))
    return summary
}

extension TileReduction {
    /// Parses `max` or `avg:T` (T in [0, 1)).
    public init(parsing text: String) throws {
        if text == "max" { self = .max; return }
        if text.hasPrefix("avg:"), let t = Double(text.dropFirst(4)), t >= 0, t < 1 { self = .avg(threshold: t); return }
        throw SparseCNNError.invalidArgument("'\(text)' is not a reduction: use max or avg:T with 0 <= T < 1 (e.g. avg:0.25)")
    }
}
