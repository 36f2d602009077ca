/// How the host may access a control/status register (docs/microarchitecture.md §8).
public enum RegisterAccess: String, Hashable, Codable, Sendable, CaseIterable {
    /// Written by the host, read back unchanged.
    case readWrite = "RW"
    /// Driven by the accelerator; host writes are ignored.
    case readOnly = "RO"
    /// Write 1 to a field to trigger its action for one cycle; self-clearing, reads 0 (CTRL.start).
    case writeOneSelfClearing = "W1SC"
    /// A write port: each write goes into a RAM of the accelerator's (an entry at the write's
    /// index); nothing is stored in the register, which reads 0 (PRELU_TABLE).
    case writePort = "WP"
}

/// A bit field of a register: bits `lsb…msb` (little-endian bit numbering).
public struct RegisterField: Hashable, Sendable {
    /// The field's name, unique in its register (a C identifier, e.g. `K`, `activation`).
    public var name: String
    /// Lowest and highest bit of the field.
    public var lsb: Int
    public var msb: Int
    /// True when the field holds a two's-complement value (packing accepts negative values).
    public var signed: Bool
    /// One line of documentation (units, encoding).
    public var doc: String

    /// `name` at `bits`, e.g. `RegisterField("S", 4...5, "stride")`.
    public init(_ name: String, _ bits: ClosedRange<Int>, signed: Bool = false, _ doc: String) {
        self.name = name; lsb = bits.lowerBound; msb = bits.upperBound; self.signed = signed; self.doc = doc
    }

    /// `lsb...msb`.
    public var bits: ClosedRange<Int> { lsb...msb }
    /// Number of bits.
    public var width: Int { msb - lsb + 1 }
    /// The field's bits in place in the register word (`((1 << width) − 1) << lsb`).
    public var mask: UInt32 { UInt32(truncatingIfNeeded: ((UInt64(1) << UInt64(width)) - 1) << UInt64(lsb)) }
    /// The values the field can hold (two's complement when `signed`).
    public var valueRange: ClosedRange<Int> {
        signed ? -(1 << (width - 1))...((1 << (width - 1)) - 1) : 0...((1 << width) - 1)
    }
    /// `[msb:lsb]`, or `[bit]` for a 1-bit field.
    public var bitsText: String { width == 1 ? "[\(lsb)]" : "[\(msb):\(lsb)]" }
}

/// One control/status register: a word on the CSR port (`csr_addr`, docs/microarchitecture.md §15).
public struct Register: Hashable, Sendable {
    /// The register's name (a C identifier in upper case, e.g. `LAYER0`, `STALL_DRAM`).
    public var name: String
    /// Word offset on the CSR port (`csr_addr`).
    public var offset: Int
    /// Implemented bits (≤ 32); the rest read 0.
    public var width: Int
    public var access: RegisterAccess
    /// Value after reset.
    public var reset: UInt32
    /// One line of documentation.
    public var doc: String
    /// Bit fields, lowest bit first. No fields: the whole register is one unsigned value.
    public var fields: [RegisterField]

    public init(_ name: String, offset: Int, width: Int = 32, access: RegisterAccess, reset: UInt32 = 0,
                doc: String, fields: [RegisterField] = []) {
        self.name = name; self.offset = offset; self.width = width; self.access = access; self.reset = reset
        self.doc = doc; self.fields = fields.sorted { $0.lsb < $1.lsb }
    }

    /// The field called `name`, or nil.
    public func field(_ name: String) -> RegisterField? { fields.first { $0.name == name } }
}

/// Why a register map is invalid, or a register access does not fit it.
public struct RegisterMapError: Error, Equatable, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "register map: \(message)" }
}

/// One register write: the register, its word offset and the value.
public struct RegisterWrite: Hashable, Sendable {
    public var register: String
    public var offset: Int
    public var value: UInt32
    public init(register: String, offset: Int, value: UInt32) { self.register = register; self.offset = offset; self.value = value }
}

/// The accelerator's control and status registers (docs/microarchitecture.md §8): the single
/// statement of every register's name, word offset, width, access, reset value, fields and
/// documentation. Everything that touches a register derives from it: the CSR write decode and
/// read mux of the generated RTL (RTLGen), the host programming of a layer (`layerProgram`), the
/// C header written beside the Verilog (`cHeader`) and the table in the docs (`markdownTable`).
///
/// A map is validated when it is made: names are unique C identifiers, offsets are unique and
/// inside the 6-bit CSR address space, fields are unique, do not overlap and lie inside their
/// register's width, reset values fit.
public struct RegisterMap: Hashable, Sendable {
    /// Width of the CSR address port (`csr_addr`): offsets are 0 ..< 2^addressBits.
    public static let addressBits = 6
    /// Width of the CSR data ports (`csr_wdata`, `csr_rdata`).
    public static let dataBits = 32
    /// Name prefix of the stall counters: `STALL_<CAUSE>` counts the stall cycles of cause `<cause>`
    /// (docs/microarchitecture.md §9; the cause is the lower-cased rest of the name).
    public static let stallCounterPrefix = "STALL_"

