/// A small FIFO that turns beats pushed by a producer into a ready/valid stream: the decoupling
/// between an engine that signals an event in one cycle (a load completes, a tile is requantized)
/// and an engine that takes it when it is ready (SpinalHDL's `StreamFifo`, Chisel's `Queue`).
///
/// Ports: `clk`, `rst`, `clear` (synchronous flush), the enqueue side `in` (a ``Bundle/flow(_:)``
/// of the payload) and the dequeue side `out` (a ``Bundle/stream(_:)`` of the payload). A beat
/// pushed in cycle t is offered from cycle t + 1 (`out_valid` is a registered count ≠ 0, so valid
/// never depends on `out_ready`); a push and a pop may happen in the same cycle.
///
/// The enqueue side has no `ready`: the FIFO sits where a protocol bounds the beats in flight (a
/// credit loop: the consumer's own progress limits how many events the producer can raise), and
/// `depth` is that bound. A push into a full FIFO is dropped; the co-simulation against the model
/// would show it as a hang or a cycle mismatch.
public struct StreamFifo: Sendable {
    /// Module name.
    public let name: String
    /// The fields every beat carries (may be empty: a token stream, the FIFO is then a counter).
    public let payload: [Bundle.Field]
    /// Entries.
    public let depth: Int

    public init(name: String, payload: [Bundle.Field], depth: Int) {
        precondition(depth >= 1, "StreamFifo \(name): depth \(depth) < 1")
        self.name = name; self.payload = payload; self.depth = depth
    }

    /// The enqueue bundle, from the producer's side.
    public var enqueue: Bundle { .flow(payload) }
    /// The dequeue bundle, from the FIFO's side (it produces the stream).
    public var dequeue: Bundle { .stream(payload) }

    /// Bits of one entry.
    public var entryWidth: Int { payload.reduce(0) { $0 + $1.totalWidth } }

    /// The FIFO as a module.
    public func module(documentation: String? = nil) throws -> Module {
        let m = ModuleBuilder(name, documentation: documentation ?? """
            FIFO of \(depth) entries (\(payload.isEmpty ? "tokens" : payload.map(\.name).joined(separator: ", "))): \
            beats pushed on in_valid are offered on the out stream from the next cycle.
            """)
        m.parameter("DEPTH", depth)
        _ = m.clock(); _ = m.reset()
        let clear = m.input("clear")
        let enq = m.ports("in", enqueue.flipped)
        let deq = m.ports("out", dequeue)
        let cw = Self.bits(depth)
        let count = m.reg("count", width: cw, reset: 0)
        let push = m.wire("push", enq["valid"] && count != depth)
        let pop = m.wire("pop", deq["valid"] && deq["ready"])
        m.assign(deq["valid"], count != 0)
        m.clocked("occupancy") { p in
            p.when(clear) { p.assign(count, 0) }
                .elseWhen(push && !pop) { p.assign(count, count + 1) }
                .elseWhen(pop && !push) { p.assign(count, count - 1) }
        }
        let w = entryWidth
        guard w > 0 else { return try m.build() }
        let pw = Self.bits(max(depth - 1, 1))
        let wrPtr = m.reg("wr_ptr", width: pw, reset: 0), rdPtr = m.reg("rd_ptr", width: pw, reset: 0)
        let entries = m.reg("entries", width: depth * w)
        func next(_ ptr: Signal) -> Expr { mux(ptr == depth - 1, Expr.constant(0, width: pw), ptr + 1) }
        // Field 0 at the low bits of an entry.
        let entry = m.wire("in_entry", cat(payload.reversed().map { enq[$0.name] as any ExprConvertible }))
        m.clocked("pointers") { p in
            p.when(clear) { p.assign(wrPtr, 0); p.assign(rdPtr, 0) }
                .otherwise {
                    p.when(push) { p.assign(wrPtr, next(wrPtr)) }
                    p.when(pop) { p.assign(rdPtr, next(rdPtr)) }
                }
        }
        m.clocked("storage", resetless: true) { p in
            p.when(push) {
                p.assign(entries, cat((0..<depth).reversed().map { i -> any ExprConvertible in
                    mux(wrPtr == i, entry, entries[(i * w)...(i * w + w - 1)])
                }))
            }
        }
        let head = m.wire("head", depth == 1 ? entries.expr
                          : select(rdPtr, (0..<depth).map { entries[($0 * w)...($0 * w + w - 1)] as any ExprConvertible }))
        var lsb = 0
        for f in payload {
            m.assign(deq[f.name], f.isSigned ? head[lsb...(lsb + f.totalWidth - 1)].asSigned : head[lsb...(lsb + f.totalWidth - 1)])
            lsb += f.totalWidth
        }
        if depth == 1 { m.allowUnused(rdPtr); m.allowUnused(wrPtr) }
        return try m.build()
    }

    static func bits(_ maxValue: Int) -> Int { var n = 1; while (1 << n) <= maxValue { n += 1 }; return n }
}
