import AcceleratorSpec
import ArgumentParser
import CoSim
import Foundation
import Report
import SparseCNN

/// One exit code per class of outcome (README, `sparsetile --help`).
enum ExitStatus: Int32, CaseIterable {
    case success = 0
    /// The model and the RTL (or SparseCNN) disagree.
    case mismatch = 1
    /// The RTL simulation hung (no progress within its cycle limit).
    case hung = 3
    /// Bad command line: unknown option, missing or out-of-range value.
    case usage = 64
    /// Bad input data: an unreadable or malformed file, a shape or config the tool cannot run.
    case badInput = 65
    /// A tool that is needed is missing (Verilator, Yosys).
    case missingTool = 69
    /// Anything else: a bug, or a tool failing on what this tool generated.
    case internalError = 70
    /// Stopped by SIGINT (Ctrl-C), after stopping every child process and removing temporary
    /// folders (`ChildProcesses`; 128 + the signal, the shell's convention).
    case interrupted = 130
    /// Stopped by SIGTERM, likewise.
    case terminated = 143

    /// The class of a domain error; nil for ArgumentParser's own (usage, help, explicit codes).
    static func of(_ error: Error) -> ExitStatus? {
        switch error {
        case is InputFileError, is MasksError, is SparseCNNError, is AcceleratorSpecError, is RegisterMapError, is DecodingError:
            return .badInput
        case let e as SynthError: return e.missingTool ? .missingTool : .badInput
        case let e as CoSimError:
            if case .missingTool = e { return .missingTool }
            return .internalError
        default: return nil
        }
    }

    /// The lines `--help` and the README print.
    static let help = """
        Exit codes: 0 success; 1 mismatch (model vs RTL or SparseCNN); 3 the RTL simulation hung; \
        64 usage (bad option or value); 65 bad input data (file, shape, config); 69 missing tool (Verilator, Yosys); 70 internal error; \
        130 stopped by SIGINT, 143 by SIGTERM (child processes stopped, temporary folders removed).
        """
}

extension SparseTile {
    /// Runs the command; a failure exits with its class's code (`ExitStatus`).
    static func main() {
        // Before any child process starts: SIGINT/SIGTERM stop them all and exit 130/143.
        ChildProcesses.stopOnSignals()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if let status = ExitStatus.of(error) {
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                Foundation.exit(status.rawValue)
            }
            // ArgumentParser's own: help (0), usage (64), explicit exit codes; anything else is internal.
            let code = exitCode(for: error)
            if error is ExitCode || code == .success || code == .validationFailure { exit(withError: error) }
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            Foundation.exit(ExitStatus.internalError.rawValue)
        }
    }
}