    /// The registers in offset order.
    public let registers: [Register]

    /// Validates `registers` (any order) and sorts them by offset.
    public init(_ registers: [Register]) throws {
        try Self.validate(registers)
        self.registers = registers.sorted { $0.offset < $1.offset }
    }

    /// The register called `name`, or nil.
    public subscript(name: String) -> Register? { registers.first { $0.name == name } }

    /// The register called `name`.
    public func register(_ name: String) throws -> Register {
        guard let r = self[name] else { throw RegisterMapError("no register \(name)") }
        return r
    }

    /// The word offset of register `name`.
    public func offset(_ name: String) throws -> Int { try register(name).offset }

    /// Field `field` of register `register`.
    public func field(_ register: String, _ field: String) throws -> RegisterField {
        let r = try self.register(register)
        guard let f = r.field(field) else {
            throw RegisterMapError("register \(register) has no field \(field) (fields: \(r.fields.map(\.name).joined(separator: ", ")))")
        }
        return f
    }

    /// The stall counters (`STALL_<CAUSE>` registers) in offset order, with their cause in lower case.
    public var stallCounters: [(cause: String, register: Register)] {
        registers.filter { $0.name.hasPrefix(Self.stallCounterPrefix) }
            .map { (String($0.name.dropFirst(Self.stallCounterPrefix.count)).lowercased(), $0) }
    }

    // MARK: - Packing

    /// The word of register `register` holding `values` (field name → value; fields not given are 0).
    /// Throws for an unknown field or a value outside its field (negative values only for signed fields).
    public func pack(_ register: String, _ values: [String: Int]) throws -> UInt32 {
        _ = try self.register(register)
        var word: UInt32 = 0
        for (name, v) in values.sorted(by: { $0.key < $1.key }) {
            let f = try field(register, name)
            guard f.valueRange.contains(v) else {
                throw RegisterMapError("\(register).\(name) = \(v) does not fit the \(f.width)-bit\(f.signed ? " signed" : "") field \(f.bitsText) (\(f.valueRange.lowerBound)…\(f.valueRange.upperBound))")
            }
            let bits = UInt32(truncatingIfNeeded: UInt64(bitPattern: Int64(v)) & ((UInt64(1) << UInt64(f.width)) - 1))
            word |= bits << UInt32(f.lsb)
        }
        return word
    }

    /// The field values of a word of register `register` (signed fields sign-extended).
    public func unpack(_ register: String, _ word: UInt32) throws -> [String: Int] {
        let r = try self.register(register)
        var out: [String: Int] = [:]
        for f in r.fields {
            let raw = Int((word & f.mask) >> UInt32(f.lsb))
            out[f.name] = f.signed && raw >= (1 << (f.width - 1)) ? raw - (1 << f.width) : raw
        }
        return out
    }

    /// The write of `values` (field name → value) to register `register`.
    public func write(_ register: String, _ values: [String: Int]) throws -> RegisterWrite {
        RegisterWrite(register: register, offset: try offset(register), value: try pack(register, values))
    }

    /// The write of the whole-register value `value` to register `register` (a register without fields,
    /// e.g. a base address); throws when it does not fit the register's width.
    public func write(_ register: String, value: Int) throws -> RegisterWrite {
        let r = try self.register(register)
        guard r.fields.isEmpty else { throw RegisterMapError("register \(register) has fields; write them by name") }
        guard value >= 0 && value < (1 << r.width) else {
            throw RegisterMapError("\(register) = \(value) does not fit the \(r.width)-bit register")
        }
        return RegisterWrite(register: register, offset: r.offset, value: UInt32(value))
    }

    // MARK: - Variants (for tests and other layouts)

    /// The same map with register `name` at `offset` (validated like any map).
    public func moving(_ name: String, to offset: Int) throws -> RegisterMap {
        guard self[name] != nil else { throw RegisterMapError("no register \(name)") }
        return try RegisterMap(registers.map { var r = $0; if r.name == name { r.offset = offset }; return r })
    }

    /// Throws unless this map has exactly the registers and fields of `reference` with the same
    /// access, register widths and field widths and signedness; offsets and field positions may
    /// differ. (A generator built for `reference`'s datapath accepts such a map.)
    public func checkLayout(matches reference: RegisterMap) throws {
        let mine = Set(registers.map(\.name)), theirs = Set(reference.registers.map(\.name))
        if let extra = registers.first(where: { !theirs.contains($0.name) }) {
            throw RegisterMapError("register \(extra.name) is not one the accelerator implements")
        }
        if let missing = reference.registers.first(where: { !mine.contains($0.name) }) {
            throw RegisterMapError("register \(missing.name) is missing")
        }
        for ref in reference.registers {
            let r = self[ref.name]!
            if r.access != ref.access { throw RegisterMapError("\(r.name) must be \(ref.access.rawValue), is \(r.access.rawValue)") }
            if r.width != ref.width { throw RegisterMapError("\(r.name) must be \(ref.width) bits wide, is \(r.width)") }
            if Set(r.fields.map(\.name)) != Set(ref.fields.map(\.name)) {
                throw RegisterMapError("\(r.name) must have the fields \(ref.fields.map(\.name).joined(separator: ", ")), has \(r.fields.map(\.name).joined(separator: ", "))")
            }
            for f in ref.fields {
                let g = r.field(f.name)!
                if g.width != f.width || g.signed != f.signed {
                    throw RegisterMapError("\(r.name).\(f.name) must be a \(f.width)-bit\(f.signed ? " signed" : "") field, is \(g.width)-bit\(g.signed ? " signed" : "")")
                }
            }
        }
    }

