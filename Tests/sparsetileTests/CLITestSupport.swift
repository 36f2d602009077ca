import Foundation
import Testing
import CoSim
@testable import sparsetile

/// The `sparsetile` executable SwiftPM built beside this test bundle (this target depends on it).
let sparsetileBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    .deletingLastPathComponent().appendingPathComponent("sparsetile").path

/// Runs `sparsetile args` as a child (in `directory`, default the test's own) with `environment`
/// added (`SPARSETILE_MAX_MEMORY_GB` removed unless given) and its address space capped at
/// `memoryCapGB`, so a run that allocates what it should have refused aborts at once instead of
/// swapping the machine. Its status and output (stdout and stderr).
func runSparsetile(_ args: [String], in directory: URL? = nil, environment: [String: String] = [:],
                   memoryCapGB: Int = 4) throws -> (status: Int32, output: String) {
    let log = FileManager.default.temporaryDirectory.appendingPathComponent("sparsetile-cli-\(UUID().uuidString).log")
    defer { try? FileManager.default.removeItem(at: log) }
    var env = ["-u", "SPARSETILE_MAX_MEMORY_GB"]
    for (k, v) in environment { env.append("\(k)=\(v)") }
    let status = try ChildProcesses.run("/bin/sh", ["-c", "ulimit -v \(memoryCapGB * 1_048_576); exec /usr/bin/env \"$@\"", "sh"]
                                            + env + [sparsetileBinary] + args, in: directory, output: log)
    return (status, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
}

/// Expects a run to have exited with `status` and its output to hold every one of `texts`.
func expectExit(_ r: (status: Int32, output: String), _ status: sparsetile.ExitStatus, _ texts: String...,
                sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == status.rawValue, "exit \(r.status), not \(status.rawValue) (\(status)): \(r.output.suffix(600))",
            sourceLocation: sourceLocation)
    for t in texts {
        #expect(r.output.contains(t), "output lacks \"\(t)\": \(r.output.suffix(600))", sourceLocation: sourceLocation)
    }
}

/// Expects a run to have stopped before any work: exit 65 and the error naming `option` and
/// `path` as its only line of output (a run that started would have printed progress or results).
func expectStoppedAtOnce(_ r: (status: Int32, output: String), option: String, path: String,
                         sourceLocation: SourceLocation = #_sourceLocation) {
    expectExit(r, .badInput, "Error: \(option) \(path):", sourceLocation: sourceLocation)
    let lines = r.output.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    #expect(lines.count == 1, "more than the error: \(r.output.suffix(600))", sourceLocation: sourceLocation)
}

/// A fresh folder for one test's files; `remove()` it at the end (`defer`).
struct Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("sparsetile-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of `name` in the folder (nothing is created).
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `data` to `name` (making its folders) and returns the path.
    @discardableResult
    func write(_ name: String, _ data: Data) throws -> String {
        let p = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: p.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: p)
        return p.path
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String { try write(name, Data(text.utf8)) }

    /// Makes the folder `name` and returns its path.
    @discardableResult
    func folder(_ name: String) throws -> String {
        try FileManager.default.createDirectory(at: url.appendingPathComponent(name), withIntermediateDirectories: true)
        return path(name)
    }

    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The small config with its clock key misspelt (`clockMhz` for `clockMHz`): a config JSON with an
/// unknown key is bad input (exit 65) that names the key and the one it most likely meant.
let misspeltConfigJSON = """
    {"tileH": 4, "tileW": 4, "lanesK": 4, "lanesC": 4, "memBytesPerCycle": 16, "memLatency": 8,
     "inputBufferBytes": 131072, "weightBufferBytes": 65536, "outputBufferBytes": 32768, "clockMhz": 100}
    """

/// A .npy file (format version 1.0) of little-endian float32 `values` of `shape`, C order, written
/// here byte by byte so that the readers under test are not also the writer.
func npyFloat32(shape: [Int], values: [Float]) -> Data {
    let dims = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dims), }"
    // magic (6) + version (2) + header length (2) + header + "\n" fill a multiple of 64 bytes
    header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
    var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    let n = UInt16(header.utf8.count)
    d.append(contentsOf: [UInt8(n & 0xff), UInt8(n >> 8)])
    d.append(contentsOf: Array(header.utf8))
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
    return d
}

/// A binary PPM (P6) of `height`×`width` RGB pixels with a fixed pattern.
func ppmImage(height: Int, width: Int) -> Data {
    var d = Data("P6\n\(width) \(height)\n255\n".utf8)
    for y in 0..<height { for x in 0..<width { for c in 0..<3 { d.append(UInt8((x * 7 + y * 3 + c * 50) % 256)) } } }
    return d
}
