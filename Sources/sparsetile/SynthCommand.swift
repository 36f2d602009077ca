import Foundation
import ArgumentParser
import Report

/// `sparsetile synth`: Yosys (and nextpnr-ice40) on a directory of generated Verilog.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Synthesise generated RTL with Yosys: LUTs, flip-flops, DSPs, block RAMs; Fmax from nextpnr-ice40 on iCE40.",
        discussion: """
        --rtl-dir holds the Verilog and a manifest.json {"top": NAME, "files": [..]} (as written by
        `sparsetile generate --out DIR`); without a manifest every .sv/.v file is read and --top
        names the top. Targets: xilinx (synth_xilinx, 7-series), ice40 (synth_ice40 -dsp, UP5K; then
        nextpnr-ice40 with constraints/ice40-up5k.pcf for Fmax) and generic (synth + 4-LUT mapping).
        JSON keys: luts, flipFlops, dsps, blockRams, fmaxMHz (plus target, top, cells, note).
        """)

    @OptionGroup var hw: ConfigOptions
    @Option(help: "xilinx, ice40 or generic.")
    var target: String
    @Option(name: .customLong("rtl-dir"), help: "Directory of generated Verilog with manifest.json.")
    var rtlDir: String
    @Option(help: "Top module (overrides the manifest; needed without one).")
    var top: String?
    @Option(name: .customLong("constraints"), help: "Constraints directory (default: ./constraints when present).")
    var constraintsDir: String?
    @Option(name: .customLong("target-mhz"), help: "Clock target for nextpnr-ice40, MHz.")
    var targetMHz: Double = 48
    @Flag(name: .customLong("no-pnr"), help: "Skip place and route (no Fmax).")
    var noPnR = false
    @Option(name: .customLong("work-dir"), help: "Where netlists and logs go (default: <rtl-dir>/synth).")
    var workDir: String?
    @Option(help: "Write the JSON result here.")
    var json: String?

    func run() throws {
        guard let t = SynthTarget(rawValue: target) else { throw ValidationError("--target must be xilinx, ice40 or generic") }
        let cfg = try hw.resolve()
        let manifest = try RTLManifest.load(directory: rtlDir, top: top)
        let cdir = constraintsDir ?? (FileManager.default.fileExists(atPath: "constraints/ice40-up5k.pcf") ? "constraints" : nil)
        let flow = SynthFlow(target: t, constraintsDir: cdir, targetMHz: targetMHz, placeAndRoute: !noPnR,
                             workDir: workDir ?? (rtlDir as NSString).appendingPathComponent("synth"))
        FileHandle.standardError.write("synth: yosys \(t.rawValue) on \(manifest.files.count) files, top \(manifest.top) (config \(cfg.contentHash))\n".data(using: .utf8)!)
        var r = try flow.run(manifest: manifest, rtlDir: rtlDir)
        r.configHash = manifest.configHash ?? cfg.contentHash
        var table = TextTable(columns: [("resource", .left), ("count", .right)])
        table.add(["LUTs", r.luts.map(String.init) ?? "-"])
        table.add(["flip-flops", "\(r.flipFlops)"])
        table.add(["DSPs", "\(r.dsps)"])
        table.add(["block RAMs", "\(r.blockRams)"])
        table.add(["Fmax (MHz)", r.fmaxMHz.map { String(format: "%.1f", $0) } ?? "-"])
        print("\(t.rawValue) (\(r.device ?? "")), top \(r.top)")
        print(table.render())
        if let n = r.note { print("note: \(n)") }
        if let p = json { try write(r.json(), to: p); print("wrote \(p)") }
    }
}
