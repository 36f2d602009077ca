import Foundation
import AcceleratorSpec

/// How the model advances time. Both give identical cycles, stats, trace and outputs.
public enum SimulationMode: String, Codable, Sendable, CaseIterable {
    /// One cycle at a time; every engine moves real data through banked buffers and the PE array.
    case stepped
    /// Jumps over stretches whose length is known; outputs from SparseCNN's sparse convolution of
    /// the layer's active tiles (its vectorised int8 kernels), copied where each store goes.
    case fast
}

/// A stall cause of docs/microarchitecture.md §9; the raw value is the field name of `StallCycles`
/// (and of the `stallCycles` JSON object) and, upper-cased, the suffix of its `STALL_<CAUSE>` register.
public enum StallCause: String, CaseIterable, Hashable, Codable, Sendable {
    case setup, weights, load, store, dram, requant, drain
}

/// Cycles in which the compute engine issued no step, by cause. They partition
/// `cycles − computeBusyCycles` (docs/microarchitecture.md, "Statistics").
public struct StallCycles: Hashable, Codable, Sendable {
    /// Tile-mask load at layer start.
    public var setup = 0
    /// Bias and weight loading of each pass.
    public var weights = 0
    /// Waiting for the next tile's input (halo + residual) load.
    public var load = 0
    /// Waiting for the output-buffer half (store of tile i−2) while the store engine is not blocked.
    public var store = 0
    /// Waiting for the output-buffer half while the store engine is blocked by a load request (port contention).
    public var dram = 0
    /// Kgroup slot padding when T < tileH·s (the requant engine needs tileH·requantSlices cycles per kgroup).
    public var requant = 0
    /// After the pass's last kgroup: pipeline, requant and stores draining.
    public var drain = 0

    public init() {}
    public var total: Int { setup + weights + load + store + dram + requant + drain }

    /// The count of one cause.
    public subscript(cause: StallCause) -> Int {
        get {
            switch cause {
            case .setup: return setup
            case .weights: return weights
            case .load: return load
            case .store: return store
            case .dram: return dram
            case .requant: return requant
            case .drain: return drain
            }
        }
        set {
            switch cause {
            case .setup: setup = newValue
            case .weights: weights = newValue
            case .load: load = newValue
            case .store: store = newValue
            case .dram: dram = newValue
            case .requant: requant = newValue
            case .drain: drain = newValue
            }
        }
    }
    public static func + (a: StallCycles, b: StallCycles) -> StallCycles {
        var r = StallCycles()
        r.setup = a.setup + b.setup; r.weights = a.weights + b.weights; r.load = a.load + b.load
        r.store = a.store + b.store; r.dram = a.dram + b.dram; r.requant = a.requant + b.requant; r.drain = a.drain + b.drain
        return r
    }
}

/// Per-layer results of the model.
public struct LayerStats: Hashable, Codable, Sendable {
    public var name: String
    public var kernel: Int
    public var stride: Int
    public var inShape: [Int]
    public var outShape: [Int]
    /// The layer's tile shape `HxW` (its tile mask's tiles, §3.1).
    public var tileShape: String
    /// Whether the layer ran with its taps packed into the input-channel lanes (§3.2).
    public var tapsPacked: Bool
    /// Whether the layer computed its output columns in pairs in the output-channel lanes (§3.3);
    /// `tileShape` is then the engines' shape, its tiles twice as wide in the layer's map.
    public var outputPairs: Bool = false
    /// Whether the layer ran with grouped lanes: a whole input word per step, lane groups summed
    /// into the output channels of one subgroup (§3.4).
    public var lanesGrouped: Bool = false
    /// Whether the layer's halos came from the line buffer (§6.5) instead of DRAM.
    public var lineBuffer: Bool = false
    /// Active tiles / all tiles.
    public var tileDensity: Double
    public var activeTiles: Int
    public var passes: Int
    public var cycles: Int
    public var computeBusyCycles: Int
    public var stallCycles: StallCycles
    /// Valid output pixels of active tiles × Cout·K²·Cin.
    public var issuedMACs: Int
    /// Pixel-mask-active valid pixels of active tiles × Cout·K²·Cin.
    public var usefulMACs: Int
    /// H_out·W_out·Cout·K²·Cin.
    public var denseMACs: Int
    /// usefulMACs / (macsPerCycle · cycles).
    public var peUtilization: Double
    public var dramBytesRead: Int
    /// Of `dramBytesRead`: weight and bias words (this layer's, and the next layer's it hands on).
    public var weightBytesRead: Int
    public var dramBytesWritten: Int
    /// Compulsory bytes of the active work (see docs): input pixels under active halos, weights, outputs (and residuals).
    public var boundBytes: Int
    /// max(ceil(usefulMACs / macsPerCycle), ceil(boundBytes / B)).
    public var boundCycles: Int
    /// cycles / boundCycles (0 when the bound is 0).
    public var cyclesOverBound: Double
    /// Cycles of the same layer with an all-ones tile mask, at the tile shape best for it.
    public var denseCycles: Int
    /// denseCycles / cycles.
    public var speedup: Double

