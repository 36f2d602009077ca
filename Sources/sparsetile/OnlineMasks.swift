import AcceleratorSpec
import Foundation
import SparseCNN
import TileModel

/// `masks --online`: a cycle budget held over a sequence of frames (`OnlineCycleBudget`); one line
/// and one record per frame: budget, model cycles, threshold, tile density and the quality figure.
struct OnlineMasksRun {
    /// One frame's record in online.json / online.csv.
    struct FrameRecord: Codable {
        var frame: Int
        var threshold: Double
        var budgetCycles: Int
        var cycles: Int
        var ofBudget: Double
        var tileDensity: Double
        var importanceKept: Double
        /// Sparse vs dense int8 output PSNR (image outputs; null when identical or not computed).
        var psnrDB: Double?
        /// Top-1 of the sparse run equals the dense run's (class outputs).
        var top1Agrees: Bool?
    }

    struct Summary: Codable {
        var network: String
        var frames: String
        var inputSize: [Int]
        var config: String
        var clockMHz: Double
        var budgetCycles: Int
        var latencyMs: Double?
        var records: [FrameRecord]
    }

    var network: String
    var image: String?
    var inputSize: ImageSize?
    var frames: String
    var budget: MasksCommand.Budget
    var latencyMs: Double?
    var weights: String?
    var seed: UInt64
    var skipQuality: Bool
    var out: String
    var config: HardwareConfig

    func run() throws {
        let source = try NetworkSource(network)
        let net = source.network
        let base = try Image.load(path: image ?? Image.bundledDefaultPath)
        let size = inputSize ?? net.defaultInputSize ?? (network == "resnet18" ? ImageSize(height: 224, width: 224) : ImageSize(height: base.height, width: base.width))
        let images = try Image.frames(frames, base: base, size: size)
        let plan = try net.plan(height: size.height, width: size.width)
        func tensor(_ img: Image) throws -> FloatTensor { try img.networkInput(channels: net.inputChannels) }
        let cycles: Int
        switch budget {
        case .cycles(let n): cycles = n
        case .percentOfDense(let p):
            let solver = CycleBudget(config: config, layers: plan.convLayers.map { TimingLayer($0) },
                                     tiles: plan.convLayers.map { RegionalTiles(map: try! ImportanceMap(height: $0.outputShape.height, width: $0.outputShape.width, values: Array(repeating: 1, count: $0.outputShape.pixels)), halo: $0.halo) })
            cycles = Int((Double(try solver.denseCycles()) * p / 100).rounded(.down))
        }
        var online = OnlineCycleBudget(config: config, layers: plan.convLayers, budget: cycles)
        var quantized: QuantizedNetwork?
        var records: [FrameRecord] = []
        print("online: \(images.count) frames of \(size.height)x\(size.width) through \(net.name), budget \(cycles) cycles (config \(config.contentHash))")
        print("frame   threshold      cycles  of budget  tile dens  importance  quality")
        for (k, img) in images.enumerated() {
            let input = try tensor(img)
            let f = try online.step(try GradientEnergyPredictor().importance(for: input))
            var rec = FrameRecord(frame: k, threshold: f.threshold, budgetCycles: cycles, cycles: f.cycles,
                                  ofBudget: Double(f.cycles) / Double(cycles),
                                  tileDensity: Double(f.tileMasks.reduce(0) { $0 + $1.activeCount }) / Double(f.tileMasks.reduce(0) { $0 + $1.bits.count }),
                                  importanceKept: f.importanceKept)
            var quality = "-"
            if !skipQuality {
                if quantized == nil {
                    let params = try source.parameters(weightsDirectory: weights, seed: seed)
                    quantized = try QuantizedNetwork(plan: plan, parameters: params, calibrationInput: input)  // calibrated on the first frame
                }
                let q = quantized!
                let masks = Dictionary(uniqueKeysWithValues: zip(plan.convLayers.map(\.name), f.tileMasks))
                let dense = try q.run(input, record: false), sparse = try q.run(input, tileMasks: masks, record: false)
                switch (dense.output, sparse.output) {
                case (.map(let a, _), .map(let b, _)):
                    rec.psnrDB = try OutputQuality.psnr(reference: a, test: b)
                    quality = rec.psnrDB.map { String(format: "PSNR %.2f dB", $0) } ?? "identical"
                case (.vector(let a), .vector(let b)):
                    rec.top1Agrees = OutputQuality.top1(a) == OutputQuality.top1(b)
                    quality = rec.top1Agrees! ? "top-1 agrees" : "top-1 differs"
                default: break
                }
            }
            records.append(rec)
            print(String(format: "%5d  %10.4g  %10d  %9.4f  %9.4f  %10.4f  %@", k, f.threshold, f.cycles, rec.ofBudget, rec.tileDensity,
                         f.importanceKept, quality as NSString))
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let summary = Summary(network: net.name, frames: frames, inputSize: [size.height, size.width], config: config.contentHash,
                              clockMHz: config.clockMHz, budgetCycles: cycles, latencyMs: latencyMs, records: records)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(summary).write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent("online.json")))
        var csv = "frame,threshold,budgetCycles,cycles,ofBudget,tileDensity,importanceKept,psnrDB,top1Agrees\n"
        for r in records {
            csv += "\(r.frame),\(r.threshold),\(r.budgetCycles),\(r.cycles),\(r.ofBudget),\(r.tileDensity),\(r.importanceKept),"
                + "\(r.psnrDB.map { String($0) } ?? ""),\(r.top1Agrees.map { String($0) } ?? "")\n"
        }
        try csv.write(toFile: (out as NSString).appendingPathComponent("online.csv"), atomically: true, encoding: .utf8)
        let late = records.dropFirst(3)
        if let worst = late.map({ abs($0.ofBudget - 1) }).max() {
            print(String(format: "from frame 3 on, cycles within %.2f%% of the budget; wrote online.json and online.csv to %@", worst * 100, out))
        }
    }
}
