import Testing
@testable import SparseCNN

@Suite struct RequantizationTests {
    /// Hand-worked: (100 + 28) · 3 / 2^4 = 24 exactly; (5) · 1 / 2 = 2.5 rounds half up to 3.
    @Test func handWorkedValues() throws {
        #expect(try Requantization(multiplier: 3, shift: 4).apply(accumulator: 100, bias: 28) == 24)
        #expect(try Requantization(multiplier: 1, shift: 1).apply(accumulator: 5, bias: 0) == 3)
        #expect(try Requantization(multiplier: 1, shift: 1).apply(accumulator: -5, bias: 0) == -2)
        #expect(try Requantization(multiplier: 65535, shift: 1).apply(accumulator: 1000, bias: 0) == 127)
        #expect(try Requantization(multiplier: 65535, shift: 1).apply(accumulator: -1000, bias: 0) == -128)
    }

    @Test func scaleRoundTrip() throws {
        for scale in [0.5, 0.001234, 3.75, 1e-6] {
            let r = try Requantization(scale: scale)
            #expect(abs(r.scale - scale) / scale < 1e-4)
        }
    }

    @Test func rejectsOutOfRange() {
        #expect(throws: SparseCNNError.self) { try Requantization(multiplier: 0, shift: 4) }
        #expect(throws: SparseCNNError.self) { try Requantization(multiplier: 1, shift: 48) }
    }

    @Test func residualSaturatesThenActivation() throws {
        let r = try Requantization(multiplier: 1, shift: 1)
        #expect(requantizedOutput(accumulator: 200, bias: 0, requantization: r, residual: 100, activation: .none) == 127)
        #expect(requantizedOutput(accumulator: -20, bias: 0, requantization: r, residual: 3, activation: .relu) == 0)
        // −64 · 64/256 = −16.
        #expect(requantizedOutput(accumulator: -128, bias: 0, requantization: r, residual: nil, activation: .prelu(slope: 64)) == -16)
    }
}
