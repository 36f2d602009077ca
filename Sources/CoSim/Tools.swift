import Foundation
import RTLGen

/// Every failure of the co-simulation layer, in words a user can act on.
public enum CoSimError: Error, CustomStringConvertible, Sendable {
    /// A required external tool is not installed.
    case missingTool(String, install: String)
    /// An external command failed (build errors, crashes).
    case commandFailed(command: String, status: Int32, output: String)
    /// The accelerator RTL generator is not available in this build.
    case generatorUnavailable(String)
    /// The harness's output could not be read.
    case badHarnessOutput(String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .missingTool(let t, let install): return "\(t) not found on PATH. Install it: \(install)"
        case .commandFailed(let c, let s, let o):
            let tail = o.split(separator: "\n", omittingEmptySubsequences: false).suffix(40).joined(separator: "\n")
            return "`\(c)` exited with status \(s):\n\(tail)"
        case .generatorUnavailable(let m): return "accelerator RTL unavailable: \(m)"
        case .badHarnessOutput(let m): return "harness output: \(m)"
        case .invalidArgument(let m): return m
        }
    }
}

/// External tools (Verilator, Icarus Verilog), found on PATH.
public enum Toolchain {
    public static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The `verilator` executable, or a `missingTool` error explaining how to install it.
    public static func verilator() throws -> String {
        guard let v = find("verilator") else {
            throw CoSimError.missingTool("verilator", install: "`sudo apt-get install verilator` (Debian/Ubuntu, 5.x), `brew install verilator` (macOS), or `bash sim/install-deps.sh`; then rerun")
        }
        return v
    }

    public static func iverilog() throws -> (compiler: String, runtime: String) {
        guard let c = find("iverilog"), let r = find("vvp") else {
            throw CoSimError.missingTool("iverilog", install: "`sudo apt-get install iverilog` (Debian/Ubuntu) or `brew install icarus-verilog` (macOS)")
        }
        return (c, r)
    }

    /// `verilator --version`, part of every build-cache key.
    public static func verilatorVersion() -> String {
        guard let v = find("verilator"), let r = try? run(v, ["--version"]) else { return "none" }
        return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public struct Result: Sendable {
        public var status: Int32
        public var output: String
    }

    /// Runs `executable args` in `directory`, stdout+stderr captured through a file (no pipe
    /// deadlocks), as a registered child (`ChildProcesses`: a signal stops it and removes the log).
    /// A child ended by a signal has status 128 + the signal.
    public static func run(_ executable: String, _ args: [String], in directory: URL? = nil) throws -> Result {
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("sparsetile-cosim-\(UUID().uuidString).log")
        ChildProcesses.addTemporary(logURL)
        defer { try? FileManager.default.removeItem(at: logURL); ChildProcesses.removeTemporary(logURL) }
        let status = try ChildProcesses.run(executable, args, in: directory, output: logURL)
        let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        return Result(status: status, output: output)
    }

    /// Like `run` but throws `commandFailed` on a non-zero status.
    @discardableResult
    public static func check(_ executable: String, _ args: [String], in directory: URL? = nil) throws -> String {
        let r = try run(executable, args, in: directory)
        guard r.status == 0 else {
            throw CoSimError.commandFailed(command: ([executable] + args).joined(separator: " "), status: r.status, output: r.output)
        }
        return r.output
    }
}

/// Where the repository's files are: the package root (found from this source file's path,
/// overridable with `SPARSETILE_ROOT`).
public enum RepositoryPaths {
    public static var root: URL {
        if let r = ProcessInfo.processInfo.environment["SPARSETILE_ROOT"] { return URL(fileURLWithPath: r) }
        // Sources/CoSim/Tools.swift → package root
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    /// sim/harness/harness.cpp
    public static var harnessSource: URL { root.appendingPathComponent("sim/harness/harness.cpp") }
    /// `.build-verilator` (gitignored by `.build-*/`), overridable with `SPARSETILE_VERILATOR_CACHE`.
    public static var verilatorCache: URL {
        if let c = ProcessInfo.processInfo.environment["SPARSETILE_VERILATOR_CACHE"] { return URL(fileURLWithPath: c) }
        return root.appendingPathComponent(".build-verilator")
    }
}
