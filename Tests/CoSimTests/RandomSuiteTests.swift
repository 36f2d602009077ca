import Foundation
import Testing
import CoSim
import RTLGen
import TileModel
import AcceleratorSpec

/// The random suite (`regress --suite random`): deterministic draws, all within what the config,
/// the model and the regression's RTL accept, varied, shardable; and JUnit files that merge.
@Suite("Random regression suite")
struct RandomSuiteTests {
    @Test func poolHasOneConfigurationPerThousandCasesAndAtLeastFour() {
        #expect(RandomSuite.poolSize(count: 1) == 4 && RandomSuite.poolSize(count: 4000) == 4)
        #expect(RandomSuite.poolSize(count: 4001) == 5 && RandomSuite.poolSize(count: 10_000) == 10)
        let pool = RandomSuite(seed: 3, count: 10_000).configs
        #expect(pool.count == 10)
        // varied: lanes drawn before the tile sides, so the MAC budget does not leave only lanesC = 1
        #expect(Set(pool.map(\.lanesC)).count >= 3 && Set(pool.map(\.tileShapes)).count >= 2 && Set(pool.map(\.memBytesPerCycle)).count >= 3,
                "\(pool.map { "\($0.tileH)x\($0.tileW)/\($0.tileShapes) \($0.lanesK)x\($0.lanesC) B\($0.memBytesPerCycle)" })")
    }

    @Test func drawsAreDeterministicPerSeedAndIndex() {
        let a = RandomSuite(seed: 5, count: 300).cases().map(\.id)
        #expect(a == RandomSuite(seed: 5, count: 300).cases().map(\.id))
        #expect(a != RandomSuite(seed: 6, count: 300).cases().map(\.id))
        // A case depends on its index (and the pool, the same for 300 and 400 cases), not on the count.
        #expect(Array(RandomSuite(seed: 5, count: 400).cases().prefix(300).map(\.id)) == a)
        #expect(Set(a).count == a.count)
        #expect(a.enumerated().allSatisfy { $0.element.hasPrefix("r\($0.offset)/") })
        #expect(Regression(suite: .random, seed: 5, count: 300).cases().map(\.id) == a)
    }

    /// Every case is one the model and the regression's RTL run: the config validates and the
    /// generator takes it; the layer's plan exists at the case's tile shape and is within the RTL's
    /// limits (maps up to 32, kernels up to 15), checked here from the parts.
    @Test func everyCaseIsValidAndFits() throws {
        let suite = RandomSuite(seed: 11, count: 400)
        let pool = suite.configs
        #expect(Set(pool.map(\.contentHash)).count == pool.count)
        for c in pool {
            try c.validate()
            _ = try AcceleratorGenerator(config: c, limits: AcceleratorLimits(maxMapSize: 32))
            #expect(c.tileH <= 16 && c.tileW <= 16 && c.macsPerCycle <= 512 && (1...40).contains(c.memLatency))
        }
        for c in suite.cases() {
            #expect(pool[c.configIndex] == c.config)
            #expect(c.memory != nil)
            let job = try c.job()
            let plan = try LayerPlan(job: job, config: c.config)
            #expect(plan.outH <= 32 && plan.outW <= 32 && job.kernel <= 15, "\(c.id)")
            #expect(job.tileMask.tileHeight == c.tileShape.height && job.tileMask.tileWidth == c.tileShape.width, "\(c.id)")
            let ow = (c.shape.width + c.shape.stride - 1) / c.shape.stride
            #expect(LayerPlan.maskTiles(kernel: c.shape.kernel, stride: c.shape.stride, inChannels: c.shape.inChannels,
                                        outChannels: c.shape.outChannels, outWidth: ow, config: c.config).contains(c.tileShape), "\(c.id)")
        }
    }

    /// The draws cover what the issue asks for: configurations, layers, masks and memory profiles varied.
    @Test func casesAreVaried() {
        let cases = RandomSuite(seed: 2, count: 1000).cases()
        let masks = Set(cases.map { "\($0.mask)".filter { !$0.isNumber } })
        #expect(masks.isSuperset(of: ["empty", "full", "single", "checker", "rand", "camera", "resnet-d", "srresnet-d"]), "\(masks)")
        #expect(cases.contains { $0.memory == .fixed } && cases.contains { $0.memory != .fixed })
        #expect(cases.contains { $0.handoff } && cases.contains { !$0.handoff })
        #expect(cases.contains { $0.shape.stride == 2 } && cases.contains { $0.shape.residual })
        #expect(Set(cases.map(\.shape.kernel)).isSuperset(of: [1, 3, 5, 7]))
        // every configuration of the pool is used, and at more than one tile shape where it has several
        #expect(Set(cases.map(\.configIndex)).count == RandomSuite.poolSize(count: 1000))
        #expect(Set(cases.map { "\($0.configIndex)/\($0.tileShape)" }).count > RandomSuite.poolSize(count: 1000))
        // configurations with a line buffer and without, and cases that take it (§6.5)
        #expect(cases.contains { $0.config.lineBufferBytes > 0 } && cases.contains { $0.config.lineBufferBytes == 0 })
        // (the config-level options over the pools of eight seeds: 32 configurations)
        let pool = (1...8).flatMap { RandomSuite(seed: UInt64($0), count: 1000).configs }
        #expect(pool.contains { $0.packedProducts } && pool.contains { !$0.packedProducts && $0.lanesK % 2 == 0 })
        #expect(pool.contains { $0.requantStages > 0 } && pool.contains { $0.requantStages == 0 })
        #expect(pool.contains { $0.boundaryRegisters } && pool.contains { !$0.boundaryRegisters })
        #expect(pool.contains { $0.requantSlices > 1 } && pool.contains { $0.requantSlices == 1 && $0.lanesK > 1 })
        #expect(pool.contains { $0.packedSums } && pool.contains { $0.packedProducts && !$0.packedSums })
        #expect(pool.contains { $0.mac16Pairs } && !pool.contains { $0.mac16Pairs && $0.packedProducts })
        #expect(pool.contains { $0.leftOut == Set(Mechanism.allCases) } && pool.contains { $0.leftOut == [.haloReuse] } && pool.contains { $0.leftOut.isEmpty })
        #expect(cases.contains { c in (try? LayerPlan(job: c.jobs().job, config: c.config))?.lineBuffer == true })
    }

    @Test func shardsPartitionTheRandomSuite() {
        let cases = RandomSuite(seed: 4, count: 200).cases(), all = cases.map(\.id)
        let shards = (1...3).map { Regression.shard(cases, index: $0, count: 3).map(\.id) }
        #expect(shards.flatMap { $0 }.count == all.count && Set(shards.flatMap { $0 }) == Set(all))
        #expect(shards.allSatisfy { abs($0.count - all.count / 3) <= 1 })
    }

    @Test func caseSelectorsNameOneCase() {
        let cases = RandomSuite(seed: 4, count: 200).cases()
        #expect(cases.filter { $0.isNamed("r17") }.map(\.id) == [cases[17].id])
        #expect(cases.filter { $0.isNamed(cases[42].id) }.map(\.id) == [cases[42].id])
        #expect(cases.filter { $0.isNamed("r1") }.count == 1)   // not r10…r19
        #expect(cases.filter { $0.isNamed("r") }.isEmpty && cases.filter { $0.isNamed("cfg0") }.isEmpty)
    }
}

