import Foundation
import Testing
import TileModel

/// SCALE-Sim interchange: topology files in, its compute and bandwidth reports out.
@Suite struct ScaleSimTests {
    /// Header and rows as SCALE-Sim writes them: spaces, trailing commas, an FC row.
    static let topology = """
    Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
    stem,  34, 34,  3, 3,  3,  16,  1,
    down, 33, 33,  3, 3, 16,  32,  2,
    fc,    1,  1,  1, 1, 32,  10,  1,

    """

    /// IFMAP sizes include the padding: the layer's own map is IFMAP − (K − 1), and its output is
    /// SCALE-Sim's (IFMAP − K)/S + 1 (worked: (34−3)/1+1 = 32; (33−3)/2+1 = 16; 1).
    @Test func rowsBecomeLayersOverTheUnpaddedMap() throws {
        let rows = try ScaleSim.topology(Self.topology)
        #expect(rows.map(\.name) == ["stem", "down", "fc"])
        let l = rows.map(\.layer)
        #expect(l[0] == SyntheticLayer(kernel: 3, stride: 1, inChannels: 3, outChannels: 16, height: 32, width: 32, residual: false))
        #expect(l[1] == SyntheticLayer(kernel: 3, stride: 2, inChannels: 16, outChannels: 32, height: 31, width: 31, residual: false))
        #expect(l[2] == SyntheticLayer(kernel: 1, stride: 1, inChannels: 32, outChannels: 10, height: 1, width: 1, residual: false))
        for (layer, out) in zip(l, [32, 16, 1]) {
            #expect((layer.height + layer.stride - 1) / layer.stride == out)   // "same" padding's output
        }
    }

    @Test func badRowsNameTheLine() throws {
        let header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
        for (row, says) in [("a, 8, 8, 3, 5, 4, 4, 1,", "square"), ("a, 8, 8, 2, 2, 4, 4, 1,", "odd"),
                            ("a, 8, 8, 3, 3, 4, 4,", "has 8"), ("a, 8, x, 3, 3, 4, 4, 1,", "'x'"), ("a, 2, 2, 3, 3, 4, 4, 1,", "smaller")] {
            #expect { try ScaleSim.topology(header + row + "\n", file: "t.csv") } throws: {
                "\($0)".contains("t.csv line 2") && "\($0)".contains(says)
            }
        }
        #expect(throws: (any Error).self) { try ScaleSim.topology("stem, 8, 8, 3, 3, 4, 4, 1,\n") }   // no header
    }

    /// The reports carry SCALE-Sim v2's column names and the model's figures.
    @Test func reportsHaveScaleSimColumnsAndTheModelsFigures() throws {
        let config = HardwareConfig.default
        let model = TileModel(config: config)
        let stats = try ScaleSim.topology(Self.topology).enumerated().map { i, r in
            try model.simulate(r.layer.job(config: config, density: 0.6, seed: UInt64(i + 1), name: r.name), mode: .fast, outputs: false).stats
        }
        let compute = ScaleSim.computeReport(stats, config: config).split(separator: "\n").map(String.init)
        #expect(compute[0] == "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,")
        let bandwidth = ScaleSim.bandwidthReport(stats, config: config).split(separator: "\n").map(String.init)
        #expect(bandwidth[0] == "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,")
        #expect(compute.count == 4 && bandwidth.count == 4)
        for (i, s) in stats.enumerated() {
            let c = compute[i + 1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(c[0] == "\(i)" && c[1] == "\(s.cycles)" && c[2] == "\(s.cycles - s.computeBusyCycles)")
            #expect(abs(Double(c[5])! - 100 * Double(s.computeBusyCycles) / Double(s.cycles)) < 1e-3)
            let b = bandwidth[i + 1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(abs(Double(b[5])! - Double(s.weightBytesRead) / Double(s.cycles)) < 1e-3)
            #expect(abs(Double(b[6])! - Double(s.dramBytesWritten) / Double(s.cycles)) < 1e-3)
            // Every weight byte is read at least once, and weights are part of what is read.
            #expect(s.weightBytesRead >= s.outShape[2] * s.kernel * s.kernel * s.inShape[2])
            #expect(s.weightBytesRead <= s.dramBytesRead)
        }
    }
}

/// Absurd synthetic layers are refused before any tensor is allocated, naming the limit.
@Suite struct LayerMemoryLimitTests {
    @Test func hugeLayersAreRefusedUpFront() throws {
        for spec in ["k3s1c8x8@100000x100000", "k3s1c99999x99999@16x16"] {
            #expect { try SyntheticLayer(parsing: spec) } throws: { "\($0)".contains("GiB") && "\($0)".contains("SPARSETILE_MAX_MEMORY_GB") }
        }
        // An ordinary layer's estimate: 3·input + 2·weights + 4·output bytes.
        let l = try SyntheticLayer(parsing: "k3s1c8x16@10x10")
        #expect(l.estimatedBytes == Double(3 * 800 + 2 * 1152 + 4 * 1600))
    }

    /// A kernel of 3 037 000 501 overflowed K² (a trap, exit 132), a huge stride `height + stride`:
    /// both are refused at the largest map side, 16384, naming the spec, the field and the value.
    @Test func kernelAndStrideAreCappedAtTheLargestMapSide() throws {
        for (spec, what) in [("k3037000501s1c1x1@8x8", "kernel 3037000501"), ("k3s9223372036854775807c1x1@8x8", "stride 9223372036854775807"),
                             ("k16385s1c1x1@8x8", "kernel 16385"), ("k1s16385c1x1@8x8", "stride 16385")] {
            #expect { try SyntheticLayer(parsing: spec) } throws: {
                guard case AcceleratorSpecError.invalidLayer(let m) = $0 else { return false }
                return m.contains("'\(spec)'") && m.contains("\(what) is over the limit of 16384")
            }
        }
        // The limit itself is a layer (its estimate, 2·16384² weight bytes, is far under the memory limit).
        #expect(try SyntheticLayer(parsing: "k16384s16384c1x1@8x8").kernel == 16384)
        // A map side near Int.max gives an estimate over the memory limit, not an overflow.
        #expect { try SyntheticLayer(parsing: "k3s1c1x1@9223372036854775807x8") } throws: { "\($0)".contains("GiB") }
    }
}
