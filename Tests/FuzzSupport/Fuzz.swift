/// Mutation fuzzing for the readers' tests (SparseCNNTests, AcceleratorSpecTests, TileModelTests):
/// valid seed inputs made by each test, mutated at the byte level from a fixed seed, so every run
/// feeds the same inputs and a failure reproduces.
///
/// A crash (a trap) ends the test process, and the input is lost with it. Set
/// `SPARSETILE_FUZZ_LOG=DIR` to have each input written to `DIR/<name>.last` before it is read
/// (after a crash that file holds the input that caused it) and each run's tally printed.

import Foundation
import SparseCNN

/// The fuzzers' generator: the library's SplitMix64 (a fixed algorithm, the same on every platform)
/// with the draws the mutations need.
public struct FuzzRNG {
    private var generator: SplitMix64
    public init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { generator.next() }

    /// Uniform in 0..<n (n > 0; the modulo bias is irrelevant here).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    public mutating func pick<T>(_ options: [T]) -> T { options[below(options.count)] }
}

/// Byte-level mutations of valid inputs.
public struct Mutator {
    public var rng: FuzzRNG
    public init(seed: UInt64) { rng = FuzzRNG(seed: seed) }

    /// Bytes that mean something to some format: zero, extremes, ASCII digits, separators, brackets.
    static let interestingBytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF] + Array("09-+.,: \n\"'{}[]()#eE".utf8)

    /// Integers that break size arithmetic, written over 2, 4 or 8 bytes in either byte order.
    static let interestingIntegers: [UInt64] = [0, 1, 0x7F, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000,
                                                0xFFFF_FFFF, 0x1_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF]

    /// Replacements for a decimal number in a text format: huge, negative, zero, non-integers.
    public static let hugeNumbers = ["99999999999999999999999", "9223372036854775807", "9223372036854775808", "4294967296",
                                     "2147483648", "65536", "16385", "1048577", "-1", "0", "-0", "1e309", "1.5", "NaN", "1e-400"]

    /// 1–4 random mutations of `input`, one in half the cases: a single change most often gets
    /// past the checks a format has to the code behind them.
    public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var b = input
        for _ in 0..<(rng.below(2) == 0 ? 1 : 2 + rng.below(3)) { mutateOnce(&b) }
        return b
    }

    private mutating func mutateOnce(_ b: inout [UInt8]) {
        switch rng.below(9) {
        case 0 where !b.isEmpty:  // flip one bit
            let i = rng.below(b.count); b[i] ^= 1 << UInt8(rng.below(8))
        case 1 where !b.isEmpty:  // one byte to an interesting value
            b[rng.below(b.count)] = rng.pick(Self.interestingBytes)
        case 2:  // truncate
            b.removeLast(b.isEmpty ? 0 : rng.below(b.count + 1))
        case 3:  // insert random or interesting bytes
            let at = rng.below(b.count + 1)
            let n = 1 + rng.below(16)
            let bytes = (0..<n).map { _ in rng.below(2) == 0 ? UInt8(truncatingIfNeeded: rng.next()) : rng.pick(Self.interestingBytes) }
            b.insert(contentsOf: bytes, at: at)
        case 4 where !b.isEmpty:  // delete a range
            let i = rng.below(b.count), n = 1 + rng.below(min(32, b.count - i))
            b.removeSubrange(i..<(i + n))
        case 5 where !b.isEmpty:  // duplicate a range
            let i = rng.below(b.count), n = 1 + rng.below(min(64, b.count - i))
            b.insert(contentsOf: Array(b[i..<(i + n)]), at: rng.below(b.count + 1))
        case 6 where b.count >= 2:  // an interesting integer over 2, 4 or 8 bytes
            let width = rng.pick([2, 4, 8].filter { $0 <= b.count })
            let v = rng.pick(Self.interestingIntegers)
            let at = rng.below(b.count - width + 1), bigEndian = rng.below(2) == 0
            for k in 0..<width {
                let shift = UInt64(8 * (bigEndian ? width - 1 - k : k))
                b[at + k] = UInt8(truncatingIfNeeded: v >> shift)
            }
        case 7, 8:  // a decimal number (text formats) replaced by a huge or odd one
            let digits = b.indices.filter { b[$0] >= 0x30 && b[$0] <= 0x39 && ($0 == 0 || !(b[$0 - 1] >= 0x30 && b[$0 - 1] <= 0x39)) }
            guard let start = digits.isEmpty ? nil : rng.pick(digits) else { return mutateOnce(&b) }
            var end = start
            while end < b.count, b[end] >= 0x30 && b[end] <= 0x39 { end += 1 }
            b.replaceSubrange(start..<end, with: Array(rng.pick(Self.hugeNumbers).utf8))
        default:
            mutateOnce(&b)
        }
    }
}

/// What a fuzz run saw.
public struct FuzzTally: CustomStringConvertible {
    /// Inputs read without error (and whose results passed the test's checks).
    public var accepted = 0
    /// Inputs refused with an error the test's `errorIsClear` accepted.
    public var rejected = 0
    /// Inputs whose error was not clear enough, or whose result broke a check: the failures.
    public var failures: [(input: [UInt8], problem: String)] = []

    public var description: String {
        "\(accepted) accepted, \(rejected) rejected, \(failures.count) failures"
            + (failures.first.map { ": first \($0.problem) on \($0.input.count) bytes \(hexPrefix($0.input))" } ?? "")
    }
}

/// The first bytes of `b` in hex, to show a failing input.
public func hexPrefix(_ b: [UInt8], _ n: Int = 48) -> String {
    b.prefix(n).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
        + (b.count > n ? "…" : "")
}

/// Reads every seed, then `count` mutants of them (each from a seed picked at random, mutated by
/// `mutator`, or by `mutate` when given, e.g. to repair checksums). `read` returns normally for a
/// valid input (after checking its result; a broken check should throw `FuzzCheckFailure`) or
/// throws; `errorIsClear` says whether an error is the reader's own and names the file or
/// field and the problem. Seeds must be accepted.
public func fuzz(_ name: String, seeds: [[UInt8]], count: Int, seed: UInt64,
                 mutate: ((inout Mutator, [UInt8]) -> [UInt8])? = nil,
                 read: ([UInt8]) throws -> Void, errorIsClear: (Error) -> Bool) -> FuzzTally {
    var tally = FuzzTally()
    var m = Mutator(seed: seed)
    let logDir = ProcessInfo.processInfo.environment["SPARSETILE_FUZZ_LOG"]
    for s in seeds {
        do { try read(s) } catch { tally.failures.append((s, "a seed is refused: \(error)")) }
    }
    for _ in 0..<count {
        let base = m.rng.pick(seeds)
        let input = mutate.map { $0(&m, base) } ?? m.mutate(base)
        if let d = logDir { FileManager.default.createFile(atPath: "\(d)/\(name).last", contents: Data(input)) }
        do {
            try read(input)
            tally.accepted += 1
        } catch let f as FuzzCheckFailure {
            tally.failures.append((input, "accepted, but \(f.problem)"))
        } catch {
            if errorIsClear(error) { tally.rejected += 1 } else { tally.failures.append((input, "unclear error: \(error)")) }
        }
    }
    if logDir != nil { FileHandle.standardError.write(Data("fuzz \(name): \(count) mutants, \(tally)\n".utf8)) }
    return tally
}

/// A valid-looking result that breaks an invariant the test checks.
public struct FuzzCheckFailure: Error {
    public var problem: String
    public init(_ problem: String) { self.problem = problem }
}
