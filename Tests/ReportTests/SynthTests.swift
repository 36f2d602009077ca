import Foundation
import Testing
import AcceleratorSpec
import RTLGen
@testable import Report

/// Small designs built with RTLGen's IR: a signed 8×8 MAC into 32 bits and a 256×16 RAM under one top.
enum SmallDesigns {
    static func mac() throws -> Module {
        let m = ModuleBuilder("mac8", documentation: "Signed 8x8 -> 32-bit multiply-accumulate.")
        _ = m.clock(); _ = m.reset()
        let valid = m.input("valid"), clear = m.input("clear")
        let a = m.input("a", width: 8, signed: true), b = m.input("b", width: 8, signed: true)
        let acc = m.output("acc", width: 32, signed: true)
        let ra = m.reg("ra", width: 8, signed: true, reset: 0), rb = m.reg("rb", width: 8, signed: true, reset: 0)
        let product = m.wire("product", ra.sext(16) * rb.sext(16))
        let accum = m.reg("accum", width: 32, signed: true, reset: 0)
        m.clocked("accumulate") { p in
            p.assign(ra, a); p.assign(rb, b)
            p.when(clear) { p.assign(accum, 0) }.elseWhen(valid) { p.assign(accum, accum + product.sext(32)) }
        }
        m.assign(acc, accum)
        return try m.build()
    }

    static func ram() throws -> Module {
        let m = ModuleBuilder("ram256x16", documentation: "256 x 16 1R1W RAM, registered read.")
        _ = m.clock()
        let we = m.input("we"), waddr = m.input("waddr", width: 8), wdata = m.input("wdata", width: 16)
        let re = m.input("re"), raddr = m.input("raddr", width: 8)
        let rdata = m.output("rdata", width: 16)
        let q = m.memory("storage", width: 16, depth: 256, write: MemoryWritePort(enable: we, address: waddr, data: wdata),
                         read: MemoryReadPort(enable: re, address: raddr))
        m.assign(rdata, q)
        return try m.build()
    }

    /// Top: the MAC's accumulator low half is written to the RAM.
    static func top() throws -> Module {
        let mac = try mac(), ram = try ram()
        let m = ModuleBuilder("mac_ram_top", documentation: "MAC + RAM test design for synthesis.")
        let clk = m.clock(), rst = m.reset()
        let valid = m.input("valid"), clear = m.input("clear")
        let a = m.input("a", width: 8, signed: true), b = m.input("b", width: 8, signed: true)
        let we = m.input("we"), waddr = m.input("waddr", width: 8), re = m.input("re"), raddr = m.input("raddr", width: 8)
        let rdata = m.output("rdata", width: 16), acc = m.output("acc", width: 32, signed: true)
        let accW = m.wire("acc_w", width: 32, signed: true)
        m.instance(mac, name: "u_mac", connections: ["clk": clk, "rst": rst, "valid": valid, "clear": clear, "a": a, "b": b, "acc": accW])
        let rd = m.wire("rd", width: 16)
        m.instance(ram, name: "u_ram", connections: ["clk": clk, "we": we, "waddr": waddr, "wdata": accW.trunc(16), "re": re,
                                                     "raddr": raddr, "rdata": rd])
        m.assign(rdata, rd)
        m.assign(acc, accW)
        return try m.build()
    }

    /// Writes the design and a manifest.json into a fresh directory.
    /// (`REPORT_RTL_OUT=DIR` writes there instead, and keeps it, e.g. to try `sparsetile synth --rtl-dir DIR`.)
    static func write() throws -> String {
        let dir = ProcessInfo.processInfo.environment["REPORT_RTL_OUT"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("report-synth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let files = try VerilogEmitter().emitDesign(try top())
        for f in files { try f.contents.write(to: dir.appendingPathComponent(f.fileName), atomically: true, encoding: .utf8) }
        let manifest = RTLManifest(top: "mac_ram_top", files: files.map(\.fileName))
        try JSONEncoder().encode(manifest).write(to: dir.appendingPathComponent("manifest.json"))
        return dir.path
    }
}

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
func fixture(_ name: String) throws -> String { try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8) }
let constraintsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../constraints").standardized.path

@Suite struct SynthParserTests {
    /// Captured `stat` output of real Yosys 0.23 runs on `SmallDesigns.top()`.
    @Test func parsesCapturedXilinxStat() throws {
        let cells = YosysStat.parseCells(try fixture("stat.xilinx.txt"))
        let r = SynthTarget.xilinx.resources(cells)
        #expect(r.dsps == 1)
        #expect(r.brams == 1)
        #expect(r.luts > 0)
    }

