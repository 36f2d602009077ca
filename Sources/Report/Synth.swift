import Foundation
import CoSim

/// FPGA resource counts of one design on one target (`sparsetile synth --json`).
public struct SynthResult: Codable, Sendable, Equatable {
    /// `xilinx`, `ice40` or `generic`.
    public var target: String
    /// Part/device the flow assumed (e.g. `xc7 (7-series)`, `up5k sg48`).
    public var device: String?
    public var top: String
    /// `HardwareConfig.contentHash` of the configuration the RTL was generated for, when known.
    public var configHash: String?
    /// LUTs (LUT1–LUT6 on Xilinx, SB_LUT4 on iCE40, 4-input `$lut` cells for generic).
    public var luts: Int?
    /// iCE40: the logic cells nextpnr-ice40's packer fills (what must fit the part), and how; nil
    /// elsewhere or without nextpnr-ice40.
    public var logicCells: Int?
    public var packing: LogicCellPacking?
    public var flipFlops: Int
    /// DSP48E1 / SB_MAC16 blocks (0 for generic).
    public var dsps: Int
    /// RAMB18E1 + RAMB36E1 / SB_RAM40_4K primitives, or `$mem` cells for generic.
    public var blockRams: Int
    /// Maximum clock: from place and route (nextpnr-ice40), or on Xilinx an **estimate** from the
    /// mapped netlist's longest path (``fmaxIsEstimate``); nil when neither ran.
    public var fmaxMHz: Double?
    /// Every cell type and its count, as Yosys' `stat` printed it.
    public var cells: [String: Int]
    /// Anything the user must know (does not fit, P&R skipped, …).
    public var note: String?
    /// Whether every resource fits the part (`used` ≤ `capacity`); nil without a part.
    public var fits: Bool?
    /// The part (``FPGAPart/name``) the fit was checked against, and what the design uses of each
    /// of its resources (keys of ``FPGAPart/resources``; block RAMs in the part's units).
    public var part: String?
    public var used: [String: Int]?
    /// With `--by-engine`: the resources of each instance of the top (an engine) and everything
    /// under it, from a run that keeps the hierarchy (so without cross-module optimisation).
    public var engines: [EngineResources]?
    /// With `--by-source`: the LUTs, flip-flops and carries of the flat netlist by generated-Verilog
    /// line (or driven signal), most first (`SourceAttribution`).
    public var sources: [SourceCost]?
    /// The part's resources (keys of ``FPGAPart/resources``).
    public var capacity: [String: Int]?
    /// Wall-clock seconds of the Yosys run and of nextpnr (when it ran; all its runs, `pnrRuns`).
    public var yosysSeconds: Double?
    public var pnrSeconds: Double?
    /// The Yosys synthesis command that ran (after `read_verilog`).
    public var flow: String?
    /// `HardwareConfig` figures, when synthesised from a config: PE products per cycle
    /// (tileH·tileW·lanesK·lanesC) and the mask register's `maxMapSize`.
    public var macsPerCycle: Int?
    public var maxMapSize: Int?

    /// PE products per DSP block (macsPerCycle / dsps), set by `setConfig`.
    public var macsPerDSP: Double?

    /// Xilinx: LUT levels of the path with the greatest estimated delay (``LogicDepth``), its carry
    /// cells (CARRY4/CARRY8), and the path itself.
    public var logicLevels: Int?
    public var carryLength: Int?
    public var criticalPath: LogicPath?
    /// Xilinx: the most LUT levels on any register-to-register path (may exceed `logicLevels`).
    public var maxLogicLevels: Int?
    /// Xilinx: the registers reached by more than ``LogicDepth/levelBudget`` LUT levels, deepest first.
    public var deepEndPoints: [DeepEndPoint]?
    /// True when `fmaxMHz` is the Xilinx estimate from per-level delays (no place and route), false
    /// when nextpnr reported it.
    public var fmaxIsEstimate: Bool?
    /// iCE40: the worst delays into and out of the multiply of an SB_MAC16 outside nextpnr's figure
    /// (``dspsOutsideFmax``), in ns (``NextpnrLog/unregisteredDSPHalves(_:)``; 0 for a half its
    /// registers hold in every such cell). nextpnr-ice40 times a DSP's ports as registers on its
    /// CLK pin, so a path through such a multiply is not in `fmaxMHz`: it is these two halves (of the
    /// worst DSPs each) plus the multiply's own delay, which nextpnr does not model. Measured on the
    /// design's run when only cells without a clock are outside the figure, else on an analysis run
    /// (``dspAnalysisLog``, ``MAC16Timing/analysisNetlist(_:)``). nil when every DSP is registered
    /// or nextpnr did not run.
    public var dspInputPathNs: Double?
    public var dspOutputPathNs: Double?
    /// iCE40: the SB_MAC16s whose multiplier is not between the cell's own registers
    /// (``MAC16Timing``), whose multiply nextpnr's Fmax leaves out; nil without DSPs.
    public var dspsOutsideFmax: [MAC16Timing.Cell]?
    /// iCE40: the Fmax of a path through the multiply of an SB_MAC16 outside nextpnr's figure, at
    /// most: the two halves plus the multiply (``MAC16Timing/multiply16x16Ns``), when the halves
    /// are known. The design's Fmax is the lower of this and `fmaxMHz`.
    public var fmaxThroughDSPMHz: Double?
    /// iCE40: the log of the analysis run that timed the halves, when there was one.
    public var dspAnalysisLog: String?
    /// iCE40: the design's Fmax, at most — the lower of nextpnr's (`fmaxMHz`) and the bound through
    /// the multiplies it leaves out (`fmaxThroughDSPMHz`); nextpnr's without that bound.
    public var designFmaxMHz: Double? { fmaxMHz.map { f in fmaxThroughDSPMHz.map { min(f, $0) } ?? f } }
    /// iCE40 with `--pnr-seeds N` (N > 1): every place-and-route run, by seed. `fmaxMHz` and the
    /// DSP halves are the fastest run's, whose placement is the design's (nextpnr is deterministic
    /// for a seed); nil with one run.
    public var pnrRuns: [PlaceAndRouteRun]?

