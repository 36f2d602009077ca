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
    /// The design files, top module `sparsetile_accel` among them.
    public var generate: @Sendable (HardwareConfig, FaultInjection) throws -> [VerilogFile]

    public init(name: String, generate: @escaping @Sendable (HardwareConfig, FaultInjection) throws -> [VerilogFile]) {
        self.name = name; self.generate = generate
    }

    /// The top module every design source must define.
    public static let topModule = "sparsetile_accel"

    /// The reference accelerator from RTLGen.
    public static let accelerator = DesignSource(name: "accel") { config, fault in
        try AcceleratorRTL.generate(config: config, fault: fault)
    }
}

/// Adapter to the accelerator generator (Sources/RTLGen/Accelerator, branch `accel`).
///
/// Until that branch is merged this throws `generatorUnavailable`; after merging, this is the one
/// place to call the generator's API. The generator must honour every `FaultInjection` case.
public enum AcceleratorRTL {
    /// Whether this build contains the accelerator generator.
    public static var isAvailable: Bool {
        if case CoSimError.generatorUnavailable? = (Result { try generate(config: .small, fault: .none) }).failureError { return false }
        return true
    }

    public static func generate(config: HardwareConfig, fault: FaultInjection) throws -> [VerilogFile] {
        throw CoSimError.generatorUnavailable("this build has no accelerator generator (RTLGen/Accelerator is built on the `accel` branch and not merged yet); `sparsetile cosim` and `regress` need it")
    }
}

extension Result {
    var failureError: Failure? { if case .failure(let e) = self { return e } else { return nil } }
}
