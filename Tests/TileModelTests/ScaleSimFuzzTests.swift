import Foundation
import Testing
import FuzzSupport
import TileModel

/// The SCALE-Sim topology reader on thousands of mutated CSV files: each is a list of layers the
/// run can check against the memory limit (what `--network topology.csv` does next), or an error
/// naming the file, never a crash.
@Suite struct ScaleSimFuzzTests {
    static let seeds: [[UInt8]] = [
        Array(ScaleSimTests.topology.utf8),
        Array("""
        Layer name,IFMAP Height,IFMAP Width,Filter Height,Filter Width,Channels,Num Filter,Strides,
        conv1,230,230,7,7,3,64,2,
        conv2,58,58,3,3,64,64,1,
        fc1,1,1,1,1,512,1000,1,
        """.utf8),
        Array("layer name, ifmap height, ifmap width, filter height, filter width, channels, num filter, strides\nc, 5, 5, 5, 5, 1, 1, 1\n".utf8),
    ]

    /// Reads `bytes` as `fuzz.csv` and checks every row's memory as the CLI does.
    static func read(_ bytes: [UInt8]) throws {
        let rows = try ScaleSim.topology(String(decoding: bytes, as: UTF8.self), file: "fuzz.csv")
        for r in rows {
            let l = r.layer
            guard [l.kernel, l.stride, l.inChannels, l.outChannels, l.height, l.width].allSatisfy({ $0 > 0 }) else {
                throw FuzzCheckFailure("row \(r.name) gives a layer with a non-positive field: \(l)")
            }
            try l.checkMemory("fuzz.csv: \(r.name)")
        }
    }

    @Test func mutatedTopologiesReadOrFailClearly() {
        let tally = fuzz("scalesim-csv", seeds: Self.seeds, count: 10000, seed: 0x43535653, read: Self.read,
                         errorIsClear: { e in e is AcceleratorSpecError && "\(e)".contains("fuzz.csv") })
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.accepted > 0 && tally.rejected > 0, "\(tally)")
    }

    /// Found by the fuzzer: a stride of 9223372036854775807 made the memory estimate overflow
    /// (map + stride − 1, a trap); a filter that large overflows K². Now the row is refused naming
    /// the file, line, layer and field.
    @Test func hugeStridesAndSidesAreErrors() {
        let header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
        let found = Array(ScaleSimTests.topology.replacingOccurrences(of: "32,  2,", with: "32,  9223372036854775807,").utf8)
        #expect { try Self.read(found) } throws: { e in
            e is AcceleratorSpecError && "\(e)".contains("fuzz.csv line 3 (down): field 8 (Strides) is 9223372036854775807, over the limit of 16384")
        }
        let sides = header + "big, 9223372036854775807, 9223372036854775807, 9223372036854775807, 9223372036854775807, 1, 1, 1,\n"
        #expect { try Self.read(Array(sides.utf8)) } throws: { e in
            e is AcceleratorSpecError && "\(e)".contains("fuzz.csv line 2 (big): field 2 (IFMAP Height) is 9223372036854775807, over the limit of 16384")
        }
    }
}
