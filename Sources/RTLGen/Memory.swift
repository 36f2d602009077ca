/// A 1R1W memory with a synchronous (registered) read port, emitted as
/// `logic [W-1:0] name [0:D-1]` written and read in one clocked process, which
/// Yosys infers as block RAM.
///
/// Write: at a rising clock edge with `writeEnable`, `mem[writeAddress] <= writeData`.
/// Read: at a rising clock edge with `readEnable`, `readData <= mem[readAddress]`
/// (old data when reading the address being written). `readData` is a register
/// named `<name>_rdata`, not reset.
public struct Memory: Sendable {
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

    /// Address width for `depth` words: ⌈log2 depth⌉, at least 1.
    public static func addressWidth(depth: Int) -> Int {
        var w = 1
        while (1 << w) < depth { w += 1 }
        return w
    }

    /// Address width of this memory.
    public var addressWidth: Int { Memory.addressWidth(depth: depth) }
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
