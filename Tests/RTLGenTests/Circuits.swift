import RTLGen

/// Small circuits built in the IR, used by the emitter, lint, synthesis and
/// simulation tests. Their behaviour is modelled independently in the tests.
enum Circuits {
    /// A stream FIFO of 3 entries (not a power of two: the pointers wrap explicitly) of two fields.
    static let streamFifo = StreamFifo(name: "sfifo3", payload: [.init("a", width: 8), .init("b", width: 4)], depth: 3)
    /// The same FIFO with its entries in a RAM (registered read, the head read ahead, a bypass).
    static let streamFifoRAM = StreamFifo(name: "sfifo3r", payload: [.init("a", width: 8), .init("b", width: 4)], depth: 3, storage: .ram)
    /// A token FIFO (no payload: a counter) of 2.
    static let tokenFifo = StreamFifo(name: "tfifo2", payload: [], depth: 2)
    /// The same FIFOs with a registered input: the same behaviour at the ports.
    static let stagedFifo = StreamFifo(name: "sfifo3s", payload: [.init("a", width: 8), .init("b", width: 4)], depth: 3, registeredInput: true)
    static let stagedFifoRAM = StreamFifo(name: "sfifo3rs", payload: [.init("a", width: 8), .init("b", width: 4)], depth: 3, storage: .ram,
                                          registeredInput: true)
    static let stagedTokenFifo = StreamFifo(name: "tfifo2s", payload: [], depth: 2, registeredInput: true)

    /// 8-bit counter with enable and synchronous reset.
    static func counter() throws -> Module {
        let m = ModuleBuilder("counter", documentation: "8-bit up counter with enable and synchronous reset.")
        m.parameter("WIDTH", 8)
        _ = m.clock()
        _ = m.reset()
        let en = m.input("en")
        let count = m.output("count", width: 8)
        let value = m.reg("value", width: 8, reset: 0)
        m.clocked("count_up") { p in
            p.when(en) { p.assign(value, value + 1) }
        }
        m.assign(count, value)
        return try m.build()
    }

    /// FIFO of 4 bytes: push/pop (ignored when full/empty), head on `dout` (0 when empty).
    static func fifo() throws -> Module {
        let m = ModuleBuilder("fifo4x8", documentation: "4-entry, 8-bit FIFO; dout shows the head (0 when empty).")
        m.parameter("DEPTH", 4)
        m.parameter("WIDTH", 8)
        _ = m.clock()
        _ = m.reset()
        let push = m.input("push"), pop = m.input("pop")
        let din = m.input("din", width: 8)
        let dout = m.output("dout", width: 8)
        let full = m.output("full"), empty = m.output("empty")
        let level = m.output("level", width: 3)
        let slots = (0..<4).map { m.reg("slot\($0)", width: 8) }
        let wrPtr = m.reg("wr_ptr", width: 2, reset: 0)
        let rdPtr = m.reg("rd_ptr", width: 2, reset: 0)
        let used = m.reg("used", width: 3, reset: 0)
        let doPush = m.wire("do_push", push && !full)
        let doPop = m.wire("do_pop", pop && !empty)
        m.assign(full, used == 4)
        m.assign(empty, used == 0)
        m.assign(level, used)
        m.clocked("storage") { p in
            p.when(doPush) {
                p.switchOn(wrPtr) { s in
                    for k in 0..<4 { s.is(k) { p.assign(slots[k], din) } }
                }
                p.assign(wrPtr, wrPtr + 1)
            }
            p.when(doPop) { p.assign(rdPtr, rdPtr + 1) }
            p.when(doPush && !doPop) {
                p.assign(used, used + 1)
            }.elseWhen(doPop && !doPush) {
                p.assign(used, used - 1)
            }
        }
        m.combinational("read_head") { p in
            p.assign(dout, 0)
            p.when(!empty) {
                p.switchOn(rdPtr) { s in
                    for k in 0..<4 { s.is(k) { p.assign(dout, slots[k]) } }
                }
            }
        }
        return try m.build()
    }

