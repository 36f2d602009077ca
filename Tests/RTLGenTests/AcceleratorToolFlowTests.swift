import AcceleratorSpec
import Foundation
import RTLGen
import Testing

/// Representative configurations for the lint sweep (tile 1x1…16x16, lanes 1…16).
func sweepConfigs() throws -> [(String, HardwareConfig)] {
    func cfg(_ h: Int, _ w: Int, _ lk: Int, _ lc: Int, _ b: Int, di: Int = 16, dw: Int = 64, dOut: Int = 4) throws -> HardwareConfig {
        try HardwareConfig(tileH: h, tileW: w, lanesK: lk, lanesC: lc,
                           inputBufferBytes: 2 * h * w * b * di, weightBufferBytes: lk * b * dw,
                           outputBufferBytes: 2 * h * w * b * dOut, memBytesPerCycle: b, memLatency: 4)
    }
    return [
        ("t1x1_k1_c1_b4", try cfg(1, 1, 1, 1, 4)),
        ("t2x2_k1_c1_b4", try cfg(2, 2, 1, 1, 4)),
        ("t3x5_k3_c2_b8", try cfg(3, 5, 3, 2, 8)),
        ("small", .small),
        ("default", .default),
        ("t16x16_k2_c2_b4", try cfg(16, 16, 2, 2, 4)),
        ("t2x8_k16_c16_b16", try cfg(2, 8, 16, 16, 16)),
        // a line buffer builds its banks, the copy engine and the band walker (§6.5)
        ("default_line", try HardwareConfig.default.overriding(tileShapes: 4, lineBufferBytes: 512 * 1024)),
    ]
}

@Suite(.serialized)
struct AcceleratorToolFlowTests {
    @Test(.enabled(if: HDLTools.haveVerilator), arguments: try sweepConfigs())
    func verilatorLintClean(_ named: (String, HardwareConfig)) throws {
        let gen = try AcceleratorGenerator(config: named.1)
        let files = try gen.files()
        let (dir, paths) = try HDLTools.writeDesign(files, label: "accel-lint-\(named.0)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try HDLTools.run(HDLTools.verilator!, ["--lint-only", "-Wall", "--top-module", gen.top] + paths, in: dir)
        #expect(!out.contains("%Warning") && !out.contains("%Error"), "\(named.0): \(out)")
    }

    /// Two configurations generated into two folders (as `sparsetile generate --out`) lint together
    /// in one `verilator --lint-only -Wall` call: their module names differ by the config prefix (no
    /// MODDUP), and both tops are instantiated side by side in one wrapper (no MULTITOP, no warnings).
    @Test(.enabled(if: HDLTools.haveVerilator, "verilator not on PATH: the two-config lint is skipped"))
    func twoConfigsLintTogether() throws {
        let tiny = try sweepConfigs()[0].1
        let gens = [try AcceleratorGenerator(config: .small, limits: AcceleratorLimits(maxMapSize: 64)),
                    try AcceleratorGenerator(config: tiny, limits: AcceleratorLimits(maxMapSize: 64))]
        #expect(gens[0].prefix != gens[1].prefix)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rtlgen-two-configs-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var paths: [String] = []
        for (i, gen) in gens.enumerated() {
            let dir = root.appendingPathComponent("design\(i)")
            _ = try gen.write(to: dir)
            paths += try gen.files().map { dir.appendingPathComponent($0.fileName).path }
        }
        // A wrapper instantiating both tops, every port brought out under the instance's name.
        let w = ModuleBuilder("two_configs", documentation: "Both accelerators side by side.")
        let clk = w.clock(), rst = w.reset()
        for (i, gen) in gens.enumerated() {
            let top = try gen.build()
            var conns: [String: any ExprConvertible] = ["clk": clk, "rst": rst]
            for p in top.ports where p.name != "clk" && p.name != "rst" {
                conns[p.name] = p.kind == .input ? w.input("d\(i)_\(p.name)", width: p.width) : w.output("d\(i)_\(p.name)", width: p.width)
            }
            w.instance(top, name: "u_d\(i)", connections: conns)
        }
        let wrapper = root.appendingPathComponent("two_configs.sv")
        try VerilogEmitter(options: .init(configHash: "two-configs")).emit(try w.build()).write(to: wrapper, atomically: true, encoding: .utf8)
        let out: String
        do {
            out = try HDLTools.run(HDLTools.verilator!, ["--lint-only", "-Wall", "--top-module", "two_configs", wrapper.path] + paths, in: root)
        } catch let f as HDLTools.Failure {
            Issue.record("verilator failed on the two designs together:\n\(f.output)"); return
        }
        #expect(!out.contains("MODDUP") && !out.contains("%Warning") && !out.contains("%Error"), "\(out)")
    }

    @Test func generationIsDeterministic() throws {
        let a = try AcceleratorGenerator(config: .small).files().map(\.contents)
        let b = try AcceleratorGenerator(config: .small).files().map(\.contents)
        #expect(a == b)
    }

    @Test func unsupportedConfigsAreRejected() throws {
        var c = HardwareConfig.small
        c.lanesK = 32
        #expect(throws: AcceleratorGeneratorError.self) { try AcceleratorGenerator(config: c) }
        #expect(throws: AcceleratorGeneratorError.self) { try AcceleratorGenerator(config: .small, limits: AcceleratorLimits(maxMapSize: 512, maxKernel: 4)) }
    }

    /// rtl/small and rtl/default are the generated designs (Verilog, C register header, manifest), byte for byte.
    @Test func checkedInRTLIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for (name, cfg) in [("small", HardwareConfig.small), ("default", HardwareConfig.default)] {
            let gen = try AcceleratorGenerator(config: cfg)
            let files = try gen.files()
            let dir = root.appendingPathComponent("rtl/\(name)")
            var expected: [(String, Data)] = files.map { ($0.fileName, Data($0.contents.utf8)) }
            let header = gen.registerHeader()
            expected.append((header.fileName, Data(header.contents.utf8)))
            expected.append(("manifest.json", try gen.manifest(files: files)))
            for (file, data) in expected {
                let onDisk = try? Data(contentsOf: dir.appendingPathComponent(file))
                #expect(onDisk == data, "rtl/\(name)/\(file) differs from the generator's output: run `sparsetile generate --config \(name) --out rtl/\(name)`")
            }
            let listed = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
            #expect(listed == expected.map(\.0).sorted(), "rtl/\(name) holds \(listed)")
        }
    }

