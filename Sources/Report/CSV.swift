import Foundation

/// A CSV column of the per-layer report: its name, unit and meaning (docs/reports.md is the
/// same list in prose).
public struct ReportColumn: Sendable {
    /// How a value is spelled in the CSV cell.
    public enum Kind: Sendable, Equatable {
        case string, int, double
        /// `true` / `false`.
        case bool
        /// An `[Int]` shape written as `HxWxC`.
        case shape
        /// A field of the nested `stallCycles` object (JSON key given).
        case stall(String)
        /// A field of the nested `rtlStallCycles` object of a co-simulated row (JSON key given).
        case rtlStall(String)
    }
    public var name: String
    public var unit: String
    public var kind: Kind
    public var meaning: String
}

extension LayerReport {
    /// The CSV columns in order. JSON uses the same names, except that the `stall*` columns are
    /// the fields of the nested `stallCycles` object (`stallLoad` ↔ `stallCycles.load`).
    public static let columns: [ReportColumn] = [
        .init(name: "name", unit: "-", kind: .string, meaning: "layer name"),
        .init(name: "kernel", unit: "pixels", kind: .int, meaning: "kernel size K (K×K)"),
        .init(name: "stride", unit: "pixels", kind: .int, meaning: "stride S"),
        .init(name: "inShape", unit: "HxWxC", kind: .shape, meaning: "input height × width × channels"),
        .init(name: "outShape", unit: "HxWxC", kind: .shape, meaning: "output height × width × channels"),
        .init(name: "tileShape", unit: "HxW", kind: .string, meaning: "the layer's tile shape (the mapper's choice with several shapes)"),
        .init(name: "tapsPacked", unit: "-", kind: .bool, meaning: "taps packed into the input-channel lanes (few input channels, microarchitecture §3.2)"),
        .init(name: "outputPairs", unit: "-", kind: .bool, meaning: "output columns computed in pairs in the output-channel lanes (few output channels, microarchitecture §3.3); tileShape is then the engines' shape, twice as wide in the layer's map"),
        .init(name: "lanesGrouped", unit: "-", kind: .bool, meaning: "output-channel lanes grouped: a whole input word per step, each lane group's chunks summed into one output channel (few output channels over wide input words, microarchitecture §3.4)"),
        .init(name: "lineBuffer", unit: "-", kind: .bool, meaning: "halos copied from the line buffer, a band of the input map loaded once per pass (microarchitecture §6.5)"),
        .init(name: "tileDensity", unit: "fraction", kind: .double, meaning: "active tiles / all tiles"),
        .init(name: "activeTiles", unit: "tiles", kind: .int, meaning: "active output tiles"),
        .init(name: "passes", unit: "passes", kind: .int, meaning: "output-channel passes (weight-buffer loads)"),
        .init(name: "cycles", unit: "cycles", kind: .int, meaning: "total cycles of the layer"),
        .init(name: "boundCycles", unit: "cycles", kind: .int, meaning: "physical bound max(⌈usefulMACs/MACsPerCycle⌉, ⌈boundBytes/B⌉)"),
        .init(name: "cyclesOverBound", unit: "ratio", kind: .double, meaning: "cycles / boundCycles (1 = at the bound)"),
        .init(name: "denseCycles", unit: "cycles", kind: .int, meaning: "cycles with an all-ones tile mask, at the tile shape best for it"),
        .init(name: "speedup", unit: "ratio", kind: .double, meaning: "denseCycles / cycles"),
        .init(name: "computeBusyCycles", unit: "cycles", kind: .int, meaning: "cycles in which the PE array issued a step"),
        .init(name: "stallSetup", unit: "cycles", kind: .stall("setup"), meaning: "stall: tile-mask load at layer start"),
        .init(name: "stallWeights", unit: "cycles", kind: .stall("weights"), meaning: "stall: bias and weight loads of each pass"),
        .init(name: "stallLoad", unit: "cycles", kind: .stall("load"), meaning: "stall: waiting for the next tile's input load"),
        .init(name: "stallStore", unit: "cycles", kind: .stall("store"), meaning: "stall: waiting for an output-buffer half (store)"),
        .init(name: "stallDram", unit: "cycles", kind: .stall("dram"), meaning: "stall: store blocked by a load on the DRAM port"),
        .init(name: "stallRequant", unit: "cycles", kind: .stall("requant"), meaning: "stall: kgroup slot padded to tileH cycles"),
        .init(name: "stallDrain", unit: "cycles", kind: .stall("drain"), meaning: "stall: pipeline, requant and stores draining"),
        .init(name: "issuedMACs", unit: "MACs", kind: .int, meaning: "MACs issued on active tiles"),
        .init(name: "usefulMACs", unit: "MACs", kind: .int, meaning: "MACs on pixels set in the pixel mask"),
        .init(name: "denseMACs", unit: "MACs", kind: .int, meaning: "MACs of the dense layer H·W·Cout·K²·Cin"),
        .init(name: "peUtilization", unit: "fraction", kind: .double, meaning: "usefulMACs / (MACsPerCycle · cycles)"),
        .init(name: "dramBytesRead", unit: "bytes", kind: .int, meaning: "bytes read from DRAM"),
        .init(name: "dramBytesWritten", unit: "bytes", kind: .int, meaning: "bytes written to DRAM"),
        .init(name: "boundBytes", unit: "bytes", kind: .int, meaning: "compulsory DRAM bytes of the active work"),
        .init(name: "milliseconds", unit: "ms", kind: .double, meaning: "cycles at the configured clock"),
    ]

