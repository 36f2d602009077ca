import AcceleratorSpec
import Foundation

/// Why a configuration cannot be generated.
public struct AcceleratorGeneratorError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { "cannot generate the accelerator: \(message)" }
}

/// Generator parameters beyond `HardwareConfig`: the limits the RTL is sized for.
public struct AcceleratorLimits: Hashable, Sendable {
    /// Largest output map side (Ho, Wo) the mask register holds: the mask has
    /// ⌈maxMapSize/tileH⌉·⌈maxMapSize/tileW⌉ bits. Default 512 (SRResNet 512², ResNet-18 224²).
    public var maxMapSize: Int
    /// Largest (odd) kernel size; the LAYER0.K field is 4 bits.
    public var maxKernel: Int
    public init(maxMapSize: Int = 512, maxKernel: Int = 15) {
        self.maxMapSize = maxMapSize; self.maxKernel = maxKernel
    }
    public static let standard = AcceleratorLimits()

    /// Tiles of the largest map at the config's smallest tile shape.
    public func maxTiles(_ c: HardwareConfig) -> Int {
        let h = c.tileH >> (c.tileShapes - 1), w = c.tileW >> (c.tileShapes - 1)
        return ((maxMapSize + h - 1) / h) * ((maxMapSize + w - 1) / w)
    }
    /// Mask words the mask RAM holds: the largest map's tile rows (columns, with the row ring) at the
    /// smallest tile shape, each 2^p bits, 2^p the least power of two ≥ the tiles of a row (§6.1).
    /// With a tile list, the largest map's tiles, B/2 entries a word.
    public func maxMaskWords(_ c: HardwareConfig) -> Int {
        if c.tileList { return (maxTiles(c) + c.tileListEntriesPerWord - 1) / c.tileListEntriesPerWord }
        let h = c.tileH >> (c.tileShapes - 1), w = c.tileW >> (c.tileShapes - 1)
        let rows = (maxMapSize + h - 1) / h, cols = (maxMapSize + w - 1) / w
        let bits = max(rows << LayerPlan.pitchLog2(cols), cols << LayerPlan.pitchLog2(rows))
        return (bits + 8 * c.memBytesPerCycle - 1) / (8 * c.memBytesPerCycle)
    }
    /// Throws when `plan` exceeds what the RTL is sized for (the model-side check of the generator limits).
    public func check(_ plan: LayerPlan) throws {
        if plan.tilesHigh * plan.tilesWide > maxTiles(plan.config) || plan.maskWords > maxMaskWords(plan.config)
            || plan.outH > maxMapSize || plan.outW > maxMapSize {
            throw AcceleratorGeneratorError(message: "layer output \(plan.outH)x\(plan.outW) exceeds the RTL's maximum map size \(maxMapSize)")
        }
        if plan.kernel > maxKernel { throw AcceleratorGeneratorError(message: "kernel \(plan.kernel) exceeds the RTL's maximum \(maxKernel)") }
    }
}

/// A generated file that is not Verilog (the C register header).
public struct GeneratedFile: Hashable, Sendable {
    public let fileName: String
    public let contents: String
    public init(fileName: String, contents: String) { self.fileName = fileName; self.contents = contents }
}

/// Builds the accelerator (top `<prefix>accel`) for one `HardwareConfig` (docs/microarchitecture.md §6–§8, §15).
public struct AcceleratorGenerator {
    public let config: HardwareConfig
    public let limits: AcceleratorLimits
    /// The deliberate bug built into the design (`.none`: the correct design).
    public let fault: FaultInjection
    /// The module names (prefix, top, engines, PE); see `AcceleratorNames`.
    public let names: AcceleratorNames
    /// The CSR map the design decodes (§8); `.standard` unless a test moves registers around.
    public let registers: RegisterMap

    /// `prefix` defaults to `AcceleratorNames.defaultPrefix(for: config)` (`st_<hash8>_`); an
    /// explicit one must start a legal Verilog identifier. Throws for an unsupported configuration,
    /// limits out of range, or a register map whose registers and fields are not those the datapath
    /// is built for (`RegisterMap.checkLayout`: offsets and field positions may differ from
    /// `.standard`, names, access and widths may not).
    public init(config: HardwareConfig, limits: AcceleratorLimits = .standard, fault: FaultInjection = .none,
                prefix: String? = nil, registers: RegisterMap = .standard) throws {
        do { try config.validate() } catch { throw AcceleratorGeneratorError(message: "\(error)") }
        let c = config
        if c.lanesK > c.memBytesPerCycle {
            throw AcceleratorGeneratorError(message: "lanesK \(c.lanesK) > memBytesPerCycle \(c.memBytesPerCycle): the byte-sliced output buffer needs lanesK ≤ B")
        }
        if c.weightBankDepth < 2 { throw AcceleratorGeneratorError(message: "weight bank depth \(c.weightBankDepth) < 2 words") }
        if limits.maxMapSize < 1 || limits.maxMapSize > 32768 { throw AcceleratorGeneratorError(message: "maxMapSize \(limits.maxMapSize) must be in 1...32768") }
        if limits.maxKernel < 1 || limits.maxKernel > 15 || limits.maxKernel % 2 == 0 {
            throw AcceleratorGeneratorError(message: "maxKernel \(limits.maxKernel) must be odd in 1...15")
        }
        do { try registers.checkLayout(matches: .standard) } catch { throw AcceleratorGeneratorError(message: "\(error)") }
        self.config = config; self.limits = limits; self.fault = fault; self.registers = registers
        names = try prefix.map(AcceleratorNames.init(prefix:)) ?? AcceleratorNames(config: config)
    }

