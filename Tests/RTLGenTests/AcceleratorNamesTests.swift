import AcceleratorSpec
import Foundation
import RTLGen
import Testing

/// Every module of a generated design carries the config's prefix (docs/accelerator-rtl.md).
struct AcceleratorNamesTests {
    @Test func defaultPrefixComesFromTheConfigHash() throws {
        let gen = try AcceleratorGenerator(config: .small, limits: AcceleratorLimits(maxMapSize: 32))
        let hash = HardwareConfig.small.contentHash
        #expect(gen.prefix == "st_\(hash.prefix(8))_")
        #expect(gen.top == gen.prefix + "accel")
        let files = try gen.files()
        #expect(files.allSatisfy { $0.moduleName.hasPrefix(gen.prefix) && $0.fileName == "\($0.moduleName).sv" }, "\(files.map(\.moduleName))")
        let modules = Set(files.map(\.moduleName))
        #expect(modules.contains(gen.top) && modules.contains(gen.prefix + "pe") && modules.contains(gen.prefix + "mask_scanner"))
        #expect(modules.count == files.count)
        // Instance names stay short.
        #expect(files.first { $0.moduleName == gen.top }!.contents.contains("\(gen.prefix)mask_scanner u_mask_scanner"))
        // manifest.json names the real top and the prefix.
        let m = try JSONSerialization.jsonObject(with: try gen.manifest(files: files)) as! [String: Any]
        #expect(m["top"] as? String == gen.top)
        #expect(m["prefix"] as? String == gen.prefix)
        // Another config, another prefix.
        #expect(try AcceleratorGenerator(config: .default).prefix != gen.prefix)
    }

    @Test func explicitPrefixOverridesTheDefault() throws {
        let gen = try AcceleratorGenerator(config: .small, limits: AcceleratorLimits(maxMapSize: 32), prefix: "acme_")
        #expect(gen.top == "acme_accel")
        let files = try gen.files()
        #expect(files.allSatisfy { $0.moduleName.hasPrefix("acme_") })
        #expect(Set(files.map(\.moduleName)).isSuperset(of: ["acme_accel", "acme_pe", "acme_pe_array", "acme_csr_regs"]))
        #expect(!files.contains { $0.contents.contains("st_\(HardwareConfig.small.contentHash.prefix(8))") })
        #expect(try AcceleratorGenerator(config: .small, prefix: "_x").top == "_xaccel")
    }

    @Test(arguments: ["", "9st_", "st-1_", "st _", "ü_", "ty"])
    func illegalPrefixesAreRejected(_ prefix: String) throws {
        let e = #expect(throws: AcceleratorGeneratorError.self) { try AcceleratorGenerator(config: .small, prefix: prefix) }
        #expect(e?.description.contains("prefix '\(prefix)'") == true, "\(String(describing: e))")
    }
}
