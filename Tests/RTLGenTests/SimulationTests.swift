import Foundation
import RTLGen
import Testing

/// A stream FIFO's stimulus: phases that fill it and phases that drain it, an occasional clear.
@Sendable func streamFifoStimulus(_ rng: inout SplitMix64, _ cycle: Int) -> [String: UInt64] {
    let filling = (cycle / 30) % 2 == 0
    return [
        "rst": cycle < 2 ? 1 : 0, "clear": rng.chance(1, in: 90) ? 1 : 0,
        "in_valid": rng.chance(filling ? 3 : 1, in: 4) ? 1 : 0, "in_a": rng.bits(8), "in_b": rng.bits(4),
        "out_ready": rng.chance(filling ? 1 : 3, in: 4) ? 1 : 0,
    ]
}

/// The circuits and their random stimulus; simulated together in one Verilator build.
let benchCycles = 600
let benchCircuits: Result<[CircuitUnderTest], any Error> = Result {
    [
        CircuitUnderTest(prefix: "counter", module: try Circuits.counter()) { rng, cycle in
            ["rst": cycle < 2 || rng.chance(1, in: 60) ? 1 : 0, "en": rng.chance(3, in: 4) ? 1 : 0]
        },
        CircuitUnderTest(prefix: "fifo", module: try Circuits.fifo()) { rng, cycle in
            let filling = (cycle / 40) % 2 == 0  // alternate phases that fill and drain it
            return [
                "rst": cycle < 2 || rng.chance(1, in: 150) ? 1 : 0,
                "push": rng.chance(filling ? 3 : 1, in: 4) ? 1 : 0,
                "pop": rng.chance(filling ? 1 : 3, in: 4) ? 1 : 0,
                "din": rng.bits(8),
            ]
        },
        CircuitUnderTest(prefix: "sfifo", module: try Circuits.streamFifo.module(), stimulus: streamFifoStimulus),
        CircuitUnderTest(prefix: "rfifo", module: try Circuits.streamFifoRAM.module(), stimulus: streamFifoStimulus),
        CircuitUnderTest(prefix: "tfifo", module: try Circuits.tokenFifo.module()) { rng, cycle in
            ["rst": cycle < 2 ? 1 : 0, "clear": rng.chance(1, in: 90) ? 1 : 0,
             "in_valid": rng.chance(1, in: 2) ? 1 : 0, "out_ready": rng.chance(1, in: 2) ? 1 : 0]
        },
        CircuitUnderTest(prefix: "sfifos", module: try Circuits.stagedFifo.module(), stimulus: streamFifoStimulus),
        CircuitUnderTest(prefix: "rfifos", module: try Circuits.stagedFifoRAM.module(), stimulus: streamFifoStimulus),
        CircuitUnderTest(prefix: "tfifos", module: try Circuits.stagedTokenFifo.module()) { rng, cycle in
            ["rst": cycle < 2 ? 1 : 0, "clear": rng.chance(1, in: 90) ? 1 : 0,
             "in_valid": rng.chance(1, in: 2) ? 1 : 0, "out_ready": rng.chance(1, in: 2) ? 1 : 0]
        },
        CircuitUnderTest(prefix: "mac", module: try Circuits.mac()) { rng, cycle in
            var a = rng.bits(8), b = rng.bits(8)
            switch (cycle / 25) % 4 {
            case 1: a = 64 + rng.bits(6); b = 64 + rng.bits(6)  // large positive products: saturate high
            case 3: a = 64 + rng.bits(6); b = 0x80 | rng.bits(6)  // large negative products: saturate low
            default: break
            }
            return ["rst": cycle < 2 ? 1 : 0, "clear": rng.chance(1, in: 20) ? 1 : 0,
                    "valid": rng.chance(7, in: 8) ? 1 : 0, "a": a, "b": b]
        },
        CircuitUnderTest(prefix: "scan", module: try Circuits.nextSetBit()) { rng, cycle in
            let sparse = cycle % 3 == 0 ? rng.bits(16) & rng.bits(16) & rng.bits(16) : rng.bits(16)
            return ["mask": cycle % 50 == 0 ? 0 : sparse, "start": rng.bits(4)]
        },
        CircuitUnderTest(prefix: "zoo", module: try Circuits.expressionZoo()) { rng, cycle in
            let special: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0xFB]
            func pick(_ rng: inout SplitMix64) -> UInt64 {
                rng.chance(1, in: 4) ? special[Int(rng.bits(8)) % special.count] : rng.bits(8)
            }
            return ["a": pick(&rng), "b": pick(&rng), "u": pick(&rng), "v": pick(&rng), "s": rng.bits(3)]
        },
        CircuitUnderTest(prefix: "lanes", module: try Circuits.laneArray()) { rng, cycle in
            ["rst": cycle < 2 || rng.chance(1, in: 200) ? 1 : 0, "en": rng.chance(3, in: 4) ? 1 : 0,
             "a_bus": rng.bits(8), "b_bus": rng.bits(12)]
        },
        CircuitUnderTest(prefix: "ram", module: try Circuits.sram(width: 16, depth: 256)) { rng, _ in
            let near = rng.chance(1, in: 2)  // mostly a small window so reads hit written words
            return ["we": rng.chance(1, in: 2) ? 1 : 0, "waddr": near ? rng.bits(4) : rng.bits(8),
                    "wdata": rng.bits(16), "re": rng.chance(3, in: 4) ? 1 : 0,
                    "raddr": rng.chance(7, in: 8) ? rng.bits(4) : rng.bits(8)]
        },
    ]
}