    // MARK: - Validation

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first.isASCII, first == "_" || first.properties.isAlphabetic else { return false }
        return s.unicodeScalars.allSatisfy { $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) }
    }

    static func validate(_ registers: [Register]) throws {
        let space = 1 << addressBits
        var byOffset: [Int: String] = [:], names: Set<String> = [], macros: [String: String] = [:]
        func macro(_ m: String, _ owner: String) throws {
            if let other = macros[m] { throw RegisterMapError("\(owner) and \(other) give the same C macro SPARSETILE_\(m)") }
            macros[m] = owner
        }
        for r in registers {
            guard isIdentifier(r.name) else { throw RegisterMapError("register name '\(r.name)' is not a C identifier") }
            guard names.insert(r.name).inserted else { throw RegisterMapError("two registers are called \(r.name)") }
            guard (0..<space).contains(r.offset) else {
                throw RegisterMapError("\(r.name) at offset \(hex(r.offset, 2)) is outside the \(addressBits)-bit CSR address space (0x00…\(hex(space - 1, 2)))")
            }
            if let other = byOffset[r.offset] {
                throw RegisterMapError("\(other) and \(r.name) overlap: both at offset \(hex(r.offset, 2))")
            }
            byOffset[r.offset] = r.name
            guard (1...dataBits).contains(r.width) else { throw RegisterMapError("\(r.name) is \(r.width) bits wide; registers have 1…\(dataBits) bits") }
            guard r.width == 32 || r.reset >> UInt32(r.width) == 0 else {
                throw RegisterMapError("\(r.name): reset value \(hex(Int(r.reset), 8)) does not fit its \(r.width) bits")
            }
            try macro(r.name.uppercased() + "_OFFSET", r.name)
            try macro(r.name.uppercased() + "_RESET", r.name)
            var used: [(RegisterField)] = []
            for f in r.fields {
                let full = "\(r.name).\(f.name)"
                guard isIdentifier(f.name) else { throw RegisterMapError("field name '\(full)' is not a C identifier") }
                guard f.lsb >= 0 && f.msb >= f.lsb else { throw RegisterMapError("field \(full) has bits [\(f.msb):\(f.lsb)]") }
                guard f.msb < r.width else {
                    throw RegisterMapError("field \(full) \(f.bitsText) lies outside the \(r.width)-bit register \(r.name)")
                }
                if let g = used.first(where: { $0.name == f.name }) { throw RegisterMapError("two fields \(r.name).\(g.name)") }
                if let g = used.first(where: { $0.bits.overlaps(f.bits) }) {
                    throw RegisterMapError("fields \(r.name).\(g.name) \(g.bitsText) and \(full) \(f.bitsText) overlap")
                }
                used.append(f)
                for s in ["SHIFT", "WIDTH", "MASK"] { try macro("\(r.name.uppercased())_\(f.name.uppercased())_\(s)", full) }
            }
        }
    }
}

/// `0x` and `digits` upper-case hex digits.
func hex(_ v: Int, _ digits: Int) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
}

