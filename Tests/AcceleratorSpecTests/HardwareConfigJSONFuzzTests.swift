import Foundation
import Testing
import FuzzSupport
import AcceleratorSpec

/// The hardware config JSON reader (`HardwareConfig.fromJSON`, behind `--config`) on thousands of
/// mutated configs: each is a valid configuration or an `AcceleratorSpecError` saying which key or
/// value is wrong, never a crash.
@Suite struct HardwareConfigJSONFuzzTests {
    static let seeds: [[UInt8]] = [
        Array(HardwareConfig.default.prettyJSON().utf8),
        [UInt8](HardwareConfig.small.canonicalJSON()),
        // only the required keys
        Array(#"{"tileH": 4, "tileW": 8, "lanesK": 2, "lanesC": 4, "inputBufferBytes": 16384, "weightBufferBytes": 4096, "outputBufferBytes": 8192, "memBytesPerCycle": 16, "memLatency": 3}"#.utf8),
    ]

    @Test func mutatedConfigsReadOrFailClearly() {
        let tally = fuzz("config-json", seeds: Self.seeds, count: 8000, seed: 0x434647, read: { bytes in
            let c = try HardwareConfig.fromJSON(Data(bytes))
            try c.validate()
            // What every command derives from a config right away, and its canonical form reads back.
            _ = (c.contentHash, c.shapes, c.macsPerCycle, c.inputBankDepth, c.weightBankDepth, c.outputWordsPerPixel)
            guard try HardwareConfig.fromJSON(c.canonicalJSON()) == c else { throw FuzzCheckFailure("config \(c.contentHash) does not read back") }
        }, errorIsClear: { e in e is AcceleratorSpecError && !"\(e)".isEmpty })
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.accepted > 0 && tally.rejected > 0, "\(tally)")
    }

    /// Found by the fuzzer: a memLatency near Int.max overflowed the default read window while
    /// the config was decoded (a trap). Now the config is refused naming memLatency and its range.
    @Test func hugeLatencyIsAnError() {
        let json = #"{"tileH": 4, "tileW": 8, "lanesK": 2, "lanesC": 4, "inputBufferBytes": 16384, "weightBufferBytes": 4096, "outputBufferBytes": 8192, "memBytesPerCycle": 16, "memLatency": 9223372036854775807}"#
        #expect { try HardwareConfig.fromJSON(Data(json.utf8)) } throws: { e in
            e is AcceleratorSpecError && "\(e)".contains("memLatency 9223372036854775807 must be in 1...4096")
        }
    }
}