    /// The co-simulation columns, appended after `columns` when any row was co-simulated
    /// (`sparsetile cosim`, `sparsetile demo`); the JSON row has the same keys (absent, and empty
    /// CSV cells, for rows that were not co-simulated), except that the `rtlStall*` columns are the
    /// fields of the nested `rtlStallCycles` object (same keys as `stallCycles`).
    public static let cosimColumns: [ReportColumn] = [
        .init(name: "modelCycles", unit: "cycles", kind: .int, meaning: "cycles of the Swift cycle-accurate model"),
        .init(name: "rtlCycles", unit: "cycles", kind: .int, meaning: "cycles of the RTL under Verilator (first cycle `done` reads 1)"),
        .init(name: "outputsMatch", unit: "bool", kind: .bool, meaning: "RTL output bytes equal the model's (and SparseCNN's golden output when known)"),
        .init(name: "cyclesMatch", unit: "bool", kind: .bool, meaning: "modelCycles = rtlCycles, and the RTL's CYCLES register agrees"),
        .init(name: "traceMatch", unit: "bool", kind: .bool, meaning: "the per-tile event trace is equal row by row"),
        .init(name: "dramBeatsMatch", unit: "bool", kind: .bool, meaning: "DRAM read and write beats are equal"),
        .init(name: "stallCyclesMatch", unit: "bool", kind: .bool, meaning: "the RTL's busy cycles and every stall counter equal the model's"),
        .init(name: "rtlBusyCycles", unit: "cycles", kind: .int, meaning: "the RTL's BUSY register (computeBusyCycles)"),
    ] + StallCause.allCases.map { c in
        ReportColumn(name: "rtlStall" + c.rawValue.prefix(1).uppercased() + c.rawValue.dropFirst(), unit: "cycles", kind: .rtlStall(c.rawValue),
                     meaning: "the RTL's STALL_\(c.rawValue.uppercased()) register (JSON: `rtlStallCycles.\(c.rawValue)`)")
    } + [
        .init(name: "goldenMatch", unit: "bool", kind: .bool, meaning: "model output equals SparseCNN's int8 output (network layers; empty otherwise)"),
        .init(name: "modelSeconds", unit: "s", kind: .double, meaning: "wall time of the model run of the layer"),
        .init(name: "rtlSeconds", unit: "s", kind: .double, meaning: "wall time of the Verilator run of the layer (harness clocking loop)"),
        .init(name: "mismatch", unit: "-", kind: .string, meaning: "diagnosis of a mismatch (first differing tile, cycle, engine, output element); empty when all match"),
    ]