@Suite("JUnit merge")
struct JUnitMergeTests {
    static func shardFiles() -> (outcomes: [RegressionOutcome], files: [(name: String, xml: String)]) {
        let cases = Regression(suite: .smoke).cases()
        let outcomes = cases.enumerated().map { i, c in
            RegressionOutcome(caseID: c.id, configHash: c.config.contentHash,
                              status: i % 7 == 0 ? .fail : i % 11 == 0 ? .error : i % 13 == 0 ? .skipped : .pass, message: "m", seconds: 0.5)
        }
        let files = (1...3).map { k -> (name: String, xml: String) in
            let ids = Set(Regression.shard(cases, index: k, count: 3).map(\.id))
            return ("s\(k).xml", Regression.junit(outcomes.filter { ids.contains($0.caseID) }, suiteName: "shard\(k)", seconds: 2))
        }
        return (outcomes, files)
    }

    @Test func shardsMergeIntoOneDocumentWithSummedCounts() throws {
        let (outcomes, files) = Self.shardFiles()
        let m = try Regression.mergeJUnit(files)
        #expect(m.tests == outcomes.count)
        #expect(m.failures == outcomes.filter { $0.status == .fail }.count && m.failures > 0)
        #expect(m.errors == outcomes.filter { $0.status == .error }.count && m.errors > 0)
        #expect(m.skipped == outcomes.filter { $0.status == .skipped }.count)
        #expect(abs(m.seconds - 6) < 1e-9)
        #expect(m.xml.components(separatedBy: "<testcase ").count - 1 == outcomes.count)
        #expect(m.xml.components(separatedBy: "<testsuite ").count - 1 == 3)
        #expect(m.xml.contains("<testsuites tests=\"\(outcomes.count)\" failures=\"\(m.failures)\" errors=\"\(m.errors)\""))
        for o in outcomes { #expect(m.xml.contains("name=\"\(o.caseID)\"")) }
        // merging the merged file again is the same totals
        #expect(try Regression.mergeJUnit([("all.xml", m.xml)]).tests == outcomes.count)
    }

    @Test func overlappingOrForeignFilesAreRefused() {
        let (_, files) = Self.shardFiles()
        #expect { try Regression.mergeJUnit([files[0], files[1], ("again.xml", files[0].xml)]) } throws: {
            "\($0)".contains("s1.xml") && "\($0)".contains("again.xml")
        }
        #expect { try Regression.mergeJUnit([files[0], ("x.xml", "<html></html>")]) } throws: { "\($0)".contains("x.xml") }
    }
}
