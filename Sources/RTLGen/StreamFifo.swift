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
    /// Where the entries are kept.
    public let storage: Storage
    /// A register stage in front of the entries: a beat is written into them the cycle after its
    /// push, from registers, and offered from the stage itself while the entries are empty. The
    /// behaviour at the ports is the same (offered from t + 1, `depth` beats in all); what changes
    /// is that the push's decision, late in a producer's cycle, reaches only the stage's registers
    /// rather than the occupancy, the pointers and the RAM's ports (issue 13: the read tags).
    public let registeredInput: Bool

    /// Where a FIFO keeps its entries. The behaviour at the ports is the same.
    public enum Storage: Sendable {
        /// A register per entry bit and a read multiplexer: any depth, no RAM.
        case registers
        /// A RAM with a registered read (block RAM; on a part without LUT RAM, such as the iCE40,
        /// the registers would each take a logic cell): the head is read a cycle ahead, at the
        /// address it will have, and an entry written into that address in that cycle (into an
        /// empty FIFO, or the one being emptied) goes around the RAM through a bypass register.
        case ram
    }

    public init(name: String, payload: [Bundle.Field], depth: Int, storage: Storage = .registers, registeredInput: Bool = false) {
        precondition(depth >= 1, "StreamFifo \(name): depth \(depth) < 1")
        precondition(storage == .registers || depth >= 2, "StreamFifo \(name): a RAM of depth \(depth) < 2")
        self.name = name; self.payload = payload; self.depth = depth; self.storage = storage
        self.registeredInput = registeredInput
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
        let w = entryWidth
        // `count`: the beats in the entries. With a registered input, `stage_valid`: a beat in the
        // stage, the newest; it is the head while the entries are empty, else it is written into them.
        let count = m.reg("count", width: cw, reset: 0)
        let staged: (valid: Signal, entry: Signal?)? = registeredInput
            ? (m.reg("stage_valid", width: 1, reset: 0), w > 0 ? m.reg("stage", width: w) : nil) : nil
        let push: Signal, pop: Signal
        if let staged {
            let full = m.wire("full", mux(staged.valid, count == depth - 1, count == depth))
            let accept = m.wire("accept", enq["valid"] && !full)
            m.assign(deq["valid"], count != 0 || staged.valid)
            let taken = m.wire("pop_any", deq["valid"] && deq["ready"])
            pop = m.wire("pop", taken && count != 0)
            push = m.wire("push", staged.valid && !(taken && count == 0))
            m.clocked("stage_occupancy") { p in p.assign(staged.valid, !clear && accept) }
        } else {
            push = m.wire("push", enq["valid"] && count != depth)
            pop = m.wire("pop", deq["valid"] && deq["ready"])
            m.assign(deq["valid"], count != 0)
        }
        m.clocked("occupancy") { p in
            p.when(clear) { p.assign(count, 0) }
                .elseWhen(push && !pop) { p.assign(count, count + 1) }
                .elseWhen(pop && !push) { p.assign(count, count - 1) }
        }
        guard w > 0 else { return try m.build() }
        let pw = Self.bits(max(depth - 1, 1))
        let wrPtr = m.reg("wr_ptr", width: pw, reset: 0), rdPtr = m.reg("rd_ptr", width: pw, reset: 0)
        func next(_ ptr: Signal) -> Expr { mux(ptr == depth - 1, Expr.constant(0, width: pw), ptr + 1) }
        // (the registers declared here, ahead of the entry, as before the RAM storage existed:
        // the generated Verilog keeps its order)
        let entries = storage == .registers ? m.reg("entries", width: depth * w) : nil
        // Field 0 at the low bits of an entry.
        let inEntry = m.wire("in_entry", cat(payload.reversed().map { enq[$0.name] as any ExprConvertible }))
        // (the stage takes every cycle's entry: `stage_valid` says whether it holds a beat)
        if let stage = staged?.entry { m.clocked("stage_entry", resetless: true) { p in p.assign(stage, inEntry) } }
        let entry = staged?.entry ?? inEntry
        m.clocked("pointers") { p in
            p.when(clear) { p.assign(wrPtr, 0); p.assign(rdPtr, 0) }
                .otherwise {
                    p.when(push) { p.assign(wrPtr, next(wrPtr)) }
                    p.when(pop) { p.assign(rdPtr, next(rdPtr)) }
                }
        }
        var head: Signal
        switch storage {
        case .ram:
            // (the address the head has next cycle; a write to it in this cycle bypasses the RAM,
            // whose read is then not enabled: the RAM is never read and written at one address)
            let rdAddr = m.wire("rd_addr", mux(clear, Expr.constant(0, width: pw), mux(pop, next(rdPtr), rdPtr.expr)))
            let collide = m.wire("collide", push && wrPtr == rdAddr)
            let q = m.memory("entries", width: w, depth: depth,
                             write: MemoryWritePort(enable: push, address: wrPtr.expr.fit(Memory.addressWidth(depth: depth)), data: entry),
                             read: MemoryReadPort(enable: !collide, address: rdAddr.expr.fit(Memory.addressWidth(depth: depth))),
                             readDuringWrite: .never)
            let bypass = m.reg("bypass", width: w), bypassed = m.reg("bypassed", width: 1, reset: 0)
            m.clocked("bypass_select") { p in p.assign(bypassed, collide) }
            // (every cycle's entry, unconditionally: it is read only the cycle after a collision,
            // and without an enable the late `collide` reaches only `bypassed`)
            m.clocked("bypass_entry", resetless: true) { p in p.assign(bypass, entry) }
            head = m.wire(staged == nil ? "head" : "entries_head", mux(bypassed, bypass.expr, q.expr))
        case .registers:
            head = registerHead(m, entries: entries!, rdPtr: rdPtr, wrPtr: wrPtr, push: push, entry: entry, width: w,
                                name: staged == nil ? "head" : "entries_head")
        }
        if let staged, let stage = staged.entry { head = m.wire("head", mux(count == 0, stage.expr, head.expr)) }
        var lsb = 0
        for f in payload {
            m.assign(deq[f.name], f.isSigned ? head[lsb...(lsb + f.totalWidth - 1)].asSigned : head[lsb...(lsb + f.totalWidth - 1)])
            lsb += f.totalWidth
        }
        if depth == 1 { m.allowUnused(rdPtr); m.allowUnused(wrPtr) }
        return try m.build()
    }

    /// The entries as registers, written at `wrPtr`, and the one at `rdPtr`.
    func registerHead(_ m: ModuleBuilder, entries: Signal, rdPtr: Signal, wrPtr: Signal, push: Signal, entry: Signal, width w: Int, name: String) -> Signal {
        m.clocked("storage", resetless: true) { p in
            p.when(push) {
                p.assign(entries, cat((0..<depth).reversed().map { i -> any ExprConvertible in
                    mux(wrPtr == i, entry, entries[(i * w)...(i * w + w - 1)])
                }))
            }
        }
        return m.wire(name, depth == 1 ? entries.expr
                      : select(rdPtr, (0..<depth).map { entries[($0 * w)...($0 * w + w - 1)] as any ExprConvertible }))
    }

    static func bits(_ maxValue: Int) -> Int { var n = 1; while (1 << n) <= maxValue { n += 1 }; return n }
}
