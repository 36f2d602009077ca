import Foundation

extension HardwareConfig {
    /// Parses `HxW` (e.g. `8x8`).
    public static func parseTile(_ s: String) throws -> (Int, Int) {
        let parts = s.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0 else {
            throw AcceleratorSpecError.invalidConfig("tile '\(s)': expected HxW, e.g. 8x8")
        }
        return (parts[0], parts[1])
    }
}

/// One configuration's results in a sweep.
public struct SweepPoint: Codable, Sendable, Hashable {
    /// `t8x8-k8-c8`.
    public var label: String
    public var configHash: String
    public var tileH: Int, tileW: Int, lanesK: Int, lanesC: Int
    /// tileH·tileW·lanesK·lanesC (analytic estimate of the datapath's size).
    public var macUnits: Int
    /// input + weight + output buffer bytes (analytic estimate of on-chip memory).
    public var bufferBytes: Int
    public var cycles: Int
    public var denseCycles: Int
    public var boundCycles: Int
    public var milliseconds: Double
    public var peUtilization: Double
    public var speedup: Double
    /// On the Pareto front, all minimised: (cycles, LUTs or, on iCE40, logic cells, DSPs) when
    /// Yosys counts are attached (`synth`), else (cycles, macUnits, bufferBytes) — the analytic
    /// estimates.
    public var pareto: Bool
    /// Real Yosys resource counts (`sparsetile sweep --synth TARGET`), nil = not synthesised.
    public var synth: SweepSynth?

    public static let csvHeader = "label,configHash,tileH,tileW,lanesK,lanesC,macUnitsEstimate,bufferBytesEstimate,cycles,denseCycles,boundCycles,milliseconds,peUtilization,speedup,pareto,synthTarget,luts,flipFlops,dsps,blockRams,logicCells"
    public var csvRow: String {
        let s = synth
        return "\(label),\(configHash),\(tileH),\(tileW),\(lanesK),\(lanesC),\(macUnits),\(bufferBytes),\(cycles),\(denseCycles),\(boundCycles),\(milliseconds),\(peUtilization),\(speedup),\(pareto),"
            + "\(s?.target ?? ""),\(s.map { "\($0.luts)" } ?? ""),\(s.map { "\($0.flipFlops)" } ?? ""),\(s.map { "\($0.dsps)" } ?? ""),\(s.map { "\($0.blockRams)" } ?? ""),"
            + "\(s?.logicCells.map(String.init) ?? "")"
    }
}

/// Yosys resource counts of one sweep configuration (from `SynthResult`).
public struct SweepSynth: Codable, Sendable, Hashable {
    /// `ice40-up5k`, `xilinx`, …
    public var target: String
    public var luts: Int, flipFlops: Int, dsps: Int, blockRams: Int
    /// iCE40: the logic cells nextpnr-ice40's packer fills (``SynthResult/logicCells``).
    public var logicCells: Int?
    public init(target: String, luts: Int, flipFlops: Int, dsps: Int, blockRams: Int, logicCells: Int? = nil) {
        self.target = target; self.luts = luts; self.flipFlops = flipFlops; self.dsps = dsps; self.blockRams = blockRams
        self.logicCells = logicCells
    }
    /// The area the front weighs: logic cells where counted (what must fit an iCE40), else LUTs.
    public var area: Int { logicCells ?? luts }
}

extension SweepPoint {
    /// `t<tileH>x<tileW>-k<lanesK>-c<lanesC>`.
    public static func label(_ cfg: HardwareConfig) -> String { "t\(cfg.tileH)x\(cfg.tileW)-k\(cfg.lanesK)-c\(cfg.lanesC)" }

