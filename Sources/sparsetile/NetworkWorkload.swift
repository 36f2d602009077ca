import Foundation
import ArgumentParser
import AcceleratorSpec
import TileModel
import SparseCNN
import Report

/// A network run on an image, ready for the model: the (resized) image, every conv layer's
/// masks, and one job per conv layer with SparseCNN's int8 output as the golden result.
/// Shared by `simulate --network`, `report` and `sweep`.
struct NetworkWorkload {
    var networkName: String
    var image: Image
    var plan: NetworkPlan
    var convLayers: [ConvLayerInfo]
    var tileMasks: [String: TileMask] = [:]
    /// Pixel masks as chosen; with regional masks, before the refinement to the chosen tiles
    /// (`refinedPixelMasks`).
    var pixelMasks: [String: PixelMask] = [:]
    /// How each layer's tiles are chosen, where not pooled from its pixel mask (regional masks).
    var selections: [String: TileSelection] = [:]
    /// SMSR channel masks from the mask directory (`<layer>.channel.npy`): such a layer runs as its
    /// dense run and channel-window runs (`LayerJob.runs`, docs/masks.md).
    var channelMasks: [String: ChannelMask] = [:]
    /// Filled only when `runNetwork` is true.
    var jobs: [JobEntry] = []
    /// The int8 network calibrated on the image, and its input (only when `runNetwork` is true):
    /// `jobs(config:)` runs it again with another configuration's tile masks.
    var quantized: QuantizedNetwork?
    var input: FloatTensor?

    /// - Parameters:
    ///   - runNetwork: run the int8 network to get real tensors and golden outputs (false: masks only).
    init(network spec: String, image imagePath: String?, size: ImageSize?, density: Double, mode: MaskMode = .pixel, maskDir: String?,
         weights: String?, seed: UInt64, config cfg: HardwareConfig, runNetwork: Bool = true) throws {
        let source = try NetworkSource(spec)
        let net = source.network
        networkName = net.name
        var img = try Image.load(path: imagePath ?? Image.bundledDefaultPath)
        let sz = size ?? net.defaultInputSize ?? (spec == "resnet18" ? ImageSize(height: 224, width: 224) : ImageSize(height: img.height, width: img.width))
        plan = try net.plan(height: sz.height, width: sz.width)
        try plan.checkMemory("--network \(spec)")   // before the image is resized and any tensor of the size is made
        if sz.height != img.height || sz.width != img.width { img = try img.resized(height: sz.height, width: sz.width) }
        image = img
        let input = try img.networkInput(channels: net.inputChannels)
        convLayers = plan.convLayers
        if let dir = maskDir {
            // Pixel masks are enough: tile masks made for other tiles are reduced again (MaskDirectory).
            // Regional masks are used as they are, and fix each layer's tile shape.
            let masks = try MaskDirectory(path: dir)
            for l in plan.convLayers {
                if let c = try masks.channelMask(layer: l.name, channels: l.outputShape.channels), c.selectedCount > 0 { channelMasks[l.name] = c }
            }
            for l in plan.convLayers {
                let tile = try masks.regionalTiles.map { _ in try masks.regionalTile(layer: l.name) } ?? ImageSize(height: cfg.tileH, width: cfg.tileW)
                let m = try masks.masks(for: l, tiling: TilingPolicy(tileHeight: tile.height, tileWidth: tile.width, reduction: .max))
                tileMasks[l.name] = m.tileMask
                pixelMasks[l.name] = m.pixelMask
                if masks.regionalTiles != nil { selections[l.name] = .fixed(m.tileMask) }
            }
        } else {
            let map = try importancePredictor(for: net, priorMaskPath: nil, weightsDirectory: weights).importance(for: input)
            let controller = SparsityController(layers: plan.convLayers, map: map,
                                                tiling: TilingPolicy(tileHeight: cfg.tileH, tileWidth: cfg.tileW, reduction: .max))
            for (i, m) in try controller.masks(density: density).enumerated() {
                tileMasks[m.layer.name] = m.tileMask
                pixelMasks[m.layer.name] = m.pixelMask
                if mode == .regional { selections[m.layer.name] = .regional(controller.regional(i), density: density) }
            }
        }
        if cfg.tileShapes > 1 || !selections.isEmpty {
            // Per-layer tile shapes: each layer's tile mask is pooled from its pixel mask (regional: its
            // best tiles chosen) at the shape with the fewest model cycles (docs/microarchitecture.md §3.1).
            let model = TileModel(config: cfg)
            for l in sweepLayers where l.pixelMask != nil || selections[l.name] != nil {
                tileMasks[l.name] = try l.tileMask(shape: model.bestShape(for: l))
            }
        }
        guard runNetwork else { return }
        let params = try source.parameters(weightsDirectory: weights, seed: seed)
        let q = try QuantizedNetwork(plan: plan, parameters: params, calibrationInput: input)
        quantized = q; self.input = input
        jobs = try Self.run(q, input: input, tileMasks: tileMasks, pixelMasks: refinedPixelMasks(tileMasks), channelMasks: channelMasks, config: cfg,
                            progress: ProgressReporter(label: "int8 \(net.name)"))
    }

