import RTLGen
import Testing

/// Builds and returns the diagnostics `build()` throws (empty if it succeeds).
func diagnostics(of m: ModuleBuilder) -> [Diagnostic] {
    do {
        _ = try m.build()
        return []
    } catch let e as RTLBuildError {
        return e.diagnostics
    } catch {
        Issue.record("unexpected error \(error)")
        return []
    }
}

@Suite("IR checks when a module is built")
struct IRCheckTests {
    @Test func widthMismatchNamesModuleAndSignal() throws {
        let m = ModuleBuilder("adder")
        let a = m.input("a", width: 8), b = m.input("b", width: 9)
        let sum = m.output("sum", width: 8)
        m.assign(sum, a + b)
        let d = diagnostics(of: m)
        #expect(d.count == 1)
        #expect(d.first?.kind == .widthMismatch)
        #expect(d.first?.module == "adder")
        #expect(d.first?.signal == "sum")
        let text = "\(RTLBuildError(diagnostics: d))"
        #expect(text.contains("module 'adder', signal 'sum'"))
        #expect(text.contains("'a' is 8-bit unsigned, 'b' is 9-bit unsigned"))
    }

    @Test func assignmentWidthMismatch() {
        let m = ModuleBuilder("narrow")
        let a = m.input("a", width: 8)
        let y = m.output("y", width: 4)
        m.assign(y, a)
        let d = diagnostics(of: m)
        #expect(d.map(\.kind) == [.widthMismatch])
        #expect(d.first?.signal == "y")
        #expect(d.first?.message.contains("8-bit") == true)
    }

    @Test func signednessMismatchAndFixes() throws {
        let m = ModuleBuilder("mixed")
        let a = m.input("a", width: 8, signed: true), b = m.input("b", width: 8)
        let lt = m.output("lt")
        m.assign(lt, a < b)
        #expect(diagnostics(of: m).map(\.kind) == [.widthMismatch])

        let ok = ModuleBuilder("mixed_ok")
        let a2 = ok.input("a", width: 8, signed: true), b2 = ok.input("b", width: 4)
        let lt2 = ok.output("lt")
        ok.assign(lt2, a2 < b2.zext(8).asSigned)
        _ = try ok.build()
    }

    @Test func literalMustFit() {
        let m = ModuleBuilder("lit")
        let a = m.input("a", width: 4)
        let y = m.output("y", width: 4)
        m.assign(y, a + 16)
        let d = diagnostics(of: m)
        #expect(d.map(\.kind) == [.widthMismatch])
        #expect(d.first?.message.contains("does not fit") == true)
    }

    @Test func undrivenOutputAndWire() {
        let m = ModuleBuilder("lazy")
        let a = m.input("a")
        _ = m.output("y")
        let w = m.wire("unused_w")
        let z = m.output("z")
        m.assign(z, a & w)
        let d = diagnostics(of: m)
        #expect(Set(d.map(\.signal)) == ["y", "unused_w"])
        #expect(d.allSatisfy { $0.kind == .undriven && $0.module == "lazy" })
    }

    @Test func multiplyDrivenNamesBothDrivers() {
        let m = ModuleBuilder("twice")
        let a = m.input("a"), b = m.input("b")
        let y = m.output("y")
        m.assign(y, a)
        m.combinational("also_y") { p in p.assign(y, b) }
        let d = diagnostics(of: m)
        #expect(d.count == 1)
        #expect(d.first?.kind == .multiplyDriven)
        #expect(d.first?.signal == "y")
        #expect(d.first?.message.contains("continuous assign") == true)
        #expect(d.first?.message.contains("also_y") == true)
    }

    @Test func registerDrivenByTwoClockedProcesses() {
        let m = ModuleBuilder("two_writers")
        _ = m.clock()
        _ = m.reset()
        let a = m.input("a")
        let q = m.output("q")
        let r = m.reg("r", reset: 0)
        m.clocked("first") { p in p.assign(r, a) }
        m.clocked("second") { p in p.when(a) { p.assign(r, 0) } }
        m.assign(q, r)
        #expect(diagnostics(of: m).map { "\($0.kind):\($0.signal)" } == ["multiplyDriven:r"])
    }

    @Test func missingDefaultInCombinationalProcess() {
        let m = ModuleBuilder("latchy")
        let sel = m.input("sel"), a = m.input("a", width: 4)
        let y = m.output("y", width: 4), z = m.output("z", width: 4)
        m.combinational("pick") { p in
            p.assign(z, 0)
            p.when(sel) {
                p.assign(y, a)
                p.assign(z, a)
            }
        }
        let d = diagnostics(of: m)
        #expect(d.map(\.kind) == [.missingDefault])
        #expect(d.first?.signal == "y")
        #expect(d.first?.message.contains("pick") == true)
    }