/// One shared simulation run (built once per test process, cached on disk by content).
let benchRun: Result<BenchRun, any Error> = Result {
    try VerilatorBench.simulate(try benchCircuits.get(), cycles: benchCycles, seed: 0x5EED_2026)
}

/// Compares a circuit's trace with a reference model, reporting only the first
/// cycle where they diverge (with that cycle's inputs). `model` is called once per
/// cycle with the inputs; it returns the outputs expected before the clock edge
/// (nil: don't compare this cycle) and then advances its own state.
func compare(_ t: Trace, circuit: String, skipFirst: Bool = true,
             model: ([String: UInt64]) -> [String: UInt64]?) {
    for c in 0..<t.inputs.count {
        guard let expected = model(t.inputs[c]), !(skipFirst && c == 0) else { continue }
        let actual = t.outputs[c].filter { expected[$0.key] != nil }
        if actual != expected {
            Issue.record("\(circuit): first divergence at cycle \(c): inputs \(t.inputs[c].sorted { $0.key < $1.key }), expected \(expected.sorted { $0.key < $1.key }), got \(actual.sorted { $0.key < $1.key })")
            return
        }
    }
}

@Suite("Verilator simulation of small circuits against Swift models", .serialized,
       .enabled(if: HDLTools.haveVerilator))
struct SimulationTests {
    func trace(_ prefix: String) throws -> Trace {
        try #require(try benchRun.get().traces[prefix])
    }

    @Test func counterMatchesModel() throws {
        var value: UInt64 = 0
        var maxSeen: UInt64 = 0
        compare(try trace("counter"), circuit: "counter") { i in
            let out = ["count": value]
            maxSeen = max(maxSeen, value)
            if i["rst"] == 1 { value = 0 } else if i["en"] == 1 { value = (value + 1) & 0xFF }
            return out
        }
        #expect(maxSeen > 20, "stimulus should let the counter run")
    }

    @Test func fifoMatchesModel() throws {
        var queue: [UInt64] = []
        var sawFull = false, sawEmptyPop = false
        compare(try trace("fifo"), circuit: "fifo") { i in
            let out: [String: UInt64] = ["empty": queue.isEmpty ? 1 : 0, "full": queue.count == 4 ? 1 : 0,
                                         "level": UInt64(queue.count), "dout": queue.first ?? 0]
            if i["rst"] == 1 {
                queue = []
                return out
            }
            let canPop = !queue.isEmpty, canPush = queue.count < 4
            if i["pop"] == 1 && !canPop { sawEmptyPop = true }
            if i["push"] == 1 && !canPush { sawFull = true }
            if i["pop"] == 1 && canPop { queue.removeFirst() }
            if i["push"] == 1 && canPush { queue.append(i["din"]!) }
            return out
        }
        #expect(sawFull && sawEmptyPop, "stimulus should exercise full and empty")
    }