    /// The CSV header line (without the co-simulation columns).
    public static var csvHeader: String { columns.map(\.name).joined(separator: ",") }

    /// The cell of a co-simulation column ("" when absent).
    func cosimCell(_ column: ReportColumn) -> String {
        func o<T>(_ v: T?) -> String { v.map { "\($0)" } ?? "" }
        if case .rtlStall(let k) = column.kind {
            return o(rtlStallCycles.flatMap { st in StallCause(rawValue: k).map { st[$0] } })
        }
        switch column.name {
        case "modelCycles": return o(modelCycles)
        case "rtlCycles": return o(rtlCycles)
        case "outputsMatch": return o(outputsMatch)
        case "cyclesMatch": return o(cyclesMatch)
        case "traceMatch": return o(traceMatch)
        case "dramBeatsMatch": return o(dramBeatsMatch)
        case "stallCyclesMatch": return o(stallCyclesMatch)
        case "rtlBusyCycles": return o(rtlBusyCycles)
        case "goldenMatch": return o(goldenMatch)
        case "modelSeconds": return o(modelSeconds)
        case "rtlSeconds": return o(rtlSeconds)
        case "mismatch": return CSV.quote(mismatch ?? "")
        default: return ""
        }
    }

    /// Header plus one line per row, `\n`-terminated. Doubles use Swift's shortest round-trip form.
    /// The co-simulation columns follow when any row carries them.
    public static func csv(_ rows: [LayerReport]) -> String {
        let cosim = rows.contains(where: \.isCoSimulated)
        var lines = [csvHeader + (cosim ? "," + cosimColumns.map(\.name).joined(separator: ",") : "")]
        for r in rows {
            let obj = r.jsonObject()
            var cells = columns.map { c -> String in
                switch c.kind {
                case .string: return CSV.quote(obj[c.name] as? String ?? "")
                case .int, .double, .bool: return "\(obj[c.name]!)"
                case .shape: return (obj[c.name] as? [Int] ?? []).map(String.init).joined(separator: "x")
                case .stall(let k): return "\((obj["stallCycles"] as! [String: Any])[k]!)"
                case .rtlStall: return ""  // co-simulation columns only
                }
            }
            if cosim { cells += cosimColumns.map { r.cosimCell($0) } }
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Parses `csv(_:)` output (columns found by header name, so extra columns are ignored).
    public static func parseCSV(_ text: String) throws -> [LayerReport] {
        let table = CSV.parse(text)
        guard let header = table.first else { return [] }
        var rows: [LayerReport] = []
        for (n, cells) in table.dropFirst().enumerated() where !(cells.count == 1 && cells[0].isEmpty) {
            var obj: [String: Any] = [:], stalls: [String: Any] = [:]
            for c in columns {
                guard let i = header.firstIndex(of: c.name), i < cells.count else {
                    throw CSV.Error(message: "row \(n + 1): missing column \(c.name)")
                }
                let v = cells[i]
                func bad() -> CSV.Error { CSV.Error(message: "row \(n + 1): \(c.name) = '\(v)' is not a valid \(c.kind)") }
                switch c.kind {
                case .string: obj[c.name] = v
                case .int: guard let x = Int(v) else { throw bad() }; obj[c.name] = x
                case .double: guard let x = Double(v) else { throw bad() }; obj[c.name] = x
                case .shape:
                    let parts = v.split(separator: "x").map { Int($0) }
                    guard !parts.contains(nil) else { throw bad() }
                    obj[c.name] = parts.map { $0! }
                case .bool: guard let x = Bool(v) else { throw bad() }; obj[c.name] = x
                case .stall(let k): guard let x = Int(v) else { throw bad() }; stalls[k] = x
                case .rtlStall: break  // co-simulation columns only
                }
            }
            obj["stallCycles"] = stalls
            // Co-simulation columns: optional; an empty cell is an absent value.
            var rtlStalls: [String: Any] = [:]
            for c in cosimColumns {
                guard let i = header.firstIndex(of: c.name), i < cells.count, !cells[i].isEmpty else { continue }
                let v = cells[i]
                func bad() -> CSV.Error { CSV.Error(message: "row \(n + 1): \(c.name) = '\(v)' is not a valid \(c.kind)") }
                switch c.kind {
                case .int: guard let x = Int(v) else { throw bad() }; obj[c.name] = x
                case .double: guard let x = Double(v) else { throw bad() }; obj[c.name] = x
                case .bool: guard let x = Bool(v) else { throw bad() }; obj[c.name] = x
                case .rtlStall(let k): guard let x = Int(v) else { throw bad() }; rtlStalls[k] = x
                default: obj[c.name] = v
                }
            }
            if !rtlStalls.isEmpty { obj["rtlStallCycles"] = rtlStalls }
            let data = try JSONSerialization.data(withJSONObject: obj)
            rows.append(try JSONDecoder().decode(LayerReport.self, from: data))
        }
        return rows
    }

    /// The row as a JSON object (what `JSONEncoder` writes for it).
    func jsonObject() -> [String: Any] {
        let data = try! JSONEncoder().encode(self)
        // Foundation decodes JSON numbers as NSNumber; keep Int vs Double by the column kind.
        let raw = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        var out: [String: Any] = [:]
        for c in Self.columns {
            switch c.kind {
            case .int: out[c.name] = (raw[c.name] as! NSNumber).intValue
            case .double:
                // The exact Double (its description round-trips), not NSNumber's.
                let doubles = ["tileDensity": stats.tileDensity, "cyclesOverBound": stats.cyclesOverBound, "speedup": stats.speedup,
                               "peUtilization": stats.peUtilization, "milliseconds": milliseconds]
                out[c.name] = doubles[c.name] ?? (raw[c.name] as! NSNumber).doubleValue
            case .shape: out[c.name] = (raw[c.name] as! [NSNumber]).map(\.intValue)
            case .string: out[c.name] = raw[c.name]
            case .bool: out[c.name] = (raw[c.name] as! NSNumber).boolValue
            case .stall, .rtlStall: break
            }
        }
        let st = stats.stallCycles
        out["stallCycles"] = ["setup": st.setup, "weights": st.weights, "load": st.load, "store": st.store,
                              "dram": st.dram, "requant": st.requant, "drain": st.drain]
        return out
    }
}

/// Minimal RFC 4180 CSV: quoting on write, quoted fields on read.
public enum CSV {
    public struct Error: Swift.Error, CustomStringConvertible {
        public var message: String
        public var description: String { "CSV: \(message)" }
    }

    /// Quotes a cell when it holds a comma, quote or newline.
    public static func quote(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits text into rows of cells (handles quoted cells with commas, quotes and newlines).
    public static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], cell = "", quoted = false
        var it = Array(text).makeIterator()
        var pending: Character? = nil
        while let ch = pending ?? it.next() {
            pending = nil
            if quoted {
                if ch == "\"" {
                    if let n = it.next() { if n == "\"" { cell.append("\"") } else { quoted = false; pending = n } }
                    else { quoted = false }
                } else { cell.append(ch) }
            } else if ch == "\"" { quoted = true }
            else if ch == "," { row.append(cell); cell = "" }
            else if ch == "\n" || ch == "\r\n" { row.append(cell); rows.append(row); row = []; cell = "" }
            else if ch != "\r" { cell.append(ch) }
        }
        if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
        return rows
    }
}