    /// Records a logic-depth analysis: levels, carry length, the path, and the Fmax estimate.
    public mutating func setLogicDepth(_ d: LogicDepthReport) {
        logicLevels = d.critical.lutLevels; carryLength = d.critical.carryCells; criticalPath = d.critical
        maxLogicLevels = d.maxLutLevels; deepEndPoints = d.deepEndPoints
        fmaxMHz = (d.fmaxMHz * 10).rounded() / 10; fmaxIsEstimate = true
    }

    /// Records the configuration's PE products per cycle and mask-register size, and macsPerDSP.
    public mutating func setConfig(hash: String, macsPerCycle m: Int, maxMapSize: Int?) {
        configHash = hash; macsPerCycle = m; self.maxMapSize = maxMapSize
        macsPerDSP = dsps > 0 ? Double(m) / Double(dsps) : nil
    }

    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }
}

/// One nextpnr-ice40 run of a design (`SynthResult.pnrRuns`).
public struct PlaceAndRouteRun: Codable, Sendable, Equatable {
    /// nextpnr's `--seed`.
    public var seed: Int
    /// The clock's Fmax, nil when the run did not complete.
    public var fmaxMHz: Double?
    public var seconds: Double
    public var log: String
}

/// A synthesis target: its Yosys script and how its cells count as resources.
public enum SynthTarget: String, CaseIterable, Sendable {
    case xilinx, ice40, generic

    /// The Yosys commands after reading the sources (`-flatten` so `stat` gives one total).
    /// `device` (iCE40 only) decides `-dsp`: only the UP5K/U4K have SB_MAC16 blocks.
    /// `extra` is appended to the synth_* command (e.g. `-abc9`, `-noabc`).
    /// `noShare` runs the synth_* script in stages with the `coarse` step re-typed without `share`
    /// (the SAT-based resource sharing that dominates Yosys time on the accelerator, docs/synthesis.md);
    /// on an iCE40 part with DSPs it is re-typed anyway, with `ice40_dsp` kept off instantiated SB_MAC16s.
    /// `jsonOut` is where the mapped netlist goes (`synth_ice40 -json`; a `write_json` after
    /// `synth_xilinx`, for ``LogicDepth``; ignored for generic).
    /// `family` is `synth_xilinx -family` (`xc7`, `xcup`). `flatten: false` keeps the hierarchy, so
    /// that `stat` counts each module (``YosysStat/moduleCells(_:)``, `synth --by-engine`).
    public func script(top: String, jsonOut: String?, device: ICE40Device = .up5k, family: String = "xc7", extra: String = "",
                       noShare: Bool = false, flatten: Bool = true) -> String {
        let x = extra.isEmpty ? "" : " " + extra
        let json = jsonOut.map { " -json \($0)" } ?? ""
        switch self {
        case .xilinx:
            // synth_xilinx has no -json: the mapped netlist (for ``LogicDepth``) is written after it.
            let write = jsonOut.map { "; write_json \($0)" } ?? ""
            let cmd = "synth_xilinx -family \(family)\(flatten ? " -flatten" : "")\(x) -top \(top)"
            // On UltraScale+ the memories of `uramMinWords` words or more go to URAM288 (4096 × 72),
            // as `ram_style = "ultra"` asks the vendor tools; Yosys maps none there by itself, and
            // the XCZU7EV's block RAMs are too few for its weight banks (docs/synthesis.md).
            let uram = family == "xcup" ? "setattr -set ram_style \"ultra\" r:SIZE>=\(Self.uramMinWords) t:$mem_v2 %i; " : ""
            guard noShare else { return uram.isEmpty ? cmd + write : "\(cmd) -run :map_memory; \(uram)\(cmd) -run map_memory:\(write)" }
            return "\(cmd) -run :coarse; techmap -map +/cmp2lut.v -map +/cmp2lcu.v -D LUT_WIDTH=6; alumacc; opt; memory -nomap; opt_clean; "
                + "\(uram)\(cmd) -run map_memory:\(write)"
        case .ice40:
            let dsp = device.dsps > 0
            let cmd = "synth_ice40\(dsp ? " -dsp" : "")\(flatten ? "" : " -noflatten")\(x) -top \(top)"
            // With DSPs the coarse step is spelled out too: Yosys' `ice40_dsp` takes every SB_MAC16
            // for a 16×16 multiplier it maps, sets MODE_8x8 to 0 and its registers and output
            // selects to the ones it found around it (Yosys 0.23: "only the 16x16 multiply mode is
            // supported"), which would turn the MAC16 pairs' two 8×8 products (docs/microarchitecture.md
            // §7.4) into one 16×16 product; so it runs on the design without them (the SB_MAC16s
            // with public names: those dsp_map makes of multipliers before it have `$` names).
            guard noShare || dsp else { return cmd + json }
            var coarse = ["opt_expr", "opt_clean", "check", "opt -nodffe -nosdff", "fsm", "opt", "wreduce", "peepopt", "opt_clean"]
                + (noShare ? [] : ["share"])
                + ["techmap -map +/cmp2lut.v -D LUT_WIDTH=4", "opt_expr", "opt_clean", "memory_dff", "wreduce t:$mul"]
            if dsp {
                coarse += ["techmap -map +/mul2dsp.v -map +/ice40/dsp_map.v -D DSP_A_MAXWIDTH=16 -D DSP_B_MAXWIDTH=16 -D DSP_A_MINWIDTH=2 -D DSP_B_MINWIDTH=2 -D DSP_Y_MINWIDTH=11 -D DSP_NAME=$__MUL16X16",
                           "select a:mul2dsp", "setattr -unset mul2dsp", "opt_expr -fine", "wreduce", "select -clear", "ice40_dsp t:SB_MAC16 n:$* %d %n",
                           "chtype -set $mul t:$__soft_mul"]
            }
            coarse += ["alumacc", "opt", "memory -nomap", "opt_clean"]
            // …and without the `check` step's `autoname` (minutes on the small config, docs/synthesis.md).
            return "\(cmd) -run :coarse; \(coarse.joined(separator: "; ")); \(cmd) -run map_ram:check; "
                + "hierarchy -check; check -noinit; blackbox =A:whitebox; \(cmd) -run blif:\(json)"
        case .generic:
            return "synth\(flatten ? " -flatten" : "")\(noShare ? " -noshare" : "")\(x) -top \(top); abc -lut 4; opt_clean"
        }
    }