extension RegisterMap {
    /// The registers of docs/microarchitecture.md §8.
    public static let standard: RegisterMap = {
        var regs: [Register] = [
            Register("CTRL", offset: 0x00, access: .writeOneSelfClearing, doc: "Control.", fields: [
                RegisterField("start", 0...0, "write 1 to start the layer programmed in the other registers (ignored while busy); reads 0"),
            ]),
            Register("STATUS", offset: 0x01, access: .readOnly, doc: "Status.", fields: [
                RegisterField("busy", 0...0, "a layer is running"),
                RegisterField("done", 1...1, "the last layer has finished (from its cycle count on, §7.3)"),
                RegisterField("error", 2...2, "a field is out of range: the layer did not start (docs/accelerator-rtl.md, generator limits)"),
            ]),
            Register("LAYER0", offset: 0x02, access: .readWrite, doc: "Kernel, stride, activation, residual, tile shape, tap packing, output pairs, group size, grouped lanes, line buffer.", fields: [
                RegisterField("K", 0...3, "kernel size K (odd)"),
                RegisterField("S", 4...5, "stride S (1 or 2)"),
                RegisterField("activation", 6...7, "0 none, 1 ReLU, 2 PReLU"),
                RegisterField("residual", 8...8, "1: add the residual input (§1)"),
                RegisterField("shape", 9...10, "tile shape s: tiles of (tileH >> s)x(tileW >> s), in groups of 4^s (§3.1)"),
                RegisterField("packed", 11...11, "1: taps packed (§3.2): the input words hold the K vertical taps of one output row; the kernel runs 1×K, row stride 1, no row padding; H = Ho, Cin = K·Cin"),
                RegisterField("pairs", 12...12, "1: output pairs (§3.3): each output pixel holds output columns 2x′ and 2x′+1; the kernel runs K×(K+1), column stride 2; Cout = 2·Cout"),
                RegisterField("group", 13...18, "tiles per tile group − 1 (§3.1): 4^s − 1, or fewer when the input buffer holds fewer tiles' halos"),
                RegisterField("first", 19...24, "tiles of a pass's first tile group − 1 (§3.1): (active tiles − 1) mod (group + 1); it takes the remainder, the later groups are full"),
                RegisterField("grouped", 25...25, "1: grouped lanes (§3.4): each step takes a whole input word, lane group r summing its chunks into output channel j·R + r; Cout ≤ lanesK, taps not packed"),
                RegisterField("line", 26...26, "1: the line buffer (§6.5): each tile's load brings the band's row segments it reads first into the line buffer, and the copy engine moves each group's halos from there into the input buffer; a config with a line buffer only"),
            ]),
            Register("LAYER1", offset: 0x03, access: .readWrite, doc: "Input map size.", fields: [
                RegisterField("H", 0...15, "input height H (of the input words: Ho when taps are packed, §3.2)"),
                RegisterField("W", 16...31, "input width W"),
            ]),
            Register("LAYER2", offset: 0x04, access: .readWrite, doc: "Channels.", fields: [
                RegisterField("Cin", 0...15, "input channels Cin (per input word: K·Cin when taps are packed, §3.2)"),
                RegisterField("Cout", 16...31, "output channels Cout"),
            ]),
            Register("REQUANT", offset: 0x05, access: .readWrite, doc: "Requantization (§1).", fields: [
                RegisterField("M", 0...15, "multiplier M (unsigned)"),
                RegisterField("Sh", 16...21, "shift Sh"),
            ]),
            Register("PRELU", offset: 0x06, access: .readWrite, doc: "PReLU slope (§1).", fields: [
                RegisterField("slope", 0...15, signed: true, "slope, signed, in 1/256"),
            ]),
            Register("PASS", offset: 0x07, access: .readWrite, doc: "Output-channel passes.", fields: [
                RegisterField("pc", 0...15, "pass channels pc (the host computes it as in §4)"),
                RegisterField("prefetch", 16...16, "1: every pass fits half the weight ring, and the next pass's weights load during pass p (§7.2)"),
                RegisterField("resident", 17...18, "halos resident across passes (§4): 0 no; 1 in the halves, up to two tile groups; 2 in the quarters (⌊DI/2⌋ words each), up to four; passes after the first load no halo words (§7.3)"),
                RegisterField("preloaded", 19...19, "1: pass 0's bias words and its first PRELOAD.words weight words are in the buffers already (the previous layer loaded them, §7.2): WEIGHTS(0) loads the rest"),
                RegisterField("half", 20...20, "the bias-RAM half of pass 0; pass p uses half + p mod 2 (§6.3)"),
                RegisterField("next", 21...21, "1: the next layer's first pass (NEXT_*) loads during the last pass; the layer ends when it is in (§7.2)"),
                RegisterField("next_half", 22...22, "the bias-RAM half the next layer's bias words go to (the one the last pass does not use)"),
            ]),
        ]
        let bases = [("MASK", "tile mask"), ("BIAS", "bias"), ("WEIGHTS", "weights"), ("INPUT", "input"),
                     ("RESIDUAL", "residual"), ("OUTPUT", "output")]
        for (i, (n, what)) in bases.enumerated() {
            regs.append(Register("BASE_\(n)", offset: 0x08 + i, access: .readWrite, doc: "Word address of the \(what) region (§5)."))
        }
        regs += [
            Register("NEXT_BIAS", offset: 0x0E, access: .readWrite, doc: "Word address of the next layer's first-pass bias words (§7.2, weight handoff)."),
            Register("NEXT_WEIGHTS", offset: 0x0F, access: .readWrite, doc: "Word address of the next layer's first-pass weight words (§7.2)."),
            Register("CYCLES_LO", offset: 0x10, access: .readOnly, doc: "Cycles of the last layer, bits 31:0 (without wide counters, §2: the count, stopping at 2^32 − 1)."),
            Register("CYCLES_HI", offset: 0x11, access: .readOnly, doc: "Cycles of the last layer, bits 63:32 (0 without wide counters, §2)."),
            Register("BUSY_LO", offset: 0x12, access: .readOnly, doc: "computeBusyCycles of the last layer (§9), bits 31:0 (without wide counters, §2: the count, stopping at 2^32 − 1)."),
            Register("BUSY_HI", offset: 0x13, access: .readOnly, doc: "computeBusyCycles of the last layer (§9), bits 63:32 (0 without wide counters, §2)."),
        ]
        // The stall causes of §9, in the order of the model's `StallCycles`.
        let stalls = ["setup", "weights", "load", "store", "dram", "requant", "drain"]
        for (i, s) in stalls.enumerated() {
            regs.append(Register(stallCounterPrefix + s.uppercased(), offset: 0x14 + i, access: .readOnly,
                                 doc: "Stall cycles of cause `\(s)` in the last layer (§9); 0 on a config without stall counters (§2)."))
        }
        regs += [
            Register("BEATS_RD", offset: 0x1B, access: .readOnly, doc: "DRAM read beats of the last layer (§7.1); 0 on a config without beat counters (§2)."),
            Register("BEATS_WR", offset: 0x1C, access: .readOnly, doc: "DRAM write beats of the last layer (§7.1); 0 on a config without beat counters (§2)."),
            Register("NEXT_WORDS", offset: 0x20, access: .readWrite, doc: "Words of the handoff burst (§7.2): the next layer's first pass, or the part of it not handed on two ahead, and two ahead the first kgroups of the layer after it.", fields: [
                RegisterField("bias", 0...11, "bias words (at least one)"),
                RegisterField("weights", 12...31, "weight words (0: only bias words, the weights came two ahead)"),
            ]),
            Register("NEXT_LAYOUT", offset: 0x21, access: .readWrite, doc: "Weight layout of the next layer (§7.2).", fields: [
                RegisterField("k2cw", 0...23, "weight words per output channel K·KW·CW: word q goes to bank (q ÷ k2cw) mod lanesK"),
            ]),
            Register("RING", offset: 0x22, access: .readWrite, doc: "Where the layer's weights are in the weight-buffer ring (§6.3, §7.2).", fields: [
                RegisterField("base", 0...15, "ring address of pass 0's first weight word; pass p + 1 follows pass p"),
                RegisterField("skip", 16...31, "with PASS.preloaded: ring words of pass 0 already in (preloaded kgroups × K·KW·CW)"),
            ]),
            Register("PRELOAD", offset: 0x23, access: .readWrite, doc: "The preloaded part of pass 0 (§7.2).", fields: [
                RegisterField("words", 0...23, "weight words of pass 0 already in (whole kgroups, in DRAM order): WEIGHTS(0) loads from there"),
            ]),
            Register("NEXT_RING", offset: 0x24, access: .readWrite, doc: "Where the next layer's first pass goes in the ring (§7.2).", fields: [
                RegisterField("base", 0...15, "its ring address: right after the last pass"),
            ]),
            Register("CHANNELS", offset: 0x25, access: .readWrite, doc: "The output channels the run computes (§4): a channel window.", fields: [
                RegisterField("first", 0...15, "first channel: the first pass starts here (0: all channels)"),
                RegisterField("end", 16...31, "end channel (exclusive, ≤ Cout): the last pass ends here (Cout: all channels)"),
            ]),
            // Layer quantities that take a product or a quotient of the fields above, or a logarithm: the host
            // computes them (`LayerPlan`), so the accelerator has no multiplier or divider outside
            // its PE array (§3; issue 13). The accelerator does not check them against the fields.
            Register("MASK_LAYOUT", offset: 0x27, access: .readWrite, doc: "The tile mask's layout (§5, §6.1; the host computes it).", fields: [
                RegisterField("words", 0...15, "mask words Mw = ⌈TH·2^pitch / (8·B)⌉ (⌈TW·2^pitch / (8·B)⌉ with the row ring); with a tile list max(1, ⌈MASK_TILES / (B/2)⌉)"),
                RegisterField("pitch", 16...20, "p: tile row ty's bits start at bit ty·2^p (tile column tx's at tx·2^p with the row ring), 2^p the least power of two ≥ TW (≥ TH)"),
            ]),
            Register("STEPS", offset: 0x28, width: 24, access: .readWrite, doc: "Compute steps per kgroup T = KH·KW·NC, KH·KW·CW·NJ with grouped lanes (§3, §3.4; the host computes it)."),
            Register("TAP_WORDS", offset: 0x29, width: 24, access: .readWrite, doc: "Weight words per output channel KH·KW·CW (§6.3; the host computes it)."),
            Register("HALO_ROW_WORDS", offset: 0x2A, width: 24, access: .readWrite, doc: "Halo bank words of one row slot CS·CW (§6.2; the host computes it)."),
            Register("HALO_REGION", offset: 0x2B, width: 24, access: .readWrite, doc: "Halo bank words of one tile RS·CS·CW (§6.2; the host computes it)."),
            Register("LINE_ROW_WORDS", offset: 0x2C, width: 24, access: .readWrite, doc: "Line buffer: words of one row slot CSL·CW (§6.5; the host computes it; 0 without LAYER0.line)."),
            Register("LINE_BLOCKS", offset: 0x2D, width: 16, access: .readWrite, doc: "Line buffer: row blocks NB = ⌊DL / (SY·CSL·CW)⌋ (§6.5; the host computes it; 0 without LAYER0.line)."),
            Register("PASS_WORDS", offset: 0x2E, access: .readWrite, doc: "Weight words in DRAM of a pass of PASS.pc channels: pc·KH·KW·CW (§4, §7.2; the host computes it)."),
            Register("PASS_RING_WORDS", offset: 0x2F, width: 16, access: .readWrite, doc: "Weight-ring words of a pass of PASS.pc channels: ⌈pc / lanesK⌉·KH·KW·CW, where the next pass's weights start (§6.3; the host computes it)."),
            Register("KGROUPS", offset: 0x30, access: .readWrite, doc: "Kgroups of a pass (§4; the host computes them).", fields: [
                RegisterField("full", 0...15, "⌈pc / lanesK⌉: every pass but the last"),
                RegisterField("last", 16...31, "⌈(channels of the last pass) / lanesK⌉, the last pass ending at CHANNELS.end"),
            ]),
            Register("WINDOW_WORDS", offset: 0x31, access: .readWrite, doc: "Weight words in DRAM before the window's first channel: CHANNELS.first·KH·KW·CW (§4; the host computes it)."),
            Register("WINDOW_END_WORDS", offset: 0x32, access: .readWrite, doc: "Weight words in DRAM before the window's end channel: CHANNELS.end·KH·KW·CW (§4; the host computes it)."),
            Register("IN_ROW_WORDS", offset: 0x33, access: .readWrite, doc: "DRAM words of one row of the input map as the engines see it, W·CW (§5; the host computes it)."),
            Register("OUT_ROW_WORDS", offset: 0x34, access: .readWrite, doc: "DRAM words of one row of the output map as the engines see it, Wo·COW (§5; the host computes it)."),
            Register("MASK_TILES", offset: 0x35, width: 24, access: .readWrite, doc: "Entries of a tile list: the layer's active tiles (§6.1; a config with tile lists reads it, 0 in a warm-up run)."),
            Register("PRELU_TABLE", offset: 0x36, width: 15, access: .writePort, doc: "A PReLU table entry (§7.5; a config with PReLU tables writes it into each requant lane's table; others ignore it): entry `index` is the output for q = index − 128, clamp((q·slope + 128) >> 8); the host writes all 128 for a PReLU layer.", fields: [
                RegisterField("entry", 0...7, signed: true, "the entry's output byte"),
                RegisterField("index", 8...14, "the entry: q + 128, q the negative requantized byte"),
            ]),
        ]
        return try! RegisterMap(regs)
    }()
}

