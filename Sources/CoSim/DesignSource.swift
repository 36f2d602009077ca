import Foundation
import AcceleratorSpec
import RTLGen

/// Where the Verilog of `sparsetile_accel` comes from for a configuration (and fault).
///
/// `.accelerator` is the generator of the reference accelerator (RTLGen's `Accelerator`);
/// tests substitute stand-in designs with the same top-level ports (docs/microarchitecture.md §15).
public struct DesignSource: Sendable {
    /// Short name, part of the build-cache directory name (`accel` for the real design).
    public var name: String
    /// The CSR map the design decodes: CoSim programs layers through it, and its C header is compiled
    /// into the harness (which reads the counters back through the header's macros).
    public var registers: RegisterMap
    /// The design files, top module `sparsetile_accel` among them.
    public var generate: @Sendable (HardwareConfig, FaultInjection) throws -> [VerilogFile]
    /// The C register header of the design (`AcceleratorGenerator.registerHeader`), written beside the
    /// Verilog in the build directory.
    public var registerHeader: @Sendable (HardwareConfig, FaultInjection) throws -> GeneratedFile

    /// A design decoding `registers`; by default its header is the accelerator generator's for `registers`.
    public init(name: String, registers: RegisterMap = .standard,
                generate: @escaping @Sendable (HardwareConfig, FaultInjection) throws -> [VerilogFile],
                registerHeader: (@Sendable (HardwareConfig, FaultInjection) throws -> GeneratedFile)? = nil) {
        self.name = name; self.registers = registers; self.generate = generate
        self.registerHeader = registerHeader ?? { config, fault in
            try AcceleratorGenerator(config: config, fault: fault, registers: registers).registerHeader()
        }
    }

    /// The top module every design source must define.
    public static let topModule = "sparsetile_accel"

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

    public static func generate(config: HardwareConfig, fault: FaultInjection,
                                limits: AcceleratorLimits = .standard, registers: RegisterMap = .standard) throws -> [VerilogFile] {
        try AcceleratorGenerator(config: config, limits: limits, fault: fault, registers: registers).files()
    }
}
