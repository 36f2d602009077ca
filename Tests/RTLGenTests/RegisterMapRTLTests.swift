import AcceleratorSpec
import Foundation
import RTLGen
import Testing

/// Evaluates the generated read mux `assign csr_rdata = csr_addr[b] ? (…) : (…);` for one address:
/// the leaf it selects, as Verilog text (e.g. `stat_beats_wr`, `32'd0`). Independent of the generator.
func readMuxLeaf(_ verilog: String, address: Int) throws -> String {
    let line = try #require(verilog.split(separator: "\n").first { $0.contains("assign csr_rdata = ") })
    var s = Substring(line.drop { $0 != "=" }.dropFirst().trimmingCharacters(in: .whitespaces).dropLast())  // drop ';'
    func skipSpaces() { while s.first == " " { s = s.dropFirst() } }
    // atom: up to a space, '?', ':' or ')' outside braces and brackets.
    func atom() -> String {
        var depth = 0, out = ""
        while let ch = s.first {
            if depth == 0 && (ch == " " || ch == "?" || ch == ":" || ch == ")") { break }
            if ch == "{" || ch == "[" { depth += 1 }
            if ch == "}" || ch == "]" { depth -= 1 }
            out.append(ch); s = s.dropFirst()
        }
        return out
    }
    // E := T ('?' E ':' E)?, T := '(' E ')' | atom; returns the selected leaf.
    func expr() throws -> String {
        skipSpaces()
        var t: String
        if s.first == "(" {
            s = s.dropFirst(); t = try expr(); skipSpaces()
            guard s.first == ")" else { throw CocoaError(.coderReadCorrupt) }
            s = s.dropFirst()
        } else { t = atom() }
        skipSpaces()
        guard s.first == "?" else { return t }
        s = s.dropFirst()
        let a = try expr(); skipSpaces()
        guard s.first == ":" else { throw CocoaError(.coderReadCorrupt) }
        s = s.dropFirst()
        let b = try expr()
        // t is csr_addr[k]
        guard t.hasPrefix("csr_addr["), let bit = Int(t.dropFirst(9).dropLast()) else { throw CocoaError(.coderReadCorrupt) }
        return (address >> bit) & 1 == 1 ? a : b
    }
    return try expr()
}

/// The standard map with PASS and BEATS_WR at free offsets and STALL_SETUP / STALL_DRAIN swapped.
func movedRegisters() throws -> RegisterMap {
    let std = RegisterMap.standard
    return try RegisterMap(std.registers.map { r in
        var r = r
        switch r.name {
        case "PASS": r.offset = 0x1D
        case "BEATS_WR": r.offset = 0x1E
        case "STALL_SETUP": r.offset = 0x1A
        case "STALL_DRAIN": r.offset = 0x14
        default: break
        }
        return r
    })
}

@Suite struct RegisterMapRTLTests {
    /// What each register reads in the RTL (the `reg` channel's and StatusCounters' nets), written out by hand.
    static func expectedLeaf(_ name: String) -> String {
        switch name {
        case "STATUS": return "{29'd0, seq_error, seq_done, busy_w}"
        case "CYCLES_LO": return "stat_cycles[31:0]"
        case "CYCLES_HI": return "stat_cycles[63:32]"
        case "BUSY_LO": return "stat_busy[31:0]"
        case "BUSY_HI": return "stat_busy[63:32]"
        case "BEATS_RD": return "stat_beats_rd"
        case "BEATS_WR": return "stat_beats_wr"
        case "CTRL", "PRELU_TABLE": return "32'd0"
        // registers narrower than 32 bits read their bits zero-extended
        case "LINE_BLOCKS", "PASS_RING_WORDS": return "{16'd0, reg_\(name.lowercased())}"
        case "STEPS", "TAP_WORDS", "HALO_ROW_WORDS", "HALO_REGION", "LINE_ROW_WORDS", "MASK_TILES": return "{8'd0, reg_\(name.lowercased())}"
        default: return name.hasPrefix("STALL_") ? "stat_" + name.lowercased() : "reg_" + name.lowercased()
        }
    }

    /// The module names of `.small` (both designs here are `.small`, so they share the default prefix).
    let names = AcceleratorNames(config: .small)

    func file(_ files: [VerilogFile], _ module: String) throws -> String {
        try #require(files.first { $0.moduleName == names.engine(module) }).contents
    }

    /// The standard map: every offset reads its register, every other offset reads 0.
    @Test func readMuxFollowsTheStandardMap() throws {
        let files = try AcceleratorGenerator(config: .small).files()
        let mux = try file(files, "status_counters")
        let map = RegisterMap.standard
        for a in 0..<64 {
            let expected = map.registers.first { $0.offset == a }.map { Self.expectedLeaf($0.name) } ?? "32'd0"
            #expect(try readMuxLeaf(mux, address: a) == expected, "address \(a)")
        }
    }