    /// The prefix every module name carries.
    public var prefix: String { names.prefix }
    /// The top module's name, `<prefix>accel` (manifest.json's `top`).
    public var top: String { names.top }

    /// The top module (with its submodules).
    public func build() throws -> Module {
        let ctx = AcceleratorContext(config: config, limits: limits, names: names, fault: fault, registers: registers)
        return try AcceleratorTop(ctx: ctx).build()
    }

    var emitterOptions: VerilogEmitter.Options { .init(configHash: config.contentHash, extraHeaderLines: fault.headerLines) }

    /// The Verilog files, submodules first, then the top. A faulty design says so in every file's
    /// header (`// fault <name>: …`).
    public func files() throws -> [VerilogFile] {
        try VerilogEmitter(options: emitterOptions).emitDesign(try build())
    }

    /// The channels between the engines (`EngineChannels`) as a Markdown table for
    /// docs/accelerator-rtl.md: name (the prefix of the ports and wires), kind, payload fields
    /// (width, or lanes × width; a record's fields by their bits `[hi:lo]` in its one port; `←` marks
    /// a field flowing back to the producer), producer → consumers.
    public func channelTable() -> String {
        let ctx = AcceleratorContext(config: config, limits: limits, names: names, fault: fault, registers: registers)
        var out = ["| channel | kind | payload | producer → consumers | what |", "|---|---|---|---|---|"]
        for c in ctx.channels.all {
            let payload = c.bundle.fields.filter { !(c.kind != "fields" && c.kind != "record" && ($0.name == "valid" || $0.name == "ready")) }.map { f in
                // a record's field by its bits in the one port, a field's by its width
                let bits = c.bundle.recordBits(f.name)
                let w = c.isRecord ? "\(bits.upperBound):\(bits.lowerBound)" : f.count > 1 ? "\(f.count)×\(f.width)" : "\(f.width)"
                return "\(f.direction == .backward ? "← " : "")`\(f.name)`[\(w)]"
            }
            out.append("| `\(c.name)` | \(c.kind) | \(payload.isEmpty ? "(token)" : payload.joined(separator: ", ")) | \(c.producer) → \(c.consumers.joined(separator: ", ")) | \(c.doc) |")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The file name of the C register header, `<prefix>regs.h` (the one place it is spelled).
    public var registerHeaderFileName: String { "\(prefix)regs.h" }

    /// The C header of `registers` (`RegisterMap.cHeader`), with the same header comment as the
    /// Verilog files (generator, config hash, fault); include guard from the file name.
    public func registerHeader() -> GeneratedFile {
        let name = registerHeaderFileName
        let guardMacro = String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
        let lines = [String(VerilogEmitter(options: emitterOptions).headerLine.dropFirst(3))] + fault.headerLines
        return GeneratedFile(fileName: name, contents: registers.cHeader(headerLines: lines, guardMacro: guardMacro))
    }

    /// manifest.json: config, hash, files (the Verilog), registerHeader, top, prefix (sorted keys, deterministic).
    public func manifest(files: [VerilogFile]) throws -> Data {
        struct Manifest: Encodable {
            let config: HardwareConfig
            let hash: String
            let files: [String]
            /// The C register header beside the Verilog.
            let registerHeader: String
            let top: String
            let prefix: String
            let maxMapSize: Int
            let maxKernel: Int
            /// Only for a faulty design (absent for `.none`).
            let fault: String?
        }
        let m = Manifest(config: config, hash: config.contentHash, files: files.map(\.fileName), registerHeader: registerHeaderFileName,
                         top: top, prefix: prefix, maxMapSize: limits.maxMapSize, maxKernel: limits.maxKernel,
                         fault: fault == .none ? nil : fault.rawValue)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var d = try enc.encode(m)
        d.append(0x0a)
        return d
    }

    /// Writes the .sv files, the C register header and manifest.json into `directory`; returns their names.
    public func write(to directory: URL) throws -> [String] {
        let fs = try files()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var names: [String] = []
        for f in fs {
            try Data(f.contents.utf8).write(to: directory.appendingPathComponent(f.fileName))
            names.append(f.fileName)
        }
        let h = registerHeader()
        try Data(h.contents.utf8).write(to: directory.appendingPathComponent(h.fileName))
        names.append(h.fileName)
        try manifest(files: fs).write(to: directory.appendingPathComponent("manifest.json"))
        names.append("manifest.json")
        return names
    }
}
