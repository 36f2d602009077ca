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
}
