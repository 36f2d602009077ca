@_exported import AcceleratorSpec

/// The cycle-accurate model of the reference accelerator (docs/microarchitecture.md).
public struct TileModel: Sendable {
    public let config: HardwareConfig
    /// How the DRAM behind the memory port answers (the fixed profile unless told otherwise).
    public let memory: MemoryTiming

    public init(config: HardwareConfig, memory profile: MemoryProfile = .fixed, seed: UInt64 = 1) {
        self.config = config
        memory = MemoryTiming(profile: profile, seed: seed, config: config)
    }

    /// Cycles of `job` without moving data (fast mode, timing only).
    public func cycles(_ job: LayerJob) throws -> Int {
        let plan = try LayerPlan(job: job, config: config)
        return LayerEngines(job: job, plan: plan, memory: memory, mode: .fast, withData: false).run()
    }

    /// Simulates one layer.
    /// - Parameters:
    ///   - mode: stepped (cycle by cycle, real buffers) or fast (event jumps, direct conv); identical results.
    ///   - outputs: move data and return the output tensor read back from the modelled DRAM.
    ///   - dense: also time the same layer with an all-ones tile mask at each of the config's tile
    ///     shapes, the fewest cycles being `denseCycles` (for `speedup`).
    public func simulate(_ job: LayerJob, mode: SimulationMode = .fast, outputs: Bool = true,
                         dense: Bool = true) throws -> LayerSimulation {
        let plan = try LayerPlan(job: job, config: config)
        let engines = LayerEngines(job: job, plan: plan, memory: memory, mode: mode, withData: outputs)
        let cycles = engines.run()
        if mode == .stepped, let d = engines.dram {
            precondition(d.loadedMask == job.tileMask.bits, "mask register differs from the job's tile mask")
        }
        let denseCycles = dense ? try self.denseCycles(job, plan: plan, cycles: cycles) : cycles
        let stats = Self.stats(job: job, plan: plan, engines: engines, cycles: cycles, denseCycles: denseCycles)
        return LayerSimulation(stats: stats, trace: engines.trace, output: engines.dram.map { $0.image.output(plan: plan) })
    }

    /// The dense baseline of `job` (`denseCycles`, §9): every tile active, at the config's best tile
    /// shape for it (a layer the mapper put on small tiles would otherwise be compared with a dense run
    /// on small tiles); `cycles` is the job's own count (its baseline when its mask is all ones).
    /// A channel-window run (§4) has none: it adds to its layer's cycles, whose dense baseline is that
    /// of the layer's dense run, so totals count each layer's dense cycles once.
    public func denseCycles(_ job: LayerJob, plan: LayerPlan, cycles: Int) throws -> Int {
        if plan.window.count != plan.layerCout { return 0 }
        let m = job.tileMask
        var best: Int? = m.activeCount == m.bits.count ? cycles : nil
        let tiles = LayerPlan.maskTiles(kernel: job.kernel, stride: job.stride, inChannels: job.inChannels,
                                        outChannels: job.outChannels, outWidth: job.outShape.width, config: config)
        for s in tiles where !(best != nil && s == TileShape(height: m.tileHeight, width: m.tileWidth)) {
            let full = job.with(tileMask: TileMask(mapHeight: m.mapHeight, mapWidth: m.mapWidth,
                                                   tileHeight: s.height, tileWidth: s.width, repeating: true))
            // (its own plan: resident halos depend on the tile count; a shape that does not fit is no baseline)
            guard let fullPlan = try? LayerPlan(job: full, config: config) else { continue }
            let c = LayerEngines(job: full, plan: fullPlan, memory: memory, mode: .fast, withData: false).run()
            best = min(best ?? c, c)
        }
        return best ?? cycles
    }

    /// `sim` (of `job`, run with `dense: false`) with its dense baseline filled in.
    public func addingDenseBaseline(to sim: LayerSimulation, of job: LayerJob) throws -> LayerSimulation {
        var r = sim
        r.stats.denseCycles = try denseCycles(job, plan: try LayerPlan(job: job, config: config), cycles: sim.stats.cycles)
        r.stats.speedup = r.stats.cycles == 0 ? 0 : Double(r.stats.denseCycles) / Double(r.stats.cycles)
        return r
    }

    static func stats(job: LayerJob, plan: LayerPlan, engines e: LayerEngines, cycles: Int, denseCycles: Int) -> LayerStats {
        let cfg = plan.config
        // (in the layer's own map: output pairs, §3.3, only change how the engines see it)
        let perPixel = plan.window.count * plan.kernel * plan.kernel * plan.cin  // (the channels the run computes)
        var issuedPixels = 0, usefulPixels = 0, outBytes = 0
        var covered = [Bool](repeating: false, count: plan.inH * plan.inW)
        let tiles = job.tileMask.activeTiles
        for (ty, tx) in tiles {
            let rows = plan.outRows(ty: ty), cols = plan.layerOutCols(tx: tx)
            issuedPixels += rows.count * cols.count
            if let pm = job.pixelMask {
                for y in rows { for x in cols where pm[y, x] { usefulPixels += 1 } }
            } else { usefulPixels += rows.count * cols.count }
            for y in plan.inputRows(ty: ty) { for x in plan.inputCols(tx: tx) { covered[y * plan.inW + x] = true } }
        }
        outBytes = issuedPixels * plan.window.count
        let inBytes = covered.reduce(0) { $0 + ($1 ? 1 : 0) } * plan.cin
        // (with a weight handoff, §7.2, the first pass's weights move in the previous layer's run, the
        // next layer's in this one)
        let handoffBytes = (plan.next?.compulsoryBytes ?? 0) - plan.preloadedWeightBytes
        let boundBytes = max(0, (tiles.isEmpty ? 0 : inBytes + perPixel + outBytes * (plan.hasResidual ? 2 : 1)) + handoffBytes)
        let useful = usefulPixels * perPixel
        let B = cfg.memBytesPerCycle
        let bound = max((useful + cfg.macsPerCycle - 1) / cfg.macsPerCycle, (boundBytes + B - 1) / B)
        let nTiles = job.tileMask.bits.count
        return LayerStats(
            name: job.name, kernel: plan.kernel, stride: plan.stride,
            inShape: job.inShape.array, outShape: job.outShape.array, tileShape: plan.shape.description, tapsPacked: plan.tapsPacked, outputPairs: plan.outputPairs, lanesGrouped: plan.lanesGrouped, lineBuffer: plan.lineBuffer,
            tileDensity: Double(tiles.count) / Double(nTiles), activeTiles: tiles.count, passes: plan.passes.count,
            cycles: cycles, computeBusyCycles: e.busy, stallCycles: e.stalls,
            issuedMACs: issuedPixels * perPixel, usefulMACs: useful,
            denseMACs: plan.outH * plan.layerOutW * perPixel,
            peUtilization: cycles == 0 ? 0 : Double(useful) / Double(cfg.macsPerCycle) / Double(cycles),
            dramBytesRead: e.beatsRead * B, weightBytesRead: e.weightBeatsRead * B, dramBytesWritten: e.beatsWritten * B,
            boundBytes: boundBytes, boundCycles: bound,
            cyclesOverBound: bound == 0 ? 0 : Double(cycles) / Double(bound),
            denseCycles: denseCycles, speedup: cycles == 0 ? 0 : Double(denseCycles) / Double(cycles))
    }
}