    /// The fewest words a memory holds to go to URAM288 on UltraScale+ (`script(family: "xcup")`):
    /// a URAM is 4096 deep, so a shallower memory would leave more than three quarters of it empty
    /// where block RAM (512 × 72) fits it better.
    public static let uramMinWords = 1024

    public var device: String {
        switch self {
        case .xilinx: return "xc7 (7-series)"
        case .ice40: return "iCE40 UP5K (sg48)"
        case .generic: return "generic gates, 4-input LUTs"
        }
    }

    /// Xilinx distributed-RAM / SRL primitives and the LUTs each occupies.
    static let xilinxLUTRAM: [String: Int] = ["RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "RAM32X1D": 2, "RAM64X1D": 2,
                                              "RAM128X1D": 4, "RAM256X1D": 8, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2,
                                              "RAM256X1S": 4, "SRL16E": 1, "SRLC32E": 1, "SRLC16E": 1]

    /// Classifies cell counts into LUTs, flip-flops, DSPs and block RAMs.
    public func resources(_ cells: [String: Int]) -> (luts: Int, ffs: Int, dsps: Int, brams: Int) {
        var l = 0, f = 0, d = 0, b = 0
        for (name, n) in cells {
            switch self {
            case .xilinx:
                if name.range(of: #"^LUT[1-6](_2)?$"#, options: .regularExpression) != nil { l += n }
                // LUTs used as memory or shift registers (Vivado counts them as slice LUTs).
                else if let k = Self.xilinxLUTRAM[name] { l += k * n }
                else if name.range(of: #"^FD[A-Z]*E?$|^FD(RE|SE|CE|PE|R|S|C|P)?$"#, options: .regularExpression) != nil { f += n }
                else if name.hasPrefix("DSP48") { d += n }
                else if name.hasPrefix("RAMB") { b += n }
            case .ice40:
                if name == "SB_LUT4" { l += n }
                else if name.hasPrefix("SB_DFF") { f += n }
                else if name == "SB_MAC16" { d += n }
                else if name.hasPrefix("SB_RAM40") || name == "SB_SPRAM256KA" { b += n }
            case .generic:
                if name == "$lut" { l += n }
                else if name.range(of: #"^\$_(S?DFF|DFFE|SDFFE|SDFFCE|ALDFF|DFFSR|DFFSRE|DLATCH)"#, options: .regularExpression) != nil
                            || name == "$dff" || name == "$adff" || name == "$sdff" || name == "$dffe" { f += n }
                else if name.hasPrefix("$mem") { b += n }
            }
        }
        return (l, f, d, b)
    }
}

/// iCE40 parts nextpnr-ice40 places and routes (their capacities: ``FPGAPart``).
public enum ICE40Device: String, CaseIterable, Sendable, Codable {
    case up5k, u4k, hx8k, lp8k, hx1k

    /// nextpnr-ice40's device flag and package.
    public var nextpnrArgs: [String] {
        switch self {
        case .up5k: return ["--up5k", "--package", "sg48"]
        case .u4k: return ["--u4k", "--package", "sg48"]
        case .hx8k: return ["--hx8k", "--package", "ct256"]
        case .lp8k: return ["--lp8k", "--package", "cm81"]
        case .hx1k: return ["--hx1k", "--package", "tq144"]
        }
    }
    /// The part's name and package (``FPGAPart/title``).
    public var name: String { part.title }
    /// SB_MAC16 blocks (``FPGAPart/capacity``).
    public var dsps: Int { part.capacity["dsps"] ?? 0 }
    /// User I/O pins of the package (Lattice data sheets: iCE40 UltraPlus sg48 39, LP/HX ct256
    /// 206, cm81 63, tq144 95), which the place-and-route wrapper fills (``PlaceAndRouteWrapper``).
    public var userPins: Int {
        switch self {
        case .up5k, .u4k: return 39
        case .hx8k: return 206
        case .lp8k: return 63
        case .hx1k: return 95
        }
    }
    /// PCF in the constraints directory for this part (only the UP5K sg48 has one).
    public var pcf: String? { self == .up5k ? "ice40-up5k.pcf" : nil }
}

/// Reads Yosys `stat` output.
public enum YosysStat {
    /// Cell counts of the design: the `design hierarchy` totals when present, else the last
    /// module's section. Accepts both `  CELL   N` (Yosys ≤ 0.3x) and `  N  CELL` / `N area CELL`
    /// (newer) row layouts.
    public static func parseCells(_ text: String) -> [String: Int] {
        let lines = untimed(text)
        // Start of the section to read: the hierarchy summary if any, else the last "=== name ===".
        var start = 0
        if let h = lines.lastIndex(where: { $0.contains("=== design hierarchy ===") }) { start = h }
        else if let m = lines.lastIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("===") }) { start = m }
        return section(lines[start...])
    }

    /// Cell counts of every module of a design synthesised with its hierarchy kept, by module name:
    /// each module's own cells, an instance of a submodule counting as one cell of that module's name.
    public static func moduleCells(_ text: String) -> [String: [String: Int]] {
        let lines = untimed(text)
        var out: [String: [String: Int]] = [:]
        for (i, line) in lines.enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("=== "), t.hasSuffix(" ==="), !t.contains("design hierarchy") else { continue }
            let name = String(t.dropFirst(4).dropLast(4))
            out[name.hasPrefix("\\") ? String(name.dropFirst()) : name] = section(lines[(i + 1)...])
        }
        return out
    }