    /// The point of `cfg` from its layers' statistics (sums over the workload; not yet on the front).
    public init(config cfg: HardwareConfig, stats: [LayerStats]) {
        let cycles = stats.reduce(0) { $0 + $1.cycles }, dense = stats.reduce(0) { $0 + $1.denseCycles }
        let bound = stats.reduce(0) { $0 + $1.boundCycles }, useful = stats.reduce(0) { $0 + $1.usefulMACs }
        self.init(label: Self.label(cfg), configHash: cfg.contentHash, tileH: cfg.tileH, tileW: cfg.tileW,
                  lanesK: cfg.lanesK, lanesC: cfg.lanesC, macUnits: cfg.macsPerCycle,
                  bufferBytes: cfg.inputBufferBytes + cfg.weightBufferBytes + cfg.outputBufferBytes,
                  cycles: cycles, denseCycles: dense, boundCycles: bound,
                  milliseconds: Double(cycles) / (cfg.clockMHz * 1000),
                  peUtilization: cycles == 0 ? 0 : Double(useful) / Double(cfg.macsPerCycle) / Double(cycles),
                  speedup: cycles == 0 ? 0 : Double(dense) / Double(cycles), pareto: false)
    }
}

/// A sweep over configurations of one workload.
public struct SweepResult: Codable, Sendable {
    /// What ran (network, size, density).
    public var workload: String
    public var points: [SweepPoint]
    /// Configurations skipped (invalid or not fitting), with the reason.
    public var skipped: [String]

    public init(workload: String, points: [SweepPoint], skipped: [String] = []) {
        self.workload = workload; self.skipped = skipped
        self.points = Self.markPareto(points)
    }

    /// Sets `pareto` on every point no other point dominates (≤ in every cost, < in at least one).
    /// Costs: cycles, LUTs (logic cells when every point has them) and DSPs when every point has
    /// Yosys counts; else cycles, MAC units and buffer bytes (analytic estimates).
    public static func markPareto(_ pts: [SweepPoint]) -> [SweepPoint] {
        let real = !pts.isEmpty && pts.allSatisfy { $0.synth != nil }
        let cells = real && pts.allSatisfy { $0.synth?.logicCells != nil }
        let cost: (SweepPoint) -> [Int] = { p in
            if real, let s = p.synth { return [p.cycles, cells ? s.area : s.luts, s.dsps] }
            return [p.cycles, p.macUnits, p.bufferBytes]
        }
        return pts.map { p in
            var q = p
            let cp = cost(p)
            q.pareto = !pts.contains { o in
                let co = cost(o)
                return zip(co, cp).allSatisfy { $0 <= $1 } && zip(co, cp).contains { $0 < $1 }
            }
            return q
        }
    }

    /// Whether the Pareto front used Yosys counts (every point synthesised).
    public var paretoUsesSynthesis: Bool { !points.isEmpty && points.allSatisfy { $0.synth != nil } }

