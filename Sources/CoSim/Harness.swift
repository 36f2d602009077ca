import Foundation
import AcceleratorSpec
import TileModel

/// What the harness needs to run one layer (the job file of sim/harness/harness.cpp).
public struct HarnessJob: Sendable {
    public struct Tile: Hashable, Sendable {
        public var pass: Int, index: Int, ty: Int, tx: Int
        /// computeEnd − computeStart = G·Kc of its pass.
        public var computeCycles: Int
        public init(pass: Int, index: Int, ty: Int, tx: Int, computeCycles: Int) {
            self.pass = pass; self.index = index; self.ty = ty; self.tx = tx; self.computeCycles = computeCycles
        }
    }
    public var wordBytes: Int
    public var latency: Int
    public var watchdog: Int
    public var image: [UInt8]
    public var outputBase: Int
    public var outputWords: Int
    /// (register word offset, value), written in order before CTRL.start.
    public var csrs: [(Int, UInt32)]
    public var tiles: [Tile]
    /// The memory profile and seed of the DRAM the harness models (nil: the fixed profile at `latency`).
    public var memory: MemoryTiming?

    public init(wordBytes: Int, latency: Int, watchdog: Int, image: [UInt8], outputBase: Int, outputWords: Int,
                csrs: [(Int, UInt32)], tiles: [Tile], memory: MemoryTiming? = nil) {
        self.wordBytes = wordBytes; self.latency = latency; self.watchdog = watchdog; self.image = image
        self.outputBase = outputBase; self.outputWords = outputWords; self.csrs = csrs; self.tiles = tiles
        self.memory = memory
    }

    public var memWords: Int { image.count / wordBytes }

    /// The job file's text.
    public var jobFile: String {
        var s = "# sparsetile harness job\nword_bytes \(wordBytes)\nlatency \(latency)\nwatchdog \(watchdog)\n"
        s += "mem_words \(memWords)\noutput_base \(outputBase)\noutput_words \(outputWords)\n"
        s += memory?.harnessLines ?? "mem_profile fixed\n"
        for (a, v) in csrs { s += "csr 0x\(String(a, radix: 16)) 0x\(String(v, radix: 16))\n" }
        for t in tiles { s += "tile \(t.pass) \(t.index) \(t.ty) \(t.tx) \(t.computeCycles)\n" }
        return s
    }
}

/// CSR word offsets (docs/microarchitecture.md §8).
public enum CSR {
    public static let ctrl = 0x00, status = 0x01, layer0 = 0x02, layer1 = 0x03, layer2 = 0x04
    public static let requant = 0x05, prelu = 0x06, pass = 0x07
    public static let baseMask = 0x08, baseBias = 0x09, baseWeights = 0x0A, baseInput = 0x0B
    public static let baseResidual = 0x0C, baseOutput = 0x0D
    public static let cyclesLo = 0x10, cyclesHi = 0x11

    /// The register values that program `job` (in write order).
    public static func program(job: LayerJob, plan: LayerPlan, regions r: MemoryRegions) -> [(Int, UInt32)] {
        let act: UInt32, slope: UInt32
        switch job.activation {
        case .none: act = 0; slope = 0
        case .relu: act = 1; slope = 0
        case .prelu(let s): act = 2; slope = UInt32(UInt16(bitPattern: s))
        }
        let l0 = UInt32(plan.kernel) | UInt32(plan.stride) << 4 | act << 6 | (plan.hasResidual ? 1 << 8 : 0)
        return [
            (layer0, l0), (layer1, UInt32(plan.inH) | UInt32(plan.inW) << 16),
            (layer2, UInt32(plan.cin) | UInt32(plan.cout) << 16),
            (requant, UInt32(job.requantization.multiplier) | UInt32(job.requantization.shift) << 16),
            (prelu, slope), (pass, UInt32(plan.passChannels)),
            (baseMask, UInt32(r.mask)), (baseBias, UInt32(r.bias)), (baseWeights, UInt32(r.weights)),
            (baseInput, UInt32(r.input)), (baseResidual, UInt32(r.residual)), (baseOutput, UInt32(r.output)),
        ]
    }
}

