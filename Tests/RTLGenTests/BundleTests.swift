import RTLGen
import Testing

@Suite("Bundles: declared IO")
struct BundleTests {
    static let pixels = Bundle.stream([.init("data", width: 8, count: 4), .init("last")])

    @Test func directionsFlipAndStreamsHaveValidPayloadReady() {
        let b = Self.pixels
        #expect(b.fields.map(\.name) == ["valid", "data", "last", "ready"])
        #expect(b.fields.map(\.direction) == [.forward, .forward, .forward, .backward])
        #expect(b.flipped.fields.map(\.direction) == [.backward, .backward, .backward, .forward])
        #expect(b.flipped.flipped == b)
        #expect(b.fields[1].totalWidth == 32)
    }

    /// A producer declares the bundle, a consumer its flipped view: the ports face each other and a
    /// top connecting them by field name is lint-clean.
    @Test func producerAndConsumerConnect() throws {
        let p = ModuleBuilder("producer")
        _ = p.clock(); _ = p.reset()
        let out = p.ports("out", Self.pixels)
        let count = p.reg("count", width: 8, reset: 0)
        p.clocked { c in c.when(out["valid"] && out["ready"]) { c.assign(count, count + 1) } }
        p.assign(out["valid"], k1(1))
        p.assign(out["data"], cat(count, count, count, count))
        p.assign(out["last"], count == 255)
        let producer = try p.build()
        #expect(producer.ports.filter { $0.kind == .output }.map(\.name) == ["out_valid", "out_data", "out_last"])
        #expect(producer.ports.filter { $0.kind == .input }.map(\.name) == ["clk", "rst", "out_ready"])

        let c = ModuleBuilder("consumer")
        _ = c.clock(); _ = c.reset()
        let inp = c.ports("in", Self.pixels.flipped)
        let sum = c.output("sum", width: 8)
        let acc = c.reg("acc", width: 8, reset: 0)
        c.clocked { q in q.when(inp["valid"] && !inp["last"]) { q.assign(acc, acc + inp.element("data", 3)) } }
        c.assign(inp["ready"], k1(1))
        c.assign(sum, acc)
        c.allowUnused(inp["data"])
        let consumer = try c.build()
        #expect(consumer.ports.filter { $0.kind == .output }.map(\.name) == ["in_ready", "sum"])

        let top = ModuleBuilder("bundle_top")
        let clk = top.clock(), rst = top.reset()
        let sumOut = top.output("sum", width: 8)
        var wires: [String: Signal] = [:]
        for f in Self.pixels.fields { wires[f.name] = top.wire("s_\(f.name)", width: f.totalWidth) }
        var pc: [String: any ExprConvertible] = ["clk": clk, "rst": rst]
        var cc: [String: any ExprConvertible] = ["clk": clk, "rst": rst, "sum": sumOut]
        for f in Self.pixels.fields { pc["out_\(f.name)"] = wires[f.name]!; cc["in_\(f.name)"] = wires[f.name]! }
        top.instance(producer, name: "u_producer", connections: pc)
        top.instance(consumer, name: "u_consumer", connections: cc)
        let design = try top.build()
        guard HDLTools.haveVerilator else { return }
        let files = try VerilogEmitter().emitDesign(design)
        let lint = try HDLTools.lint(files, top: "bundle_top")
        #expect(lint.isEmpty, "\(lint)")
    }

    private func k1(_ v: Int) -> Expr { Expr.constant(v, width: 1) }

    /// A record (the layer descriptor's form): one port on each side, fields in order from bit 0 up,
    /// a consumer's fields sliced at those bits; a top connecting by channel name is lint-clean.
    @Test func recordIsOnePortWithFieldsFromBitZero() throws {
        let fields = Bundle([.init("a", width: 4), .init("b"), .init("c", width: 8)])
        // by hand: a 3…0, b 4, c 12…5
        #expect(fields.recordWidth == 13)
        #expect([fields.recordBits("a"), fields.recordBits("b"), fields.recordBits("c")] == [0...3, 4...4, 5...12])

        let p = ModuleBuilder("descriptor")
        let x = p.input("x", width: 8)
        let out = p.recordOutput("desc", fields)
        p.assign(out["a"], x[0...3]); p.assign(out["b"], x[7]); p.assign(out["c"], x)
        let producer = try p.build()
        #expect(producer.ports.map(\.name) == ["x", "desc"])

        let c = ModuleBuilder("reader")
        let rec = c.recordInput("desc", fields, reading: ["c", "a"])
        let y = c.output("y", width: 8)
        c.assign(y, rec["c"] + rec["a"].zext(8))
        let reader = try c.build()
        #expect(reader.ports.map(\.name) == ["desc", "y"])
        let text = try VerilogEmitter().emitDesign(reader).map(\.contents).joined()
        #expect(text.contains("assign desc_c = desc[12:5];"), "\(text)")
        #expect(text.contains("assign desc_a = desc[3:0];"), "\(text)")
        #expect(!text.contains("desc_b"))

        let top = ModuleBuilder("record_top")
        let xin = top.input("x", width: 8), yout = top.output("y", width: 8)
        let channel = top.recordWire("desc", fields)
        top.instance(producer, name: "u_descriptor", channels: [channel], extra: ["x": xin])
        top.instance(reader, name: "u_reader", channels: [channel], extra: ["y": yout])
        let design = try top.build()
        guard HDLTools.haveVerilator else { return }
        let lint = try HDLTools.lint(try VerilogEmitter().emitDesign(design), top: "record_top")
        #expect(lint.isEmpty, "\(lint)")
    }
}
