import Foundation
import AcceleratorSpec

/// SCALE-Sim interchange (docs/reports.md, "SCALE-Sim interchange"): its topology files in, its
/// compute and bandwidth reports out, so that existing topologies, scripts and plots work here.
public enum ScaleSim {
    /// The conv layers of a SCALE-Sim topology CSV: `Layer name, IFMAP Height, IFMAP Width, Filter
    /// Height, Filter Width, Channels, Num Filter, Strides,` (header line, trailing commas allowed).
    ///
    /// SCALE-Sim's IFMAP sizes include the padding and its convolutions are "valid"; this
    /// accelerator pads by (K − 1)/2 itself ("same"), so a row becomes a layer over the unpadded
    /// map `IFMAP − (K − 1)`: the output sizes agree, `(IFMAP − K)/S + 1` either way. A fully
    /// connected row (1×1 map, 1×1 filter) is a 1×1 conv. Non-square filters, even filters and
    /// maps smaller than the filter are errors that name the row.
    public static func topology(_ text: String, file: String = "topology") throws -> [(name: String, layer: SyntheticLayer)] {
        var rows = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let header = rows.first, header.lowercased().contains("layer name") else {
            throw AcceleratorSpecError.invalidLayer("\(file): not a SCALE-Sim topology (the first line must be its header, 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,')")
        }
        rows.removeFirst()
        var out: [(String, SyntheticLayer)] = []
        for (i, row) in rows.enumerated() {
            let line = i + 2
            var cells = row.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            while cells.last == "" { cells.removeLast() }
            guard cells.count == 8 else {
                throw AcceleratorSpecError.invalidLayer("\(file) line \(line): \(cells.count) fields; a topology row has 8 (name, IFMAP H, IFMAP W, filter H, filter W, channels, filters, stride)")
            }
            let name = cells[0]
            var v: [Int] = []
            for (j, c) in cells.dropFirst().enumerated() {
                guard let n = Int(c), n > 0 else {
                    throw AcceleratorSpecError.invalidLayer("\(file) line \(line) (\(name)): field \(j + 2) is '\(c)', not a positive integer")
                }
                // Map sides, filter sides and the stride are bounded like every image size, so the
                // layer's arithmetic cannot overflow; channel counts meet the memory limit instead.
                if [0, 1, 2, 3, 6].contains(j) && n > ImageSize.maxSide {
                    throw AcceleratorSpecError.invalidLayer("\(file) line \(line) (\(name)): field \(j + 2) (\(Self.fieldNames[j])) is \(n), over the limit of \(ImageSize.maxSide)")
                }
                v.append(n)
            }
            let (ih, iw, fh, fw, cin, cout, s) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6])
            guard fh == fw else {
                throw AcceleratorSpecError.invalidLayer("\(file) line \(line) (\(name)): a \(fh)x\(fw) filter; the accelerator runs square kernels")
            }
            guard fh % 2 == 1 else {
                throw AcceleratorSpecError.invalidLayer("\(file) line \(line) (\(name)): a \(fh)x\(fw) filter; the accelerator runs odd kernels (\"same\" padding (K-1)/2)")
            }
            guard ih >= fh, iw >= fw else {
                throw AcceleratorSpecError.invalidLayer("\(file) line \(line) (\(name)): an IFMAP of \(ih)x\(iw) is smaller than its \(fh)x\(fw) filter")
            }
            out.append((name, SyntheticLayer(kernel: fh, stride: s, inChannels: cin, outChannels: cout,
                                             height: ih - (fh - 1), width: iw - (fw - 1), residual: false)))
        }
        guard !out.isEmpty else { throw AcceleratorSpecError.invalidLayer("\(file): no layer rows after the header") }
        return out
    }

    /// The names of a topology row's numeric fields (2…8), as in the header.
    static let fieldNames = ["IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels", "Num Filter", "Strides"]

    /// `COMPUTE_REPORT.csv` with SCALE-Sim v2's columns, one row per layer (`LayerID` = its index):
    /// total cycles; stall cycles = cycles the PE array is not computing; overall util = useful
    /// MACs / (MAC units · cycles); mapping efficiency = issued MACs / (MAC units · compute-busy
    /// cycles), how full the lanes are while computing; compute util = compute-busy / total cycles.
    public static func computeReport(_ stats: [LayerStats], config: HardwareConfig) -> String {
        let macs = Double(config.macsPerCycle)
        var s = "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n"
        for (i, l) in stats.enumerated() {
            let overall = l.cycles > 0 ? 100 * Double(l.usefulMACs) / (macs * Double(l.cycles)) : 0
            let mapping = l.computeBusyCycles > 0 ? 100 * Double(l.issuedMACs) / (macs * Double(l.computeBusyCycles)) : 0
            let compute = l.cycles > 0 ? 100 * Double(l.computeBusyCycles) / Double(l.cycles) : 0
            s += "\(i), \(l.cycles), \(l.cycles - l.computeBusyCycles), \(fmt(overall)), \(fmt(mapping)), \(fmt(compute)),\n"
        }
        return s
    }

    /// `BANDWIDTH_REPORT.csv` with SCALE-Sim v2's columns, in bytes (= int8 words) per cycle over
    /// the layer's cycles. SRAM: what the PE array reads of the input and weight buffers and
    /// writes of outputs, derived from the issued MACs at the layer's tile shape; DRAM: the
    /// model's port traffic, split into activations (input and residual), weights (with bias and
    /// the words handed on to the next layer) and outputs.
    public static func bandwidthReport(_ stats: [LayerStats], config: HardwareConfig) -> String {
        var s = "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n"
        for (i, l) in stats.enumerated() {
            let c = Double(max(1, l.cycles))
            // Per compute step, at the layer's tile shape of P pixels, the array reads lanesC input
            // bytes per pixel and (MAC units / P) output-channel lanes × lanesC weight bytes; it
            // writes one output per K²·Cin MACs. (Derived from the issued MACs, not counted.)
            let steps = Double(l.issuedMACs) / Double(config.macsPerCycle)
            let dims = l.tileShape.split(separator: "x").compactMap { Int($0) }
            let pixels = Double(dims.count == 2 ? dims[0] * dims[1] : config.tileH * config.tileW)
            let ifmapSRAM = steps * Double(config.lanesC) * pixels / c
            let filterSRAM = steps * Double(config.macsPerCycle) / pixels / c
            let taps = Double(l.kernel * l.kernel * l.inShape[2])
            let ofmapSRAM = taps > 0 ? Double(l.issuedMACs) / taps / c : 0
            let filterDRAM = Double(l.weightBytesRead) / c
            let ifmapDRAM = Double(l.dramBytesRead - l.weightBytesRead) / c
            let ofmapDRAM = Double(l.dramBytesWritten) / c
            s += "\(i), \(fmt(ifmapSRAM)), \(fmt(filterSRAM)), \(fmt(ofmapSRAM)), \(fmt(ifmapDRAM)), \(fmt(filterDRAM)), \(fmt(ofmapDRAM)),\n"
        }
        return s
    }

    /// Writes both reports into `directory` (created if missing).
    public static func writeReports(_ stats: [LayerStats], config: HardwareConfig, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try computeReport(stats, config: config).write(toFile: (directory as NSString).appendingPathComponent("COMPUTE_REPORT.csv"),
                                                       atomically: true, encoding: .utf8)
        try bandwidthReport(stats, config: config).write(toFile: (directory as NSString).appendingPathComponent("BANDWIDTH_REPORT.csv"),
                                                         atomically: true, encoding: .utf8)
    }

    static func fmt(_ x: Double) -> String { String(format: "%.4f", x) }
}
