import AcceleratorSpec
import Foundation
import RTLGen
import Testing

/// Issue #11: every generated module has at most 64 ports (the buses are packed, the repeated
/// structures are instance arrays), and the tables of docs/accelerator-rtl.md are the generator's.
struct AcceleratorPortTests {
    static let maxPorts = 64

    /// Ports of every module of the design, counted in the IR (`Module.ports`) and in the emitted
    /// text (`input`/`output` lines), at the default config and the other lint configs.
    @Test(arguments: try sweepConfigs())
    func everyModuleHasAtMost64Ports(_ named: (String, HardwareConfig)) throws {
        let gen = try AcceleratorGenerator(config: named.1)
        let modules = try gen.build().hierarchy
        let files = try gen.files()
        #expect(modules.map(\.name) == files.map(\.moduleName))
        for m in modules {
            #expect(m.ports.count <= Self.maxPorts, "\(named.0): \(m.name) has \(m.ports.count) ports")
            let text = try #require(files.first { $0.moduleName == m.name }).contents
            let declared = text.split(separator: "\n")
                .filter { $0.range(of: #"^\s*(input|output)\s"#, options: .regularExpression) != nil }.count
            #expect(declared == m.ports.count, "\(named.0): \(m.name) declares \(declared) ports in its text, \(m.ports.count) in the IR")
        }
    }

    /// The repeated structures are generate loops: no module of the default design is instantiated
    /// one by one more than a few times (four: the token FIFOs of `loaded`, `stored`, `requantized`
    /// and `copied`; the band walker's and the scanner's priority encoders).
    @Test func repeatedStructuresAreInstanceArrays() throws {
        let gen = try AcceleratorGenerator(config: .default)
        let top = try gen.build()
        var single: [String: Int] = [:]
        for m in top.hierarchy {
            for item in m.items { if case .instance(let i) = item { single[i.module.name, default: 0] += 1 } }
        }
        #expect(single.values.allSatisfy { $0 <= 4 }, "\(single)")
        let arrays = top.hierarchy.flatMap { m in m.instanceArrays.map { "\(m.name.dropFirst(gen.prefix.count)).\($0.name)" } }
        for name in ["pe_array.pe", "halo_buffer.halo_bank", "weight_buffer.weight_bank", "weight_buffer.bias_ram",
                     "tile_buffers.res_buf", "tile_buffers.out_buf", "requant_engine.rq_lane"] {
            #expect(arrays.contains(name), "\(name) is not an instance array: \(arrays)")
        }
        let pe = try #require(top.hierarchy.first { $0.name == gen.prefix + "pe_array" }?.instanceArrays.first { $0.name == "pe" })
        #expect(pe.count == 8 * 8 * 8)
    }

    /// Every tile-shape count `--tile-shapes` accepts (1…4) generates a design: with 4 shapes the
    /// 2-bit LAYER0.shape field has no out-of-range value to refuse.
    @Test func everyShapeCountGenerates() throws {
        for n in 1...4 {
            var config = HardwareConfig.default
            config.tileShapes = n
            #expect(throws: Never.self, "\(n) shapes") { _ = try AcceleratorGenerator(config: config).files() }
        }
    }

    /// docs/accelerator-rtl.md carries the module table and the engines' port tables of the
    /// default config between `<!-- generated: … -->` and `<!-- end generated -->`;
    /// `SPARSETILE_UPDATE_DOCS=1 swift test --filter docsTablesAreCurrent` rewrites them.
    @Test func docsTablesAreCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = root.appendingPathComponent("docs/accelerator-rtl.md")
        let doc = try String(contentsOf: url, encoding: .utf8)
        let gen = try AcceleratorGenerator(config: .default)
        let top = try gen.build()
        let files = try gen.files()
        var updated = doc
        for (key, table) in [("channels (default config)", gen.channelTable()),
                             ("modules (default config)", DesignTables.modules(top, files: files, prefix: gen.prefix)),
                             ("engine ports (default config)", DesignTables.enginePorts(top, prefix: gen.prefix))] {
            let begin = "<!-- generated: \(key) -->\n", end = "<!-- end generated -->"
            guard let b = updated.range(of: begin), let e = updated.range(of: end, range: b.upperBound..<updated.endIndex) else {
                Issue.record("docs/accelerator-rtl.md has no '\(begin.dropLast())' … '\(end)' section"); continue
            }
            updated.replaceSubrange(b.upperBound..<e.lowerBound, with: table)
        }
        if ProcessInfo.processInfo.environment["SPARSETILE_UPDATE_DOCS"] != nil {
            if updated != doc { try updated.write(to: url, atomically: true, encoding: .utf8) }
            return
        }
        #expect(updated == doc, "docs/accelerator-rtl.md's generated tables are stale: run `SPARSETILE_UPDATE_DOCS=1 swift test --filter docsTablesAreCurrent`")
    }
}