    /// `yosys -t` prefixes every line (also `tee` output) with `[seconds] `: the lines without it.
    static func untimed(_ text: String) -> [String] {
        text.components(separatedBy: "\n").map { line -> String in
            guard line.hasPrefix("["), let close = line.firstIndex(of: "]"),
                  Double(line[line.index(after: line.startIndex)..<close]) != nil else { return line }
            return String(line[line.index(after: close)...])
        }
    }

    /// The cell list of the section starting at `lines`' first line, to its end.
    static func section(_ lines: ArraySlice<String>) -> [String: Int] {
        var cells: [String: Int] = [:]
        var inCells = false
        for line in lines {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.lowercased().hasPrefix("number of cells") || t.hasSuffix(" cells") && Int(t.split(separator: " ").first ?? "") != nil {
                inCells = true; continue
            }
            guard inCells else { continue }
            if t.isEmpty { if !cells.isEmpty { break } else { continue } }
            let parts = t.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard parts.count >= 2 else { continue }
            let isCell: (String) -> Bool = { $0.first.map { $0 == "$" || $0 == "\\" || $0.isLetter || $0 == "_" } ?? false }
            if let n = Int(parts.last!), isCell(parts[0]), parts.count == 2 {
                cells[parts[0].hasPrefix("\\") ? String(parts[0].dropFirst()) : parts[0], default: 0] += n
            } else if let n = Int(parts[0]), let name = parts.last, isCell(name) {
                cells[name.hasPrefix("\\") ? String(name.dropFirst()) : name, default: 0] += n
            } else if t.lowercased().hasPrefix("chip area") || t.hasPrefix("===") { break }
        }
        return cells
    }
}

/// The list of generated Verilog files and the top module (`manifest.json` in an RTL directory).
public struct RTLManifest: Codable, Sendable {
    public var top: String
    /// Paths relative to the manifest's directory.
    public var files: [String]
    /// `HardwareConfig.contentHash` the RTL was generated for (optional).
    public var configHash: String?

    public init(top: String, files: [String], configHash: String? = nil) {
        self.top = top; self.files = files; self.configHash = configHash
    }

    enum CodingKeys: String, CodingKey { case top, files, configHash, hash }
    /// Reads `configHash`, or `hash` as `sparsetile generate` writes it.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        top = try c.decode(String.self, forKey: .top)
        files = try c.decode([String].self, forKey: .files)
        configHash = try c.decodeIfPresent(String.self, forKey: .configHash) ?? c.decodeIfPresent(String.self, forKey: .hash)
    }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(top, forKey: .top); try c.encode(files, forKey: .files)
        try c.encodeIfPresent(configHash, forKey: .configHash)
    }

    /// Reads `dir/manifest.json`; without one, takes every `.sv`/`.v` file and `top` as given.
    public static func load(directory dir: String, top: String? = nil) throws -> RTLManifest {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw SynthError(message: "--rtl-dir \(dir): no such directory (write one with `sparsetile generate --out \(dir)`)")
        }
        let path = (dir as NSString).appendingPathComponent("manifest.json")
        if FileManager.default.fileExists(atPath: path) {
            var m: RTLManifest
            do { m = try JSONDecoder().decode(RTLManifest.self, from: Data(contentsOf: URL(fileURLWithPath: path))) }
            catch { throw SynthError(message: "\(path): not a manifest `sparsetile generate` writes (\(error))") }
            if let t = top { m.top = t }
            return m
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".sv") || $0.hasSuffix(".v") }.sorted()
        guard !files.isEmpty else { throw SynthError(message: "\(dir): no manifest.json and no .sv/.v files") }
        guard let t = top else { throw SynthError(message: "\(dir) has no manifest.json: give --top") }
        return RTLManifest(top: t, files: files)
    }
}

public struct SynthError: Error, CustomStringConvertible {
    public var message: String
    /// A tool the flow needs (Yosys, nextpnr-ice40) is not installed.
    public var missingTool: Bool
    public init(message: String, missingTool: Bool = false) { self.message = message; self.missingTool = missingTool }
    public var description: String { message }
}