    @Test func parsesCapturedICE40Stat() throws {
        let cells = YosysStat.parseCells(try fixture("stat.ice40.txt"))
        let r = SynthTarget.ice40.resources(cells)
        #expect(r.dsps == 1)
        #expect(r.brams == 1)
        #expect(r.luts > 0 && r.ffs >= 16)
    }

    @Test func parsesCapturedGenericStat() throws {
        let cells = YosysStat.parseCells(try fixture("stat.generic.txt"))
        let r = SynthTarget.generic.resources(cells)
        #expect(r.luts > 100)
        #expect(r.ffs >= 48)
        #expect(r.dsps == 0)
    }

    @Test func parsesHierarchyAndNewerLayouts() {
        let hier = """
        === sub ===
           Number of cells:                  3
             SB_LUT4                         3

        === top ===
           Number of cells:                  2
             SB_DFF                          2

        === design hierarchy ===

           top                               1
             sub                             2

           Number of cells:                  8
             SB_DFF                          2
             SB_LUT4                         6
        """
        #expect(YosysStat.parseCells(hier) == ["SB_DFF": 2, "SB_LUT4": 6])
        let newer = """
        === top ===

                12 wires
                 5 cells
                 3   SB_LUT4
                 2   SB_DFFE
        """
        #expect(YosysStat.parseCells(newer) == ["SB_LUT4": 3, "SB_DFFE": 2])
    }

    @Test func parsesNextpnrFmax() throws {
        let log = try fixture("nextpnr-ice40.log")
        let f = try #require(NextpnrLog.fmaxMHz(log))
        #expect(f > 10 && f < 1000)
        // the packer's lines of the same log (hand-read from the fixture)
        #expect(NextpnrLog.packing(log) == LogicCellPacking(lutOnly: 25, lutAndFlipFlop: 17, flipFlopOnly: 134, carryOnly: 0,
                                                            carryLegalise: 0, lutsIntoCarries: 0, total: 178))
        #expect(NextpnrLog.packing("Info: Max frequency for clock 'clk': 55.10 MHz") == nil)
        #expect(NextpnrLog.fmaxMHz("Info: Max frequency for clock 'clk': 55.10 MHz (PASS at 12.00 MHz)\nInfo: x\nInfo: Max frequency for clock 'clk': 61.00 MHz (PASS at 12.00 MHz)\nInfo: Max frequency for clock 'c2': 70.00 MHz (PASS at 12.00 MHz)") == 61)

        // a DSP without registers: its halves are the cross-domain lines to and from $PACKER_GND_NET (the last
        // report's; hand-read from the fixture, then a log of two reports)
        let fixtureHalves = try #require(NextpnrLog.unregisteredDSPHalves(log))
        #expect(fixtureHalves.input == 5.09 && fixtureHalves.output == 4.29)
        #expect(NextpnrLog.unregisteredDSPHalves("Info: Max frequency for clock 'clk': 55.10 MHz") == nil)
        let split = """
        Info: Max delay posedge $PACKER_GND_NET       -> posedge clk$SB_IO_IN_$glb_clk: 30.00 ns
        Info: Max delay posedge clk$SB_IO_IN_$glb_clk -> posedge $PACKER_GND_NET      : 40.00 ns
        Info: Max delay posedge $PACKER_GND_NET       -> posedge clk$SB_IO_IN_$glb_clk: 24.00 ns
        Info: Max delay <async>                       -> posedge clk$SB_IO_IN_$glb_clk: 27.02 ns
        Info: Max delay posedge clk$SB_IO_IN_$glb_clk -> posedge $PACKER_GND_NET      : 39.05 ns
        """
        let h = try #require(NextpnrLog.unregisteredDSPHalves(split))
        #expect(h.input == 39.05 && h.output == 24.00)
    }
}

