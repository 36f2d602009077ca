import Foundation
import AcceleratorSpec
import RTLGen

/// The Verilog files of a design and the name of its top module (manifest.json's `top`).
public struct GeneratedDesign: Sendable {
    public var files: [VerilogFile]
    /// The top module, one of `files`' modules (`<prefix>accel` for the accelerator).
    public var top: String

    public init(files: [VerilogFile], top: String) {
        self.files = files; self.top = top
    }
}

/// Where the Verilog of the accelerator comes from for a configuration (and fault).
///
/// `.accelerator` is the generator of the reference accelerator (RTLGen's `Accelerator`);
/// tests substitute stand-in designs with the same top-level ports (docs/microarchitecture.md §15).
/// The top module's name comes with the files: nothing downstream assumes it.
public struct DesignSource: Sendable {
    /// Short name, part of the build-cache directory name (`accel` for the real design).
    public var name: String
    /// The CSR map the design decodes: CoSim programs layers through it, and its C header is compiled
    /// into the harness (which reads the counters back through the header's macros).
    public var registers: RegisterMap
    /// The design files and the name of their top module.
    public var generate: @Sendable (HardwareConfig, FaultInjection) throws -> GeneratedDesign
    /// The C register header of the design (`AcceleratorGenerator.registerHeader`), written beside the
    /// Verilog in the build directory.
    public var registerHeader: @Sendable (HardwareConfig, FaultInjection) throws -> GeneratedFile

    /// A design decoding `registers`; by default its header is the accelerator generator's for `registers`.
    public init(name: String, registers: RegisterMap = .standard,
                generate: @escaping @Sendable (HardwareConfig, FaultInjection) throws -> GeneratedDesign,
                registerHeader: (@Sendable (HardwareConfig, FaultInjection) throws -> GeneratedFile)? = nil) {
        self.name = name; self.registers = registers; self.generate = generate
        self.registerHeader = registerHeader ?? { config, fault in
            try AcceleratorGenerator(config: config, fault: fault, registers: registers).registerHeader()
        }
    }

    /// The reference accelerator from RTLGen, sized for maps up to 512 (the standard limits).
    public static let accelerator = DesignSource(name: "accel") { config, fault in
        try AcceleratorRTL.generate(config: config, fault: fault)
    }

    /// The reference accelerator sized for maps up to `maxMapSize` (smaller mask register, quicker
    /// builds: the regression's shapes are small).
    public static func accelerator(maxMapSize: Int) -> DesignSource {
        if maxMapSize == AcceleratorLimits.standard.maxMapSize { return accelerator }
        return DesignSource(name: "accel-map\(maxMapSize)") { config, fault in
            try AcceleratorRTL.generate(config: config, fault: fault, limits: AcceleratorLimits(maxMapSize: maxMapSize))
        }
    }

    /// The reference accelerator sized for maps up to `maxMapSize`, decoding `registers` instead of the
    /// standard map (every consumer follows: the RTL, the programming, the harness's header). `name`
    /// must tell it apart from the standard design in the build cache.
    public static func accelerator(maxMapSize: Int, registers: RegisterMap, name: String) -> DesignSource {
        DesignSource(name: name, registers: registers) { config, fault in
            try AcceleratorRTL.generate(config: config, fault: fault, limits: AcceleratorLimits(maxMapSize: maxMapSize),
                                        registers: registers)
        }
    }
}

/// Adapter to the accelerator generator (Sources/RTLGen/Accelerator).
///
/// The one place CoSim calls the generator (`AcceleratorGenerator`), which honours every
/// `FaultInjection` case (a faulty build carries `fault <name>` in its file headers).
public enum AcceleratorRTL {
    /// Whether this build contains the accelerator generator.
    public static let isAvailable = true

    /// Whether the generator implements `fault` (it implements every `FaultInjection` case).
    public static func supports(_ fault: FaultInjection) -> Bool { FaultInjection.allCases.contains(fault) }

    /// The design with the default module prefix of `config` (top `st_<hash8>_accel`).
    public static func generate(config: HardwareConfig, fault: FaultInjection,
                                limits: AcceleratorLimits = .standard, registers: RegisterMap = .standard) throws -> GeneratedDesign {
        let gen = try AcceleratorGenerator(config: config, limits: limits, fault: fault, registers: registers)
        return GeneratedDesign(files: try gen.files(), top: gen.top)
    }
}
