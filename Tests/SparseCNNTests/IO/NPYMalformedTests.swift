import Testing
@testable import SparseCNN

/// Every malformed .npy input must be a thrown `malformedFile` with a useful reason — never a
/// crash, never a value.
@Suite struct NPYMalformedTests {
    static let header = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }"
    static let data: [UInt8] = (0..<24).map { UInt8($0) }

    static func file(_ header: String, data: [UInt8] = NPYMalformedTests.data, major: UInt8 = 1, minor: UInt8 = 0) -> [UInt8] {
        handBuiltNPY(major: major, minor: minor, header: header, data: data)
    }

    @Test func validBaselineDecodes() throws {
        let array = try NPYArray.decode(Self.file(Self.header), path: "test.npy")
        #expect(array.shape == [2, 3])
        #expect(array.dtype == .int32)
    }

    /// Truncating a valid file anywhere — magic, version, length, header, data — must throw.
    @Test(arguments: [1, 2, 3] as [UInt8])
    func everyTruncationThrows(major: UInt8) {
        let whole = Self.file(Self.header, major: major)
        for length in 0..<whole.count {
            expectMalformed { try NPYArray.decode(Array(whole.prefix(length)), path: "test.npy") }
        }
        // And so does our own encoder's output, for a dtype with 1-byte elements.
        let ours = NPYArray.bool(shape: [3], values: [true, false, true]).encode()
        for length in 0..<ours.count {
            expectMalformed { try NPYArray.decode(Array(ours.prefix(length)), path: "test.npy") }
        }
    }

    @Test func wrongMagic() {
        var bytes = Self.file(Self.header)
        bytes[5] = UInt8(ascii: "Z")
        expectMalformed(reasonContains: "magic") { try NPYArray.decode(bytes, path: "test.npy") }
        expectMalformed(reasonContains: "magic") { try NPYArray.decode(Array("NUMPY and more".utf8), path: "test.npy") }
        expectMalformed(reasonContains: "magic") { try NPYArray.decode([], path: "test.npy") }
    }

    @Test(arguments: [(4, 0), (1, 1), (0, 0), (2, 1), (255, 255)] as [(UInt8, UInt8)])
    func unsupportedVersion(major: UInt8, minor: UInt8) {
        let bytes = Self.file(Self.header, major: major == 1 ? 1 : 2, minor: 0)
        var patched = bytes
        patched[6] = major
        patched[7] = minor
        expectMalformed(reasonContains: "version \(major).\(minor)") { try NPYArray.decode(patched, path: "test.npy") }
    }

    @Test func headerLengthBeyondFile() {
        var bytes = Self.file(Self.header)
        bytes[8] = 0xFF
        bytes[9] = 0xFF
        expectMalformed(reasonContains: "header length") { try NPYArray.decode(bytes, path: "test.npy") }
        var v2 = Self.file(Self.header, major: 2)
        v2[11] = 0x80  // 2 GiB header
        expectMalformed(reasonContains: "header length") { try NPYArray.decode(v2, path: "test.npy") }
    }

    static let badHeaders: [(header: String, reason: String)] = [
        ("", "value was expected"),
        ("   \n", "value was expected"),
        ("{", "missing '}'"),
        ("{'descr': '<i4', 'fortran_order': False}", "lacks 'shape'"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", "unexpected keys 'extra'"),
        ("{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (2, 3)}", "repeats the key 'descr'"),
        ("['descr', '<i4']", "not a dictionary"),
        ("{'descr': '<i4' 'fortran_order': False, 'shape': (2, 3)}", "expected ','"),
        ("{'descr' '<i4', 'fortran_order': False, 'shape': (2, 3)}", "expected ':'"),
        ("{'descr': '<i4', 'fortran_order': 0, 'shape': (2, 3)}", "'fortran_order' is not True or False"),
        ("{'descr': '<i4', 'fortran_order': false, 'shape': (2, 3)}", "unexpected word 'false'"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3.5)}", "malformed number"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 'a')}", "non-integer"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (6)}", "not a tuple"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (,)}", "unexpected character ','"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (2, -3)}", "negative dimension -3"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (99999999999999999999,)}", "overflows"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", "more elements"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3)} x", "after the header dictionary"),
        ("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3)}}", "after the header dictionary"),
        ("{'descr: '<i4', 'fortran_order': False, 'shape': (2, 3)}", "expected ':'"),
        ("{'descr': '<i4", "ends inside a string"),
        ("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2, 3)}", "structured"),
        ("{1: '<i4', 'fortran_order': False, 'shape': (2, 3)}", "non-string key"),
        (String(repeating: "(", count: 100), "nests too deeply"),
    ]

    @Test(arguments: badHeaders)
    func malformedHeaderDictionary(header: String, reason: String) {
        expectMalformed(reasonContains: reason) { try NPYArray.decode(Self.file(header), path: "test.npy") }
    }

    @Test func fortranOrderIsRejectedClearly() {
        let bytes = Self.file("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }")
        expectMalformed(reasonContains: "Fortran") { try NPYArray.decode(bytes, path: "test.npy") }
    }

    @Test(arguments: ["<i8", ">i4", "<f8", "<u2", "|S4", "<c8", "i4", "=f4", "<b1x"])
    func unsupportedDtypeIsNamed(descr: String) {
        let bytes = Self.file("{'descr': '\(descr)', 'fortran_order': False, 'shape': (2, 3), }")
        expectMalformed(reasonContains: "'\(descr)'") { try NPYArray.decode(bytes, path: "test.npy") }
    }

    @Test func dataShorterOrLongerThanShape() {
        expectMalformed(reasonContains: "needs 24 data bytes, file has 23") {
            try NPYArray.decode(Self.file(Self.header, data: Array(Self.data.dropLast())), path: "test.npy")
        }
        expectMalformed(reasonContains: "needs 24 data bytes, file has 25") {
            try NPYArray.decode(Self.file(Self.header, data: Self.data + [0]), path: "test.npy")
        }
        expectMalformed(reasonContains: "needs 4 data bytes, file has 0") {
            try NPYArray.decode(Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': ()}", data: []), path: "test.npy")
        }
        // Byte count overflows even though the element count does not.
        expectMalformed(reasonContains: "more bytes") {
            try NPYArray.decode(Self.file("{'descr': '<i4', 'fortran_order': False, 'shape': (4611686018427387904,)}"), path: "test.npy")
        }
    }

    @Test func boolBytesMustBeZeroOrOne() {
        let bytes = Self.file("{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}", data: [0, 1, 2])
        expectMalformed(reasonContains: "bool element 2") { try NPYArray.decode(bytes, path: "test.npy") }
    }
}
