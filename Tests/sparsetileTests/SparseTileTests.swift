import Foundation
import Testing
@testable import sparsetile

/// The command tree itself (Sources/sparsetile/SparseTile.swift).
@Suite("Command tree")
struct SparseTileTests {
    /// Every subcommand's options parse: ArgumentParser checks in debug builds (these tests') that
    /// no two options of a command share a name, which release builds resolve silently (`simulate`
    /// once had two `--mode`s, the model's and the mask mode).
    @Test(arguments: SparseTile.configuration.subcommands.map { $0._commandName })
    func everySubcommandParses(_ name: String) throws {
        let r = try runSparsetile([name, "--help"])
        #expect(r.status == 0, "sparsetile \(name) --help: \(r.output.suffix(400))")
        #expect(r.output.contains("USAGE: sparsetile \(name)"))
    }

    /// `sparsetile --help` and the README list every exit code with its class, and they are
    /// `ExitStatus`'s (the codes and words here are written out, not read from it).
    @Test func helpAndReadmeListTheExitCodes() throws {
        let codes: [(Int32, String)] = [(0, "success"), (1, "mismatch"), (3, "the RTL simulation hung"), (64, "usage"),
                                        (65, "bad input data"), (69, "missing tool"), (70, "internal error"),
                                        (130, "stopped by SIGINT"), (143, "by SIGTERM")]
        #expect(sparsetile.ExitStatus.allCases.map(\.rawValue) == codes.map(\.0))
        func words(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let help = try runSparsetile(["--help"])
        #expect(help.status == 0)
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../README.md"), encoding: .utf8)
        for (code, meaning) in codes {
            #expect(words(help.output).contains("\(code) \(meaning)"), "--help lacks \(code) \(meaning)")
            #expect(words(readme).contains("\(code) \(meaning)"), "README lacks \(code) \(meaning)")
        }
    }
}