    /// Every field, in declaration order (the model makes these; `Report` rebuilds them from a report's JSON).
    public init(name: String, kernel: Int, stride: Int, inShape: [Int], outShape: [Int], tileShape: String, tapsPacked: Bool,
                outputPairs: Bool = false, lanesGrouped: Bool = false, lineBuffer: Bool = false, tileDensity: Double, activeTiles: Int, passes: Int, cycles: Int, computeBusyCycles: Int,
                stallCycles: StallCycles, issuedMACs: Int, usefulMACs: Int, denseMACs: Int, peUtilization: Double,
                dramBytesRead: Int, weightBytesRead: Int, dramBytesWritten: Int, boundBytes: Int, boundCycles: Int,
                cyclesOverBound: Double, denseCycles: Int, speedup: Double) {
        self.name = name; self.kernel = kernel; self.stride = stride; self.inShape = inShape; self.outShape = outShape
        self.tileShape = tileShape; self.tapsPacked = tapsPacked; self.outputPairs = outputPairs; self.lanesGrouped = lanesGrouped; self.lineBuffer = lineBuffer
        self.tileDensity = tileDensity
        self.activeTiles = activeTiles; self.passes = passes; self.cycles = cycles; self.computeBusyCycles = computeBusyCycles
        self.stallCycles = stallCycles; self.issuedMACs = issuedMACs; self.usefulMACs = usefulMACs; self.denseMACs = denseMACs
        self.peUtilization = peUtilization; self.dramBytesRead = dramBytesRead; self.weightBytesRead = weightBytesRead
        self.dramBytesWritten = dramBytesWritten; self.boundBytes = boundBytes; self.boundCycles = boundCycles
        self.cyclesOverBound = cyclesOverBound; self.denseCycles = denseCycles; self.speedup = speedup
    }
}

/// One active tile of one pass in the event trace. Intervals are half-open [start, end).
public struct TileEvent: Hashable, Codable, Sendable {
    public var pass: Int
    /// Position in the pass's raster order of active tiles.
    public var index: Int
    public var ty: Int
    public var tx: Int
    /// First load request .. first cycle its data may be used (last request + 1 + L).
    public var loadStart: Int
    public var loadEnd: Int
    /// First step issued .. end of its last kgroup slot.
    public var computeStart: Int
    public var computeEnd: Int
    /// First store request .. last store request + 1.
    public var storeStart: Int
    public var storeEnd: Int

    public init(pass: Int, index: Int, ty: Int, tx: Int, loadStart: Int, loadEnd: Int, computeStart: Int, computeEnd: Int,
                storeStart: Int, storeEnd: Int) {
        self.pass = pass; self.index = index; self.ty = ty; self.tx = tx; self.loadStart = loadStart; self.loadEnd = loadEnd
        self.computeStart = computeStart; self.computeEnd = computeEnd; self.storeStart = storeStart; self.storeEnd = storeEnd
    }

    /// The §10 columns in order: the four that name the tile, then the six event times.
    public static var columns: [(name: String, value: WritableKeyPath<TileEvent, Int>)] {
        [("pass", \.pass), ("index", \.index), ("ty", \.ty), ("tx", \.tx), ("loadStart", \.loadStart), ("loadEnd", \.loadEnd),
         ("computeStart", \.computeStart), ("computeEnd", \.computeEnd), ("storeStart", \.storeStart), ("storeEnd", \.storeEnd)]
    }

    /// Parses a CSV row in `csvHeader` order (−1 stands for an event that never came); nil if malformed.
    public init?(csvRow line: some StringProtocol) {
        let v = line.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard v.count == 10 else { return nil }
        self.init(pass: v[0], index: v[1], ty: v[2], tx: v[3], loadStart: v[4], loadEnd: v[5], computeStart: v[6],
                  computeEnd: v[7], storeStart: v[8], storeEnd: v[9])
    }

    public static let csvHeader = "pass,index,ty,tx,loadStart,loadEnd,computeStart,computeEnd,storeStart,storeEnd"
    public var csvRow: String {
        "\(pass),\(index),\(ty),\(tx),\(loadStart),\(loadEnd),\(computeStart),\(computeEnd),\(storeStart),\(storeEnd)"
    }
    /// One JSON object, keys in the CSV column order.
    public var jsonLine: String {
        "{\"pass\":\(pass),\"index\":\(index),\"ty\":\(ty),\"tx\":\(tx),\"loadStart\":\(loadStart),\"loadEnd\":\(loadEnd),\"computeStart\":\(computeStart),\"computeEnd\":\(computeEnd),\"storeStart\":\(storeStart),\"storeEnd\":\(storeEnd)}"
    }
}

/// Everything one layer simulation produces.
public struct LayerSimulation: Sendable {
    public var stats: LayerStats
    public var trace: [TileEvent]
    /// Read back from the modelled DRAM's output region (nil when outputs were not requested).
    public var output: QTensor?
}