    /// Yosys: synthesis of .small with `check -assert` (no latches, multiple drivers or undriven
    /// nets); the buffers must stay memories ($mem cells), not flip-flops. The coarse-grain part
    /// of `synth` (begin:fine) by default, flattened afterwards so `stat` counts the whole design;
    /// SPARSETILE_YOSYS_FULL=1 runs all of `synth` (hierarchical, as the issue's acceptance
    /// command; slow: see docs/synthesis.md).
    @Test(.enabled(if: HDLTools.haveYosys && ProcessInfo.processInfo.environment["SPARSETILE_SKIP_YOSYS"] == nil))
    func yosysSynthSmall() throws {
        let full = ProcessInfo.processInfo.environment["SPARSETILE_YOSYS_FULL"] != nil
        let gen = try AcceleratorGenerator(config: .small)
        let files = try gen.files()
        let (dir, paths) = try HDLTools.writeDesign(files, label: "accel-yosys")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = "read_verilog -sv \(paths.joined(separator: " ")); synth -top \(gen.top)\(full ? "" : " -run begin:fine"); check -assert; flatten"
        let out = try HDLTools.run(HDLTools.yosys!, ["-q", "-p", script + "; tee -o stat.txt stat"], in: dir)
        let stat = try String(contentsOf: dir.appendingPathComponent("stat.txt"), encoding: .utf8)
        // 16 halo banks + 4 weight banks + 4 bias copies + 2·16 byte-lane residual/output memories (a byte per
        // tile column each) + the mask RAM + the read tags.
        let memCells = stat.split(separator: "\n").first { $0.contains("$mem") }
        #expect(memCells != nil, "no $mem cells in:\n\(stat)\n\(out)")
        if let line = memCells, let n = line.split(separator: " ").compactMap({ Int($0) }).last {
            #expect(n == 16 + 4 + 4 + 2 * 16 + 1 + 1, "memories: \(line)")
        }
    }
}
