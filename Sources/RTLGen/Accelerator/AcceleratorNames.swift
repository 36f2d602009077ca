import AcceleratorSpec

/// The module names of one generated accelerator: the one place the naming rule lives.
///
/// Every module carries the design's prefix, so designs of different configurations can be
/// linted, simulated or instantiated together (docs/accelerator-rtl.md, "Module names"):
///
/// | module | name |
/// |---|---|
/// | top | `<prefix>accel` |
/// | engine `<engine>` (instance `u_<engine>`) | `<prefix><engine>` |
/// | PE | `<prefix>pe` |
/// | building block of an instance array (`requant_lane`, `operand_row`, …) | `<prefix><block>` |
/// | 1R1W RAM of D words × W bits (the buffers' banks and byte slices) | `<prefix>ram_<D>x<W>` |
///
/// The default prefix is `st_` + the first 8 hex digits of `HardwareConfig.contentHash` + `_`
/// (e.g. `st_d46b06b8_`); `sparsetile generate --prefix NAME` overrides it. File names follow
/// module names (`<module>.sv`).
public struct AcceleratorNames: Hashable, Sendable {
    /// Prepended to every module name.
    public let prefix: String

    /// The default prefix of `config`: `st_<first 8 hex digits of its content hash>_`.
    public static func defaultPrefix(for config: HardwareConfig) -> String {
        "st_" + config.contentHash.prefix(8) + "_"
    }

    /// The names with the default prefix of `config`.
    public init(config: HardwareConfig) {
        prefix = Self.defaultPrefix(for: config)
    }

    /// The names with an explicit prefix; throws unless it starts a legal Verilog identifier
    /// (a letter or `_`, then letters, digits or `_`) and every name it makes is legal.
    public init(prefix: String) throws {
        self.prefix = prefix
        guard let first = prefix.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
              prefix.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) })
        else {
            throw AcceleratorGeneratorError(message: "prefix '\(prefix)' is not a legal start of a Verilog identifier "
                                            + "(a letter or '_', then letters, digits or '_', e.g. 'st_small_')")
        }
        // Engine names are checked when the design is built (`ModuleBuilder.submodule`).
        for name in [top, pe] where !ModuleBuilder.isValidIdentifier(name) {
            throw AcceleratorGeneratorError(message: "prefix '\(prefix)' makes the module name '\(name)', a Verilog keyword")
        }
    }

    /// The top module, `<prefix>accel`.
    public var top: String { prefix + "accel" }
    /// The module of engine `name` (`ModuleBuilder.submodule(name)`), `<prefix><name>`.
    public func engine(_ name: String) -> String { prefix + name }
    /// The processing element, `<prefix>pe`.
    public var pe: String { engine("pe") }
    /// A building block instantiated in an instance array (e.g. `requant_lane`), `<prefix><name>`.
    public func block(_ name: String) -> String { prefix + name }
    /// The 1R1W RAM of `depth` words of `width` bits, `<prefix>ram_<depth>x<width>`: one module per
    /// shape, shared by every buffer of that shape.
    public func ram(depth: Int, width: Int) -> String { prefix + "ram_\(depth)x\(width)" }
}