    /// Signed 8×8 multiply-accumulate into 32 bits, with the accumulator also
    /// shown saturated to 16 bits.
    static func mac() throws -> Module {
        let m = ModuleBuilder("mac_sat", documentation: "Signed 8x8 -> 32-bit MAC; sat is the accumulator saturated to 16 bits.")
        m.parameter("SAT_WIDTH", 16)
        _ = m.clock()
        _ = m.reset()
        let valid = m.input("valid"), clear = m.input("clear")
        let a = m.input("a", width: 8, signed: true)
        let b = m.input("b", width: 8, signed: true)
        let acc = m.output("acc", width: 32, signed: true)
        let sat = m.output("sat", width: 16, signed: true)
        let product = m.wire("product", a.sext(16) * b.sext(16))
        let addend = m.wire("addend", mux(valid, product.sext(32), 0))
        let accum = m.reg("accum", width: 32, signed: true, reset: 0)
        m.clocked("accumulate") { p in
            p.when(clear) {
                p.assign(accum, addend)
            }.otherwise {
                p.assign(accum, accum + addend)
            }
        }
        m.assign(acc, accum)
        m.combinational("saturate") { p in
            p.assign(sat, accum.trunc(16))
            p.when(accum > 32767) {
                p.assign(sat, 32767)
            }.elseWhen(accum < -32768) {
                p.assign(sat, -32768)
            }
        }
        return try m.build()
    }

    /// The mask scanner's core: the lowest set bit of `mask` at or after `start`.
    static func nextSetBit() throws -> Module {
        let m = ModuleBuilder("next_set_bit", documentation: "Finds the lowest set bit of mask at index >= start.")
        let mask = m.input("mask", width: 16)
        let start = m.input("start", width: 4)
        let found = m.output("found")
        let index = m.output("index", width: 4)
        let belowStart = m.wire("below_start", (Expr.constant(1, width: 16) << start) - 1)
        let eligible = m.wire("eligible", mask & ~belowStart)
        m.combinational("scan") { p in
            p.assign(found, 0)
            p.assign(index, 0)
            for i in (0..<16).reversed() {  // the last match wins: the lowest index
                p.when(eligible[i]) {
                    p.assign(found, 1)
                    p.assign(index, i)
                }
            }
        }
        return try m.build()
    }

    /// A 1R1W synchronous-read memory wrapper.
    static func sram(width: Int = 16, depth: Int = 256, readDuringWrite: Memory.ReadDuringWrite = .oldData) throws -> Module {
        let aw = Memory.addressWidth(depth: depth)
        let m = ModuleBuilder("sram\(depth)x\(width)", documentation: "\(depth) x \(width) 1R1W RAM, registered read.")
        _ = m.clock()
        let we = m.input("we")
        let waddr = m.input("waddr", width: aw)
        let wdata = m.input("wdata", width: width)
        let re = m.input("re")
        let raddr = m.input("raddr", width: aw)
        let rdata = m.output("rdata", width: width)
        let q = m.memory("storage", width: width, depth: depth,
                         write: MemoryWritePort(enable: we, address: waddr, data: wdata),
                         read: MemoryReadPort(enable: re, address: raddr), readDuringWrite: readDuringWrite)
        m.assign(rdata, q)
        return try m.build()
    }

    /// Two counters side by side, to test hierarchy.
    static func twoCounters() throws -> Module {
        let counter = try counter()
        let m = ModuleBuilder("two_counters")
        let clk = m.clock()
        let rst = m.reset()
        let enA = m.input("en_a"), enB = m.input("en_b")
        let countA = m.output("count_a", width: 8)
        let countB = m.wire("count_b_raw", width: 8)
        let sum = m.output("sum", width: 8)
        m.instance(counter, name: "u_a", connections: ["clk": clk, "rst": rst, "en": enA, "count": countA])
        m.instance(counter, name: "u_b", connections: ["clk": clk, "rst": rst, "en": enB, "count": countB])
        m.assign(sum, countA + countB)
        return try m.build()
    }
}

