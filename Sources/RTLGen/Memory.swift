/// A 1R1W memory with a synchronous (registered) read port, emitted as
/// `logic [W-1:0] name [0:D-1]` written and read in one clocked process, which
/// Yosys infers as block RAM.
///
/// Write: at a rising clock edge with `writeEnable`, `mem[writeAddress] <= writeData`; with one
/// enable bit per byte, byte i of the word only with bit i (a block RAM's byte write enables).
/// Read: at a rising clock edge with `readEnable`, `readData <= mem[readAddress]`
/// (old data when reading the address being written). `readData` is a register
/// named `<name>_rdata`, not reset.
public struct Memory: Sendable {
    /// What a read of the address being written in the same cycle returns.
    public enum ReadDuringWrite: Sendable {
        /// The old word, as the RTL's process states: synthesis adds the comparison and bypass
        /// registers that make a block RAM do it (Yosys' read-first emulation; on iCE40 about 24
        /// LUTs and 40 flip-flops a RAM, the flip-flops in logic cells of their own).
        case oldData
        /// It never happens: the memory's users never read an address in the cycle it is written.
        /// Emitted with `(* no_rw_check *)` (synthesis maps the bare block RAM) and a simulation
        /// assertion that stops the simulation if it happens after all.
        case never
        /// It may happen, and the users then ignore what the read returns: synthesis maps the bare
        /// block RAM (`(* no_rw_check *)`), and simulation returns the old word inverted, so that a
        /// user that did take it shows in the co-simulation's data.
        case undefined
    }
    /// Memory array name.
    public let name: String
    /// Word width in bits.
    public let width: Int
    /// Number of words.
    public let depth: Int
    /// Clock of both ports.
    public let clock: Signal
    public let writeEnable: Expr
    public let writeAddress: Expr
    public let writeData: Expr
    public let readEnable: Expr
    public let readAddress: Expr
    /// The registered read data (driven by the memory).
    public let readData: Signal
    public let readDuringWrite: ReadDuringWrite

    /// Address width for `depth` words: ⌈log2 depth⌉, at least 1.
    public static func addressWidth(depth: Int) -> Int {
        var w = 1
        while (1 << w) < depth { w += 1 }
        return w
    }

    /// Address width of this memory.
    public var addressWidth: Int { Memory.addressWidth(depth: depth) }
    /// Whether the write enable has a bit per byte.
    public var writesBytes: Bool { writeEnable.width > 1 }
}

/// The write port of a ``Memory``, for ``ModuleBuilder/memory(_:width:depth:clock:write:read:)``.
public struct MemoryWritePort {
    public let enable: Expr
    public let address: Expr
    public let data: Expr
    public init(enable: some ExprConvertible, address: some ExprConvertible, data: some ExprConvertible) {
        self.enable = enable.expr
        self.address = address.expr
        self.data = data.expr
    }
}

/// The read port of a ``Memory``.
public struct MemoryReadPort {
    public let enable: Expr
    public let address: Expr
    public init(enable: some ExprConvertible, address: some ExprConvertible) {
        self.enable = enable.expr
        self.address = address.expr
    }
}