    /// The int8 run of `q` on `input` with these tile masks: one job per recorded conv layer, with
    /// the recorded output as the golden result.
    static func run(_ q: QuantizedNetwork, input: FloatTensor, tileMasks: [String: TileMask], pixelMasks: [String: PixelMask],
                    channelMasks: [String: ChannelMask] = [:], config: HardwareConfig, progress: ProgressReporter? = nil) throws -> [JobEntry] {
        var done = 0
        let total = q.plan.steps.count
        let run = try q.run(input, tileMasks: tileMasks, channelMasks: channelMasks, record: true) { name in
            done += 1
            progress?.update(done: min(done, total), total: total, what: name)
        }
        return try run.records.flatMap { rec -> [JobEntry] in
            let mask = tileMasks[rec.name]!, pm = pixelMasks[rec.name]
            guard rec.channelMask?.selectedCount ?? 0 > 0 else {
                let make: @Sendable () throws -> LayerJob = { try LayerJob(record: rec, tileMask: mask, pixelMask: pm) }
                return [(make, rec.output)]
            }
            // a channel-masked layer: its dense run, then its channel-window runs (LayerJob.runs)
            return try LayerJob.runs(record: rec, tileMask: mask, pixelMask: pm, config: config).map { r in
                let job = r.job
                let make: @Sendable () throws -> LayerJob = { job }
                return (make, r.golden)
            }
        }
    }

    /// The jobs of the same image and masks on another configuration: each layer's tile mask pooled
    /// from its pixel mask at the shape the mapper picks there, the int8 network run again with
    /// them for the golden outputs (its calibration kept). Needs `runNetwork`.
    func jobs(config cfg: HardwareConfig) throws -> [JobEntry] {
        guard let q = quantized, let input else { throw ValidationError("internal: the network was not run") }
        let model = TileModel(config: cfg)
        var masks = tileMasks
        for l in sweepLayers {
            let pooledDense = l.pixelMask == nil && selections[l.name] == nil
            masks[l.name] = try l.tileMask(shape: pooledDense ? TileShape(height: cfg.tileH, width: cfg.tileW) : model.bestShape(for: l))
        }
        return try Self.run(q, input: input, tileMasks: masks, pixelMasks: refinedPixelMasks(masks), channelMasks: channelMasks, config: cfg)
    }

    /// Each layer's pixel mask to go with `tiles`: as chosen (pixel mode), or restricted to the
    /// chosen tiles (regional: the pixel-wise refinement).
    func refinedPixelMasks(_ tiles: [String: TileMask]) -> [String: PixelMask] {
        var out = pixelMasks
        for (name, p) in pixelMasks where selections[name] != nil {
            if let t = tiles[name] { out[name] = p.restricted(to: t) }
        }
        return out
    }

    /// Shapes and pixel masks for `sweep` and the tile-shape mapper (each configuration pools its
    /// own tile masks).
    var sweepLayers: [TimingLayer] {
        convLayers.map { l in TimingLayer(l, pixelMask: pixelMasks[l.name], selection: selections[l.name] ?? .pooled) }
    }
}

/// The line `simulate`, `cosim`, `report` and `masks` print beside their per-layer tables, which
/// have the accelerator's layers only (docs/onnx.md, "Host ops").
func hostOpsLine(_ ops: [String]) -> String {
    "host ops (run by SparseCNN, not the accelerator): " + hostOpsText(ops)
}

