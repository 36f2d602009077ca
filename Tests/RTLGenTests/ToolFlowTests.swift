import Foundation
import RTLGen
import Testing

/// Every test circuit, emitted with its submodules.
func designs() throws -> [(top: String, files: [VerilogFile])] {
    let emitter = VerilogEmitter(options: .init(configHash: "test"))
    return try [Circuits.counter(), Circuits.fifo(), Circuits.mac(), Circuits.nextSetBit(),
                Circuits.sram(), Circuits.twoCounters(), Circuits.expressionZoo(), Circuits.laneArray()].map { (top: $0.name, files: try emitter.emitDesign($0)) }
}

@Suite("Emitted Verilog passes Verilator lint, Yosys synthesis and Icarus")
struct ToolFlowTests {
    /// Set RTLGEN_DUMP=<dir> to write the test circuits' Verilog there for reading.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["RTLGEN_DUMP"] != nil))
    func dumpDesigns() throws {
        let dir = URL(fileURLWithPath: ProcessInfo.processInfo.environment["RTLGEN_DUMP"]!)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for d in try designs() {
            for f in d.files { try f.contents.write(to: dir.appendingPathComponent(f.fileName), atomically: true, encoding: .utf8) }
        }
    }

    @Test(.enabled(if: HDLTools.haveVerilator))
    func verilatorLintWallIsClean() throws {
        for d in try designs() {
            let output = try HDLTools.lint(d.files, top: d.top)
            #expect(output.isEmpty, "\(d.top): \(output)")
        }
    }

    @Test(.enabled(if: HDLTools.haveVerilator))
    func simulationWrapperLintsClean() throws {
        let top = try VerilatorBench.wrapper(try benchCircuits.get())
        let output = try HDLTools.lint(try VerilogEmitter().emitDesign(top), top: top.name)
        #expect(output.isEmpty, "\(output)")
    }

    @Test(.enabled(if: HDLTools.haveYosys))
    func yosysSynthesisChecksPass() throws {
        for d in try designs() {
            // -q prints only warnings; check -assert fails on latches, multiple drivers, undriven nets.
            let output = try HDLTools.yosys(d.files, script: "synth -top \(d.top); check -assert")
            #expect(!output.lowercased().contains("latch"), "\(d.top): \(output)")
            #expect(!output.contains("Warning"), "\(d.top): \(output)")
        }
    }

    @Test(.enabled(if: HDLTools.haveIverilog))
    func icarusAcceptsDesigns() throws {
        for d in try designs() {
            let output = try HDLTools.icarus(d.files, top: d.top)
            #expect(!output.contains("error"), "\(d.top): \(output)")
        }
    }

    @Test(.enabled(if: HDLTools.haveYosys))
    func memoryMapsToBlockRAM() throws {
        let sram = try Circuits.sram(width: 16, depth: 256)
        let files = try VerilogEmitter().emitDesign(sram)
        // Coarse-grain view: one memory cell, not 4096 flip-flops.
        let coarse = try HDLTools.yosys(files, script: "synth -top \(sram.name) -run begin:fine; tee -o /dev/stdout stat")
        #expect(coarse.contains("$mem"), "\(coarse)")
        // iCE40 mapping: block RAM primitives.
        let ice40 = try HDLTools.yosys(files, script: "synth_ice40 -top \(sram.name); tee -o /dev/stdout stat")
        #expect(ice40.contains("SB_RAM40_4K"), "\(ice40)")
        let dffs = ice40.split(separator: "\n").filter { $0.contains("SB_DFF") }
        let dffCount = dffs.compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
        #expect(dffCount < 64, "memory should not be flip-flops: \(ice40)")
    }
}