    @Test func defaultAfterConditionIsStillMissing() {
        let m = ModuleBuilder("late_default")
        let sel = m.input("sel")
        let y = m.output("y")
        m.combinational { p in
            p.when(sel) { p.assign(y, 1) }
            p.assign(y, 0)
        }
        #expect(diagnostics(of: m).map(\.kind) == [.missingDefault])
    }

    @Test func illegalDrivers() {
        let m = ModuleBuilder("wrong_kind")
        _ = m.clock()
        let a = m.input("a")
        let w = m.wire("w"), r = m.reg("r")
        let y = m.output("y")
        m.clocked(resetless: true) { p in p.assign(w, a) }  // wire in clocked process
        m.combinational { p in p.assign(r, a) }  // register in combinational process
        m.assign(a, w)  // driving an input
        m.assign(y, r)
        let d = diagnostics(of: m)
        #expect(Set(d.map(\.signal)) == ["w", "r", "a"])
        #expect(d.allSatisfy { $0.kind == .illegalDriver })
    }

    @Test func badInstanceConnections() throws {
        let counter = try Circuits.counter()
        let m = ModuleBuilder("parent")
        let clk = m.clock()
        let rst = m.reset()
        let en = m.input("en", width: 2)
        let count = m.wire("count", width: 8)
        let y = m.output("y", width: 8)
        m.assign(y, count)
        // `en` is 2 bits (port is 1), `bogus` is not a port, and `count` is missing.
        m.instance(counter, name: "u_counter", connections: ["clk": clk, "rst": rst, "en": en, "bogus": clk])
        let d = diagnostics(of: m)
        #expect(d.allSatisfy { $0.module == "parent" })
        let messages = d.map(\.message).joined(separator: "\n")
        #expect(d.filter { $0.kind == .badConnection }.count == 3, "\(messages)")
        #expect(messages.contains("'bogus', which is not a port"))
        #expect(messages.contains("leaves port 'count' unconnected"))
        #expect(messages.contains("port 'en' is 1 bits"))
        #expect(d.contains { $0.kind == .undriven && $0.signal == "count" })
    }

    @Test func instanceOutputMustDriveAWire() throws {
        let counter = try Circuits.counter()
        let m = ModuleBuilder("parent2")
        let clk = m.clock(), rst = m.reset(), en = m.input("en")
        let y = m.output("y", width: 8)
        m.instance(counter, name: "u_counter", connections: ["clk": clk, "rst": rst, "en": en, "count": y + 1])
        m.assign(y, 0)
        let d = diagnostics(of: m)
        #expect(d.map(\.kind) == [.badConnection])
        #expect(d.first?.message.contains("must connect to a signal") == true)
    }

    @Test func instanceArrayBindingsAreChecked() throws {
        let lane = try Circuits.laneAccumulator()
        let m = ModuleBuilder("bad_lanes")
        let clk = m.clock(), rst = m.reset()
        let a = m.input("a_bus", width: 8), b = m.input("b_bus", width: 10), en = m.input("en")
        let accs = m.output("accs", width: 48), half = m.wire("half", width: 16)
        m.assign(m.output("half_out", width: 16), half)
        m.instanceArray(lane, name: "lane", dimensions: [("row", 2), ("col", 3)], connections: [
            "clk": .shared(clk), "rst": .shared(rst), "en": .shared(en.zext(2)),   // 2 bits for 1
            "a": .slice(a, over: "row"), "b": .slice(b, over: "col"),                // 10 bits, needs 12
            "lane": .index("depth"),                                                 // no such dimension
            "acc": .shared(accs[0...7]),                                             // an output cannot be shared
        ])
        m.instanceArray(lane, name: "lane2", dimensions: [("row", 2), ("col", 3)], connections: [
            "clk": .shared(clk), "rst": .shared(rst), "en": .shared(en), "a": .slice(a, over: "row"),
            "b": .slice(a, over: "row"),                                             // 8 bits over 2 rows: fine
            "lane": .index("row"),
            "acc": .slice(half, over: "row"),                                        // output over a subset of dimensions
        ])
        let d = diagnostics(of: m)
        let text = d.map(\.message).joined(separator: "\n")
        #expect(text.contains("port 'en' is 1 bits, connected to the 2-bit"), "\(text)")
        #expect(text.contains("needs a 12-bit bus, 'b_bus' is 10 bits"), "\(text)")
        #expect(text.contains("index of 'depth', which is not a dimension"), "\(text)")
        #expect(text.contains("output 'acc' must be bound to a slice of a bus"), "\(text)")
        #expect(text.contains("output 'acc' must be sliced over every dimension"), "\(text)")
        #expect(d.contains { $0.signal == "accs" && $0.kind == .undriven })
        #expect(d.allSatisfy { $0.module == "bad_lanes" })
    }