@Suite struct SynthFitAndManifestTests {
    /// `yosys -t` puts `[seconds] ` before every line, also in `tee -o` files.
    @Test func parsesTimestampedStat() {
        let t = """
        [00171.969428]    Number of cells:              18058
        [00171.969433]      BUFG                            1
        [00171.969435]      DSP48E1                        27
        [00171.969440]      RAM64M                         48
        [00171.969441]      LUT1                          150
        [00171.969486]
        """
        #expect(YosysStat.parseCells(t) == ["BUFG": 1, "DSP48E1": 27, "RAM64M": 48, "LUT1": 150])
    }

    /// LUT RAM and SRLs occupy slice LUTs (RAM64M = 4 LUTs); MUXF7/8 and CARRY4 are not LUTs.
    @Test func xilinxCountsLUTRAMAsLUTs() {
        let r = SynthTarget.xilinx.resources(["LUT6": 10, "LUT2": 1, "RAM64M": 2, "SRLC32E": 3, "MUXF7": 5, "CARRY4": 7,
                                              "FDRE": 4, "FDSE": 1, "RAMB18E1": 2, "RAMB36E1": 1, "DSP48E1": 6])
        #expect(r.luts == 22)
        #expect(r.ffs == 5)
        #expect(r.brams == 3)
        #expect(r.dsps == 6)
    }