// MARK: - Host programming

extension RegisterMap {
    /// The register writes that program `job` laid out as `regions` (in write order; CTRL.start is
    /// not among them: see `startWrite`). Every field is packed through this map.
    public func layerProgram(job: LayerJob, plan: LayerPlan, regions r: MemoryRegions) throws -> [RegisterWrite] {
        let next = plan.next.map { n in (n, bias: r.next, weights: r.next + n.biasWords) }
        return try program(job: job, plan: plan, regions: r, mask: r.mask, next: next)
    }

    /// The register writes of the warm-up run that puts a preloaded layer's first words into the
    /// buffers when the layer runs on its own (§7.2): the layer's registers, on its own (no handoff
    /// in), over a mask of no active tiles (`regions.warmUpMask`), handing on the words the layer
    /// starts with, where it expects them. Empty unless `plan.preloaded`.
    public func warmUpProgram(job: LayerJob, plan: LayerPlan, regions r: MemoryRegions) throws -> [RegisterWrite] {
        guard plan.preloaded else { return [] }
        let own = NextLayerWeights(ringBase: plan.ringBase, biasHalf: plan.biasHalf0, biasWords: plan.biasWordRange(plan.passes[0]).count,
                                   weightWords: plan.preloadedWords, wordsPerChannel: plan.tapWords)
        return try program(job: job, plan: plan.with(handoff: WeightHandoff()), regions: r, mask: r.warmUpMask,
                           next: (own, bias: r.bias, weights: r.weights))
    }

