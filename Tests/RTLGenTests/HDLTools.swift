import Foundation
import RTLGen

/// External HDL tools used by the tests, found on PATH.
enum HDLTools {
    /// The end of a streaming testbench's loop body and its `initial` block (Verilog, indented for
    /// a testbench's loop): the result of operand pair j = i − (latency − 1), once there is one,
    /// checked by `mismatch` (a condition on j), the first three mismatches shown by `show` (a
    /// `$display`'s arguments); then "errors E of N" and the end.
    static func checkedLoopEnd(latency: Int, mismatch: String, show: String) -> String {
        """
                  j = i - \(latency - 1);
                  if (j >= 0) begin
                    checked = checked + 1;
                    if (\(mismatch)) begin
                      errs = errs + 1;
                      if (errs < 4) $display(\(show));
                    end
                  end
                end
                $display("errors %0d of %0d", errs, checked);
                $finish;
              end
        """
    }

    static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static let verilator = find("verilator")
    static let yosys = find("yosys")
    static let iverilog = find("iverilog")

    static var haveVerilator: Bool { verilator != nil }
    static var haveYosys: Bool { yosys != nil }
    static var haveIverilog: Bool { iverilog != nil }

    struct Failure: Error, CustomStringConvertible {
        let command: [String]
        let status: Int32
        let output: String
        var description: String { "`\(command.joined(separator: " "))` exited \(status):\n\(output)" }
    }

    /// Runs `executable args` in `directory`; returns combined stdout+stderr. Throws on non-zero exit.
    @discardableResult
    static func run(_ executable: String, _ args: [String], in directory: URL? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if let directory { p.currentDirectoryURL = directory }
        let logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("rtlgen-tool-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        p.standardOutput = log
        p.standardError = log
        try p.run()
        p.waitUntilExit()
        try log.close()
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: logURL)
        guard p.terminationStatus == 0 else {
            throw Failure(command: [executable] + args, status: p.terminationStatus, output: output)
        }
        return output
    }

    /// A fresh directory holding the design's files.
    static func writeDesign(_ files: [VerilogFile], label: String) throws -> (dir: URL, paths: [String]) {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("rtlgen-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var paths: [String] = []
        for f in files {
            let url = dir.appendingPathComponent(f.fileName)
            try f.contents.write(to: url, atomically: true, encoding: .utf8)
            paths.append(url.path)
        }
        return (dir, paths)
    }

    /// `verilator --lint-only -Wall`; returns its output (must be empty to be clean).
    static func lint(_ files: [VerilogFile], top: String) throws -> String {
        let (dir, paths) = try writeDesign(files, label: "lint")
        defer { try? FileManager.default.removeItem(at: dir) }
        return try run(verilator!, ["--lint-only", "-Wall", "--top-module", top] + paths, in: dir)
    }

    /// `yosys -q -p "read_verilog -sv …; <script>"`; returns its output.
    static func yosys(_ files: [VerilogFile], script: String) throws -> String {
        let (dir, paths) = try writeDesign(files, label: "yosys")
        defer { try? FileManager.default.removeItem(at: dir) }
        let reads = paths.map { "read_verilog -sv \($0)" }.joined(separator: "; ")
        return try run(yosys!, ["-q", "-p", "\(reads); \(script)"], in: dir)
    }

    /// Icarus simulation of `files` (a testbench among them) with top `top`, and `extra` arguments
    /// to `iverilog` (defines, library files): the compiler's output and the simulation's.
    static func simulateWithIcarus(_ files: [VerilogFile], top: String, extra: [String] = []) throws -> (compile: String, run: String) {
        let (dir, paths) = try writeDesign(files, label: "icarus-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let compile = try run(iverilog!, ["-g2012", "-s", top, "-o", "tb.vvp"] + extra + paths, in: dir)
        guard let vvp = find("vvp") else { return (compile, "vvp not found") }
        return (compile, try run(vvp, ["tb.vvp"], in: dir))
    }

    /// `iverilog -g2012` compile of the design.
    static func icarus(_ files: [VerilogFile], top: String) throws -> String {
        let (dir, paths) = try writeDesign(files, label: "icarus")
        defer { try? FileManager.default.removeItem(at: dir) }
        return try run(iverilog!, ["-g2012", "-s", top, "-o", dir.appendingPathComponent("a.vvp").path] + paths, in: dir)
    }
}

/// SplitMix64: a tiny seeded generator, so stimulus is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform value of `bits` bits.
    mutating func bits(_ bits: Int) -> UInt64 {
        bits >= 64 ? next() : next() & ((1 << UInt64(bits)) - 1)
    }
    /// True with probability `num/den`.
    mutating func chance(_ num: UInt64, in den: UInt64) -> Bool { next() % den < num }
}

/// Bit pattern helpers.
func mask(_ width: Int) -> UInt64 { width >= 64 ? ~0 : (1 << UInt64(width)) - 1 }
/// Interprets the low `width` bits of `v` as two's complement.
func signedValue(_ v: UInt64, width: Int) -> Int64 {
    let shift = UInt64(64 - width)
    return Int64(bitPattern: v << shift) >> Int64(shift)
}
/// The low `width` bits of `v`.
func pattern(_ v: Int64, width: Int) -> UInt64 { UInt64(bitPattern: v) & mask(width) }