    @Test func ice40FitCheck() {
        let up5k = ICE40Device.up5k.part, hx8k = ICE40Device.hx8k.part
        #expect(up5k.name == "ice40-up5k" && FPGAPart.named("ice40-up5k") == up5k)
        #expect(up5k.overflow(["luts": 13795, "flipFlops": 4487, "dsps": 20, "blockRams": 34])
                == "luts 13795 > 5280, dsps 20 > 8, blockRams 34 > 30")
        #expect(up5k.overflow(["luts": 5280, "flipFlops": 5280, "dsps": 8, "blockRams": 30, "largeRams": 4]) == nil)
        // the logic cells are checked when counted: LUTs that fit can still overflow the cells
        #expect(up5k.overflow(["luts": 5000, "logicCells": 5281, "flipFlops": 3000]) == "logicCells 5281 > 5280")
        #expect(up5k.overflow(["luts": 5000, "logicCells": 5280]) == nil)
        // flip-flops share the logic cells with the LUTs
        #expect(hx8k.overflow(["luts": 100, "flipFlops": 7681, "dsps": 1, "blockRams": 0])
                == "flipFlops 7681 > 7680, dsps 1 > 0")
        // SPRAM counts apart from the EBRs
        #expect(up5k.used(["SB_LUT4": 7, "SB_DFFE": 3, "SB_RAM40_4K": 2, "SB_SPRAM256KA": 4, "SB_MAC16": 1])
                == ["luts": 7, "flipFlops": 3, "dsps": 1, "blockRams": 2, "largeRams": 4])
        #expect(SynthTarget.ice40.script(top: "t", jsonOut: nil, device: .hx8k) == "synth_ice40 -top t")
        // With DSPs: staged, `ice40_dsp` kept off instantiated SB_MAC16s (it would make them 16×16
        // multipliers), `share` unless --no-share, no autoname, the JSON written by the last stage.
        let ws = SynthTarget.ice40.script(top: "t", jsonOut: "n.json", device: .up5k, extra: "-abc9").components(separatedBy: "; ")
        #expect(ws.first == "synth_ice40 -dsp -abc9 -top t -run :coarse" && ws.last == "synth_ice40 -dsp -abc9 -top t -run blif: -json n.json")
        #expect(ws.contains("share") && ws.contains("ice40_dsp t:SB_MAC16 n:$* %d %n") && !ws.contains("ice40_dsp"))
        let ns = SynthTarget.ice40.script(top: "t", jsonOut: "n.json", device: .up5k, noShare: true).components(separatedBy: "; ")
        #expect(!ns.contains("share") && !ns.contains("autoname"))
        #expect(ns.first == "synth_ice40 -dsp -top t -run :coarse")
        #expect(ns.last == "synth_ice40 -dsp -top t -run blif: -json n.json")
        #expect(ns.contains("ice40_dsp t:SB_MAC16 n:$* %d %n"))
        #expect(SynthTarget.generic.script(top: "t", jsonOut: nil, noShare: true) == "synth -flatten -noshare -top t; abc -lut 4; opt_clean")
        let nx = SynthTarget.xilinx.script(top: "t", jsonOut: nil, noShare: true).components(separatedBy: "; ")
        #expect(!nx.contains("share") && nx.last == "synth_xilinx -family xc7 -flatten -top t -run map_memory:")
    }

    /// Xilinx parts: block RAMs in RAMB36 units (a RAMB18 is half of one, rounded up), UltraRAMs
    /// apart; the family goes to synth_xilinx; the hierarchy kept on request.
    @Test func xilinxPartsAndFamilies() {
        let zu = try! #require(FPGAPart.named("xczu7ev")), z7 = try! #require(FPGAPart.named("xc7z020"))
        let used = zu.used(["LUT6": 10, "LUT3": 2, "RAM64M": 1, "FDRE": 7, "DSP48E2": 4, "RAMB18E2": 3, "RAMB36E2": 2, "URAM288": 1])
        #expect(used == ["luts": 16, "flipFlops": 7, "dsps": 4, "blockRams": 4, "largeRams": 1])
        #expect(z7.overflow(["luts": 53_201, "flipFlops": 1, "dsps": 221, "blockRams": 140]) == "luts 53201 > 53200, dsps 221 > 220")
        #expect(zu.overflow(["largeRams": 97]) == "largeRams 97 > 96")
        // (UltraScale+: the memories of 1 024 words or more are marked for URAM288 between the
        // coarse steps and memory mapping; 7-series has none)
        #expect(SynthTarget.xilinx.script(top: "t", jsonOut: nil, family: zu.xilinxFamily!)
                == "synth_xilinx -family xcup -flatten -top t -run :map_memory; setattr -set ram_style \"ultra\" r:SIZE>=1024 t:$mem_v2 %i; "
                + "synth_xilinx -family xcup -flatten -top t -run map_memory:")
        #expect(SynthTarget.xilinx.script(top: "t", jsonOut: nil, family: zu.xilinxFamily!, noShare: true)
            .contains("opt_clean; setattr -set ram_style \"ultra\" r:SIZE>=1024 t:$mem_v2 %i; synth_xilinx -family xcup -flatten -top t -run map_memory:"))
        #expect(!SynthTarget.xilinx.script(top: "t", jsonOut: nil, family: z7.xilinxFamily!).contains("ultra"))
        #expect(SynthTarget.xilinx.script(top: "t", jsonOut: nil, flatten: false) == "synth_xilinx -family xc7 -top t")
        let kept = SynthTarget.ice40.script(top: "t", jsonOut: nil, flatten: false).components(separatedBy: "; ")
        #expect(kept.first == "synth_ice40 -dsp -noflatten -top t -run :coarse" && kept.last == "synth_ice40 -dsp -noflatten -top t -run blif:")
    }

    /// Per-engine resources from a `stat` of a design whose hierarchy was kept, worked by hand: the
    /// top holds engines a and b; a holds four of module m (2 LUTs, 1 FF each) and 3 LUTs of its
    /// own; b 5 LUTs and a RAM; the top one LUT of its own.
    @Test func engineRollUp() {
        let stat = """
            === p_accel ===
               Number of cells:                  3
                 SB_LUT4                         1
                 p_a                             1
                 p_b                             1

            === p_a ===
               Number of cells:                  7
                 SB_LUT4                         3
                 p_m                             4

            === p_b ===
               Number of cells:                  6
                 SB_LUT4                         5
                 SB_RAM40_4K                     1

            === p_m ===
               Number of cells:                  3
                 SB_LUT4                         2
                 SB_DFF                          1

            === p_empty ===
               Number of cells:                  0

            === design hierarchy ===
               p_accel                           1
            """
        let modules = YosysStat.moduleCells(stat)
        #expect(modules["p_a"] == ["SB_LUT4": 3, "p_m": 4])
        #expect(modules["p_empty"] == [:])
        let rows = EngineResources.rollUp(modules, top: "p_accel", target: .ice40)
        #expect(rows.map(\.engine) == ["a", "b", "top"])
        #expect(rows.map(\.luts) == [11, 5, 1])
        #expect(rows.map(\.flipFlops) == [4, 0, 0])
        #expect(rows.map(\.blockRams) == [0, 1, 0])
    }

    /// docs/synthesis.md's table of parts is `FPGAPart.markdownTable`
    /// (`SPARSETILE_UPDATE_DOCS=1 swift test --filter partsTableIsCurrent` rewrites it).
    @Test func partsTableIsCurrent() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/synthesis.md").standardized
        let doc = try String(contentsOf: url, encoding: .utf8)
        let begin = "<!-- generated: parts -->\n", end = "<!-- end generated -->"
        let b = try #require(doc.range(of: begin)), e = try #require(doc.range(of: end, range: b.upperBound..<doc.endIndex))
        var updated = doc
        updated.replaceSubrange(b.upperBound..<e.lowerBound, with: FPGAPart.markdownTable)
        if ProcessInfo.processInfo.environment["SPARSETILE_UPDATE_DOCS"] != nil {
            if updated != doc { try updated.write(to: url, atomically: true, encoding: .utf8) }
            return
        }
        #expect(updated == doc, "docs/synthesis.md's parts table is stale: run `SPARSETILE_UPDATE_DOCS=1 swift test --filter partsTableIsCurrent`")
    }

    /// `sparsetile generate` writes the config hash as `hash`.
    @Test func manifestReadsGeneratorHash() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../rtl/small").standardized.path
        let m = try RTLManifest.load(directory: dir)
        let top = AcceleratorNames(config: .small).top
        #expect(m.top == top)
        #expect(m.configHash == HardwareConfig.small.contentHash)
        #expect(m.files.contains("\(top).sv"))
    }

    @Test func macsPerDSP() {
        var r = SynthResult(target: "ice40", top: "t", luts: 1, flipFlops: 1, dsps: 20, blockRams: 0, cells: [:])
        r.setConfig(hash: "h", macsPerCycle: 4, maxMapSize: 8)
        #expect(r.macsPerDSP == 0.2)
        r.dsps = 0; r.setConfig(hash: "h", macsPerCycle: 4, maxMapSize: 8)
        #expect(r.macsPerDSP == nil)
    }

    /// The design's Fmax: nextpnr's, or the bound through the multiplies it leaves out when lower.
    @Test func designFmaxIsTheLowerOfNextpnrsAndTheMultiplies() {
        var r = SynthResult(target: "ice40", top: "t", luts: 1, flipFlops: 1, dsps: 8, blockRams: 0, cells: [:])
        #expect(r.designFmaxMHz == nil)
        r.fmaxMHz = 29.01
        #expect(r.designFmaxMHz == 29.01)
        r.fmaxThroughDSPMHz = 30.13
        #expect(r.designFmaxMHz == 29.01)
        r.fmaxThroughDSPMHz = 17.12
        #expect(r.designFmaxMHz == 17.12)
    }
}