    private func program(job: LayerJob, plan: LayerPlan, regions r: MemoryRegions, mask: Int,
                         next: (NextLayerWeights, bias: Int, weights: Int)?) throws -> [RegisterWrite] {
        try r.checkAddressable(by: plan.config, name: job.name)
        let act: Int, slope: Int
        switch job.activation {
        case .none: act = 0; slope = 0
        case .relu: act = 1; slope = 0
        case .prelu(let s): act = 2; slope = Int(s)
        }
        // The passes over the engines' channel window (§4): every one of pc channels but the last,
        // which ends at the window's end; their kgroups (⌈channels / lanesK⌉).
        let window = plan.engineWindow, lk = plan.config.lanesK
        let passes: (channels: Int, full: Int, last: Int) = {
            let pc = plan.passChannels
            guard pc > 0, !window.isEmpty else { return (pc, 0, 0) }
            let n = (window.count + pc - 1) / pc, last = window.count - (n - 1) * pc
            return (pc, (pc + lk - 1) / lk, (last + lk - 1) / lk)
        }()
        // (the layer parameters, STATUS.error among them, are registered a cycle after the registers:
        // the base addresses, which feed none of them, are written last, just before CTRL.start)
        return [
            try write("NEXT_BIAS", value: next?.bias ?? 0), try write("NEXT_WEIGHTS", value: next?.weights ?? 0),
            try write("NEXT_WORDS", ["bias": next?.0.biasWords ?? 0, "weights": next?.0.weightWords ?? 0]),
            try write("NEXT_LAYOUT", ["k2cw": next?.0.wordsPerChannel ?? 0]),
            try write("NEXT_RING", ["base": next?.0.ringBase ?? 0]),
            try write("RING", ["base": plan.ringBase, "skip": plan.preloadedRingWords]),
            try write("CHANNELS", ["first": plan.engineWindow.lowerBound, "end": plan.engineWindow.upperBound]),
            try write("PRELOAD", ["words": plan.preloadedWords]),
            try write("LAYER0", ["K": plan.kernel, "S": plan.stride, "activation": act, "residual": plan.hasResidual ? 1 : 0,
                                  "shape": plan.shapeLevel, "packed": plan.tapsPacked ? 1 : 0, "pairs": plan.outputPairs ? 1 : 0,
                                  "grouped": plan.lanesGrouped ? 1 : 0, "line": plan.lineBuffer ? 1 : 0, "group": plan.groupSize - 1, "first": max(0, plan.firstGroupSize(tiles: job.tileMask.activeCount) - 1)]),
            try write("LAYER1", ["H": plan.mapHeight, "W": plan.mapWidth]),
            try write("LAYER2", ["Cin": plan.mapChannels, "Cout": plan.cout]),
            try write("REQUANT", ["M": Int(job.requantization.multiplier), "Sh": Int(job.requantization.shift)]),
            try write("PRELU", ["slope": slope]),
            try write("MASK_LAYOUT", ["words": plan.maskWords, "pitch": plan.maskPitchLog2]),
            try write("MASK_TILES", value: mask == r.mask ? plan.maskTiles : 0), try write("STEPS", value: plan.steps),
            try write("TAP_WORDS", value: plan.tapWords), try write("HALO_ROW_WORDS", value: plan.colSlots * plan.inWords),
            try write("HALO_REGION", value: plan.regionWords),
            try write("LINE_ROW_WORDS", value: plan.lineColumnSlots * plan.inWords), try write("LINE_BLOCKS", value: plan.lineBlocks),
            try write("PASS_WORDS", value: passes.channels * plan.tapWords), try write("PASS_RING_WORDS", value: passes.full * plan.tapWords),
            try write("KGROUPS", ["full": passes.full, "last": passes.last]),
            try write("WINDOW_WORDS", value: window.lowerBound * plan.tapWords), try write("WINDOW_END_WORDS", value: window.upperBound * plan.tapWords),
            try write("IN_ROW_WORDS", value: plan.mapWidth * plan.inWords), try write("OUT_ROW_WORDS", value: plan.outW * plan.outWords),
            try write("PASS", ["pc": plan.passChannels, "prefetch": plan.prefetch ? 1 : 0, "resident": plan.haloResidency.rawValue,
                               "preloaded": plan.preloaded ? 1 : 0, "half": plan.biasHalf0, "next": next == nil ? 0 : 1,
                               "next_half": next?.0.biasHalf ?? 0]),
        ] + (try preluTable(plan: plan, activation: job.activation)) + [
            try write("BASE_MASK", value: mask), try write("BASE_BIAS", value: r.bias),
            try write("BASE_WEIGHTS", value: r.weights), try write("BASE_INPUT", value: r.input),
            try write("BASE_RESIDUAL", value: r.residual), try write("BASE_OUTPUT", value: r.output),
        ]
    }