    @Test func instanceArrayDriversAndGenvars() throws {
        let lane = try Circuits.laneAccumulator()
        let m = ModuleBuilder("lanes_twice")
        let clk = m.clock(), rst = m.reset()
        let a = m.input("a_bus", width: 8), b = m.input("b_bus", width: 12), en = m.input("en")
        let accs = m.output("accs", width: 48)
        _ = m.input("row")   // the genvar would shadow it
        let conns: [String: ArrayBinding] = ["clk": .shared(clk), "rst": .shared(rst), "en": .shared(en), "a": .slice(a, over: "row"),
                                             "b": .slice(b, over: "col"), "lane": .index("col"), "acc": .slice(accs)]
        m.instanceArray(lane, name: "lane", dimensions: [("row", 2), ("col", 3)], connections: conns)
        m.assign(accs, 0)
        let d = diagnostics(of: m)
        #expect(d.contains { $0.signal == "accs" && $0.kind == .multiplyDriven && $0.message.contains("instance array 'lane' port 'acc'") }, "\(d)")
        #expect(d.contains { $0.signal == "row" && $0.kind == .invalidDeclaration && $0.message.contains("shadow") }, "\(d)")
    }

    /// `allowPartlyReadInputs` waives exactly the inputs of which some bits are never read.
    @Test func partlyReadInputsAreWaivedOnRequest() throws {
        func build(waive: Bool) throws -> Module {
            let m = ModuleBuilder("fields")
            let word = m.input("word", width: 16), whole = m.input("whole", width: 4)
            let y = m.output("y", width: 8)
            m.assign(y, (word[0...3] + word[8...11]).zext(8) + whole.zext(8))
            if waive { m.allowPartlyReadInputs() }
            return try m.build()
        }
        #expect(try build(waive: true).unusedAllowed == ["word"])
        #expect(try build(waive: false).unusedAllowed.isEmpty)
    }

    @Test func foreignSignalIsReported() {
        let other = ModuleBuilder("other")
        let foreign = other.input("x", width: 8)
        let m = ModuleBuilder("mine")
        let y = m.output("y", width: 8)
        m.assign(y, foreign)
        let d = diagnostics(of: m)
        #expect(d.map(\.kind) == [.unknownSignal])
        #expect(d.first?.message.contains("'x'") == true)
    }

    @Test func badNamesAndDuplicates() {
        let m = ModuleBuilder("names")
        let a = m.input("a")
        _ = m.input("a")
        let bad = m.output("module")
        let y = m.output("2y")
        m.assign(bad, a)
        m.assign(y, a)
        let d = diagnostics(of: m)
        #expect(d.filter { $0.kind == .invalidDeclaration }.map(\.signal) == ["a", "module", "2y"])
    }

    @Test func memoryPortWidthsAreChecked() {
        let m = ModuleBuilder("mem_bad")
        _ = m.clock()
        let we = m.input("we"), addr = m.input("addr", width: 7), data = m.input("data", width: 8)
        let q = m.output("q", width: 8)
        let rd = m.memory("line_buf", width: 8, depth: 256,
                          write: MemoryWritePort(enable: we, address: addr, data: data),
                          read: MemoryReadPort(enable: we, address: addr))
        m.assign(q, rd)
        let d = diagnostics(of: m)
        #expect(d.count == 2)
        #expect(d.allSatisfy { $0.signal == "line_buf" && $0.kind == .widthMismatch && $0.message.contains("expected 8") })
    }

    @Test func conditionMustBeOneBit() {
        let m = ModuleBuilder("cond")
        let a = m.input("a", width: 4)
        let y = m.output("y", width: 4)
        m.combinational { p in
            p.assign(y, 0)
            p.when(a) { p.assign(y, a) }
        }
        let d = diagnostics(of: m)
        #expect(d.map(\.kind) == [.widthMismatch])
        #expect(d.first?.signal == "y")
    }

    @Test func expressionWidthRules() {
        let m = ModuleBuilder("rules")
        let a = m.input("a", width: 8, signed: true), b = m.input("b", width: 8)
        #expect((a * a).width == 8)
        #expect((a.sext(16) * a.sext(16)).width == 16)
        #expect((a.sext(16)).isSigned)
        #expect(a[0...3].width == 4 && !a[0...3].isSigned)
        #expect(cat(a, b).width == 16)
        #expect(replicate(b[7], count: 3).width == 3)
        #expect((a == a).width == 1)
        #expect(b.reduceOr().width == 1)
        #expect((a >>> 2).isSigned && (a >>> 2).width == 8)
        #expect(mux(b[0], a, a).width == 8)
        #expect(!a.trunc(4).problems.isEmpty == false)
        #expect(!a.trunc(9).problems.isEmpty)
        #expect(!a.zext(4).problems.isEmpty)
        #expect(!mux(b, a, a).problems.isEmpty)
        #expect(!mux(b[0], a, b).problems.isEmpty)
        #expect(!(b && b).problems.isEmpty)
    }
}
