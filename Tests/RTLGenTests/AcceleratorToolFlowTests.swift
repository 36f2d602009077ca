import AcceleratorSpec
import Foundation
import RTLGen
import Testing

/// Representative configurations for the lint sweep (tile 2x2…16x16, lanes 1…16).
func sweepConfigs() throws -> [(String, HardwareConfig)] {
    func cfg(_ h: Int, _ w: Int, _ lk: Int, _ lc: Int, _ b: Int, di: Int = 16, dw: Int = 64, dOut: Int = 4) throws -> HardwareConfig {
        try HardwareConfig(tileH: h, tileW: w, lanesK: lk, lanesC: lc,
                           inputBufferBytes: 2 * h * w * b * di, weightBufferBytes: lk * b * dw,
                           outputBufferBytes: 2 * h * w * b * dOut, memBytesPerCycle: b, memLatency: 4)
    }
    return [
        ("t2x2_k1_c1_b4", try cfg(2, 2, 1, 1, 4)),
        ("t3x5_k3_c2_b8", try cfg(3, 5, 3, 2, 8)),
        ("small", .small),
        ("default", .default),
        ("t16x16_k2_c2_b4", try cfg(16, 16, 2, 2, 4)),
        ("t2x8_k16_c16_b16", try cfg(2, 8, 16, 16, 16)),
    ]
}

@Suite(.serialized)
struct AcceleratorToolFlowTests {
    @Test(.enabled(if: HDLTools.haveVerilator), arguments: try sweepConfigs())
    func verilatorLintClean(_ named: (String, HardwareConfig)) throws {
        let files = try AcceleratorGenerator(config: named.1).files()
        let (dir, paths) = try HDLTools.writeDesign(files, label: "accel-lint-\(named.0)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try HDLTools.run(HDLTools.verilator!, ["--lint-only", "-Wall", "--top-module", "sparsetile_accel"] + paths, in: dir)
        #expect(!out.contains("%Warning") && !out.contains("%Error"), "\(named.0): \(out)")
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
        let files = try AcceleratorGenerator(config: .small).files()
        let (dir, paths) = try HDLTools.writeDesign(files, label: "accel-yosys")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = "read_verilog -sv \(paths.joined(separator: " ")); synth -top sparsetile_accel\(full ? "" : " -run begin:fine"); check -assert; flatten"
        let out = try HDLTools.run(HDLTools.yosys!, ["-q", "-p", script + "; tee -o stat.txt stat"], in: dir)
        let stat = try String(contentsOf: dir.appendingPathComponent("stat.txt"), encoding: .utf8)
        // 16 halo banks + 4 weight banks + 4 bias copies + 2·(4·16) byte-sliced residual/output memories + the mask RAM.
        let memCells = stat.split(separator: "\n").first { $0.contains("$mem") }
        #expect(memCells != nil, "no $mem cells in:\n\(stat)\n\(out)")
        if let line = memCells, let n = line.split(separator: " ").compactMap({ Int($0) }).last {
            #expect(n == 16 + 4 + 4 + 2 * 4 * 16 + 1, "memories: \(line)")
        }
    }
}
