/// A vendor cell that synthesis keeps as it is (iCE40's `SB_MAC16` in its two-8×8 mode), together
/// with what it computes in this use: emitted as
///
///     `ifdef SYNTHESIS
///         SB_MAC16 #(.MODE_8x8(1'b1), …) u_mac (.A(…), …, .O(mac_o));
///     `else
///         always @(posedge clk) begin … end   // the cell's registers in this use, if any
///         assign mac_o = …;   // the behaviour, which Verilator and Icarus simulate
///     `endif
///
/// Yosys defines `SYNTHESIS`, so the netlist has the cell; a simulator without the vendor's
/// models runs the behaviour. That the two agree is a test of the cell's configuration on the
/// vendor's simulation model (Yosys' `cells_sim.v`), not something the co-simulation can see.
public struct PrimitiveCell: Sendable {
    /// An input port of the cell and what drives it.
    public struct Input: Sendable {
        public let port: String
        public let value: Expr
    }

    /// An output port of the cell: the wire it drives, or nil (left open).
    public struct Output: Sendable {
        public let port: String
        public let signal: Signal?
    }

    /// The vendor's cell name (`SB_MAC16`).
    public let cell: String
    /// Instance name, e.g. `u_mac_0`.
    public let name: String
    /// The cell's parameters and their Verilog value texts (e.g. `MODE_8x8` = `1'b1`).
    public let parameters: [Parameter]
    /// Every input port, in the order given.
    public let inputs: [Input]
    public let outputs: [Output]
    /// The behaviour in simulation: one continuous assign per connected output wire.
    public let simulation: [(Signal, Expr)]
    /// The cell's registers this use enables (its input and product registers), as simulation
    /// sees them: each a register of the module loaded every edge of `clock` with its expression.
    /// Synthesis has them inside the cell, so the module's registers stay undriven there and go.
    public let registers: [(Signal, Expr)]
    /// The clock of `registers` (nil without them).
    public let clock: Signal?

    /// The wires the cell drives.
    public var drivenSignals: [Signal] { outputs.compactMap(\.signal) }
    /// What the cell and its behaviour read.
    public var readExprs: [Expr] { inputs.map(\.value) + simulation.map(\.1) + registers.map(\.1) + (clock.map { [$0.expr] } ?? []) }
}
