import Testing
import Foundation
import AcceleratorSpec

/// The register map (docs/microarchitecture.md §8): the standard layout, validation, packing, the docs table.
@Suite struct RegisterMapTests {
    let map = RegisterMap.standard

    /// The offsets and fields of §8 as they were before the map existed (written out by hand here).
    @Test func standardMapIsSection8() throws {
        let offsets: [String: Int] = [
            "CTRL": 0x00, "STATUS": 0x01, "LAYER0": 0x02, "LAYER1": 0x03, "LAYER2": 0x04, "REQUANT": 0x05, "PRELU": 0x06,
            "PASS": 0x07, "BASE_MASK": 0x08, "BASE_BIAS": 0x09, "BASE_WEIGHTS": 0x0A, "BASE_INPUT": 0x0B,
            "BASE_RESIDUAL": 0x0C, "BASE_OUTPUT": 0x0D, "CYCLES_LO": 0x10, "CYCLES_HI": 0x11, "BUSY_LO": 0x12,
            "BUSY_HI": 0x13, "STALL_SETUP": 0x14, "STALL_WEIGHTS": 0x15, "STALL_LOAD": 0x16, "STALL_STORE": 0x17,
            "STALL_DRAM": 0x18, "STALL_REQUANT": 0x19, "STALL_DRAIN": 0x1A, "BEATS_RD": 0x1B, "BEATS_WR": 0x1C,
            // the weight handoff (§7.2)
            "NEXT_BIAS": 0x0E, "NEXT_WEIGHTS": 0x0F, "NEXT_WORDS": 0x20, "NEXT_LAYOUT": 0x21, "RING": 0x22, "PRELOAD": 0x23, "NEXT_RING": 0x24,
            // channel windows (§4)
            "CHANNELS": 0x25,
            // layer and pass quantities the host computes (no multiplier or divider outside the PE array)
            "MASK_LAYOUT": 0x27, "STEPS": 0x28, "TAP_WORDS": 0x29, "HALO_ROW_WORDS": 0x2A, "HALO_REGION": 0x2B,
            "LINE_ROW_WORDS": 0x2C, "LINE_BLOCKS": 0x2D, "PASS_WORDS": 0x2E, "PASS_RING_WORDS": 0x2F, "KGROUPS": 0x30,
            "WINDOW_WORDS": 0x31, "WINDOW_END_WORDS": 0x32, "IN_ROW_WORDS": 0x33, "OUT_ROW_WORDS": 0x34, "MASK_TILES": 0x35, "PRELU_TABLE": 0x36,
        ]
        #expect(Dictionary(uniqueKeysWithValues: map.registers.map { ($0.name, $0.offset) }) == offsets)
        #expect(map.registers.map(\.offset) == map.registers.map(\.offset).sorted())
        let fields: [String: [String: ClosedRange<Int>]] = [
            "CTRL": ["start": 0...0], "STATUS": ["busy": 0...0, "done": 1...1, "error": 2...2],
            "LAYER0": ["K": 0...3, "S": 4...5, "activation": 6...7, "residual": 8...8, "shape": 9...10, "packed": 11...11, "pairs": 12...12, "group": 13...18,
                       "first": 19...24, "grouped": 25...25, "line": 26...26],
            "LAYER1": ["H": 0...15, "W": 16...31], "LAYER2": ["Cin": 0...15, "Cout": 16...31],
            "REQUANT": ["M": 0...15, "Sh": 16...21], "PRELU": ["slope": 0...15], "PASS": ["pc": 0...15, "prefetch": 16...16, "resident": 17...18,
                                                                                    "preloaded": 19...19, "half": 20...20, "next": 21...21, "next_half": 22...22],
            "NEXT_WORDS": ["bias": 0...11, "weights": 12...31], "NEXT_LAYOUT": ["k2cw": 0...23],
            "RING": ["base": 0...15, "skip": 16...31], "PRELOAD": ["words": 0...23], "NEXT_RING": ["base": 0...15],
            "CHANNELS": ["first": 0...15, "end": 16...31],
            "MASK_LAYOUT": ["words": 0...15, "pitch": 16...20], "KGROUPS": ["full": 0...15, "last": 16...31],
            "PRELU_TABLE": ["entry": 0...7, "index": 8...14],
        ]
        let narrow: [String: Int] = ["STEPS": 24, "TAP_WORDS": 24, "HALO_ROW_WORDS": 24, "HALO_REGION": 24,
                                     "LINE_ROW_WORDS": 24, "LINE_BLOCKS": 16, "PASS_RING_WORDS": 16, "MASK_TILES": 24, "PRELU_TABLE": 15]
        for r in map.registers {
            #expect(Dictionary(uniqueKeysWithValues: r.fields.map { ($0.name, $0.bits) }) == (fields[r.name] ?? [:]), "\(r.name)")
            #expect(r.width == (narrow[r.name] ?? 32) && r.reset == 0, "\(r.name)")
        }
        #expect(map["CTRL"]?.access == .writeOneSelfClearing && map["STATUS"]?.access == .readOnly && map["PRELU_TABLE"]?.access == .writePort)
        #expect(map.registers.filter { $0.access == .readWrite }.map(\.name)
                == ["LAYER0", "LAYER1", "LAYER2", "REQUANT", "PRELU", "PASS", "BASE_MASK", "BASE_BIAS", "BASE_WEIGHTS",
                    "BASE_INPUT", "BASE_RESIDUAL", "BASE_OUTPUT", "NEXT_BIAS", "NEXT_WEIGHTS", "NEXT_WORDS", "NEXT_LAYOUT", "RING", "PRELOAD", "NEXT_RING", "CHANNELS",
                    "MASK_LAYOUT", "STEPS", "TAP_WORDS", "HALO_ROW_WORDS", "HALO_REGION", "LINE_ROW_WORDS", "LINE_BLOCKS",
                    "PASS_WORDS", "PASS_RING_WORDS", "KGROUPS", "WINDOW_WORDS", "WINDOW_END_WORDS", "IN_ROW_WORDS", "OUT_ROW_WORDS", "MASK_TILES"])
        #expect(try map.field("PRELU", "slope").signed)
        #expect(map.stallCounters.map(\.cause) == ["setup", "weights", "load", "store", "dram", "requant", "drain"])
    }

    @Test func packAndUnpack() throws {
        #expect(try map.pack("LAYER0", ["K": 3, "S": 2, "activation": 1, "residual": 1]) == 0b1_01_10_0011)
        #expect(try map.pack("LAYER1", ["H": 9, "W": 7]) == 0x0007_0009)
        #expect(try map.pack("PRELU", ["slope": -77]) == 0xFFB3)
        #expect(try map.unpack("PRELU", 0xFFB3) == ["slope": -77])
        #expect(try map.unpack("LAYER0", 0x1A3) == ["K": 3, "S": 2, "activation": 2, "residual": 1, "shape": 0, "packed": 0, "pairs": 0, "group": 0, "first": 0, "grouped": 0, "line": 0])
        #expect(try map.unpack("LAYER0", 0x5A3) == ["K": 3, "S": 2, "activation": 2, "residual": 1, "shape": 2, "packed": 0, "pairs": 0, "group": 0, "first": 0, "grouped": 0, "line": 0])
        #expect(try map.unpack("LAYER0", 0xDA3) == ["K": 3, "S": 2, "activation": 2, "residual": 1, "shape": 2, "packed": 1, "pairs": 0, "group": 0, "first": 0, "grouped": 0, "line": 0])
        #expect(try map.unpack("LAYER0", 0x1093) == ["K": 3, "S": 1, "activation": 2, "residual": 0, "shape": 0, "packed": 0, "pairs": 1, "group": 0, "first": 0, "grouped": 0, "line": 0])
        // bit 25: grouped lanes (§3.4)
        #expect(try map.unpack("LAYER0", 0x200_0093) == ["K": 3, "S": 1, "activation": 2, "residual": 0, "shape": 0, "packed": 0, "pairs": 0, "group": 0, "first": 0, "grouped": 1, "line": 0])
        // bit 26: the line buffer (§6.5)
        #expect(try map.unpack("LAYER0", 0x400_0093) == ["K": 3, "S": 1, "activation": 2, "residual": 0, "shape": 0, "packed": 0, "pairs": 0, "group": 0, "first": 0, "grouped": 0, "line": 1])
        let w = try map.write("BASE_OUTPUT", value: 1234)
        #expect(w.offset == 0x0D && w.value == 1234)
        #expect(try map.startWrite() == RegisterWrite(register: "CTRL", offset: 0, value: 1))
        // Values that do not fit, unknown names and whole-register writes to field registers are errors.
        #expect(throws: RegisterMapError.self) { try map.pack("LAYER0", ["K": 16]) }
        #expect(throws: RegisterMapError.self) { try map.pack("LAYER0", ["K": -1]) }
        #expect(throws: RegisterMapError.self) { try map.pack("PRELU", ["slope": 32768]) }
        #expect(throws: RegisterMapError.self) { try map.pack("LAYER0", ["kernel": 3]) }
        #expect(throws: RegisterMapError.self) { try map.pack("LAYER9", [:]) }
        #expect(throws: RegisterMapError.self) { try map.write("LAYER0", value: 3) }
        #expect(throws: RegisterMapError.self) { try map.write("BASE_MASK", value: 1 << 32) }
    }

    func error(_ body: () throws -> RegisterMap) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    @Test func invalidMapsAreRejectedWithClearErrors() throws {
        let regs = map.registers
        // Overlapping offsets.
        #expect(error { try map.moving("BEATS_WR", to: 0x07) } == "register map: PASS and BEATS_WR overlap: both at offset 0x07")
        // Beyond the 6-bit CSR address space.
        #expect(error { try map.moving("PASS", to: 0x40) }
                == "register map: PASS at offset 0x40 is outside the 6-bit CSR address space (0x00…0x3F)")
        #expect(error { try map.moving("PASS", to: -1) }.contains("outside the 6-bit CSR address space"))
        // A field outside the register's width.
        var wide = regs
        let i = wide.firstIndex { $0.name == "LAYER1" }!
        wide[i] = Register("LAYER1", offset: 3, access: .readWrite, doc: "x",
                           fields: [RegisterField("H", 0...15, "h"), RegisterField("W", 17...32, "w")])
        #expect(error { try RegisterMap(wide) } == "register map: field LAYER1.W [32:17] lies outside the 32-bit register LAYER1")
        var narrow = regs
        narrow[i] = Register("LAYER1", offset: 3, width: 16, access: .readWrite, doc: "x",
                             fields: [RegisterField("H", 0...15, "h"), RegisterField("W", 16...31, "w")])
        #expect(error { try RegisterMap(narrow) } == "register map: field LAYER1.W [31:16] lies outside the 16-bit register LAYER1")
        // Overlapping fields, duplicate names, names that are not C identifiers, reset values that do not fit.
        var overlap = regs
        overlap[i] = Register("LAYER1", offset: 3, access: .readWrite, doc: "x",
                              fields: [RegisterField("H", 0...16, "h"), RegisterField("W", 16...31, "w")])
        #expect(error { try RegisterMap(overlap) } == "register map: fields LAYER1.H [16:0] and LAYER1.W [31:16] overlap")
        #expect(error { try RegisterMap(regs + [Register("PASS", offset: 0x3E, access: .readWrite, doc: "x")]) }
                == "register map: two registers are called PASS")
        #expect(error { try RegisterMap(regs + [Register("MY REG", offset: 0x3E, access: .readWrite, doc: "x")]) }.contains("not a C identifier"))
        #expect(error { try RegisterMap(regs + [Register("X", offset: 0x3E, width: 4, access: .readWrite, reset: 16, doc: "x")]) }
                .contains("reset value 0x00000010 does not fit its 4 bits"))
        // A valid move, to a free offset.
        let moved = try map.moving("BEATS_WR", to: 0x3E)
        #expect(try moved.offset("BEATS_WR") == 0x3E && moved.registers.last?.name == "BEATS_WR")
        #expect(try moved.offset("BEATS_RD") == 0x1B)
    }

    @Test func layoutCheckAllowsMovesOnly() throws {
        try map.moving("PASS", to: 0x3F).checkLayout(matches: map)
        var regs = map.registers
        let i = regs.firstIndex { $0.name == "REQUANT" }!
        regs[i] = Register("REQUANT", offset: 5, access: .readWrite, doc: "x",
                           fields: [RegisterField("M", 8...23, "m"), RegisterField("Sh", 0...5, "sh")])
        try RegisterMap(regs).checkLayout(matches: map)  // fields moved inside the register: fine
        regs[i] = Register("REQUANT", offset: 5, access: .readWrite, doc: "x",
                           fields: [RegisterField("M", 0...11, "m"), RegisterField("Sh", 16...21, "sh")])
        #expect(throws: RegisterMapError.self) { try RegisterMap(regs).checkLayout(matches: map) }
        let fewer = try RegisterMap(map.registers.filter { $0.name != "STALL_DRAM" })
        #expect(throws: RegisterMapError.self) { try fewer.checkLayout(matches: map) }
    }

    /// docs/microarchitecture.md §8 holds exactly `RegisterMap.standard.markdownTable`, between markers.
    @Test func docsTableIsGenerated() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/microarchitecture.md")
        let doc = try String(contentsOf: url, encoding: .utf8)
        let begin = "<!-- register-map:begin (generated from RegisterMap.standard.markdownTable; do not edit) -->\n"
        let end = "<!-- register-map:end -->"
        let start = try #require(doc.range(of: begin), "docs/microarchitecture.md lacks the register-map markers")
        let stop = try #require(doc.range(of: end, range: start.upperBound..<doc.endIndex))
        let table = String(doc[start.upperBound..<stop.lowerBound])
        // SPARSETILE_UPDATE_DOCS=1 rewrites the table (as for the channel and module tables).
        if ProcessInfo.processInfo.environment["SPARSETILE_UPDATE_DOCS"] == "1" && table != map.markdownTable {
            try doc.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: map.markdownTable).write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(table == map.markdownTable, "docs/microarchitecture.md §8 differs from the register map; run SPARSETILE_UPDATE_DOCS=1 swift test --filter docsTableIsGenerated, or replace the table with:\n\(map.markdownTable)")
    }
}
