import Foundation
import Testing
@testable import SparseCNN

/// A fresh path in a per-process scratch directory; `name`'s extension is kept so tests can
/// show that formats are chosen by content, not by name.
func scratchPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sparsetile-io-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent(UUID().uuidString + "-" + name).path
}

/// Runs `body`, which must throw `SparseCNNError.malformedFile` with `path` and, when given, a
/// reason containing `reasonContains`. Returns the reason so callers can check more.
@discardableResult
func expectMalformed(path: String = "test.npy", reasonContains: String? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () throws -> Any) -> String? {
    do {
        let value = try body()
        Issue.record("expected malformedFile, got a value: \(value)", sourceLocation: sourceLocation)
    } catch SparseCNNError.malformedFile(let p, let reason) {
        #expect(p == path, sourceLocation: sourceLocation)
        if let needle = reasonContains {
            #expect(reason.contains(needle), "reason \"\(reason)\" lacks \"\(needle)\"", sourceLocation: sourceLocation)
        }
        return reason
    } catch {
        Issue.record("expected malformedFile, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// True when `python3 -c "import numpy"` succeeds, so NumPy interop tests can run.
let numpyAvailable: Bool = runPython("import numpy").status == 0

/// Runs `python3 -c script` with `args`; returns exit status and combined output. A missing
/// python3 reads as a failing status.
func runPython(_ script: String, args: [String] = []) -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + args
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return (-1, "\(error)") }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
