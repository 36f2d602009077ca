import Foundation
import Testing
@testable import SparseCNN

/// A .npy file assembled by hand: magic, version, little-endian header length of the width
/// the version prescribes, the header text as given, then `data`.
func handBuiltNPY(major: UInt8, minor: UInt8 = 0, header: String, data: [UInt8]) -> [UInt8] {
    let text = Array(header.utf8)
    var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, minor]
    let lengthBytes = major == 1 ? 2 : 4
    for i in 0..<lengthBytes { out.append(UInt8((text.count >> (8 * i)) & 0xFF)) }
    return out + text + data
}

@Suite struct NPYTests {
    static let shapes: [[Int]] = [[], [0], [5], [2, 3], [2, 3, 4], [1, 1, 1, 7]]

    /// Deterministic values for `n` elements of each dtype, covering the ends of each range.
    static func sample(_ dtype: NPYDType, shape: [Int]) -> NPYArray {
        let n = shape.reduce(1, *)
        switch dtype {
        case .bool: return .bool(shape: shape, values: (0..<n).map { $0 % 3 == 0 })
        case .uint8: return .uint8(shape: shape, values: (0..<n).map { UInt8(($0 * 37 + 255) % 256) })
        case .int8: return .int8(shape: shape, values: (0..<n).map { Int8(truncatingIfNeeded: $0 * 53 - 128) })
        case .int32: return .int32(shape: shape, values: (0..<n).map { $0 == 0 ? Int32.min : Int32(($0 * 123_456_789) % Int(Int32.max)) })
        case .float32: return .float32(shape: shape, values: (0..<n).map { [Float.infinity, -1.5, 3.25e-7, 65504, -0.0][$0 % 5] })
        }
    }

    @Test(arguments: NPYDType.allCases)
    func roundTripsEveryShape(dtype: NPYDType) throws {
        for shape in Self.shapes {
            let array = Self.sample(dtype, shape: shape)
            let bytes = array.encode()
            let back = try NPYArray.decode(bytes, path: "rt.npy")
            #expect(back == array, "\(dtype) \(shape)")
            #expect(back.shape == shape)
            #expect(back.dtype == dtype)
            // Data starts on a 64-byte boundary, as NumPy writes it.
            let dataBytes = shape.reduce(1, *) * dtype.itemSize
            #expect((bytes.count - dataBytes) % 64 == 0)
        }
    }

    @Test func writeAndReadFile() throws {
        let path = scratchPath("a.npy")
        let array = NPYArray.float32(shape: [2, 2], values: [1, 2, 3, 4])
        try array.write(path: path)
        #expect(try NPYArray.read(path: path) == array)
    }

