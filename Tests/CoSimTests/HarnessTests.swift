import Foundation
import Testing
import CoSim
import RTLGen
import TileModel
import AcceleratorSpec

let haveVerilator = Toolchain.find("verilator") != nil

/// A job for the stand-in: a random image, copy `n` words from word 8 to word 40.
func copyJob(n: Int, B: Int = 8, L: Int = 3, words: Int = 64, inBase: Int = 8, watchdog: Int = 10_000) -> HarnessJob {
    var g = SplitMix64(seed: 7)
    let image = (0..<(words * B)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
    return HarnessJob(wordBytes: B, latency: L, watchdog: watchdog, image: image, outputBase: 40, outputWords: words - 40,
                      csrs: [try! RegisterMap.standard.write("PASS", ["pc": n]), try! RegisterMap.standard.write("BASE_INPUT", value: inBase),
                             try! RegisterMap.standard.write("BASE_OUTPUT", value: 40)].map { ($0.offset, $0.value) },
                      tiles: (0..<n).map { HarnessJob.Tile(pass: 0, index: $0, ty: 0, tx: $0, computeCycles: 7) })
}

@Suite("Harness with the stand-in design", .enabled(if: haveVerilator), .serialized)
struct HarnessTests {
    @Test func copiesTimesCountsAndTraces() throws {
        let sim = try StandIn.cache.simulator(config: StandIn.config, source: StandIn.source())
        let n = 5, B = 8, L = 3
        let job = copyJob(n: n)
        let r = try sim.run(job)
        #expect(r.status == .done)
        #expect(r.cycles == n * (L + 2))
        #expect(r.rtlCycles == r.cycles)
        #expect(r.beatsRead == n && r.beatsWritten == n)
        #expect(r.counters.beatsRead == n && r.counters.beatsWritten == n)
        // Output region: words 40..<40+n are copies of 8..<8+n, the rest untouched.
        var expected = Array(job.image[(40 * B)...])
        for w in 0..<n { for j in 0..<B { expected[w * B + j] = job.image[(8 + w) * B + j] } }
        #expect(r.outputBytes == expected)
        // Trace rebuilt from the pulses.
        #expect(r.trace.count == n)
        for (i, row) in r.trace.enumerated() {
            let s = i * (L + 2)
            #expect(row == TileEvent(pass: 0, index: i, ty: 0, tx: i, loadStart: s, loadEnd: s + L + 1, computeStart: s + L + 1,
                                     computeEnd: s + L + 1 + 7, storeStart: s + L + 1, storeEnd: s + L + 2))
        }
    }

    @Test func hexImageGivesTheSameRun() throws {
        let sim = try StandIn.cache.simulator(config: StandIn.config, source: StandIn.source())
        let job = copyJob(n: 4)
        let a = try sim.run(job), b = try sim.run(job, hexImage: true)
        #expect(a.outputBytes == b.outputBytes && a.cycles == b.cycles && a.trace == b.trace)
    }

    @Test func watchdogReportsAHang() throws {
        let sim = try StandIn.cache.simulator(config: StandIn.config, source: StandIn.source(hang: true))
        let r = try sim.run(copyJob(n: 3, watchdog: 500))
        #expect(r.status == .hang)
        #expect(r.cycles == 500)
        #expect(r.message.contains("hang at cycle 500"))
        #expect(r.message.contains("load_start 3/3"))
    }

    @Test func requestOutsideTheImageIsAProtocolError() throws {
        let sim = try StandIn.cache.simulator(config: StandIn.config, source: StandIn.source())
        let r = try sim.run(copyJob(n: 2, inBase: 1000))
        #expect(r.status == .protocolError)
        #expect(r.message.contains("outside the image"))
    }

    @Test func missingAndExtraEventsAreVisible() throws {
        let sim = try StandIn.cache.simulator(config: StandIn.config, source: StandIn.source())
        var job = copyJob(n: 4)
        job.tiles = Array(job.tiles.prefix(2))  // fewer records than the design's "tiles"
        let r = try sim.run(job)
        #expect(r.trace.count == 2)
        #expect(r.extraEvents[.loadStart] == 2 && r.events[.loadStart] == 4)
        job = copyJob(n: 2)
        job.tiles.append(.init(pass: 0, index: 2, ty: 1, tx: 1, computeCycles: 7))
        let r2 = try sim.run(job)
        let e = r2.trace[2]
        let times: [Int] = [e.loadStart, e.loadEnd, e.computeStart, e.computeEnd, e.storeStart, e.storeEnd]
        #expect(times == Array(repeating: -1, count: 6))
    }

    @Test func buildIsCachedPerConfig() throws {
        let a = try StandIn.cache.simulator(config: StandIn.config, source: StandIn.source())
        let b = try StandIn.cache.simulator(config: StandIn.config, source: StandIn.source())
        #expect(b.reused)
        #expect(a.directory == b.directory)
        #expect(a.directory.lastPathComponent == "\(StandIn.config.contentHash)-standin")
        #expect(BuildCache.key(config: StandIn.config, fault: .skippedTile, source: "accel", traceFST: true)
                == "\(StandIn.config.contentHash)-skipped-tile-fst")
    }

    @Test func fstWaveformOnRequest() throws {
        let sim = try StandIn.cache.simulator(config: StandIn.config, source: StandIn.source(), traceFST: true)
        let wave = FileManager.default.temporaryDirectory.appendingPathComponent("cosim-\(UUID().uuidString).fst")
        defer { try? FileManager.default.removeItem(at: wave) }
        let r = try sim.run(copyJob(n: 2), traceFST: wave)
        #expect(r.status == .done)
        let size = (try FileManager.default.attributesOfItem(atPath: wave.path)[.size] as? Int) ?? 0
        #expect(size > 100)
        // A build without tracing refuses the option rather than silently writing nothing.
        let plain = try StandIn.cache.simulator(config: StandIn.config, source: StandIn.source())
        #expect(throws: CoSimError.self) { try plain.run(copyJob(n: 2), traceFST: wave) }
    }
}