extension HarnessJob {
    /// The harness job of a layer: its memory image, CSR values and the trace records (pass, tile).
    public init(job: LayerJob, config: HardwareConfig, memory: MemoryTiming? = nil, watchdog: Int) throws {
        let plan = try LayerPlan(job: job, config: config)
        let img = MemoryImage(job: job, plan: plan)
        var tiles: [Tile] = []
        let active = job.tileMask.activeTiles
        for p in plan.passes {
            let len = plan.kgroups(p) * plan.kgroupCycles
            for (i, t) in active.enumerated() { tiles.append(Tile(pass: p.index, index: i, ty: t.ty, tx: t.tx, computeCycles: len)) }
        }
        self.init(wordBytes: config.memBytesPerCycle, latency: config.memLatency, watchdog: watchdog, image: img.bytes,
                  outputBase: img.regions.output, outputWords: img.regions.end - img.regions.output,
                  csrs: CSR.program(job: job, plan: plan, regions: img.regions), tiles: tiles, memory: memory)
    }
}

/// How a harness run ended.
public enum HarnessStatus: String, Sendable, Codable {
    case done
    /// The watchdog expired before `done` rose.
    case hang
    /// A DRAM request outside the image.
    case protocolError = "protocol"
}

/// What the harness reports for one run.
public struct HarnessResult: Sendable {
    public var status: HarnessStatus
    /// Cycles counted by the harness (from the cycle after the start write to the first cycle `done` reads 1),
    /// or the cycle reached on a hang.
    public var cycles: Int
    /// The RTL's own CYCLES_LO/HI CSR.
    public var rtlCycles: Int
    public var beatsRead: Int
    public var beatsWritten: Int
    /// Every `key value` of the result file (CSR stall counters, event counts, …).
    public var values: [String: String]
    public var trace: [TraceRow]
    /// The output region's bytes after the run.
    public var outputBytes: [UInt8]
    /// The harness's stderr/stdout (hang and protocol messages).
    public var message: String
    public var wallSeconds: Double { Double(values["wall_seconds"] ?? "") ?? 0 }
    public func int(_ key: String) -> Int? { values[key].flatMap { Int($0) } }
}

extension SimulatorBuild {
    /// Runs `job` through the harness in a scratch directory (removed afterwards unless `keepDirectory`
    /// is given: then the job, image, result, trace and output files stay there). `hexImage` passes
    /// the image in the `$readmemh` text form instead of binary.
    public func run(_ job: HarnessJob, traceFST: URL? = nil, keepDirectory: URL? = nil, hexImage: Bool = false) throws -> HarnessResult {
        let fm = FileManager.default
        let dir = keepDirectory ?? fm.temporaryDirectory.appendingPathComponent("sparsetile-harness-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { if keepDirectory == nil { try? fm.removeItem(at: dir) } }
        let f = { (n: String) in dir.appendingPathComponent(n) }
        try job.jobFile.write(to: f("job.txt"), atomically: true, encoding: .utf8)
        let memFile = hexImage ? f("mem.hex") : f("mem.bin")
        if hexImage {
            try Testbench.hexLines(job.image, wordBytes: job.wordBytes).write(to: memFile, atomically: true, encoding: .utf8)
        } else {
            try Data(job.image).write(to: memFile)
        }
        var args = ["--job", f("job.txt").path, "--mem", memFile.path, "--out-mem", f("out.bin").path,
                    "--result", f("result.txt").path, "--trace", f("trace.csv").path]
        if let w = traceFST { args += ["--trace-fst", w.path] }
        let r = try Toolchain.run(executable.path, args)
        guard [0, 3, 4].contains(r.status) else {
            throw CoSimError.commandFailed(command: ([executable.path] + args).joined(separator: " "), status: r.status, output: r.output)
        }
        guard let text = try? String(contentsOf: f("result.txt"), encoding: .utf8) else {
            throw CoSimError.badHarnessOutput("no result file (status \(r.status)): \(r.output)")
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        func int(_ k: String) throws -> Int {
            guard let v = values[k].flatMap({ Int($0) }) else { throw CoSimError.badHarnessOutput("missing '\(k)' in result") }
            return v
        }
        let status = HarnessStatus(rawValue: values["status"] ?? "") ?? .protocolError
        var trace: [TraceRow] = []
        if let csv = try? String(contentsOf: f("trace.csv"), encoding: .utf8) {
            for line in csv.split(separator: "\n").dropFirst() {
                let v = line.split(separator: ",").compactMap { Int($0) }
                guard v.count == 10 else { throw CoSimError.badHarnessOutput("bad trace row '\(line)'") }
                trace.append(TraceRow(v))
            }
        }
        let out = (try? Data(contentsOf: f("out.bin"))).map { [UInt8]($0) } ?? []
        return HarnessResult(status: status, cycles: try int("cycles"), rtlCycles: try int("rtl_cycles"),
                             beatsRead: try int("beats_read"), beatsWritten: try int("beats_written"),
                             values: values, trace: trace, outputBytes: out,
                             message: r.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