/// `name (op)` entries as they are up to 16, else counted by op (a detector has hundreds).
func hostOpsText(_ ops: [String]) -> String {
    guard ops.count > 16 else { return ops.joined(separator: ", ") }
    var order: [String] = [], count: [String: Int] = [:]
    for o in ops {
        let kind = o.split(separator: "(").last.map { String($0.dropLast()) } ?? o
        if count[kind] == nil { order.append(kind) }
        count[kind, default: 0] += 1
    }
    return "\(ops.count) layers: " + order.map { "\(count[$0]!) \($0)" }.joined(separator: ", ")
}

extension NetworkPlan {
    /// Each conv layer's memory estimate: `SyntheticLayer.estimatedBytes` of the layer's job (its
    /// input, weights and output with the model's copies), the estimate `--layer`, `--synthetic`
    /// and topology rows are checked with.
    var memoryEstimates: [(layer: String, bytes: Double)] {
        convLayers.map { ($0.name, SyntheticLayer($0).estimatedBytes) }
    }

    /// Refuses the network at this input size when a conv layer's estimate is over
    /// `SPARSETILE_MAX_MEMORY_GB` (`SyntheticLayer.checkMemory`: the limit and the message, which
    /// names `what`, the layer, the estimate and how to raise the limit), before anything of the
    /// size is allocated: an absurd channel count or input size is bad input (exit 65), not an
    /// allocation abort.
    func checkMemory(_ what: String) throws {
        for l in convLayers { try SyntheticLayer(l).checkMemory("\(what): layer \(l.name)") }
    }
}

extension SyntheticLayer {
    /// The synthetic layer of a network's conv layer's shape.
    init(_ l: ConvLayerInfo) {
        self.init(kernel: l.kernel, stride: l.stride, inChannels: l.inputShape.channels, outChannels: l.outputShape.channels,
                  height: l.inputShape.height, width: l.inputShape.width, residual: l.residual != nil)
    }
}

/// `entries` run back to back with weight handoff (docs/microarchitecture.md §7.2, `WeightHandoff.chain`):
/// the handoffs are planned now; each job gets the next layer's words when it is built.
func withWeightHandoff(_ entries: [JobEntry], config cfg: HardwareConfig) throws -> [JobEntry] {
    let jobs = try entries.map { try $0.job() }
    let handoffs = WeightHandoff.chain(try jobs.map { try LayerPlan(job: $0, config: cfg) }, masks: jobs.map(\.tileMask))
    return entries.indices.map { i in
        ({
            var j = try entries[i].job()
            j.handoff = handoffs[i]
            if let n = handoffs[i].next {
                j.handoff.next = try n.withData(of: try entries[i + 1].job(), following: n.followingWords > 0 ? try entries[i + 2].job() : nil, config: cfg)
            }
            return j
        }, entries[i].golden)
    }
}

/// What the model made of a list of layer entries: each layer's statistics (in order), how many had a
/// golden output to compare with and which of them differ.
struct ModelRun {
    var stats: [LayerStats]
    var checked: Int
    var mismatched: [String]

    /// Runs `entries` through `model`, `jobs` layers at a time (they are independent once their inputs
    /// are known), each with outputs when it has a golden one (always in stepped mode), compared and
    /// dropped; `each(i, job, result)` sees every layer's result (on a worker thread), `finished(name)`
    /// is called as each ends, one call at a time.
    init(_ entries: [JobEntry], model: TileModel, mode: SimulationMode = .fast, jobs: Int,
         each: @escaping @Sendable (Int, LayerJob, LayerSimulation) throws -> Void = { _, _, _ in },
         finished: @escaping @Sendable (String) -> Void = { _ in }) throws {
        let results = try ParallelWork.map(entries.count, jobs: jobs, { i -> (stats: LayerStats, matches: Bool?) in
            let entry = entries[i]
            let job = try entry.job()
            let r = try model.simulate(job, mode: mode, outputs: mode == .stepped || entry.golden != nil)
            try each(i, job, r)
            return (stats: r.stats, matches: entry.golden.map { r.output == $0 })
        }, finished: { _, r in if case .success(let x) = r { finished(x.stats.name) } })
        stats = results.map(\.stats)
        checked = results.filter { $0.matches != nil }.count
        mismatched = results.filter { $0.matches == false }.map(\.stats.name)
    }
}
