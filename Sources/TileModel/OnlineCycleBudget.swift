import AcceleratorSpec

/// A cycle budget held over a sequence of frames (docs/masks.md "Online cycle budget"), as the
/// seed method's online sparsity controller does: one threshold, adjusted from frame to frame by
/// the previous frame's model cycles.
///
/// The threshold is on *estimated cycles*: a frame takes its tiles in the cycle-budget solver's
/// order (weighted importance share per marginal cycle, `CycleBudget.keys`) while their linear
/// cycle estimate (each layer's empty cycles plus its marginal cycles per tile) stays within it.
/// So the frame's own content decides which tiles, and how many its estimate allows; the feedback
/// only has to correct what the linear estimate misses (handoff, shapes, pipeline fill), which
/// drifts slowly. The first frame is solved exactly (`CycleBudget.solve`), which fixes each
/// layer's tile shape and the pricing for the sequence and gives the initial threshold (its
/// solution's estimate). After every frame `OnlineThresholdController` (target 1) is fed
/// budget / model cycles: its proportional-integral law on the threshold's log lowers the
/// threshold after a frame over budget and raises it after one under.
public struct OnlineCycleBudget: Sendable {
    /// One frame's outcome.
    public struct Frame: Sendable {
        public var index: Int
        /// The estimated-cycles threshold the frame ran at (frame 0: its exact solution's estimate).
        public var threshold: Double
        public var tileMasks: [TileMask]
        public var cycles: Int
        public var importanceKept: Double
    }

    public let config: HardwareConfig
    public let layers: [ConvLayerInfo]
    public let budget: Int
    public var jobs: Int
    public private(set) var pricing: CycleBudget.Pricing?
    /// The dense network's cycles (frame 0's; they do not depend on the frame).
    public private(set) var denseCycles: Int?
    public private(set) var controller: OnlineThresholdController?
    public private(set) var frames = 0

    public init(config: HardwareConfig, layers: [ConvLayerInfo], budget: Int, jobs: Int = ParallelWork.defaultJobs) {
        self.config = config; self.layers = layers; self.budget = budget; self.jobs = jobs
    }

    /// Runs the next frame, whose importance map is `map` (at the network's input resolution).
    public mutating func step(_ map: ImportanceMap) throws -> Frame {
        let ranked = SparsityController(layers: layers, map: map, tiling: TilingPolicy())
        let solver = CycleBudget(config: config, layers: layers.map { TimingLayer($0) },
                                 tiles: layers.indices.map { ranked.regional($0) }, jobs: jobs)
        let frame: Frame
        if let pricing, let c = controller {
            let t = Double(c.threshold)
            let masks = try solver.masks(estimatedCycles: t, pricing: pricing)
            let s = try solver.evaluate(masks, budget: budget, denseCycles: denseCycles)
            frame = Frame(index: frames, threshold: t, tileMasks: masks, cycles: s.cycles, importanceKept: s.importanceKept)
        } else {
            let s = try solver.solve(budget: budget)
            let masks = s.layers.map(\.tileMask)
            let p = try solver.pricing(shapes: masks.map { TileShape(height: $0.tileHeight, width: $0.tileWidth) })
            let t = max(1, solver.estimatedCycles(masks, pricing: p))
            pricing = p
            denseCycles = s.denseCycles
            controller = try OnlineThresholdController(target: 1, initialThreshold: Float(t))
            frame = Frame(index: 0, threshold: t, tileMasks: masks, cycles: s.cycles, importanceKept: s.importanceKept)
        }
        // Over budget: measured < 1, and the controller lowers the threshold.
        controller!.update(measured: Double(budget) / Double(max(1, frame.cycles)))
        frames += 1
        return frame
    }
}
