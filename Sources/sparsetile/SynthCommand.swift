import Foundation
import ArgumentParser
import AcceleratorSpec
import RTLGen
import Report

/// `sparsetile synth`: Yosys (and nextpnr-ice40) on the generated accelerator, or on a directory of Verilog.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Synthesise the generated accelerator with Yosys: LUTs, flip-flops, DSPs, block RAMs; Fmax from nextpnr-ice40 on iCE40.",
        discussion: """
        By default the accelerator (top <prefix>accel) is generated from the hardware config
        (--config small|default|hw.json, --tile/--lanes-k/--lanes-c/--mem-bytes/--max-map-size/--prefix
        as in `sparsetile generate`) into .build-synth/<config hash>-m<max map size>/rtl and synthesised
        there; results are cached per target, device, flow and RTL text (--force re-runs).
        --rtl-dir instead synthesises a directory with a manifest.json (as `generate --out` writes).
        Targets: xilinx (synth_xilinx -flatten, 7-series), ice40 (synth_ice40 [-dsp], --device up5k|u4k|
        hx8k|lp8k|hx1k; nextpnr-ice40 for Fmax when the design fits) and generic (synth + 4-LUT mapping).
        --part NAME (\(FPGAPart.all.map(\.name).joined(separator: ", "))) sets the target and its
        family and checks the fit: used against available of every resource. --by-engine adds a run
        that keeps the hierarchy and reports each engine's resources (where the logic
        goes); --by-source N lists the generated-Verilog lines (or signals) that cost
        the most LUTs, flip-flops and carries in the flat netlist.
        On Xilinx there is no open place and route: the longest register-to-register path of the mapped
        netlist is reported in LUT levels and carry cells, with an Fmax *estimate* from per-level delays
        (docs/synthesis.md, "Xilinx: logic levels and the Fmax estimate").
        On iCE40 the fit is checked on logic cells (a LUT4, a flip-flop and a carry each), counted by
        nextpnr-ice40's packer: flip-flops and carries that cannot share a LUT's cell take their own.
        JSON keys: luts, flipFlops, dsps, blockRams, fmaxMHz, fmaxIsEstimate (plus logicCells, packing, part, used, capacity,
        fits, engines, sources, macsPerCycle, macsPerDSP, logicLevels, carryLength, maxLogicLevels, criticalPath,
        dspInputPathNs, dspOutputPathNs, dspsOutsideFmax, fmaxThroughDSPMHz, dspAnalysisLog, pnrRuns, yosysSeconds, pnrSeconds, flow, cells, note).
        On iCE40 nextpnr times an SB_MAC16's ports as registers: the multiply of a DSP whose multiplier
        is not between its own registers is not in its Fmax; the flow names those DSPs and prints the
        two halves of the paths through their multiply (for clocked ones from an analysis run, their
        clocks tied low), the bound with the multiply and the design's Fmax (docs/synthesis.md,
        "Place and route"). --pnr-seeds N places and routes N
        times (nextpnr seeds 1…N) and keeps the fastest: on a nearly full part placement moves the Fmax
        by several per cent from seed to seed. docs/synthesis.md has measured figures.

        Examples:
          sparsetile synth --config small --target ice40 --json small-ice40.json
          sparsetile synth --config small --part xc7z020 --no-share --by-engine
          sparsetile synth --preset ice40-up5k --no-share --json up5k.json
          sparsetile synth --tile 2x2 --lanes-k 1 --lanes-c 1 --mem-bytes 4 --max-map-size 32 --target ice40 --device up5k
        """)

    @OptionGroup var hw: HardwareOptions
    @OptionGroup var rtl: RTLOptions
    @Option(help: "xilinx, ice40 or generic (or give --part).")
    var target: String?
    @Option(help: "iCE40 part: up5k (default), u4k, hx8k, lp8k, hx1k.")
    var device: String = "up5k"
    @Option(help: ArgumentHelp("FPGA part to fit: \(FPGAPart.all.map(\.name).joined(separator: ", ")) (sets the target).",
                               discussion: "docs/synthesis.md, \"Parts\", gives each part's resources."))
    var part: String?
    @Flag(name: .customLong("by-engine"), help: "Also synthesise with the hierarchy kept and report each engine's resources.")
    var byEngine = false
    @Option(name: .customLong("by-source"), help: ArgumentHelp(
        "Also list the N generated-Verilog lines (or signals) with the most LUTs, flip-flops and carries (all of them in the JSON's sources).",
        valueName: "N"))
    var bySource: Int?
    @Option(name: .customLong("rtl-dir"), help: "Synthesise this directory of Verilog (with manifest.json) instead of generating.")
    var rtlDir: String?
    @Option(help: "Top module (overrides the manifest; needed without one).")
    var top: String?
    @Option(name: .customLong("constraints"), help: "Constraints directory (default: ./constraints when present).")
    var constraintsDir: String?
    @Option(name: .customLong("target-mhz"), help: "Clock target for nextpnr-ice40, MHz.")
    var targetMHz: Double = 48
    @Flag(name: .customLong("no-pnr"), help: "Skip place and route (no Fmax).")
    var noPnR = false
    @Option(name: .customLong("pnr-seeds"), help: ArgumentHelp(
        "iCE40: place and route N times (nextpnr seeds 1…N, as many at once as there are cores) and keep the fastest; 1 runs nextpnr's default seed.",
        valueName: "N"))
    var pnrSeeds: Int = 1
    @Option(name: .customLong("yosys-args"), help: "Extra arguments for synth_xilinx/synth_ice40/synth, e.g. '-abc9' or '-noabc'.")
    var yosysArgs: String = ""
    @Flag(name: .customLong("no-share"), help: "Skip Yosys' share pass (much faster on the accelerator; docs/synthesis.md).")
    var noShare = false
    @Option(name: .customLong("work-dir"), help: "Where netlists and logs go (default: .build-synth/<config>/<target>, or <rtl-dir>/synth).")
    var workDir: String?
    @Flag(help: "Ignore a cached result.")
    var force = false
    @Option(help: "Write the JSON result here.")
    var json: String?

    func validate() throws {
        guard (1...64).contains(pnrSeeds) else { throw ValidationError("--pnr-seeds must be 1…64, not \(pnrSeeds)") }
    }

    func run() throws {
        try OutputPaths.check([("--json", json)])
        var fpga: FPGAPart? = nil
        // a preset is checked against the part of its name unless --part says otherwise
        if let p = part ?? hw.base.preset {
            guard let f = FPGAPart.named(p) else { throw ValidationError("--part must be one of \(FPGAPart.all.map(\.name).joined(separator: ", "))") }
            fpga = f
        }
        guard let t = fpga?.target ?? target.flatMap(SynthTarget.init(rawValue:)) else {
            throw ValidationError(target == nil ? "give --target xilinx|ice40|generic or --part NAME" : "--target must be xilinx, ice40 or generic")
        }
        if let f = fpga, let given = target, given != f.target.rawValue {
            throw ValidationError("--target \(given) contradicts --part \(f.name) (a \(f.target.rawValue) part)")
        }
        guard let dev = fpga?.ice40 ?? ICE40Device(rawValue: device) else {
            throw ValidationError("--device must be one of \(ICE40Device.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let cdir = constraintsDir ?? (FileManager.default.fileExists(atPath: "constraints/ice40-up5k.pcf") ? "constraints" : nil)
        let r: SynthResult
        if let dir = rtlDir {
            let manifest = try RTLManifest.load(directory: dir, top: top)
            var flow = SynthFlow(target: t, constraintsDir: cdir, targetMHz: targetMHz, placeAndRoute: !noPnR,
                                 workDir: workDir ?? (dir as NSString).appendingPathComponent("synth"), device: dev, extraSynthArgs: yosysArgs)
            flow.noShare = noShare; flow.part = fpga; flow.byEngine = byEngine; flow.bySource = bySource != nil; flow.pnrSeeds = pnrSeeds
            log("synth: yosys \(t.rawValue) on \(manifest.files.count) files in \(dir), top \(manifest.top)")
            r = try flow.run(manifest: manifest, rtlDir: dir)
        } else {
            let cfg = try hw.resolve()
            var flow = SynthFlow(target: t, constraintsDir: cdir, targetMHz: targetMHz, placeAndRoute: !noPnR, workDir: "",
                                 device: dev, extraSynthArgs: yosysArgs)
            flow.noShare = noShare; flow.part = fpga; flow.byEngine = byEngine; flow.bySource = bySource != nil; flow.pnrSeeds = pnrSeeds
            r = try AcceleratorSynthesis.run(config: cfg, limits: rtl.limits(preset: hw.base.preset), prefix: rtl.prefix, flow: flow, workDir: workDir,
                                             force: force, log: log)
        }
        print(Self.render(r, sources: bySource ?? 0))
        if let p = json { try write(r.json(), to: p); print("wrote \(p)") }
    }

    func log(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

    static func render(_ r: SynthResult, sources shown: Int = 0) -> String {
        // used against the part's capacity when a part was checked, else the raw counts
        let names = ["luts": "LUTs", "logicCells": "logic cells", "flipFlops": "flip-flops", "dsps": "DSPs", "blockRams": "block RAMs", "largeRams": "large RAMs"]
        var table = TextTable(columns: [("resource", .left), ("used", .right), ("available", .right), ("%", .right)])
        if let used = r.used, let cap = r.capacity {
            for k in FPGAPart.resources where (cap[k] ?? 0) > 0 || (used[k] ?? 0) > 0 {
                let u = used[k] ?? 0, c = cap[k] ?? 0
                table.add([names[k] ?? k, "\(u)", "\(c)", c > 0 ? String(format: "%.0f", 100 * Double(u) / Double(c)) : "-"])
            }
        } else {
            table.add(["LUTs", r.luts.map(String.init) ?? "-", "", ""])
            table.add(["flip-flops", "\(r.flipFlops)", "", ""])
            table.add(["DSPs", "\(r.dsps)", "", ""])
            table.add(["block RAMs", "\(r.blockRams)", "", ""])
        }
        if r.fmaxIsEstimate == true {
            table.add(["Fmax estimate (MHz)", r.fmaxMHz.map { String(format: "%.0f", $0) } ?? "-", "", ""])
        } else {
            table.add(["Fmax (MHz)", r.fmaxMHz.map { String(format: "%.2f", $0) } ?? "-", "", ""])
        }
        var s = "\(r.target) (\(r.device ?? "")), top \(r.top)" + (r.configHash.map { ", config \($0)" } ?? "") + "\n"
        s += table.render()
        if let f = r.fits { s += "\n" + (f ? "FITS" : "DOES NOT FIT") + " \(r.device ?? "")" }
        if let p = r.packing {
            s += "\nlogic cells (nextpnr-ice40 packer): \(p.lutAndFlipFlop) LUT and flip-flop, \(p.lutOnly) LUT only, "
                + "\(p.flipFlopOnly) flip-flop only, \(p.carryOnly) carry only, \(p.carryLegalise) to legalise carry chains"
        }
        if let m = r.macsPerCycle {
            s += "\nPE products per cycle: \(m); DSP blocks: \(r.dsps)"
            s += r.macsPerDSP.map { String(format: "; %.2f products per DSP", $0) } ?? " (no DSPs: products in LUTs)"
        }
        if let p = r.criticalPath { s += "\n" + Self.renderPath(p, maxLevels: r.maxLogicLevels, fmax: r.fmaxMHz) }
        if let runs = r.pnrRuns {
            let sorted = runs.compactMap(\.fmaxMHz).sorted()
            s += "\nplace and route, \(runs.count) seeds: " + runs.map { "seed \($0.seed) " + ($0.fmaxMHz.map { String(format: "%.2f", $0) } ?? "failed") }.joined(separator: ", ")
                + (sorted.isEmpty ? "" : String(format: " MHz (median %.2f); the Fmax is the fastest's",
                                                (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2))
        }
        if let untimed = r.dspsOutsideFmax, !untimed.isEmpty {
            s += "\nnot in the Fmax: the multiply of \(untimed.count) SB_MAC16\(untimed.count == 1 ? "" : "s") whose multiplier is not between the cell's registers "
                + String(format: "(nextpnr times a DSP's ports as registers; the multiply is %.2f ns 16x16, %.2f ns 8x8 in iCEcube2's timing data):",
                         MAC16Timing.multiply16x16Ns, MAC16Timing.multiply8x8Ns)
            for c in untimed {
                s += "\n  \(c.shortName): " + ([c.unregisteredInputs.isEmpty ? nil : "inputs \(c.unregisteredInputs.joined(separator: ", ")) unregistered",
                                         c.unregisteredOutputs.isEmpty ? nil : "output \(c.unregisteredOutputs.joined(separator: ", ")) unregistered"]
                    .compactMap { $0 }.joined(separator: ", "))
            }
        }
        if let i = r.dspInputPathNs, let o = r.dspOutputPathNs {
            s += String(format: "\nthrough the multiply of those SB_MAC16s: %.2f ns into it, %.2f ns out of it", i, o)
                + (r.fmaxThroughDSPMHz.map { String(format: ", plus the multiply: at most %.2f MHz", $0) } ?? "")
                + (r.dspAnalysisLog.map { " (an analysis run, their clocks tied low: \($0))" } ?? "")
            if r.fmaxThroughDSPMHz != nil, let d = r.designFmaxMHz {
                s += String(format: "\nthe design's Fmax: at most %.2f MHz (the lower of nextpnr's and the multiplies')", d)
            }
        }
        if let deep = r.deepEndPoints, !deep.isEmpty {
            let shown = 12
            s += "\nregisters past \(LogicDepth.levelBudget) LUT levels: \(deep.count)"
                + (deep.count > shown ? " (the \(shown) deepest; all in the JSON's deepEndPoints)" : "")
            for d in deep.prefix(shown) { s += "\n  \(d.levels) levels  \(d.signal) (\(d.bits) bit\(d.bits == 1 ? "" : "s"))" }
        }
        if let y = r.yosysSeconds { s += String(format: "\nwall time: yosys %.1f s", y) + (r.pnrSeconds.map { String(format: ", place and route %.1f s", $0) } ?? "") }
        if let engines = r.engines {
            let cells = engines.contains { $0.logicCells != nil }
            var e = TextTable(columns: [("engine (hierarchy kept)", .left), ("LUTs", .right), ("carries", .right), ("FFs", .right)]
                              + (cells ? [("logic cells", .right)] : []) + [("DSPs", .right), ("BRAMs", .right)])
            for x in engines {
                e.add([x.engine, "\(x.luts)", "\(x.carries)", "\(x.flipFlops)"] + (cells ? [x.logicCells.map(String.init) ?? "-"] : [])
                      + ["\(x.dsps)", "\(x.blockRams)"])
            }
            s += "\n\n" + e.render()
        }
        if let src = r.sources, shown > 0 { s += "\n\n" + Self.renderSources(src, shown: shown) }
        if let f = r.flow { s += "\nflow: \(f)" }
        if let n = r.note { s += "\nnote: \(n)" }
        return s
    }

    /// The `shown` sources with the most cells, and how many more there are.
    static func renderSources(_ src: [SourceCost], shown: Int) -> String {
        var t = TextTable(columns: [("LUTs+FFs+carries", .right), ("LUTs", .right), ("FFs", .right), ("carries", .right), ("source", .left), ("text", .left)])
        for c in src.prefix(shown) {
            let text = c.text.map { $0.count > 90 ? String($0.prefix(87)) + "..." : $0 } ?? ""
            t.add(["\(c.total)", "\(c.luts)", "\(c.flipFlops)", "\(c.carries)", c.source, text])
        }
        var s = "where the logic comes from (flat netlist, by generated-Verilog line or driven signal):\n" + t.render()
        if src.count > shown {
            let rest = src.dropFirst(shown)
            s += "\n\(rest.count) more sources, \(rest.reduce(0) { $0 + $1.total }) cells (all in the JSON's sources)"
        }
        return s
    }

    /// The Xilinx longest path and the Fmax estimate, labelled as such.
    static func renderPath(_ p: LogicPath, maxLevels: Int?, fmax: Double?) -> String {
        let end = { (cell: String, type: String, pin: String, signal: String?) in
            type == "port" ? "port \(cell)" : "\(signal.map { $0 + ": " } ?? "")\(type) \(pin) (cell \(cell))"
        }
        var s = "longest path (estimate): \(p.lutLevels) LUT level\(p.lutLevels == 1 ? "" : "s"), \(p.carryCells) carry cell\(p.carryCells == 1 ? "" : "s")"
        if p.muxes > 0 { s += ", \(p.muxes) MUXF" }
        if p.dspBlocks > 0 { s += ", through \(p.dspBlocks) DSP" }
        s += String(format: ", %.2f ns", p.periodNs)
        if let m = maxLevels, m > p.lutLevels { s += "; most LUT levels on any path: \(m)" }
        s += "\n  from \(end(p.startCell, p.startType, p.startPin, p.startSignal))\n  to   \(end(p.endCell, p.endType, p.endPin, p.endSignal))"
        s += "\n  through " + runs(p.cellTypes)
        if let f = fmax { s += String(format: "\nFmax estimate: %.0f MHz (per-level delays, no place and route; not a timing sign-off)", f) }
        return s
    }

    /// `FDRE → LUT6 → CARRY4 ×3 → FDRE`: consecutive equal types folded; a long path shows its
    /// first and last steps (the JSON has all of them).
    static func runs(_ types: [String]) -> String {
        var out: [(String, Int)] = []
        for t in types { if out.last?.0 == t { out[out.count - 1].1 += 1 } else { out.append((t, 1)) } }
        var steps = out.map { $0.1 > 1 ? "\($0.0) ×\($0.1)" : $0.0 }
        if steps.count > 14 { steps = steps.prefix(8) + ["… \(steps.count - 12) more …"] + steps.suffix(4) }
        return steps.joined(separator: " → ")
    }
}

/// Generates the accelerator for a config and synthesises it, with a result cache under
/// `.build-synth/<config hash>-m<maxMapSize>/` keyed by target, device, flow and the RTL text.
enum AcceleratorSynthesis {
    static let cacheRoot = ".build-synth"

    /// FNV-1a 64 of the generated files (the cache key part that follows RTLGen changes).
    static func fnv(_ texts: [String]) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for t in texts { for b in t.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }; h ^= 0xff; h = h &* 0x100000001b3 }
        return String(h, radix: 16)
    }

    static func run(config cfg: HardwareConfig, limits: AcceleratorLimits, prefix: String? = nil, flow base: SynthFlow,
                    workDir: String?, force: Bool, log: (String) -> Void) throws -> SynthResult {
        if cfg.mac16Pairs && base.target != .ice40 {
            throw ValidationError("the config has mac16Pairs: its PE pairs instantiate iCE40 SB_MAC16 cells, which \(base.target.rawValue) has not; synthesise it for iCE40 (--target ice40 or an iCE40 --part), or give --mac16-pairs false")
        }
        let gen: AcceleratorGenerator
        do { gen = try AcceleratorGenerator(config: cfg, limits: limits, prefix: prefix) }
        catch let e as AcceleratorGeneratorError { throw ValidationError(e.description) }
        let files = try gen.files()
        let root = "\(cacheRoot)/\(cfg.contentHash)-m\(limits.maxMapSize)"
        let rtl = "\(root)/rtl"
        _ = try gen.write(to: URL(fileURLWithPath: rtl))
        var flow = base
        let tag = base.part?.name ?? (base.target == .ice40 ? "ice40-\(base.device.rawValue)" : base.target.rawValue)
        let args = base.extraSynthArgs.replacingOccurrences(of: " ", with: "") + (base.noShare ? "-noshare" : "") + (base.byEngine ? "-engines" : "") + (base.bySource ? "-sources" : "")
        flow.workDir = workDir ?? "\(root)/\(tag)\(args)"
        let key = fnv(files.map(\.contents) + [base.target.script(top: gen.top, jsonOut: nil, device: base.device, family: base.part?.xilinxFamily ?? "xc7",
                                                                  extra: base.extraSynthArgs, noShare: base.noShare),
                                                base.placeAndRoute ? "pnr \(base.targetMHz)" + (base.pnrSeeds > 1 ? " seeds \(base.pnrSeeds)" : "") : "nopnr"]
                      // Xilinx results carry the logic-depth estimate since this marker: older cached ones do not.
                      + (base.target == .xilinx ? ["logic-depth 1"] : [])
                      // iCE40 results carry the packer's logic cells since this marker.
                      + (base.target == .ice40 ? ["logic-cells 1"] : []))
        let cached = "\(root)/result-\(tag)\(args)-\(key).json"
        let lanes = "tile \(cfg.tileH)x\(cfg.tileW), lanesK \(cfg.lanesK), lanesC \(cfg.lanesC), B \(cfg.memBytesPerCycle), maxMapSize \(limits.maxMapSize)"
        if !force, let d = FileManager.default.contents(atPath: cached), var r = try? JSONDecoder().decode(SynthResult.self, from: d) {
            log("synth: cached result for config \(cfg.contentHash) (\(lanes)): \(cached)")
            // results cached before `fmaxIsEstimate` existed: an iCE40 Fmax came from nextpnr
            if r.fmaxMHz != nil && r.fmaxIsEstimate == nil && r.target == SynthTarget.ice40.rawValue { r.fmaxIsEstimate = false }
            return r
        }
        log("synth: generated \(gen.top) for config \(cfg.contentHash) (\(lanes)) in \(rtl); yosys \(tag) (can take minutes; log in \(flow.workDir))")
        var r = try flow.run(manifest: try RTLManifest.load(directory: rtl), rtlDir: rtl)
        r.setConfig(hash: cfg.contentHash, macsPerCycle: cfg.macsPerCycle, maxMapSize: limits.maxMapSize)
        try Data(r.json().utf8).write(to: URL(fileURLWithPath: cached))
        return r
    }
}