extension Circuits {
    /// One output per kind of expression, to check every rendering (widths and
    /// signedness) against a Swift model.
    static func expressionZoo() throws -> Module {
        let m = ModuleBuilder("expr_zoo", documentation: "Every expression kind of the IR, one output each.")
        let a = m.input("a", width: 8, signed: true), b = m.input("b", width: 8, signed: true)
        let u = m.input("u", width: 8), v = m.input("v", width: 8)
        let s = m.input("s", width: 3)
        m.assign(m.output("add_s", width: 8, signed: true), a + b)
        m.assign(m.output("add_c", width: 8, signed: true), a + (-3))
        m.assign(m.output("sub_u", width: 8), u - v)
        m.assign(m.output("mul_s", width: 16, signed: true), a.sext(16) * b.sext(16))
        m.assign(m.output("mul_u", width: 16), u.zext(16) * v.zext(16))
        m.assign(m.output("cmp", width: 8),
                 cat(a < b, u <= v, a > b, u >= v, u == v, a != b, a < -5, u.asSigned < b))
        m.assign(m.output("shl", width: 8), u << s)
        m.assign(m.output("shr", width: 8), u >> s)
        m.assign(m.output("sra_s", width: 8, signed: true), a >>> s)
        m.assign(m.output("sra_u", width: 8), u >>> s)
        m.assign(m.output("sra_c", width: 8, signed: true), a.sra(3))
        m.assign(m.output("bitwise", width: 8), (u & v) | (~u ^ v))
        m.assign(m.output("reduce", width: 4), cat(u.reduceAnd(), u.reduceOr(), u.reduceXor(), !u[0]))
        m.assign(m.output("slice_expr", width: 4), (u + v)[3...6])
        m.assign(m.output("sext_expr", width: 8, signed: true), (a + b).trunc(5).sext(8))
        m.assign(m.output("zext_neg", width: 10, signed: true), (-a).zext(10))
        m.assign(m.output("rep", width: 6), replicate(u[0...1], count: 3))
        m.assign(m.output("mx", width: 8, signed: true), mux(u[7] || v[7], a, b))
        m.assign(m.output("logic1"), (u[1] && !v[1]) || (u == 0))
        m.assign(m.output("pick", width: 8), select(s, [u, v, u + v, u - v, ~u]))
        return try m.build()
    }
}

extension Circuits {
    /// One lane accumulator: `acc += a + b + lane` when `en`.
    static func laneAccumulator() throws -> Module {
        let m = ModuleBuilder("lane_acc", documentation: "acc += a + b + lane when en.")
        _ = m.clock(); _ = m.reset()
        let a = m.input("a", width: 4), b = m.input("b", width: 4), lane = m.input("lane", width: 2), en = m.input("en")
        let out = m.output("acc", width: 8)
        let acc = m.reg("acc_r", width: 8, reset: 0)
        m.clocked("accumulate") { p in p.when(en) { p.assign(acc, acc + a.zext(8) + b.zext(8) + lane.zext(8)) } }
        m.assign(out, acc)
        return try m.build()
    }

    /// A 2 x 3 instance array of `lane_acc`: row r takes `a_bus[r]`, column c takes `b_bus[c]` and
    /// its index; `accs` packs the 6 accumulators, element (r, c) at bits [(r*3 + c)*8 +: 8].
    static func laneArray() throws -> Module {
        let lane = try laneAccumulator()
        let m = ModuleBuilder("lane_array", documentation: "2 x 3 lane accumulators in a generate loop.")
        let clk = m.clock(), rst = m.reset()
        let aBus = m.input("a_bus", width: 8), bBus = m.input("b_bus", width: 12), en = m.input("en")
        let accs = m.output("accs", width: 48)
        m.instanceArray(lane, name: "lane", dimensions: [("row", 2), ("col", 3)], connections: [
            "clk": .shared(clk), "rst": .shared(rst), "en": .shared(en),
            "a": .slice(aBus, over: "row"), "b": .slice(bBus, over: "col"), "lane": .index("col"),
            "acc": .slice(accs),
        ])
        return try m.build()
    }
}