/// The generated accelerator itself through Yosys, on a tiny config (2×2 tile, 1×1 lanes, B 4,
/// 8×8 maximum map) so that it stays a CI-sized run (docs/synthesis.md has the times).
@Suite(.serialized) struct AcceleratorSynthTests {
    static let tiny: HardwareConfig = {
        var c = HardwareConfig.small
        c.tileH = 2; c.tileW = 2; c.lanesK = 1; c.lanesC = 1; c.memBytesPerCycle = 4
        c.inputBufferBytes = 2 * 2 * 2 * 4 * HardwareConfig.small.inputBankDepth
        c.outputBufferBytes = 2 * 2 * 2 * 4 * HardwareConfig.small.outputWordsPerPixel
        c.weightBufferBytes = 1 * 4 * HardwareConfig.small.weightBankDepth
        return c
    }()

    /// Issue 13: CI synthesises the UP5K preset and places and routes it — nextpnr-ice40 must then
    /// report an Fmax (printed beside the issue's 30 MHz: a performance figure, not asserted here).
    /// Until it fits the fit check must say so on the packer's cells (a minute of Yosys, two of
    /// nextpnr; docs/synthesis.md, "Presets").
    @Test func up5kPresetThroughTheFlow() throws {
        guard SynthFlow.which("yosys") != nil else { print("note: yosys missing; skipping"); return }
        let cfg = try #require(HardwareConfig.preset(named: "ice40-up5k"))
        let maxMap = try #require(HardwareConfig.presetMaxMapSize(named: "ice40-up5k"))
        let gen = try AcceleratorGenerator(config: cfg, limits: AcceleratorLimits(maxMapSize: maxMap))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-up5k-synth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try gen.write(to: dir)
        var flow = SynthFlow(target: .ice40, constraintsDir: constraintsDir, placeAndRoute: true, workDir: dir.path + "/synth", device: .up5k)
        flow.part = FPGAPart.named("ice40-up5k"); flow.noShare = true
        let r = try flow.run(manifest: try RTLManifest.load(directory: dir.path), rtlDir: dir.path)
        // the PE pairs' products come two to an SB_MAC16 (mac16Pairs): at least 4 blocks
        #expect(cfg.macsPerCycle >= 8 && r.dsps >= cfg.macsPerCycle / 2, "\(r.cells)")
        // the PE pairs' cells hold their operands and products (MAC16Timing): nextpnr times them
        let outside = try #require(r.dspsOutsideFmax)
        #expect(!outside.contains { $0.name.contains("u_pe_pair") }, "\(outside.map(\.name))")
        guard SynthFlow.which("nextpnr-ice40") != nil else { print("note: nextpnr-ice40 missing; cells not counted"); return }
        let cells = try #require(r.logicCells)
        #expect(cells >= (r.luts ?? 0) && cells >= r.flipFlops)
        #expect(r.fits == (cells <= 5280 && (r.luts ?? 0) <= 5280 && r.dsps <= 8 && r.blockRams <= 30), "\(r.note ?? "")")
        if r.fits == true {
            // (placed as a board holds it: CSR port on pins, DRAM port on SPRAM)
            let f = try #require(r.fmaxMHz, "the UP5K preset fits but did not place: \(r.note ?? "")")
            #expect(f > 0 && r.fmaxIsEstimate == false, "\(r.note ?? "")")
            print("note: the UP5K preset places and routes at \(f) MHz (issue 13's target: 30), \(cells) logic cells"
                  + (r.fmaxThroughDSPMHz.map { "; at most \($0) MHz through the multiply of the SB_MAC16s outside nextpnr's figure, so the design at most \(r.designFmaxMHz ?? f)" } ?? ""))
        } else {
            print("note: the UP5K preset does not fit yet (\(cells) logic cells): \(r.note ?? "")")
        }
    }

