import Foundation
import Testing
import FuzzSupport
@testable import SparseCNN

/// The network JSON reader (docs/network-schema.md) on thousands of mutated files: each is a
/// network, resolved for an input size, or an error naming the file and the layer, never a crash.
@Suite struct NetworkJSONFuzzTests {
    static let seeds: [String] = [
        // docs/network-schema.md's example
        """
        {"name": "tiny", "inputChannels": 3, "inputSize": [16, 16], "layers": [
          {"op": "conv", "name": "c1", "out": 8, "kernel": 3, "activation": "relu"},
          {"op": "conv", "name": "c2", "out": 8, "kernel": 3, "activation": "prelu"},
          {"op": "conv", "name": "c3", "out": 8, "kernel": 3, "residual": "c1", "activation": "relu"},
          {"op": "maxpool", "name": "pool", "kernel": 2, "stride": 2},
          {"op": "conv", "name": "down", "out": 16, "kernel": 1, "stride": 2},
          {"op": "conv", "name": "c4", "out": 16, "kernel": 3, "stride": 2, "from": "pool", "residual": "down"},
          {"op": "gap", "name": "gap"},
          {"op": "fc", "name": "fc", "out": 10}]}
        """,
        """
        {"name": "sr", "inputChannels": 1, "layers": [
          {"op": "conv", "name": "head", "out": 16, "kernel": 5, "activation": "prelu", "bias": false},
          {"op": "conv", "name": "up", "out": 64, "kernel": 3},
          {"op": "pixelshuffle", "name": "shuffle", "factor": 2},
          {"op": "relu", "name": "r"},
          {"op": "avgpool", "name": "avg", "kernel": 3, "stride": 1, "padding": 1},
          {"op": "add", "name": "sum", "residual": "r"},
          {"op": "conv", "name": "tail", "out": 3, "kernel": 3}]}
        """,
        #"{"layers": [{"op": "conv", "out": 4, "kernel": 1}, {"op": "prelu"}]}"#,
    ]

    /// Reads `bytes` as the file `fuzz.json`, resolves it at its own input size (when given and
    /// sane) and at 16×16, and writes it back.
    static func read(_ bytes: [UInt8]) throws {
        let net = try Network(json: Data(bytes), source: "fuzz.json")
        var sizes = [(16, 16)]
        if let s = net.defaultInputSize { sizes.append((s.height, s.width)) }
        for (h, w) in sizes { _ = try net.plan(height: h, width: w) }
        guard try Network(json: net.jsonData(), source: "again.json").jsonData() == net.jsonData() else {
            throw FuzzCheckFailure("network \(net.name) does not read back as written")
        }
    }

    @Test func mutatedNetworksReadOrFailClearly() {
        let tally = fuzz("network-json", seeds: Self.seeds.map { Array($0.utf8) }, count: 8000, seed: 0x4A534F4E, read: Self.read,
                         errorIsClear: { e in
                             // Reading: malformedFile naming the file. Resolving for a size: an error naming the layer.
                             guard let s = e as? SparseCNNError else { return false }
                             if case .malformedFile = s { return isMalformedFile(s, path: "fuzz.json") }
                             return "\(s)".contains("layer") || "\(s)".contains("input size")
                         })
        #expect(tally.failures.isEmpty, "\(tally)")
        #expect(tally.accepted > 0 && tally.rejected > 0, "\(tally)")
    }

    /// Found by the fuzzer: a pixel shuffle factor of 2³² overflowed factor² (a trap). Now an
    /// error naming the file, the layer and the allowed factors; likewise a conv kernel or an
    /// input size near Int.max, which would overflow K² and the shapes.
    @Test func hugeFactorsAndSizesAreErrors() {
        let shuffle = Self.seeds[1].replacingOccurrences(of: #""factor": 2"#, with: #""factor": 4294967296"#)
        #expect { try Self.read(Array(shuffle.utf8)) } throws: { e in
            isMalformedFile(e, path: "fuzz.json") && "\(e)".contains("layer 2 ('shuffle')") && "\(e)".contains("2...16384")
        }
        // (a kernel that large would overflow K² in the run's memory estimate: sparsetileTests)
        let kernel = Self.seeds[2].replacingOccurrences(of: #""kernel": 1"#, with: #""kernel": 3037000501"#)
        #expect { try Self.read(Array(kernel.utf8)) } throws: { e in
            isMalformedFile(e, path: "fuzz.json") && "\(e)".contains("kernel 3037000501 is over the limit of 16384")
        }
        let size = Self.seeds[0].replacingOccurrences(of: "[16, 16]", with: "[9223372036854775807, 16]")
        #expect { try Self.read(Array(size.utf8)) } throws: { e in
            isMalformedFile(e, path: "fuzz.json") && "\(e)".contains("inputSize") && "\(e)".contains("1...16384")
        }
    }
}