    public func csv() -> String { ([SweepPoint.csvHeader] + points.map(\.csvRow)).joined(separator: "\n") + "\n" }

    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }

    /// Aligned table; Pareto points are starred.
    public func table() -> String {
        let synthCols = points.contains { $0.synth != nil }, cellCol = points.contains { $0.synth?.logicCells != nil }
        var cols: [(String, TextTable.Alignment)] = [("config", .left), ("MAC units (est.)", .right), ("buffers KiB (est.)", .right)]
        if synthCols { cols += [("LUTs", .right)] + (cellCol ? [("cells", .right)] : []) + [("FFs", .right), ("DSPs", .right), ("BRAMs", .right)] }
        cols += [("cycles", .right), ("ms", .right), ("PE%", .right), ("speed-up", .right), ("Pareto", .left)]
        var t = TextTable(columns: cols)
        for p in points {
            var row = [p.label, "\(p.macUnits)", "\(p.bufferBytes / 1024)"]
            if synthCols {
                row += p.synth.map { ["\($0.luts)"] + (cellCol ? [$0.logicCells.map(String.init) ?? "-"] : []) + ["\($0.flipFlops)", "\($0.dsps)", "\($0.blockRams)"] }
                    ?? Array(repeating: "-", count: cellCol ? 5 : 4)
            }
            row += ["\(p.cycles)", String(format: "%.3f", p.milliseconds), String(format: "%.1f", 100 * p.peUtilization),
                    String(format: "%.2f", p.speedup), p.pareto ? "*" : ""]
            t.add(row)
        }
        var s = t.render()
        if paretoUsesSynthesis {
            let tg = points.first?.synth?.target ?? ""
            let area = points.allSatisfy { $0.synth?.logicCells != nil } ? "logic cells (nextpnr-ice40's packer)" : "LUTs"
            s += "\n* = Pareto front (cycles vs \(area) and DSPs from Yosys, \(tg)). MAC units and buffer KiB are analytic estimates; LUTs, FFs, DSPs, BRAMs are Yosys counts."
        } else {
            s += "\n* = Pareto front (cycles vs MAC units and buffer bytes). MAC units and buffer bytes are analytic ESTIMATES, not synthesis results"
            s += " (they track the PE array and buffers only; the fixed control, mask register and requant logic are not in them, see docs/synthesis.md). --synth TARGET uses Yosys counts."
        }
        if !skipped.isEmpty { s += "\nskipped: " + skipped.joined(separator: "; ") }
        return s
    }

    /// Runs `layers` on every configuration (timing only, fast mode, back to back with weight
    /// handoff) and collects the points.
    /// `progress(done, total)` is called after each configuration.
    public static func run(workload: String, layers: [TimingLayer], configs: [HardwareConfig], skipped: [String] = [],
                           jobs: Int = 1, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> SweepResult {
        // one configuration per work item, `jobs` at a time; its point, or why it was skipped
        let done = ParallelWork.Counter()
        let outcomes = try ParallelWork.map(configs.count, jobs: jobs, { i -> (point: SweepPoint?, skipped: String?) in
            let cfg = configs[i]
            let model = TileModel(config: cfg)
            do {
                // each layer at the tile shape the mapper picks for this config, run back to back with
                // weight handoff (docs/microarchitecture.md §7.2)
                let layerJobs = try layers.map { try $0.job(config: cfg, shape: model.bestShape(for: $0)) }
                let handoffs = WeightHandoff.chain(try layerJobs.map { try LayerPlan(job: $0, config: cfg) }, masks: layerJobs.map(\.tileMask))
                let stats = try zip(layerJobs, handoffs).map { job, handoff in
                    var job = job
                    job.handoff = handoff
                    return try model.simulate(job, mode: .fast, outputs: false).stats
                }
                return (SweepPoint(config: cfg, stats: stats), nil)
            } catch {
                return (nil, "\(SweepPoint.label(cfg)): \(error)")
            }
        }, finished: { _, _ in progress(done.increment(), configs.count) })
        var pts: [SweepPoint] = [], skip = skipped
        for o in outcomes {
            if let p = o.point { pts.append(p) }
            if let why = o.skipped { skip.append(why) }
        }
        return SweepResult(workload: workload, points: pts, skipped: skip)
    }
}

/// Progress lines on stderr: `[label] done/total (pct%), elapsed, ~time left`, at most a few per second.
public final class ProgressReporter: @unchecked Sendable {
    let label: String
    let start = Date()
    var last = Date.distantPast
    let sink: (String) -> Void

    public init(label: String, sink: @escaping (String) -> Void = { FileHandle.standardError.write(($0 + "\n").data(using: .utf8)!) }) {
        self.label = label; self.sink = sink
    }

    /// Reports `done` of `total` items (always prints the last one); `what` names the item just finished.
    public func update(done: Int, total: Int, what: String = "") {
        let now = Date()
        guard done == total || now.timeIntervalSince(last) >= 0.25 else { return }
        last = now
        let el = now.timeIntervalSince(start)
        let left = done > 0 ? el / Double(done) * Double(total - done) : 0
        sink(String(format: "[%@] %d/%d (%.0f%%), %.1fs elapsed, ~%.1fs left%@", label, done, total,
                    total == 0 ? 100 : 100 * Double(done) / Double(total), el, left, what.isEmpty ? "" : " — " + what))
    }
}