    /// The place-and-route wrapper keeps every port of the top: the CSR port on at most the pins
    /// the package has (after clk, sin and sout), the DRAM port on SPRAM words, every other input
    /// bit driven once, every other output bit observed (Yosys elaborates it against the iCE40
    /// cell library; a top with a port of each kind stands in for the accelerator).
    @Test func placeAndRouteWrapperKeepsEveryPort() throws {
        guard let yosys = SynthFlow.which("yosys") else { print("note: yosys missing; skipping"); return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-pnr-wrap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let ins: [(name: String, bits: Int)] = [("csr_addr", 6), ("csr_wdata", 32), ("csr_we", 1), ("mem_req_ready", 1),
                                                ("mem_rsp_rdata", 32), ("mem_rsp_valid", 1), ("rst", 1)]
        let outs: [(name: String, bits: Int)] = [("busy", 1), ("csr_rdata", 32), ("mem_req_addr", 20), ("mem_req_valid", 1),
                                                 ("mem_req_wdata", 32), ("mem_req_write", 1), ("mem_req_wstrb", 4), ("mem_rsp_ready", 1)]
        // the stand-in top: every output a register of the XOR of every input bit, so an input left
        // undriven fails `check -assert` and an output left unobserved loses its register
        var top = "module acc(input clk, " + (ins.map { "input [\($0.bits - 1):0] \($0.name)" } + outs.map { "output [\($0.bits - 1):0] \($0.name)" }).joined(separator: ", ") + ");\n"
        top += "  wire x = ^{" + ins.map(\.name).joined(separator: ", ") + "};\n"
        for o in outs { top += "  reg [\(o.bits - 1):0] r_\(o.name);\n  always @(posedge clk) r_\(o.name) <= {\(o.bits){x}};\n  assign \(o.name) = r_\(o.name);\n" }
        top += "endmodule\n"
        for (pins, rams) in [(39, 4), (39, 0), (206, 0), (4, 0)] {
            let w = PlaceAndRouteWrapper(top: "acc", clock: "clk", inputs: ins, outputs: outs, pins: pins, largeRams: rams)
            #expect(w.pinBits == min(39, pins - 3))
            #expect((w.memoryBlocks != nil) == (rams >= 2))
            let v = w.verilog()
            try top.write(to: dir.appendingPathComponent("standin.v"), atomically: true, encoding: .utf8)
            try v.write(to: dir.appendingPathComponent("w.v"), atomically: true, encoding: .utf8)
            // (an output nothing observes loses its register to the purge: the stand-in's flip-flops,
            // one a port, are counted by their source file)
            let (st, out, _) = try SynthFlow.run(yosys, ["-q", "-p", "read_verilog -lib +/ice40/cells_sim.v; read_verilog \(dir.path)/standin.v; "
                                                        + "read_verilog \(dir.path)/w.v; hierarchy -check -top \(PlaceAndRouteWrapper.module); proc; flatten; "
                                                        + "check -assert; opt_clean -purge; select -assert-count \(outs.count) t:$dff a:src=*standin.v* %i"],
                                                 log: dir.appendingPathComponent("y.log").path)
            #expect(st == 0, "pins \(pins), SPRAM \(rams): \(out.suffix(800))\n\(v)")
            // every input bit of the top from one source; the pins the wrapper takes fit the package
            #expect(v.contains("input [\(w.pinBits - 1):0] pin") == (w.pinBits > 1))
            #expect(v.contains("SB_SPRAM256KA") == (rams >= 2))
        }
    }

    @Test func tinyAcceleratorOnICE40() throws {
        guard SynthFlow.which("yosys") != nil else { print("note: yosys missing; skipping"); return }
        let cfg = Self.tiny
        try cfg.validate()
        let gen = try AcceleratorGenerator(config: cfg, limits: AcceleratorLimits(maxMapSize: 8))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-accel-synth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try gen.write(to: dir)
        let flow = SynthFlow(target: .ice40, constraintsDir: constraintsDir, placeAndRoute: false, workDir: dir.path + "/synth", device: .up5k)
        var r = try flow.run(manifest: try RTLManifest.load(directory: dir.path), rtlDir: dir.path)
        r.setConfig(hash: cfg.contentHash, macsPerCycle: cfg.macsPerCycle, maxMapSize: 8)
        #expect(r.top == gen.top)
        #expect(r.configHash == cfg.contentHash)
        #expect(cfg.macsPerCycle == 4)
        // Every PE product (and more: address and requant multipliers) is an SB_MAC16.
        #expect(r.dsps >= cfg.macsPerCycle, "\(r.cells)")
        #expect(r.cells["SB_MAC16"] == r.dsps)
        #expect((r.luts ?? 0) > 0 && r.flipFlops > 0 && r.blockRams > 0, "\(r.cells)")
        let part = ICE40Device.up5k.part
        #expect(r.part == part.name)
        var used = part.used(r.cells)
        if SynthFlow.which("nextpnr-ice40") != nil {
            // the packer's cells hold every LUT and flip-flop Yosys mapped, each once
            let p = try #require(r.packing)
            #expect(p.lutOnly + p.lutAndFlipFlop == r.luts && p.lutAndFlipFlop + p.flipFlopOnly == r.flipFlops, "\(p)")
            #expect(r.logicCells == p.total && p.total >= max(r.luts ?? 0, r.flipFlops))
            used["logicCells"] = p.total
        }
        #expect(r.used == used)
        #expect(r.fits == (part.overflow(used) == nil))
        #expect(r.capacity == ["luts": 5280, "logicCells": 5280, "flipFlops": 5280, "dsps": 8, "blockRams": 30, "largeRams": 4])
        #expect(r.flow == SynthTarget.ice40.script(top: gen.top, jsonOut: nil, device: .up5k))
        #expect(r.flow?.hasPrefix("synth_ice40 -dsp -top \(gen.top) -run :coarse") == true)
        let obj = try JSONSerialization.jsonObject(with: Data(r.json().utf8)) as! [String: Any]
        for k in ["luts", "flipFlops", "dsps", "blockRams", "macsPerDSP", "yosysSeconds"] { #expect(obj[k] != nil, "\(k)") }
        print("tiny accelerator on iCE40: \(r.luts ?? 0) LUTs, \(r.flipFlops) FFs, \(r.dsps) DSPs, \(r.blockRams) BRAMs, yosys \(r.yosysSeconds ?? 0) s")
    }
}

@Suite(.serialized) struct SynthFlowTests {
    @Test(arguments: SynthTarget.allCases)
    func synthesisesSmallDesign(target: SynthTarget) throws {
        guard SynthFlow.which("yosys") != nil else { print("note: yosys missing; skipping"); return }
        let dir = try SmallDesigns.write()
        defer { if ProcessInfo.processInfo.environment["REPORT_RTL_OUT"] == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let flow = SynthFlow(target: target, constraintsDir: constraintsDir, targetMHz: 24,
                             placeAndRoute: SynthFlow.which("nextpnr-ice40") != nil, workDir: dir + "/synth")
        let r = try flow.run(manifest: try RTLManifest.load(directory: dir), rtlDir: dir)
        // REPORT_CAPTURE_DIR=Tests/ReportTests/Fixtures refreshes the captured tool outputs.
        if let cap = ProcessInfo.processInfo.environment["REPORT_CAPTURE_DIR"] {
            for f in ["stat.\(target.rawValue).txt"] + (target == .ice40 ? ["nextpnr-ice40.log"] : []) {
                let dst = (cap as NSString).appendingPathComponent(f)
                try? FileManager.default.removeItem(atPath: dst)
                try? FileManager.default.copyItem(atPath: dir + "/synth/" + f, toPath: dst)
            }
        }
        #expect((r.luts ?? 0) > 0, "\(r)")
        switch target {
        case .xilinx:  // the MAC's operand and accumulator registers fold into the DSP48E1
            #expect(r.dsps == 1); #expect(r.blockRams == 1)
        case .ice40:
            #expect(r.dsps == 1); #expect(r.blockRams == 1); #expect(r.flipFlops >= 48)
            if SynthFlow.which("nextpnr-ice40") != nil { #expect((r.fmaxMHz ?? 0) > 10, "\(r.note ?? "")") }
        case .generic: #expect(r.flipFlops >= 48)  // generic synth maps memories to flip-flops
        }
        // JSON keys of the issue.
        let obj = try JSONSerialization.jsonObject(with: Data(r.json().utf8)) as! [String: Any]
        for k in ["luts", "flipFlops", "dsps", "blockRams"] { #expect(obj[k] != nil) }
    }

    /// `--pnr-seeds N`: N nextpnr runs at seeds 1…N, each with its own log, and the design's Fmax
    /// the fastest's — read back from each run's own log.
    @Test func placesAndRoutesAtSeveralSeeds() throws {
        guard SynthFlow.which("yosys") != nil, SynthFlow.which("nextpnr-ice40") != nil else { print("note: yosys or nextpnr-ice40 missing; skipping"); return }
        let dir = try SmallDesigns.write()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var flow = SynthFlow(target: .ice40, constraintsDir: constraintsDir, targetMHz: 24, placeAndRoute: true, workDir: dir + "/synth")
        flow.pnrSeeds = 3
        let r = try flow.run(manifest: try RTLManifest.load(directory: dir), rtlDir: dir)
        let runs = try #require(r.pnrRuns)
        #expect(runs.map(\.seed) == [1, 2, 3])
        var fromLogs: [Double] = []
        for run in runs {
            #expect(run.log == dir + "/synth/nextpnr-ice40.seed\(run.seed).log")
            let text = try String(contentsOfFile: run.log, encoding: .utf8)
            let f = try #require(NextpnrLog.fmaxMHz(text), "seed \(run.seed): no Fmax in its log")
            #expect(run.fmaxMHz == f)
            fromLogs.append(f)
        }
        #expect(r.fmaxMHz == fromLogs.max())
        #expect(r.note?.contains("fastest of 3 seeds") == true, "\(r.note ?? "")")
    }
}