/// Runs Yosys (and nextpnr-ice40 for iCE40) on an RTL directory.
public struct SynthFlow: Sendable {
    public var target: SynthTarget
    /// Directory holding `ice40-up5k.pcf` etc.; nil = no pin constraints (P&R gets `--freq`).
    public var constraintsDir: String?
    /// Target clock for nextpnr in MHz.
    public var targetMHz: Double
    /// Run nextpnr-ice40 for iCE40 (needs the binary on PATH) when the design fits the device.
    public var placeAndRoute: Bool
    /// Where logs and netlists go (kept for inspection).
    public var workDir: String
    /// iCE40 part (`-dsp`, nextpnr flags; the fit check's part when `part` is nil).
    public var device: ICE40Device
    /// The part to check the fit against (its family for `synth_xilinx`); nil: `device` on iCE40,
    /// no check elsewhere.
    public var part: FPGAPart?
    /// Also synthesise with the hierarchy kept and report each engine's resources.
    public var byEngine = false
    /// Also attribute the flat netlist's LUTs, flip-flops and carries to the generated Verilog's
    /// lines (`SynthResult.sources`; iCE40 and Xilinx, whose mapped netlist is kept).
    public var bySource = false
    /// Appended to the synth_* command (e.g. `-abc9`, `-noabc`, `-nowidelut`).
    public var extraSynthArgs: String
    /// Skip Yosys' `share` pass (`SynthTarget.script(noShare:)`).
    public var noShare: Bool = false
    /// iCE40: place and route this many times, nextpnr seeds 1…N, as many at once as there are
    /// cores, and keep the fastest; 1 runs nextpnr once at its default seed. On a nearly full part
    /// run-to-run placement moves the Fmax by several per cent (docs/synthesis.md).
    public var pnrSeeds: Int = 1

    public init(target: SynthTarget, constraintsDir: String? = nil, targetMHz: Double = 48, placeAndRoute: Bool = true,
                workDir: String, device: ICE40Device = .up5k, extraSynthArgs: String = "") {
        self.target = target; self.constraintsDir = constraintsDir; self.targetMHz = targetMHz
        self.placeAndRoute = placeAndRoute; self.workDir = workDir; self.device = device; self.extraSynthArgs = extraSynthArgs
    }

