import Testing
import Foundation
import AcceleratorSpec

/// `HardwareConfig.leftOut`: its JSON, its parsing, its effect on the content hash.
@Suite struct MechanismTests {
    /// A config with mechanisms left out round-trips through JSON; one without them keeps the JSON
    /// (and so the hash) it had before the field existed.
    @Test func jsonAndHash() throws {
        var c = HardwareConfig.small
        #expect(!String(decoding: c.canonicalJSON(), as: UTF8.self).contains("leftOut"))
        c.leftOut = [.weightHandoff, .haloReuse]
        let json = String(decoding: c.canonicalJSON(), as: UTF8.self)
        #expect(json.contains(#""leftOut":["haloReuse","weightHandoff"]"#))
        #expect(try HardwareConfig.fromJSON(c.canonicalJSON()) == c)
        #expect(c.contentHash != HardwareConfig.small.contentHash)
        #expect(!c.has(.haloReuse) && c.has(.tapPacking))
    }

    /// An unknown name is an error that lists the known ones, in JSON and on the command line's list.
    @Test func unknownNamesAreErrors() throws {
        #expect(try Mechanism.list("haloReuse, outputPairs") == [.haloReuse, .outputPairs])
        #expect(try Mechanism.list("all") == Set(Mechanism.allCases))
        #expect(throws: AcceleratorSpecError.self) { try Mechanism.list("haloReuse,rings") }
        var bad = String(decoding: HardwareConfig.small.canonicalJSON(), as: UTF8.self)
        bad.removeLast()
        bad += #","leftOut":["rings"]}"#
        do {
            _ = try HardwareConfig.fromJSON(Data(bad.utf8))
            Issue.record("an unknown mechanism was accepted")
        } catch let AcceleratorSpecError.invalidConfig(m) {
            #expect(m.contains("rings") && m.contains("haloReuse"))
        }
    }

    /// addressBits: 16...32, in the JSON (and the hash) only when not 32.
    @Test func addressBits() throws {
        var c = HardwareConfig.small
        #expect(c.addressBits == 32 && !String(decoding: c.canonicalJSON(), as: UTF8.self).contains("addressBits"))
        c.addressBits = 20
        #expect(String(decoding: c.canonicalJSON(), as: UTF8.self).contains(#""addressBits":20"#))
        #expect(try HardwareConfig.fromJSON(c.canonicalJSON()) == c && c.contentHash != HardwareConfig.small.contentHash)
        for bad in [15, 33] {
            c.addressBits = bad
            #expect(throws: AcceleratorSpecError.self) { try c.validate() }
        }
    }

    /// The iCE40 presets leave out every mechanism; the Xilinx presets none.
    @Test func presets() {
        for p in HardwareConfig.presets {
            #expect(p.config.leftOut == (p.name.hasPrefix("ice40") ? Set(Mechanism.allCases) : []), "\(p.name)")
        }
    }
}
