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
    /// The warm-up run's CSRs (a preloaded layer on its own, §7.2; empty otherwise): written, started
    /// and run to done before the layer's.
    public var warmUpCSRs: [(Int, UInt32)] = []
    /// The CTRL.start write (offset, value) that follows them (the Verilator harness takes it from the
    /// generated C header, the Icarus testbench from here).
    public var start: (Int, UInt32)
    public var tiles: [Tile]
    /// The memory profile and seed of the DRAM the harness models (nil: the fixed profile at `latency`).
    public var memory: MemoryTiming?

    public init(wordBytes: Int, latency: Int, watchdog: Int, image: [UInt8], outputBase: Int, outputWords: Int,
                csrs: [(Int, UInt32)], start: (Int, UInt32) = CSR.standardStart, tiles: [Tile], memory: MemoryTiming? = nil) {
        self.wordBytes = wordBytes; self.latency = latency; self.watchdog = watchdog; self.image = image
        self.outputBase = outputBase; self.outputWords = outputWords; self.csrs = csrs; self.start = start; self.tiles = tiles
        self.memory = memory
    }

    public var memWords: Int { image.count / wordBytes }

    /// The job file's text.
    public var jobFile: String {
        var s = "# sparsetile harness job\nword_bytes \(wordBytes)\nlatency \(latency)\nwatchdog \(watchdog)\n"
        s += "mem_words \(memWords)\noutput_base \(outputBase)\noutput_words \(outputWords)\n"
        s += memory?.harnessLines ?? "mem_profile fixed\n"
        for (a, v) in warmUpCSRs { s += "warmup_csr 0x\(String(a, radix: 16)) 0x\(String(v, radix: 16))\n" }
        for (a, v) in csrs { s += "csr 0x\(String(a, radix: 16)) 0x\(String(v, radix: 16))\n" }
        for t in tiles { s += "tile \(t.pass) \(t.index) \(t.ty) \(t.tx) \(t.computeCycles)\n" }
        return s
    }
}

/// Host programming of the CSRs (docs/microarchitecture.md §8), through a `RegisterMap`.
public enum CSR {
    /// The register values that program `job` (in write order), packed through `registers`.
    public static func program(job: LayerJob, plan: LayerPlan, regions r: MemoryRegions,
                               registers: RegisterMap = .standard) throws -> [(Int, UInt32)] {
        try registers.layerProgram(job: job, plan: plan, regions: r).map { ($0.offset, $0.value) }
    }

    /// The CTRL.start write of `registers`.
    public static func start(_ registers: RegisterMap) throws -> (Int, UInt32) {
        let w = try registers.startWrite()
        return (w.offset, w.value)
    }

    /// The CTRL.start write of the standard map.
    public static let standardStart: (Int, UInt32) = try! start(.standard)
}

extension HarnessJob {
    /// The harness job of a layer: its memory image, CSR values (offsets and fields from `registers`),
    /// the trace records (pass, tile) and the DRAM timing (nil: the fixed profile).
    public init(job: LayerJob, config: HardwareConfig, memory: MemoryTiming? = nil, watchdog: Int,
                registers: RegisterMap = .standard) throws {
        let plan = try LayerPlan(job: job, config: config)
        let img = MemoryImage(job: job, plan: plan)
        var tiles: [Tile] = []
        // one record per tile group (§3.1, §10), named by its first tile
        let groups = plan.groups(of: plan.scanOrder(job.tileMask))
        for p in plan.passes {
            let len = plan.kgroups(p) * plan.kgroupCycles
            for (i, g) in groups.enumerated() { tiles.append(Tile(pass: p.index, index: i, ty: g[0].ty, tx: g[0].tx, computeCycles: len)) }
        }
        self.init(wordBytes: config.memBytesPerCycle, latency: config.memLatency, watchdog: watchdog, image: img.bytes,
                  outputBase: img.regions.output, outputWords: img.regions.next - img.regions.output,
                  csrs: try CSR.program(job: job, plan: plan, regions: img.regions, registers: registers),
                  start: try CSR.start(registers), tiles: tiles, memory: memory)
        warmUpCSRs = try registers.warmUpProgram(job: job, plan: plan, regions: img.regions).map { ($0.offset, $0.value) }
    }