    /// Finds an executable on PATH.
    public static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Runs a tool, returns (status, combined output, wall seconds); the output also goes to `log`.
    /// A registered child (`ChildProcesses`): SIGINT or SIGTERM stops it with the run.
    static func run(_ exe: String, _ args: [String], log: String) throws -> (Int32, String, Double) {
        let t0 = Date()
        let status = try ChildProcesses.run(exe, args, output: URL(fileURLWithPath: log))
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "", Date().timeIntervalSince(t0))
    }

    /// Synthesises the manifest's files (paths relative to `rtlDir`) and, for iCE40 designs that fit
    /// the device, places and routes.
    public func run(manifest: RTLManifest, rtlDir: String) throws -> SynthResult {
        guard let yosys = Self.which("yosys") else { throw SynthError(message: "yosys not found on PATH (Debian package yosys; sim/install-deps.sh installs it)", missingTool: true) }
        try FileManager.default.createDirectory(atPath: workDir, withIntermediateDirectories: true)
        let abs = { (f: String) in f.hasPrefix("/") ? f : (rtlDir as NSString).appendingPathComponent(f) }
        let netlist = (workDir as NSString).appendingPathComponent("\(manifest.top).\(target.rawValue).json")
        let statFile = (workDir as NSString).appendingPathComponent("stat.\(target.rawValue).txt")
        let reads = manifest.files.map { "read_verilog -sv \(abs($0))" }.joined(separator: "; ")
        let part = self.part ?? (target == .ice40 ? device.part : nil)
        let family = part?.xilinxFamily ?? "xc7"
        let synth = target.script(top: manifest.top, jsonOut: target == .generic ? nil : netlist, device: device,
                                  family: family, extra: extraSynthArgs, noShare: noShare)
        let script = "\(reads); \(synth); tee -q -o \(statFile) stat"
        let log = (workDir as NSString).appendingPathComponent("yosys.\(target.rawValue).log")
        // -t: timestamps on every log line (per-pass wall times for profiling); the full log keeps
        // the per-pass CPU summary Yosys prints at the end.
        let (st, out, secs) = try Self.run(yosys, ["-q", "-t", "-l", log + ".full", "-p", script], log: log)
        guard st == 0 else {
            throw SynthError(message: "yosys failed (exit \(st)); log: \(log)\n" + out.split(separator: "\n").suffix(15).joined(separator: "\n"))
        }
        let cells = YosysStat.parseCells((try? String(contentsOfFile: statFile, encoding: .utf8)) ?? "")
        let r = target.resources(cells)
        var result = SynthResult(target: target.rawValue, device: part?.title ?? target.device, top: manifest.top,
                                 configHash: manifest.configHash, luts: r.luts, flipFlops: r.ffs, dsps: r.dsps, blockRams: r.brams,
                                 fmaxMHz: nil, cells: cells, note: nil)
        result.yosysSeconds = secs
        result.flow = synth.replacingOccurrences(of: " -json \(netlist)", with: "").replacingOccurrences(of: "; write_json \(netlist)", with: "")
        if target == .xilinx {
            // No open place and route for Xilinx parts: the longest path of the mapped netlist and an
            // Fmax estimate from per-level delays instead (docs/synthesis.md).
            do {
                let depth = try LogicDepth.analyse(netlistAt: netlist, top: manifest.top, delays: .family(family))
                result.setLogicDepth(depth)
                result.note = "Fmax is an estimate (\(family) -1 per-level delays on the mapped netlist, no place and route; docs/synthesis.md): "
                    + "run vendor tools with constraints/xilinx.xdc for a timing sign-off"
                    + (depth.delays.standIn ? "; 7-series delays stand in for \(family), so the estimate is pessimistic" : "")
                    + (depth.loopNets > 0 ? "; \(depth.loopNets) nets on combinational loops left out" : "")
                    + (depth.unknownTypes.isEmpty ? "" : "; cells of unknown type treated as registers: \(depth.unknownTypes.joined(separator: ", "))")
            } catch {
                result.note = "no open place and route for Xilinx parts and no logic-depth estimate (\(error)): run vendor tools with constraints/xilinx.xdc for Fmax"
            }
        }
        if target == .ice40, r.dsps > 0 {
            result.dspsOutsideFmax = try MAC16Timing.audit(netlistAt: netlist, top: manifest.top).untimed
        }
        if target == .ice40, let nextpnr = Self.which("nextpnr-ice40") {
            // The cells, not the LUTs, are what must fit: count them with nextpnr's packer (about a
            // second; the ports may outnumber the package's pins here, which packing does not mind).
            let packLog = (workDir as NSString).appendingPathComponent("nextpnr-ice40.pack.log")
            let (ps, pout, _) = try Self.run(nextpnr, device.nextpnrArgs + ["--json", netlist, "--pack-only"], log: packLog)
            if ps == 0, let p = NextpnrLog.packing(pout) { result.logicCells = p.total; result.packing = p }
        }
        if let part {
            var used = part.used(cells)
            if let lc = result.logicCells { used["logicCells"] = lc }
            result.part = part.name; result.used = used; result.capacity = part.capacity
            let over = part.overflow(used)
            result.fits = over == nil
            if let o = over {
                result.note = "does not fit \(part.title): \(o)" + (target == .ice40 ? "; no place and route, no Fmax" : result.note.map { "; " + $0 } ?? "")
            }
            if target == .ice40 && result.logicCells == nil {
                result.note = (result.note.map { $0 + "; " } ?? "") + "logic cells not counted (nextpnr-ice40 missing or its packer failed): the fit is checked on LUTs, which undercounts"
            }
        }
        if bySource && target != .generic {
            result.sources = try SourceAttribution.costs(netlistAt: netlist, top: manifest.top, rtlDir: rtlDir)
        }
        if byEngine {
            // a second run that keeps the hierarchy, so that `stat` counts each module
            let hierStat = (workDir as NSString).appendingPathComponent("stat.\(target.rawValue).hierarchy.txt")
            let hierNetlist = (workDir as NSString).appendingPathComponent("\(manifest.top).\(target.rawValue).hierarchy.json")
            let hier = target.script(top: manifest.top, jsonOut: target == .ice40 ? hierNetlist : nil, device: device,
                                     family: part?.xilinxFamily ?? "xc7", extra: extraSynthArgs, noShare: noShare, flatten: false)
            let hlog = (workDir as NSString).appendingPathComponent("yosys.\(target.rawValue).hierarchy.log")
            let (hs, hout, hsecs) = try Self.run(yosys, ["-q", "-p", "\(reads); \(hier); tee -q -o \(hierStat) stat"], log: hlog)
            guard hs == 0 else { throw SynthError(message: "yosys (hierarchy kept) failed; log: \(hlog)\n\(hout.suffix(1500))") }
            let byModule = YosysStat.moduleCells((try? String(contentsOfFile: hierStat, encoding: .utf8)) ?? "")
            var engines = EngineResources.rollUp(byModule, top: manifest.top, target: target)
            if target == .ice40, let nextpnr = Self.which("nextpnr-ice40") {
                engines = try packEngines(engines, netlist: hierNetlist, yosys: yosys, nextpnr: nextpnr)
            }
            result.engines = engines
            result.yosysSeconds = secs + hsecs
        }
        if target == .ice40 && result.fits == true {
            if !placeAndRoute { result.note = "fits \(device.name); place and route skipped" }
            else if let nextpnr = Self.which("nextpnr-ice40") {
                // The design's ports outnumber the package's pins: place and route it as a board
                // holds it (``PlaceAndRouteWrapper``), so that all of its logic stays.
                let wrapped = (workDir as NSString).appendingPathComponent("\(manifest.top).ice40.pnr.json")
                let wrapperFile = (workDir as NSString).appendingPathComponent("\(PlaceAndRouteWrapper.module).v")
                let wrapper = try PlaceAndRouteWrapper(netlist: netlist, top: manifest.top, pins: device.userPins,
                                                       largeRams: device.part.capacity["largeRams"] ?? 0)
                try wrapper.verilog().write(toFile: wrapperFile, atomically: true, encoding: .utf8)
                let wlog = (workDir as NSString).appendingPathComponent("yosys.ice40.wrap.log")
                let wsynth = target.script(top: PlaceAndRouteWrapper.module, jsonOut: wrapped, device: device, extra: extraSynthArgs, noShare: noShare)
                let (ws, wout, wsecs) = try Self.run(yosys, ["-q", "-p", "\(reads); read_verilog \(wrapperFile); \(wsynth)"], log: wlog)
                guard ws == 0 else { throw SynthError(message: "yosys (P&R wrapper) failed; log: \(wlog)\n\(wout.suffix(1500))") }
                var args = device.nextpnrArgs + ["--json", wrapped, "--freq", String(format: "%g", targetMHz),
                                                 "--pcf-allow-unconstrained", "--timing-allow-fail"]
                if let c = constraintsDir, let f = device.pcf {
                    let pcf = (c as NSString).appendingPathComponent(f)
                    if FileManager.default.fileExists(atPath: pcf) { args += ["--pcf", pcf] }
                }
                let t0 = Date()
                let runs = try placeAndRoute(nextpnr, args)
                let best = runs.max { ($0.run.fmaxMHz ?? 0) < ($1.run.fmaxMHz ?? 0) }!
                result.pnrSeconds = wsecs + Date().timeIntervalSince(t0)
                if runs.count > 1 { result.pnrRuns = runs.map(\.run) }
                if let f = best.run.fmaxMHz {
                    result.fmaxMHz = f; result.fmaxIsEstimate = false
                    // The paths through the multiply of the DSPs outside nextpnr's figure: the halves
                    // of the cells without a clock in this run, or, when a clocked cell is outside it
                    // too, of an analysis run that times every such cell so (`analysisNetlist`; a
                    // placement of its own, at nextpnr's default seed).
                    var halvesLog = best.output
                    if let analysis = try MAC16Timing.analysisNetlist(Data(contentsOf: URL(fileURLWithPath: wrapped))) {
                        let aJSON = (workDir as NSString).appendingPathComponent("\(manifest.top).ice40.dsp-analysis.json")
                        let aLog = (workDir as NSString).appendingPathComponent("nextpnr-ice40.dsp-analysis.log")
                        try analysis.write(to: URL(fileURLWithPath: aJSON))
                        var aArgs = args
                        if let j = aArgs.firstIndex(of: "--json") { aArgs[j + 1] = aJSON }
                        let (_, aOut, aSecs) = try Self.run(nextpnr, aArgs, log: aLog)
                        halvesLog = aOut; result.dspAnalysisLog = aLog
                        result.pnrSeconds = (result.pnrSeconds ?? 0) + aSecs
                    }
                    if let h = NextpnrLog.unregisteredDSPHalves(halvesLog) {
                        result.dspInputPathNs = h.input; result.dspOutputPathNs = h.output
                        let multiply = result.dspsOutsideFmax?.map(\.multiplyNs).max() ?? MAC16Timing.multiply16x16Ns
                        result.fmaxThroughDSPMHz = ((1000 / (h.input + multiply + h.output)) * 100).rounded() / 100
                    }
                    let seeds = runs.count > 1 ? "the fastest of \(runs.count) seeds (seed \(best.run.seed)), " : ""
                    result.note = "fits \(device.name); Fmax from nextpnr-ice40, \(seeds)on the design as a board holds it (CSR port on pins\(wrapper.memoryBlocks == nil ? "" : ", DRAM port on SPRAM"), other inputs from a shift register, outputs XOR-reduced; docs/synthesis.md); log: \(best.run.log)"
                }
                else {
                    let why = NextpnrLog.failure(best.output) ?? "exit \(best.status)"
                    result.note = "nextpnr-ice40 did not complete (\(why)); log: \(best.run.log)"
                }
            } else {
                result.note = "fits \(device.name); nextpnr-ice40 not found (Debian nextpnr-ice40): no Fmax"
            }
        }
        return result
    }
}