    /// A config that leaves out the read-back (§2, `Mechanism.registerReadBack`): the RW registers
    /// read 0, the RO ones what they read in the standard design.
    @Test func withoutReadBackOnlyTheReadOnlyRegistersRead() throws {
        var c = HardwareConfig.small
        c.leftOut = [.registerReadBack]
        let files = try AcceleratorGenerator(config: c).files()
        let mux = try #require(files.first { $0.moduleName == AcceleratorNames(config: c).engine("status_counters") }).contents
        var readOnly = 0
        for r in RegisterMap.standard.registers {
            let ro = r.access == .readOnly
            readOnly += ro ? 1 : 0
            #expect(try readMuxLeaf(mux, address: r.offset) == (ro ? Self.expectedLeaf(r.name) : "32'd0"), "\(r.name)")
        }
        #expect(readOnly >= 10)
    }

    /// A config without wide counters (§2, `Mechanism.wideCounters`): CYCLES and BUSY are 32-bit
    /// registers that hold at all ones rather than wrap, read whole at their _LO offsets; _HI reads 0.
    @Test func withoutWideCountersTheCountersAre32BitsAndStop() throws {
        var c = HardwareConfig.small
        c.leftOut = [.wideCounters]
        let files = try AcceleratorGenerator(config: c).files()
        let mux = try #require(files.first { $0.moduleName == AcceleratorNames(config: c).engine("status_counters") }).contents
        for (r, leaf) in [("CYCLES_LO", "stat_cycles"), ("CYCLES_HI", "32'd0"), ("BUSY_LO", "stat_busy"), ("BUSY_HI", "32'd0")] {
            #expect(try readMuxLeaf(mux, address: RegisterMap.standard[r]!.offset) == leaf, "\(r)")
        }
        for n in ["stat_cycles", "stat_busy"] {
            // (held when the increment carries out of bit 31: the count is all ones)
            #expect(mux.contains("logic [31:0] \(n);")
                    && mux.contains("\(n) <= 1'(({1'd0, \(n)} + 33'd1) >> 32) ? \(n) : 32'({1'd0, \(n)} + 33'd1);"), "\(n)")
        }
        #expect(c.counterLimit == UInt64(UInt32.max) && HardwareConfig.small.counterLimit == UInt64.max)
    }

    /// A map with moved registers: the write decode, the read mux and the C header follow it, and the
    /// design stays lint-clean; the standard offsets of the moved registers are no longer decoded.
    @Test func movedRegistersMoveInTheRTLAndTheHeader() throws {
        let moved = try movedRegisters()
        let gen = try AcceleratorGenerator(config: .small, limits: AcceleratorLimits(maxMapSize: 32), registers: moved)
        let files = try gen.files()
        let regs = try file(files, "csr_regs")
        #expect(regs.contains("if (csr_we && (csr_addr == 6'd29)) begin\n                csr_pass <= csr_wdata;"))
        #expect(!regs.contains("6'd7)"))
        let mux = try file(files, "status_counters")
        for (a, leaf) in [(0x1D, "reg_pass"), (0x07, "32'd0"), (0x1E, "stat_beats_wr"), (0x1C, "32'd0"),
                          (0x14, "stat_stall_drain"), (0x1A, "stat_stall_setup"), (0x1B, "stat_beats_rd")] {
            #expect(try readMuxLeaf(mux, address: a) == leaf, "address \(a)")
        }
        // The start decode did not move.
        #expect(try file(files, "layer_sequencer").contains("csr_we && (csr_addr == 6'd0)"))
        let header = gen.registerHeader().contents
        #expect(header.contains("#define SPARSETILE_PASS_OFFSET                  0x1Du"))
        #expect(header.contains("#define SPARSETILE_STALL_DRAIN_OFFSET           0x14u"))
        // The engines are untouched: only the CSR block, the read mux and the top (which declares the
        // CSR nets in offset order) differ from the standard design.
        let std = try AcceleratorGenerator(config: .small, limits: AcceleratorLimits(maxMapSize: 32)).files()
        #expect(std.map(\.moduleName) == files.map(\.moduleName))
        let changed = Set(zip(std, files).filter { $0.contents != $1.contents }.map(\.1.moduleName))
        let (csr, counters) = (names.engine("csr_regs"), names.engine("status_counters"))
        #expect(changed.isSubset(of: [csr, counters, names.top]) && changed.contains(csr) && changed.contains(counters), "\(changed)")
        if HDLTools.haveVerilator {
            let (dir, paths) = try HDLTools.writeDesign(files, label: "accel-lint-moved-regs")
            defer { try? FileManager.default.removeItem(at: dir) }
            let out = try HDLTools.run(HDLTools.verilator!, ["--lint-only", "-Wall", "--top-module", names.top] + paths, in: dir)
            #expect(!out.contains("%Warning") && !out.contains("%Error"), "\(out)")
        }
    }

    /// The C header compiles as C11 and C++17 without warnings, and its macros mean what §8 says.
    @Test(.enabled(if: HDLTools.find("cc") != nil && HDLTools.find("c++") != nil))
    func cHeaderCompilesAndPacksFields() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("regs-header-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (label, map, pass) in [("std", RegisterMap.standard, 0x07), ("moved", try movedRegisters(), 0x1D)] {
            let h = try AcceleratorGenerator(config: .small, registers: map).registerHeader()
            try h.contents.write(to: dir.appendingPathComponent(h.fileName), atomically: true, encoding: .utf8)
            let test = """
                #include "\(h.fileName)"
                #include "\(h.fileName)"  /* include guard */
                _Static_assert(SPARSETILE_PASS_OFFSET == \(pass), "PASS");
                _Static_assert(SPARSETILE_CTRL_OFFSET == 0 && SPARSETILE_FIELD(CTRL, START, 1) == 1, "CTRL.start");
                _Static_assert(SPARSETILE_FIELD(LAYER0, K, 3) == 3 && SPARSETILE_FIELD(LAYER0, S, 2) == 0x20, "K, S");
                _Static_assert(SPARSETILE_FIELD(LAYER0, ACTIVATION, 2) == 0x80 && SPARSETILE_FIELD(LAYER0, RESIDUAL, 1) == 0x100, "act, res");
                _Static_assert(SPARSETILE_FIELD(LAYER1, W, 7) == (7u << 16) && SPARSETILE_LAYER1_H_MASK == 0xFFFFu, "LAYER1");
                _Static_assert(SPARSETILE_REQUANT_SH_SHIFT == 16 && SPARSETILE_REQUANT_SH_WIDTH == 6, "Sh");
                _Static_assert(SPARSETILE_FIELD(PRELU, SLOPE, -77) == 0xFFB3u, "slope");
                _Static_assert(SPARSETILE_GET(STATUS, ERROR, 0x4u) == 1 && SPARSETILE_STATUS_DONE_MASK == 2, "STATUS");
                _Static_assert(SPARSETILE_CSR_ADDR_BITS == 6 && SPARSETILE_LAYER0_RESET == 0, "misc");
                #define COUNT(name, offset, access) + 1
                _Static_assert(0 SPARSETILE_REGISTERS(COUNT) == \(map.registers.count), "register list");
                #define STALL(cause, offset) + 1
                _Static_assert(0 SPARSETILE_STALL_COUNTERS(STALL) == 7, "stall list");
                int main(void) { return 0; }

                """
            try test.write(to: dir.appendingPathComponent("\(label).c"), atomically: true, encoding: .utf8)
            try HDLTools.run(HDLTools.find("cc")!, ["-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "\(label).c"], in: dir)
            let cpp = test.replacingOccurrences(of: "_Static_assert", with: "static_assert")
            try cpp.write(to: dir.appendingPathComponent("\(label).cpp"), atomically: true, encoding: .utf8)
            try HDLTools.run(HDLTools.find("c++")!, ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "\(label).cpp"], in: dir)
        }
    }

    @Test func generatorRejectsMapsItCannotImplement() throws {
        let std = RegisterMap.standard
        func message(_ m: RegisterMap) -> String {
            do { _ = try AcceleratorGenerator(config: .small, registers: m); return "accepted" } catch { return "\(error)" }
        }
        let noDrain = try RegisterMap(std.registers.filter { $0.name != "STALL_DRAIN" })
        #expect(message(noDrain) == "cannot generate the accelerator: register map: register STALL_DRAIN is missing")
        let extra = try RegisterMap(std.registers + [Register("SCRATCH", offset: 0x3F, access: .readWrite, doc: "x")])
        #expect(message(extra).contains("register SCRATCH is not one the accelerator implements"))
        let narrowK = try RegisterMap(std.registers.map { r in
            r.name != "LAYER0" ? r : Register("LAYER0", offset: 2, access: .readWrite, doc: "x", fields: [
                RegisterField("K", 0...2, "k"), RegisterField("S", 4...5, "s"), RegisterField("activation", 6...7, "a"),
                RegisterField("residual", 8...8, "r"), RegisterField("shape", 9...10, "t"), RegisterField("packed", 11...11, "p"),
                RegisterField("pairs", 12...12, "o"), RegisterField("group", 13...18, "g"), RegisterField("first", 19...24, "f"),
                RegisterField("grouped", 25...25, "l"), RegisterField("line", 26...26, "b")])
        })
        #expect(message(narrowK).contains("LAYER0.K must be a 4-bit field, is 3-bit"))
        #expect(message(try std.moving("STATUS", to: 0x3F)) == "accepted")
    }
}