    @Test func writeRejectsInconsistentShape() {
        #expect(throws: SparseCNNError.self) {
            try NPYArray.uint8(shape: [2, 2], values: [1, 2, 3]).write(path: scratchPath("bad.npy"))
        }
        #expect(throws: SparseCNNError.self) {
            try NPYArray.uint8(shape: [-1], values: []).write(path: scratchPath("bad.npy"))
        }
    }

    @Test func readMissingFileIsMalformedFile() {
        let path = scratchPath("missing.npy")
        expectMalformed(path: path, reasonContains: "no such file") { try NPYArray.read(path: path) }
    }

    /// The exact header text NumPy's format writes for a 2×3 uint8 array.
    @Test func encodedHeaderIsNumPyLayout() {
        let bytes = NPYArray.uint8(shape: [2, 3], values: [0, 1, 2, 3, 4, 5]).encode()
        #expect(Array(bytes[0..<8]) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        // 10 bytes of preamble + 59 of dictionary + '\n' = 70, padded to the next multiple of 64.
        #expect(headerLength + 10 == 128)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(header.hasSuffix(" \n"))
        #expect(Array(bytes[128...]) == [0, 1, 2, 3, 4, 5])
        // One-dimensional shapes need Python's trailing comma, scalars an empty tuple.
        let one = NPYArray.int8(shape: [4], values: [1, 2, 3, 4]).encode()
        #expect(String(decoding: one[10..<64], as: UTF8.self).contains("'shape': (4,)"))
        let scalar = NPYArray.float32(shape: [], values: [2]).encode()
        #expect(String(decoding: scalar[10..<64], as: UTF8.self).contains("'shape': ()"))
    }

    /// A header longer than 65535 bytes cannot be stated in 1.0's 16-bit field: 2.0 is written.
    @Test func hugeHeaderIsWrittenAsVersion2() throws {
        let shape = Array(repeating: 1, count: 30_000)
        let array = NPYArray.uint8(shape: shape, values: [42])
        let bytes = array.encode()
        #expect(bytes[6] == 2 && bytes[7] == 0)
        #expect(try NPYArray.decode(bytes, path: "big.npy") == array)
        #expect(NPYArray.uint8(shape: [3], values: [1, 2, 3]).encode()[6] == 1)
    }

    @Test func handBuiltVersion1() throws {
        // Keys out of order, no trailing comma; int32 1 and -1 little-endian.
        let bytes = handBuiltNPY(major: 1, header: "{'shape': (2,), 'fortran_order': False, 'descr': '<i4'}\n",
                                 data: [1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(try NPYArray.decode(bytes, path: "v1.npy") == .int32(shape: [2], values: [1, -1]))
    }

    @Test func handBuiltVersion2() throws {
        // Double quotes, spaces everywhere, trailing commas in tuple and dict; 1.0 = 0x3F800000,
        // -2.0 = 0xC0000000.
        let header = #"{ "descr" : "<f4" , "shape" : ( 1 , 2 , ) , "fortran_order" : False , }"# + "    \n"
        let bytes = handBuiltNPY(major: 2, header: header, data: [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0])
        #expect(try NPYArray.decode(bytes, path: "v2.npy") == .float32(shape: [1, 2], values: [1, -2]))
    }

    @Test func handBuiltVersion3Scalar() throws {
        let bytes = handBuiltNPY(major: 3, header: "{'descr': '|b1', 'fortran_order': False, 'shape': ()}\n", data: [1])
        #expect(try NPYArray.decode(bytes, path: "v3.npy") == .bool(shape: [], values: [true]))
    }

    @Test func handBuiltSingleByteTypes() throws {
        let u8 = handBuiltNPY(major: 1, header: "{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", data: [0, 128, 255])
        #expect(try NPYArray.decode(u8, path: "x") == .uint8(shape: [3], values: [0, 128, 255]))
        let i8 = handBuiltNPY(major: 1, header: "{'descr': '|i1', 'fortran_order': False, 'shape': (3,), }", data: [0, 128, 255])
        #expect(try NPYArray.decode(i8, path: "x") == .int8(shape: [3], values: [0, -128, -1]))
        // A zero-size array has no data bytes at all.
        let empty = handBuiltNPY(major: 1, header: "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5)}", data: [])
        #expect(try NPYArray.decode(empty, path: "x") == .float32(shape: [0, 5], values: []))
    }

    @Test func floatValuesConvertEveryDtype() {
        #expect(NPYArray.bool(shape: [2], values: [true, false]).floatValues() == [1, 0])
        #expect(NPYArray.uint8(shape: [2], values: [0, 255]).floatValues() == [0, 255])
        #expect(NPYArray.int8(shape: [2], values: [-128, 127]).floatValues() == [-128, 127])
        #expect(NPYArray.int32(shape: [1], values: [-70000]).floatValues() == [-70000])
        #expect(NPYArray.float32(shape: [1], values: [0.5]).floatValues() == [0.5])
    }

    /// NumPy writes fixtures; we read them and compare with values computed here from the same
    /// formulas. Then NumPy reads what we write.
    @Test(.enabled(if: numpyAvailable, "python3 with numpy is not installed; NumPy interop not checked"))
    func numpyInterop() throws {
        let dir = scratchPath("numpy")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = """
        import numpy as np, sys, os
        from numpy.lib import format as F
        d = sys.argv[1]
        np.save(os.path.join(d, 'u8.npy'), (np.arange(6) * 37 % 256).astype(np.uint8).reshape(2, 3))
        np.save(os.path.join(d, 'i8.npy'), np.arange(-128, 128, dtype=np.int8))
        np.save(os.path.join(d, 'i32.npy'), (np.arange(12, dtype=np.int32) * -100000).reshape(3, 2, 2))
        np.save(os.path.join(d, 'f32.npy'), (np.arange(10, dtype=np.float32) / 4).reshape(2, 5))
        np.save(os.path.join(d, 'b.npy'), np.arange(7) % 2 == 0)
        np.save(os.path.join(d, 'scalar.npy'), np.float32(2.5))
        np.save(os.path.join(d, 'fortran.npy'), np.asfortranarray(np.zeros((2, 3), dtype=np.float32)))
        np.save(os.path.join(d, 'i64.npy'), np.arange(3, dtype=np.int64))
        for v in [(2, 0), (3, 0)]:
            with open(os.path.join(d, 'v%d.npy' % v[0]), 'wb') as f:
                F.write_array(f, np.arange(4, dtype=np.int32), version=v)
        """
        let gen = runPython(script, args: [dir])
        try #require(gen.status == 0, "fixture generation failed: \(gen.output)")
        func load(_ name: String) throws -> NPYArray { try NPYArray.read(path: dir + "/" + name) }

        #expect(try load("u8.npy") == .uint8(shape: [2, 3], values: (0..<6).map { UInt8($0 * 37 % 256) }))
        #expect(try load("i8.npy") == .int8(shape: [256], values: (-128...127).map { Int8($0) }))
        #expect(try load("i32.npy") == .int32(shape: [3, 2, 2], values: (0..<12).map { Int32($0 * -100000) }))
        #expect(try load("f32.npy") == .float32(shape: [2, 5], values: (0..<10).map { Float($0) / 4 }))
        #expect(try load("b.npy") == .bool(shape: [7], values: (0..<7).map { $0 % 2 == 0 }))
        #expect(try load("scalar.npy") == .float32(shape: [], values: [2.5]))
        #expect(try load("v2.npy") == .int32(shape: [4], values: [0, 1, 2, 3]))
        #expect(try load("v3.npy") == .int32(shape: [4], values: [0, 1, 2, 3]))
        expectMalformed(path: dir + "/fortran.npy", reasonContains: "Fortran") { try load("fortran.npy") }
        expectMalformed(path: dir + "/i64.npy", reasonContains: "'<i8'") { try load("i64.npy") }

        // The other direction: NumPy must read our files and find the same values.
        for dtype in NPYDType.allCases {
            try Self.sample(dtype, shape: [2, 3]).write(path: dir + "/ours-\(dtype).npy")
        }
        try NPYArray.float32(shape: [], values: [-3]).write(path: dir + "/ours-scalar.npy")
        let check = """
        import numpy as np, sys, os
        d = sys.argv[1]
        assert np.load(os.path.join(d, 'ours-uint8.npy')).tolist() == [[255, 36, 73], [110, 147, 184]]
        assert np.load(os.path.join(d, 'ours-int8.npy')).tolist() == [[-128, -75, -22], [31, 84, -119]]
        assert np.load(os.path.join(d, 'ours-bool.npy')).tolist() == [[True, False, False], [True, False, False]]
        a = np.load(os.path.join(d, 'ours-int32.npy'))
        assert a.dtype == np.int32 and a.shape == (2, 3) and a[0, 0] == -2**31 and a[0, 1] == 123456789
        f = np.load(os.path.join(d, 'ours-float32.npy'))
        assert f.dtype == np.float32 and f.flags['C_CONTIGUOUS'] and f[0, 1] == -1.5 and np.isinf(f[0, 0])
        s = np.load(os.path.join(d, 'ours-scalar.npy'))
        assert s.shape == () and s == -3
        print('ok')
        """
        let verified = runPython(check, args: [dir])
        #expect(verified.status == 0, "numpy rejected our files: \(verified.output)")
    }
}