extension SynthFlow {
    /// nextpnr-ice40 with `args`, once at its default seed or (``pnrSeeds`` > 1) at seeds 1…N, as
    /// many at once as there are cores: each run, its log's text and its exit status.
    func placeAndRoute(_ nextpnr: String, _ args: [String]) throws -> [SeedRun] {
        let seeds: [Int?] = pnrSeeds > 1 ? (1...pnrSeeds).map { $0 } : [nil]
        let runs = SeedRuns(count: seeds.count)
        let dir = workDir
        DispatchQueue.concurrentPerform(iterations: seeds.count) { i in
            let log = (dir as NSString).appendingPathComponent(seeds[i].map { "nextpnr-ice40.seed\($0).log" } ?? "nextpnr-ice40.log")
            runs.set(i, Result {
                let (status, output, seconds) = try Self.run(nextpnr, args + (seeds[i].map { ["--seed", "\($0)"] } ?? []), log: log)
                let run = PlaceAndRouteRun(seed: seeds[i] ?? 0, fmaxMHz: status == 0 ? NextpnrLog.fmaxMHz(output) : nil, seconds: seconds, log: log)
                return SeedRun(run: run, output: output, status: status)
            })
        }
        return try runs.all()
    }

    /// Each engine's logic cells: its module of the mapped hierarchical netlist flattened on its own
    /// (one Yosys run, no re-synthesis) and packed by nextpnr-ice40 (about a second each). Engines
    /// packed apart share nothing, so the cells add up to a little more than the flat design's.
    func packEngines(_ engines: [EngineResources], netlist: String, yosys: String, nextpnr: String) throws -> [EngineResources] {
        let dir = (workDir as NSString).appendingPathComponent("engines")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let modules = engines.compactMap(\.module)
        let file = { (m: String) in (dir as NSString).appendingPathComponent("\(m).json") }
        // (the netlist holds the iCE40 cells' blackbox modules too)
        var script = ["read_json \(netlist)", "design -save mapped"]
        for m in modules { script += ["design -load mapped", "hierarchy -top \(m)", "flatten", "write_json \(file(m))"] }
        let log = (dir as NSString).appendingPathComponent("yosys.flatten.log")
        let (st, out, _) = try Self.run(yosys, ["-q", "-p", script.joined(separator: "; ")], log: log)
        guard st == 0 else { throw SynthError(message: "yosys (engines flattened) failed; log: \(log)\n\(out.suffix(1500))") }
        return try engines.map { e in
            guard let m = e.module else { return e }
            let plog = (dir as NSString).appendingPathComponent("\(m).pack.log")
            let (ps, pout, _) = try Self.run(nextpnr, device.nextpnrArgs + ["--json", file(m), "--pack-only"], log: plog)
            var e = e
            if ps == 0, let p = NextpnrLog.packing(pout) { e.logicCells = p.total * (e.count ?? 1) }
            return e
        }
    }
}

