/// An FPGA part: the resources its vendor counts and how the synthesis flow targets it
/// (docs/synthesis.md, "Parts"). The one table of part capacities: `synth --part`, the fit check
/// and the docs derive from it.
public struct FPGAPart: Sendable, Equatable {
    /// The name `--part` takes: `ice40-up5k`, `xc7z020`, …
    public let name: String
    /// The vendor's name and package, for reports.
    public let title: String
    public let target: SynthTarget
    /// `synth_xilinx -family`: `xc7` (7-series) or `xcup` (UltraScale+); nil on iCE40.
    public let xilinxFamily: String?
    /// The part nextpnr-ice40 places, on iCE40.
    public let ice40: ICE40Device?
    /// Every resource the fit check compares, by the keys of `SynthResult.used`.
    public let capacity: [String: Int]

    /// The resource keys, in report order: LUTs; logic cells (iCE40 only: a cell holds one LUT4,
    /// one flip-flop and one carry, and a flip-flop or carry that nextpnr cannot pair with a LUT
    /// takes a cell of its own, so the cells, not the LUTs, are what must fit; counted by
    /// nextpnr-ice40's packer, ``LogicCellPacking``); flip-flops (on iCE40 they share the logic cells
    /// with the LUTs, so their capacity is the LUT count); DSP blocks; block RAMs (SB_RAM40_4K, or
    /// RAMB36 on Xilinx, where a RAMB18 counts half); large RAMs (SB_SPRAM256KA, URAM288).
    public static let resources = ["luts", "logicCells", "flipFlops", "dsps", "blockRams", "largeRams"]

    static func ice40(_ d: ICE40Device, _ title: String, luts: Int, dsps: Int, ebr: Int, spram: Int) -> FPGAPart {
        FPGAPart(name: "ice40-\(d.rawValue)", title: title, target: .ice40, xilinxFamily: nil, ice40: d,
                 capacity: ["luts": luts, "logicCells": luts, "flipFlops": luts, "dsps": dsps, "blockRams": ebr, "largeRams": spram])
    }
    static func xilinx(_ name: String, _ title: String, family: String, luts: Int, ffs: Int, dsps: Int, bram36: Int, uram: Int) -> FPGAPart {
        FPGAPart(name: name, title: title, target: .xilinx, xilinxFamily: family, ice40: nil,
                 capacity: ["luts": luts, "flipFlops": ffs, "dsps": dsps, "blockRams": bram36, "largeRams": uram])
    }

    /// The parts the flow knows (data sheets: Lattice iCE40 UltraPlus and LP/HX families, Xilinx
    /// DS190 Zynq-7000 and DS891 Zynq UltraScale+ MPSoC).
    public static let all: [FPGAPart] = [
        .ice40(.up5k, "iCE40 UP5K (sg48)", luts: 5280, dsps: 8, ebr: 30, spram: 4),
        .ice40(.u4k, "iCE40 U4K (sg48)", luts: 3520, dsps: 4, ebr: 20, spram: 0),
        .ice40(.hx8k, "iCE40 HX8K (ct256)", luts: 7680, dsps: 0, ebr: 32, spram: 0),
        .ice40(.lp8k, "iCE40 LP8K (cm81)", luts: 7680, dsps: 0, ebr: 32, spram: 0),
        .ice40(.hx1k, "iCE40 HX1K (tq144)", luts: 1280, dsps: 0, ebr: 16, spram: 0),
        .xilinx("xc7z020", "Zynq-7000 XC7Z020", family: "xc7", luts: 53_200, ffs: 106_400, dsps: 220, bram36: 140, uram: 0),
        .xilinx("xczu7ev", "Zynq UltraScale+ XCZU7EV", family: "xcup", luts: 230_400, ffs: 460_800, dsps: 1_728, bram36: 312, uram: 96),
    ]

    /// The part called `name`, or nil.
    public static func named(_ name: String) -> FPGAPart? { all.first { $0.name == name } }

    /// The resources of `cells` (Yosys `stat` counts of a design mapped for this part's target) by
    /// the keys of ``capacity``.
    public func used(_ cells: [String: Int]) -> [String: Int] {
        let r = target.resources(cells)
        var ram = r.brams, large = 0
        switch target {
        case .ice40:
            large = cells["SB_SPRAM256KA"] ?? 0
            ram -= large
        case .xilinx:
            let r18 = cells.filter { $0.key.hasPrefix("RAMB18") }.values.reduce(0, +)
            let r36 = cells.filter { $0.key.hasPrefix("RAMB36") }.values.reduce(0, +)
            ram = r36 + (r18 + 1) / 2
            large = cells.filter { $0.key.hasPrefix("URAM") }.values.reduce(0, +)
        case .generic: break
        }
        return ["luts": r.luts, "flipFlops": r.ffs, "dsps": r.dsps, "blockRams": ram, "largeRams": large]
    }

    /// Why `used` does not fit, e.g. `luts 13795 > 5280, blockRams 34 > 30`; nil when it fits.
    /// A resource `used` does not name is not checked (logic cells when nextpnr-ice40 did not pack).
    public func overflow(_ used: [String: Int]) -> String? {
        let why = Self.resources.compactMap { k -> String? in
            guard let u = used[k] else { return nil }
            let c = capacity[k] ?? 0
            return u > c ? "\(k) \(u) > \(c)" : nil
        }
        return why.isEmpty ? nil : why.joined(separator: ", ")
    }
}

extension FPGAPart {
    /// The parts as a Markdown table (docs/synthesis.md, "Parts"; `SynthTests.partsTableIsCurrent`).
    public static var markdownTable: String {
        var out = ["| `--part` | part | target | LUTs | flip-flops | DSPs | block RAMs | large RAMs |", "|---|---|---|---:|---:|---:|---:|---:|"]
        func n(_ v: Int?) -> String {
            guard let v else { return "0" }
            let s = String(v)
            return v >= 10_000 ? String(s.dropLast(3)) + "\u{202F}" + s.suffix(3) : s
        }
        for p in all {
            let t = p.target == .ice40 ? "ice40 (nextpnr `\(p.ice40!.nextpnrArgs.joined(separator: " "))`)" : "xilinx (`-family \(p.xilinxFamily!)`)"
            let ram = p.target == .ice40 ? "SB_RAM40_4K" : "RAMB36", large = p.target == .ice40 ? "SPRAM" : "URAM"
            let ffs = p.target == .ice40 ? "\(n(p.capacity["flipFlops"])) (the LUTs' cells)" : n(p.capacity["flipFlops"])
            let luts = p.target == .ice40 ? "\(n(p.capacity["luts"])) (in as many logic cells)" : n(p.capacity["luts"])
            out.append("| `\(p.name)` | \(p.title) | \(t) | \(luts) | \(ffs) | \(n(p.capacity["dsps"])) | \(n(p.capacity["blockRams"])) \(ram) | \(n(p.capacity["largeRams"])) \(large) |")
        }
        return out.joined(separator: "\n") + "\n"
    }
}

extension ICE40Device {
    /// This device's entry in ``FPGAPart/all``.
    public var part: FPGAPart { FPGAPart.all.first { $0.ice40 == self }! }
}