    /// The writes of a PReLU layer's table on a config with PReLU tables (§7.5): entry i the
    /// activation of q = i − 128, from `Activation.apply`, the one definition; none otherwise.
    private func preluTable(plan: LayerPlan, activation: Activation) throws -> [RegisterWrite] {
        guard plan.config.preluTable, case .prelu = activation else { return [] }
        return try (0..<128).map { i in try write("PRELU_TABLE", ["entry": Int(activation.apply(Int8(i - 128))), "index": i]) }
    }

    /// The write of CTRL.start that starts the programmed layer.
    public func startWrite() throws -> RegisterWrite { try write("CTRL", ["start": 1]) }
}

// MARK: - Documentation and C header

extension RegisterMap {
    /// The Markdown table of docs/microarchitecture.md §8 (one row per register, offset order).
    public var markdownTable: String {
        var lines = ["| offset | name | access | reset | fields | meaning |", "|---|---|---|---|---|---|"]
        for r in registers {
            let fields = r.fields.isEmpty
                ? "[\(r.width - 1):0]"
                : r.fields.map { "`\($0.name)` \($0.bitsText): \($0.doc)" }.joined(separator: "<br>")
            lines.append("| \(hex(r.offset, 2)) | \(r.name) | \(r.access.rawValue) | \(hex(Int(r.reset), 1)) | \(fields) | \(r.doc) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A C header (C99 and C++) of the map: for each register `R`, `SPARSETILE_R_OFFSET` (word offset)
    /// and `SPARSETILE_R_RESET`; for each field `F`, `SPARSETILE_R_F_SHIFT`, `_WIDTH` and `_MASK` (in
    /// place); `SPARSETILE_FIELD(R, F, v)` packs a field, `SPARSETILE_GET(R, F, w)` extracts one;
    /// the X-macros `SPARSETILE_REGISTERS(X)` (name, offset, access) and `SPARSETILE_STALL_COUNTERS(X)`
    /// (cause, offset) list the registers and the stall counters in offset order. `headerLines` are
    /// written first, as `//` comments; `guardMacro` is the include guard.
    public func cHeader(headerLines: [String], guardMacro: String) -> String {
        func c(_ s: String) -> String { s.replacingOccurrences(of: "*/", with: "* /") }
        func def(_ name: String, _ value: String, _ comment: String? = nil) -> String {
            let n = "#define SPARSETILE_\(name)"
            let pad = String(repeating: " ", count: max(1, 48 - n.count))
            return n + pad + value + (comment.map { "  /* \(c($0)) */" } ?? "")
        }
        func h32(_ v: UInt32) -> String { hex(Int(v), 8) + "u" }
        // The entries of an X-macro, continued with a backslash except the last.
        func xList(_ entries: [String]) -> [String] {
            entries.enumerated().map { i, e in "    " + e + (i == entries.count - 1 ? "" : " \\") }
        }
        var o: [String] = headerLines.map { "// \($0)" }
        o += [
            "// Control and status registers of the SparseTile accelerator (docs/microarchitecture.md §8):",
            "// \(Self.dataBits)-bit registers at word offsets on the \(Self.addressBits)-bit csr_addr port (§15).",
            "// For each register R: SPARSETILE_R_OFFSET, SPARSETILE_R_RESET; for each field F of R:",
            "// SPARSETILE_R_F_SHIFT, SPARSETILE_R_F_WIDTH and SPARSETILE_R_F_MASK (the field's bits in place).",
            "// Access: RW read/write, RO read-only, W1SC write 1 to trigger (self-clearing, reads 0), WP write port (into a RAM, reads 0).",
            "#ifndef \(guardMacro)",
            "#define \(guardMacro)",
            "",
            "#include <stdint.h>",
            "",
            def("CSR_ADDR_BITS", "\(Self.addressBits)"),
            def("CSR_DATA_BITS", "\(Self.dataBits)"),
            "",
            "/* Packs value v into field F of register R, e.g. SPARSETILE_FIELD(LAYER0, K, 3). */",
            "#define SPARSETILE_FIELD(R, F, v) ((((uint32_t)(v)) << SPARSETILE_##R##_##F##_SHIFT) & SPARSETILE_##R##_##F##_MASK)",
            "/* Extracts field F of register R from the word w (unsigned). */",
            "#define SPARSETILE_GET(R, F, w) ((((uint32_t)(w)) & SPARSETILE_##R##_##F##_MASK) >> SPARSETILE_##R##_##F##_SHIFT)",
        ]
        for r in registers {
            let n = r.name.uppercased()
            o += ["", "/* \(hex(r.offset, 2)) \(r.name) (\(r.access.rawValue), \(r.width) bits): \(c(r.doc)) */"]
            o.append(def("\(n)_OFFSET", hex(r.offset, 2) + "u"))
            o.append(def("\(n)_RESET", h32(r.reset)))
            for f in r.fields {
                let fn = "\(n)_\(f.name.uppercased())"
                o.append(def("\(fn)_SHIFT", "\(f.lsb)"))
                o.append(def("\(fn)_WIDTH", "\(f.width)"))
                o.append(def("\(fn)_MASK", h32(f.mask), "\(f.bitsText) \(f.doc)\(f.signed ? " (signed)" : "")"))
            }
        }
        o += ["", "/* Every register in offset order: X(NAME, OFFSET, ACCESS), ACCESS one of RW, RO, W1SC, WP. */",
              "#define SPARSETILE_REGISTERS(X) \\"]
        o += xList(registers.map { "X(\($0.name), \(hex($0.offset, 2))u, \($0.access.rawValue))" })
        o += ["", "/* The stall counters (STALL_<CAUSE>, §9) in offset order: X(cause, OFFSET). */", "#define SPARSETILE_STALL_COUNTERS(X) \\"]
        o += xList(stallCounters.map { "X(\($0.cause), \(hex($0.register.offset, 2))u)" })
        o += ["", "#endif /* \(guardMacro) */", ""]
        return o.joined(separator: "\n")
    }
}