/// How nextpnr-ice40's packer filled the logic cells (each one LUT4, one flip-flop, one carry):
/// the lines of its `Packing …` report, so that a design over the part shows where the cells go.
public struct LogicCellPacking: Codable, Sendable, Equatable {
    /// Cells holding a LUT and no flip-flop, a LUT and its flip-flop, a flip-flop alone (its input
    /// is not a LUT it can share a cell with: a port, a RAM or DSP output, another flip-flop, a LUT
    /// that feeds more than it), a carry alone (a comparison's chain has no sum LUT), and the cells
    /// added to legalise carry chains.
    public var lutOnly: Int, lutAndFlipFlop: Int, flipFlopOnly: Int, carryOnly: Int, carryLegalise: Int
    /// LUTs merged into carry cells (not extra cells).
    public var lutsIntoCarries: Int
    /// All logic cells (nextpnr's `ICESTORM_LC`).
    public var total: Int
}

/// Reads nextpnr logs.
public enum NextpnrLog {
    /// The packer's report (`nextpnr-ice40 --pack-only`), or nil when the log has none.
    public static func packing(_ log: String) -> LogicCellPacking? {
        func count(_ phrase: String) -> Int? {
            for line in log.components(separatedBy: "\n") where line.contains(phrase) {
                let words = line.replacingOccurrences(of: "Info:", with: "").split(separator: " ")
                if let v = words.first.flatMap({ Int($0) }) { return v }
            }
            return nil
        }
        // the utilisation line "ICESTORM_LC:  10200/  5280   193%" (the placer's lines name the type too)
        let total = log.components(separatedBy: "\n").lazy.compactMap { line -> Int? in
            guard let r = line.range(of: "ICESTORM_LC:"), line[r.upperBound...].contains("/") else { return nil }
            return Int(line[r.upperBound...].split(separator: "/")[0].trimmingCharacters(in: .whitespaces))
        }.first
        guard let total else { return nil }
        return LogicCellPacking(lutOnly: count("LCs used as LUT4 only") ?? 0, lutAndFlipFlop: count("LCs used as LUT4 and DFF") ?? 0,
                                flipFlopOnly: count("LCs used as DFF only") ?? 0, carryOnly: count("LCs used as CARRY only") ?? 0,
                                carryLegalise: count("LCs used to legalise carry chains") ?? 0,
                                lutsIntoCarries: count("LUTs merged into carry LCs") ?? 0, total: total)
    }

    /// The final `Max frequency for clock '…': F MHz` (the minimum over clocks of the last report).
    public static func fmaxMHz(_ log: String) -> Double? {
        var blocks: [[Double]] = [], current: [Double] = [], lastWasFmax = false
        for line in log.components(separatedBy: "\n") {
            if let r = line.range(of: "Max frequency for clock"), let colon = line[r.upperBound...].range(of: "': ") {
                let rest = line[colon.upperBound...]
                if let v = Double(rest.prefix { $0.isNumber || $0 == "." }) {
                    if !lastWasFmax { if !current.isEmpty { blocks.append(current) }; current = [] }
                    current.append(v); lastWasFmax = true; continue
                }
            }
            lastWasFmax = false
        }
        if !current.isEmpty { blocks.append(current) }
        return blocks.last?.min()
    }

    /// The worst delays into and out of SB_MAC16 blocks whose CLK is tied low (nextpnr's packer
    /// calls that net `$PACKER_GND_NET` and reports it as a clock domain: "Max delay posedge clk ->
    /// posedge $PACKER_GND_NET: 39.05 ns" and back), from the log's last report, a half without a
    /// report 0; nil without either.
    public static func unregisteredDSPHalves(_ log: String) -> (input: Double, output: Double)? {
        var input: Double?, output: Double?
        for line in log.components(separatedBy: "\n") where line.contains("Max delay") && line.contains("$PACKER_GND_NET") {
            guard let arrow = line.range(of: "->"), let colon = line.range(of: ":", options: .backwards),
                  let v = Double(line[colon.upperBound...].trimmingCharacters(in: .whitespaces).prefix { $0.isNumber || $0 == "." }) else { continue }
            if line[arrow.upperBound...].contains("$PACKER_GND_NET") { input = v } else { output = v }
        }
        guard input != nil || output != nil else { return nil }
        // (a half without a path: every such input, or output, held by the cells' registers)
        return (input ?? 0, output ?? 0)
    }

    /// The first `ERROR:` line, if any.
    public static func failure(_ log: String) -> String? {
        log.components(separatedBy: "\n").first { $0.hasPrefix("ERROR:") }.map { String($0.dropFirst(6)).trimmingCharacters(in: .whitespaces) }
    }
}

/// One place-and-route run with its log's text and exit status.
struct SeedRun: Sendable {
    var run: PlaceAndRouteRun
    var output: String
    var status: Int32
}

/// The results of concurrent place-and-route runs, each written once by its own iteration.
private final class SeedRuns: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<SeedRun, any Error>?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<SeedRun, any Error>) { lock.lock(); results[i] = r; lock.unlock() }
    func all() throws -> [SeedRun] { try results.map { try $0!.get() } }
}
