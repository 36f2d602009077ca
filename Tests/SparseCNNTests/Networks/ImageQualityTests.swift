import Foundation
import Testing
import SparseCNN

/// PSNR, SSIM and bicubic resizing, against hand-worked values and properties.
@Suite struct ImageQualityTests {
    static func gray(_ w: Int, _ h: Int, _ f: (Int, Int) -> Int) throws -> Image {
        try Image(width: w, height: h, channels: 1, pixels: (0..<(w * h)).map { UInt8(f($0 % w, $0 / w)) })
    }

    /// Two 2-pixel gray images differing by 3 and 4: every RGB sample repeats the gray value, so
    /// MSE = (9 + 16) / 2 = 12.5 and PSNR = 10 · log10(65025 / 12.5) = 37.16 dB.
    @Test func psnrWorkedByHand() throws {
        let a = try Self.gray(2, 1) { x, _ in x == 0 ? 10 : 20 }, b = try Self.gray(2, 1) { x, _ in x == 0 ? 13 : 24 }
        let p = try #require(try ImageQuality.psnr(a, b))
        #expect(abs(p - 10 * log10(65025 / 12.5)) < 1e-9)
        #expect(try ImageQuality.psnr(a, a) == nil)
        #expect(throws: SparseCNNError.self) { try ImageQuality.psnr(a, Self.gray(1, 1) { _, _ in 0 }) }
    }

    /// SSIM is 1 for identical images, symmetric, and lower for a noisier copy.
    @Test func ssimProperties() throws {
        var g = SplitMix64(seed: 3)
        let a = try Self.gray(24, 20) { x, y in (x * 7 + y * 5) % 256 }
        let noisy = try Self.gray(24, 20) { x, y in min(255, (x * 7 + y * 5) % 256 + Int(g.nextUnit() * 40)) }
        #expect(abs(try ImageQuality.ssim(a, a) - 1) < 1e-12)
        #expect(abs(try ImageQuality.ssim(a, noisy) - ImageQuality.ssim(noisy, a)) < 1e-12)
        #expect(try ImageQuality.ssim(a, noisy) < 0.99)
    }

    /// Bicubic keeps a constant image constant and reproduces a linear ramp away from the borders
    /// (Keys' kernel reproduces linear functions exactly).
    @Test func bicubicOnConstantsAndRamps() throws {
        let flat = try Self.gray(5, 4) { _, _ in 77 }
        #expect(try flat.bicubicResized(height: 8, width: 10).pixels.allSatisfy { $0 == 77 })
        let ramp = try Self.gray(8, 8) { x, _ in 10 * x + 20 }
        let up = try ramp.bicubicResized(height: 16, width: 16)
        // Output column o samples source x = (o + 0.5)/2 − 0.5; the ramp there is 10x + 20.
        for o in 4..<12 {
            let x = (Double(o) + 0.5) / 2 - 0.5
            #expect(abs(Double(up.pixels[5 * 16 + o]) - (10 * x + 20)) <= 0.5, "column \(o)")
        }
    }
}