    /// `StreamFifo` against a queue: a beat pushed in cycle t is offered from t + 1; a push into a
    /// full FIFO is dropped (even when a pop frees a slot in the same cycle); clear empties it.
    static func streamFifoModel(depth: Int, fields: [String]) -> ([String: UInt64]) -> [String: UInt64]? {
        var queue: [[UInt64]] = []
        return { i in
            var out: [String: UInt64] = ["out_valid": queue.isEmpty ? 0 : 1]
            if let head = queue.first { for (f, v) in zip(fields, head) { out["out_\(f)"] = v } }
            if i["rst"] == 1 || i["clear"] == 1 { queue = []; return out }
            let push = i["in_valid"] == 1 && queue.count < depth
            if i["out_ready"] == 1 && !queue.isEmpty { queue.removeFirst() }
            if push { queue.append(fields.map { i["in_\($0)"]! }) }
            return out
        }
    }

    @Test func streamFifoMatchesModel() throws {
        let t = try trace("sfifo")
        compare(t, circuit: "sfifo", model: Self.streamFifoModel(depth: Circuits.streamFifo.depth, fields: ["a", "b"]))
        #expect(t.outputs.contains { $0["out_valid"] == 1 } && t.outputs.contains { $0["out_valid"] == 0 })
    }

    /// The RAM-backed FIFO behaves as the register one at its ports (the same model), including a
    /// push into an empty FIFO (the bypass) and a push into the slot being emptied; its RAM is never
    /// read and written at one address in one cycle (the simulation's assertion would stop it).
    @Test func ramStreamFifoMatchesModel() throws {
        let t = try trace("rfifo")
        compare(t, circuit: "rfifo", model: Self.streamFifoModel(depth: Circuits.streamFifoRAM.depth, fields: ["a", "b"]))
        #expect(t.outputs.contains { $0["out_valid"] == 1 } && t.outputs.contains { $0["out_valid"] == 0 })
    }

    @Test func tokenFifoMatchesModel() throws {
        compare(try trace("tfifo"), circuit: "tfifo", model: Self.streamFifoModel(depth: Circuits.tokenFifo.depth, fields: []))
    }

    /// A registered input (the stage in front of the entries) changes nothing at the ports: the
    /// same model, for register and RAM entries and tokens, with the stage offered while the
    /// entries are empty, taken from a full FIFO and flushed by `clear`.
    @Test func stagedFifosMatchModel() throws {
        for (prefix, fifo, fields) in [("sfifos", Circuits.stagedFifo, ["a", "b"]), ("rfifos", Circuits.stagedFifoRAM, ["a", "b"]),
                                       ("tfifos", Circuits.stagedTokenFifo, [])] {
            let t = try trace(prefix)
            compare(t, circuit: prefix, model: Self.streamFifoModel(depth: fifo.depth, fields: fields))
            #expect(t.outputs.contains { $0["out_valid"] == 1 } && t.outputs.contains { $0["out_valid"] == 0 })
        }
    }

    @Test func macMatchesModel() throws {
        var acc: Int32 = 0
        var saturatedHigh = 0, saturatedLow = 0
        compare(try trace("mac"), circuit: "mac") { i in
            if Int64(acc) > 32767 { saturatedHigh += 1 }
            if Int64(acc) < -32768 { saturatedLow += 1 }
            let sat = min(max(Int64(acc), -32768), 32767)
            let out = ["acc": pattern(Int64(acc), width: 32), "sat": pattern(sat, width: 16)]
            let a = Int32(signedValue(i["a"]!, width: 8)), b = Int32(signedValue(i["b"]!, width: 8))
            let addend: Int32 = i["valid"] == 1 ? a * b : 0
            if i["rst"] == 1 { acc = 0 } else if i["clear"] == 1 { acc = addend } else { acc = acc &+ addend }
            return out
        }
        #expect(saturatedHigh > 0 && saturatedLow > 0, "stimulus should saturate both ways")
    }

