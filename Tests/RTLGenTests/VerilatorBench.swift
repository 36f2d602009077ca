import Foundation
import RTLGen

/// A circuit for the shared Verilator bench, with its stimulus.
struct CircuitUnderTest: Sendable {
    /// Prefix of its ports in the bench's top module.
    let prefix: String
    let module: Module
    /// Input values (by port name, clock excluded) for a cycle.
    let stimulus: @Sendable (inout SplitMix64, Int) -> [String: UInt64]
}

/// Inputs applied and outputs sampled (before the rising edge) on each cycle.
struct Trace: Sendable {
    var inputs: [[String: UInt64]] = []
    var outputs: [[String: UInt64]] = []
}

struct BenchRun: Sendable {
    let traces: [String: Trace]
    let reusedBuild: Bool
}

/// Simulates several small circuits in ONE Verilator build: a top module (built in
/// the IR itself) instantiates each circuit with its ports prefixed; a generated
/// C++ driver reads stimulus vectors from a file, applies them cycle by cycle
/// (sample outputs, then a clock pulse) and writes the outputs to a file.
/// Builds are cached in the temp directory by content hash.
enum VerilatorBench {
    static let topName = "rtlgen_sim_top"

    static func wrapper(_ circuits: [CircuitUnderTest]) throws -> Module {
        let m = ModuleBuilder(topName, documentation: "Simulation wrapper of the RTLGen test circuits.")
        let clk = m.clock()
        for c in circuits {
            var conns: [String: any ExprConvertible] = [:]
            for p in c.module.ports {
                if p.name == "clk" {
                    conns[p.name] = clk
                } else if p.kind == .input {
                    conns[p.name] = m.input("\(c.prefix)_\(p.name)", width: p.width, signed: p.isSigned)
                } else {
                    conns[p.name] = m.output("\(c.prefix)_\(p.name)", width: p.width, signed: p.isSigned)
                }
            }
            m.instance(c.module, name: "u_\(c.prefix)", connections: conns)
        }
        return try m.build()
    }

    static func harness(_ top: Module) -> String {
        let cls = "V\(top.name)"
        let inputs = top.ports.filter { $0.kind == .input && $0.name != "clk" }
        let outputs = top.ports.filter { $0.kind == .output }
        var s = """
        // Generated stimulus driver for \(top.name).
        #include "\(cls).h"
        #include "verilated.h"
        #include <cstdio>

        int main(int argc, char** argv) {
            if (argc < 3) return 2;
            VerilatedContext* ctx = new VerilatedContext;
            \(cls)* top = new \(cls){ctx};
            FILE* in = std::fopen(argv[1], "r");
            FILE* out = std::fopen(argv[2], "w");
            if (!in || !out) return 3;
            unsigned long long cycles = 0, v = 0;
            if (std::fscanf(in, "%llu", &cycles) != 1) return 4;
            top->clk = 0;
            top->eval();
            for (unsigned long long c = 0; c < cycles; ++c) {

        """
        for p in inputs {
            s += "        if (std::fscanf(in, \"%llx\", &v) != 1) return 5;\n"
            let ctype = p.width <= 8 ? "CData" : p.width <= 16 ? "SData" : p.width <= 32 ? "IData" : "QData"
            s += "        top->\(p.name) = static_cast<\(ctype)>(v);\n"
        }
        s += "        top->eval();\n"
        for (k, p) in outputs.enumerated() {
            s += "        std::fprintf(out, \"\(k == 0 ? "" : " ")%llx\", static_cast<unsigned long long>(top->\(p.name)) & 0x\(String(mask(p.width), radix: 16))ULL);\n"
        }
        s += """
                std::fputc('\\n', out);
                top->clk = 1;
                top->eval();
                top->clk = 0;
                top->eval();
            }
            top->final();
            std::fclose(in);
            std::fclose(out);
            delete top;
            delete ctx;
            return 0;
        }

        """
        return s
    }

    /// Builds (or reuses) the simulator executable for `top`.
    static func build(_ top: Module) throws -> (exe: URL, reused: Bool) {
        let files = try VerilogEmitter().emitDesign(top)
        let driver = harness(top)
        let key = StableHash.fnv1a64(files.map { $0.fileName + $0.contents }.joined() + driver + (HDLTools.verilator ?? ""))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sparsetile-rtlgen-verilator")
        let dir = root.appendingPathComponent(key)
        let exe = dir.appendingPathComponent("obj/sim")
        if FileManager.default.isExecutableFile(atPath: exe.path) { return (exe, true) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let (work, paths) = try HDLTools.writeDesign(files, label: "verilator")
        let driverURL = work.appendingPathComponent("driver.cpp")
        try driver.write(to: driverURL, atomically: true, encoding: .utf8)
        try HDLTools.run(HDLTools.verilator!, [
            "--cc", "--exe", "--build", "-j", "2", "--top-module", top.name, "-Mdir", "obj", "-o", "sim",
            "-MAKEFLAGS", "OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0",
        ] + paths + [driverURL.path], in: work)
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.moveItem(at: work, to: dir)
        return (exe, false)
    }

    /// Runs every circuit for `cycles` cycles with seeded random stimulus.
    static func simulate(_ circuits: [CircuitUnderTest], cycles: Int, seed: UInt64) throws -> BenchRun {
        let top = try wrapper(circuits)
        let (exe, reused) = try build(top)
        var rngs = circuits.enumerated().map { SplitMix64(seed: seed &+ UInt64($0.offset) &* 0x1000_0001) }
        var traces: [String: Trace] = [:]
        var lines = ["\(cycles)"]
        let inputs = top.ports.filter { $0.kind == .input && $0.name != "clk" }
        let outputs = top.ports.filter { $0.kind == .output }
        for cycle in 0..<cycles {
            var values: [String: UInt64] = [:]
            for (k, c) in circuits.enumerated() {
                let v = c.stimulus(&rngs[k], cycle)
                var masked: [String: UInt64] = [:]
                for p in c.module.ports where p.kind == .input && p.name != "clk" {
                    let x = (v[p.name] ?? 0) & mask(p.width)
                    masked[p.name] = x
                    values["\(c.prefix)_\(p.name)"] = x
                }
                traces[c.prefix, default: Trace()].inputs.append(masked)
            }
            lines.append(inputs.map { String(values[$0.name]!, radix: 16) }.joined(separator: " "))
        }
        let runDir = FileManager.default.temporaryDirectory.appendingPathComponent("rtlgen-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: runDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: runDir) }
        let stim = runDir.appendingPathComponent("stimulus.txt"), resp = runDir.appendingPathComponent("outputs.txt")
        try (lines.joined(separator: "\n") + "\n").write(to: stim, atomically: true, encoding: .utf8)
        try HDLTools.run(exe.path, [stim.path, resp.path])
        let outLines = try String(contentsOf: resp, encoding: .utf8).split(separator: "\n")
        guard outLines.count == cycles else {
            throw HDLTools.Failure(command: [exe.path], status: 0, output: "expected \(cycles) output lines, got \(outLines.count)")
        }
        for line in outLines {
            let fields = line.split(separator: " ").map { UInt64($0, radix: 16)! }
            var byPort: [String: UInt64] = [:]
            for (p, v) in zip(outputs, fields) { byPort[p.name] = v }
            for c in circuits {
                var o: [String: UInt64] = [:]
                for p in c.module.ports where p.kind == .output { o[p.name] = byPort["\(c.prefix)_\(p.name)"] }
                traces[c.prefix]!.outputs.append(o)
            }
        }
        return BenchRun(traces: traces, reusedBuild: reused)
    }
}