    /// The harness job of `job` run right after `previous`, which hands it its first pass (§7.2): one
    /// memory holds `job`'s image, then `previous`'s, and the warm-up run is `previous` itself, so the
    /// words `job` starts with are those `previous`'s handoff burst wrote during its last pass.
    public init(job: LayerJob, after previous: LayerJob, config: HardwareConfig, memory: MemoryTiming? = nil, watchdog: Int,
                registers: RegisterMap = .standard) throws {
        guard job.handoff.preloaded, previous.handoff.next != nil else {
            throw CoSimError.invalidArgument("\(job.name) after \(previous.name): no weight handoff between them")
        }
        try self.init(job: job, config: config, memory: memory, watchdog: watchdog, registers: registers)
        let plan = try LayerPlan(job: previous, config: config)
        let img = MemoryImage(job: previous, plan: plan)
        let at = memWords
        image += img.bytes
        warmUpCSRs = try registers.layerProgram(job: previous, plan: plan, regions: img.regions.shifted(by: at)).map { ($0.offset, $0.value) }
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

/// The RTL's statistics registers (docs/microarchitecture.md §8, §9), read back by the harness after
/// the run through the generated C header (`rtl_*` keys of the result file).
public struct RTLCounters: Hashable, Sendable {
    /// CYCLES_HI:LO.
    public var cycles: Int
    /// BUSY_HI:LO: the RTL's computeBusyCycles.
    public var busy: Int
    /// The STALL_<CAUSE> registers, by cause.
    public var stalls: StallCycles
    /// BEATS_RD and BEATS_WR.
    public var beatsRead: Int
    public var beatsWritten: Int

    public init(cycles: Int, busy: Int, stalls: StallCycles, beatsRead: Int, beatsWritten: Int) {
        self.cycles = cycles; self.busy = busy; self.stalls = stalls; self.beatsRead = beatsRead; self.beatsWritten = beatsWritten
    }

    /// From the harness's `key value` results: `rtl_cycles`, `rtl_busy`, `rtl_stall_<cause>` for every
    /// `StallCause` (exactly those), `rtl_beats_read`, `rtl_beats_written`.
    public init(values: [String: String]) throws {
        func int(_ k: String) throws -> Int {
            guard let v = values[k].flatMap({ Int($0) }) else { throw CoSimError.badHarnessOutput("missing '\(k)' in result") }
            return v
        }
        var st = StallCycles()
        for c in StallCause.allCases { st[c] = try int("rtl_stall_\(c.rawValue)") }
        let known = Set(StallCause.allCases.map { "rtl_stall_\($0.rawValue)" })
        if let odd = values.keys.sorted().first(where: { $0.hasPrefix("rtl_stall_") && !known.contains($0) }) {
            throw CoSimError.badHarnessOutput("the harness reports '\(odd)', a stall counter the model does not have")
        }
        self.init(cycles: try int("rtl_cycles"), busy: try int("rtl_busy"), stalls: st,
                  beatsRead: try int("rtl_beats_read"), beatsWritten: try int("rtl_beats_written"))
    }
}

/// What the harness reports for one run.
public struct HarnessResult: Sendable {
    public var status: HarnessStatus
    /// Cycles counted by the harness (from the cycle after the start write to the first cycle `done` reads 1),
    /// or the cycle reached on a hang.
    public var cycles: Int
    /// The RTL's own CYCLES_LO/HI CSR (= `counters.cycles`).
    public var rtlCycles: Int { counters.cycles }
    /// The RTL's statistics registers.
    public var counters: RTLCounters
    /// Beats counted by the harness on the DRAM port.
    public var beatsRead: Int
    public var beatsWritten: Int
    /// Pulses of each event kind the harness counted (`events_*`), and those beyond the trace's
    /// records (`extra_*`, a sign of extra tiles).
    public var events: [EventKind: Int]
    public var extraEvents: [EventKind: Int]
    /// STATUS.error after the run (a layer field out of range: the layer did not start).
    public var statusError: Bool
    /// Wall seconds of the harness's clocking loop.
    public var wallSeconds: Double
    /// The raw `key value` lines of the result file, for diagnostics; everything above is parsed from them.
    public var values: [String: String]
    /// The §10 trace rebuilt from the event pulses (−1 where an event never came).
    public var trace: [TileEvent]
    /// The output region's bytes after the run.
    public var outputBytes: [UInt8]
    /// The harness's stderr/stdout (hang and protocol messages).
    public var message: String
    public init(status: HarnessStatus, cycles: Int, counters: RTLCounters, beatsRead: Int, beatsWritten: Int,
                events: [EventKind: Int] = [:], extraEvents: [EventKind: Int] = [:], statusError: Bool = false,
                wallSeconds: Double = 0, values: [String: String] = [:], trace: [TileEvent], outputBytes: [UInt8],
                message: String = "") {
        self.status = status; self.cycles = cycles; self.counters = counters; self.beatsRead = beatsRead
        self.beatsWritten = beatsWritten; self.events = events; self.extraEvents = extraEvents
        self.statusError = statusError; self.wallSeconds = wallSeconds
        self.values = values; self.trace = trace; self.outputBytes = outputBytes; self.message = message
    }

    /// The event pulses of docs/microarchitecture.md §15 (`ev_<rawValue>`), in trace column order.
    public enum EventKind: String, CaseIterable, Hashable, Sendable {
        case loadStart = "load_start", loadReady = "load_ready", computeStart = "compute_start"
        case storeStart = "store_start", storeEnd = "store_end"
    }
}

extension SimulatorBuild {
    /// X seeds Verilator takes: `+verilator+seed+` accepts 1...Int32.max (0 would mean a seed from the clock).
    public static let xSeedRange = 1...Int(Int32.max)

    /// The harness arguments that draw the X values of a build made with `BuildCache.xPropagationFlags`
    /// from `seed` (in `xSeedRange`). Verilator 5 randomizes them only under `+verilator+rand+reset+2`
    /// (its default, 0, makes every X zero), from the seed `+verilator+seed+N`; the harness hands its
    /// `+verilator+…` arguments to the Verilated context before the model is made.
    public static func xSeedArguments(_ seed: Int) -> [String] {
        ["+verilator+rand+reset+2", "+verilator+seed+\(seed)"]
    }

    /// Runs `job` through the harness in a scratch directory (removed afterwards unless `keepDirectory`
    /// is given: then the job, image, result, trace and output files stay there). `hexImage` passes
    /// the image in the `$readmemh` text form instead of binary. `xSeed` draws every X of the design
    /// from that seed (`xSeedArguments`); nil leaves them at Verilator's default, zero.
    public func run(_ job: HarnessJob, traceFST: URL? = nil, keepDirectory: URL? = nil, hexImage: Bool = false,
                    xSeed: Int? = nil) throws -> HarnessResult {
        let fm = FileManager.default
        let dir = keepDirectory ?? fm.temporaryDirectory.appendingPathComponent("sparsetile-harness-\(UUID().uuidString)")
        if keepDirectory == nil { ChildProcesses.addTemporary(dir) }
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { if keepDirectory == nil { try? fm.removeItem(at: dir); ChildProcesses.removeTemporary(dir) } }
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
        if let x = xSeed { args += Self.xSeedArguments(x) }
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
        var trace: [TileEvent] = []
        if let csv = try? String(contentsOf: f("trace.csv"), encoding: .utf8) {
            for line in csv.split(separator: "\n").dropFirst() {
                guard let e = TileEvent(csvRow: line) else { throw CoSimError.badHarnessOutput("bad trace row '\(line)'") }
                trace.append(e)
            }
        }
        let out = (try? Data(contentsOf: f("out.bin"))).map { [UInt8]($0) } ?? []
        var events: [HarnessResult.EventKind: Int] = [:], extra: [HarnessResult.EventKind: Int] = [:]
        for k in HarnessResult.EventKind.allCases {
            events[k] = try int("events_\(k.rawValue)"); extra[k] = try int("extra_\(k.rawValue)")
        }
        return HarnessResult(status: status, cycles: try int("cycles"), counters: try RTLCounters(values: values),
                             beatsRead: try int("beats_read"), beatsWritten: try int("beats_written"),
                             events: events, extraEvents: extra, statusError: try int("status_error") != 0,
                             wallSeconds: Double(values["wall_seconds"] ?? "") ?? 0,
                             values: values, trace: trace, outputBytes: out,
                             message: r.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