    @Test func nextSetBitMatchesModel() throws {
        var hits = 0, misses = 0
        compare(try trace("scan"), circuit: "next_set_bit", skipFirst: false) { i in
            let mask = i["mask"]!, start = Int(i["start"]!)
            let hit = (start..<16).first { mask >> UInt64($0) & 1 == 1 }
            if hit == nil { misses += 1 } else { hits += 1 }
            return ["found": hit == nil ? 0 : 1, "index": UInt64(hit ?? 0)]
        }
        #expect(hits > 50 && misses > 10)
    }

    @Test func expressionsMatchModel() throws {
        compare(try trace("zoo"), circuit: "expr_zoo", skipFirst: false) { i in
            let a = signedValue(i["a"]!, width: 8), b = signedValue(i["b"]!, width: 8)
            let u = i["u"]!, v = i["v"]!, s = i["s"]!
            func bit(_ c: Bool) -> UInt64 { c ? 1 : 0 }
            let cmpBits = [a < b, u <= v, a > b, u >= v, u == v, a != b, a < -5, signedValue(u, width: 8) < b]
            let sumAB = pattern(a + b, width: 5)
            return [
                "add_s": pattern(a + b, width: 8),
                "add_c": pattern(a - 3, width: 8),
                "sub_u": (u &- v) & 0xFF,
                "mul_s": pattern(a * b, width: 16),
                "mul_u": u * v,
                "cmp": cmpBits.reduce(0) { $0 << 1 | bit($1) },
                "shl": (u << s) & 0xFF,
                "shr": u >> s,
                "sra_s": pattern(a >> Int64(s), width: 8),
                "sra_u": pattern(signedValue(u, width: 8) >> Int64(s), width: 8),
                "sra_c": pattern(a >> 3, width: 8),
                "bitwise": ((u & v) | (~u ^ v)) & 0xFF,
                "reduce": bit(u == 0xFF) << 3 | bit(u != 0) << 2 | UInt64(u.nonzeroBitCount & 1) << 1 | bit(u & 1 == 0),
                "slice_expr": ((u + v) >> 3) & 0xF,
                "sext_expr": pattern(signedValue(sumAB, width: 5), width: 8),
                "zext_neg": pattern(-a, width: 8),
                "rep": (u & 3) * 0b010101,
                "mx": pattern(u >> 7 == 1 || v >> 7 == 1 ? a : b, width: 8),
                "logic1": bit((u >> 1 & 1 == 1 && v >> 1 & 1 == 0) || u == 0),
                // 5 values: indexes 5...7 fall on the last value with this mux tree.
                "pick": [u, v, (u + v) & 0xFF, (u &- v) & 0xFF, ~u & 0xFF][min(Int(s), 4)],
            ]
        }
    }

    /// The instance array: element (r, c) sees a_bus[r], b_bus[c] and its index c, and drives
    /// accs[(r*3 + c)*8 +: 8].
    @Test func instanceArrayMatchesModel() throws {
        var acc = [UInt64](repeating: 0, count: 6)
        compare(try trace("lanes"), circuit: "lane_array") { i in
            let out = ["accs": acc.enumerated().reduce(0) { $0 | $1.element << UInt64(8 * $1.offset) }]
            if i["rst"] == 1 {
                acc = [UInt64](repeating: 0, count: 6)
            } else if i["en"] == 1 {
                for r in 0..<2 { for c in 0..<3 {
                    let a = i["a_bus"]! >> UInt64(4 * r) & 0xF, b = i["b_bus"]! >> UInt64(4 * c) & 0xF
                    acc[r * 3 + c] = (acc[r * 3 + c] + a + b + UInt64(c)) & 0xFF
                } }
            }
            return out
        }
    }

    @Test func memoryMatchesModel() throws {
        var words = [UInt64?](repeating: nil, count: 256)
        var rdata: UInt64? = nil
        var checked = 0
        compare(try trace("ram"), circuit: "sram256x16", skipFirst: false) { i in
            let out = rdata.map { ["rdata": $0] }
            if out != nil { checked += 1 }
            if i["re"] == 1 { rdata = words[Int(i["raddr"]!)] }  // old data on read-during-write
            if i["we"] == 1 { words[Int(i["waddr"]!)] = i["wdata"]! }
            return out
        }
        #expect(checked > benchCycles / 2)
    }
}
