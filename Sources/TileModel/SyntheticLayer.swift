import Foundation
import AcceleratorSpec

/// Synthetic layers named like `k3s1c64x64@128x128` (append `r` for a residual layer).
public struct SyntheticLayer: Hashable, Sendable {
    public var kernel: Int, stride: Int, inChannels: Int, outChannels: Int, height: Int, width: Int, residual: Bool

    public init(kernel: Int, stride: Int, inChannels: Int, outChannels: Int, height: Int, width: Int, residual: Bool) {
        self.kernel = kernel; self.stride = stride; self.inChannels = inChannels; self.outChannels = outChannels
        self.height = height; self.width = width; self.residual = residual
    }

    /// Parses `k<K>s<S>c<Cin>x<Cout>@<H>x<W>[r]`.
    public init(parsing spec: String) throws {
        var s = Substring(spec)
        let residual = s.hasSuffix("r")
        if residual { s = s.dropLast() }
        func num(_ prefix: String) throws -> Int {
            guard s.hasPrefix(prefix) else { throw AcceleratorSpecError.invalidLayer("'\(spec)': expected '\(prefix)' (format k3s1c64x64@128x128[r])") }
            s = s.dropFirst(prefix.count)
            let digits = s.prefix { $0.isNumber }
            guard let v = Int(digits), v > 0 else { throw AcceleratorSpecError.invalidLayer("'\(spec)': expected a positive number after '\(prefix)'") }
            s = s.dropFirst(digits.count)
            return v
        }
        let k = try num("k"), st = try num("s"), ci = try num("c"), co = try num("x"), h = try num("@"), w = try num("x")
        guard s.isEmpty else { throw AcceleratorSpecError.invalidLayer("'\(spec)': trailing '\(s)'") }
        // A kernel or stride beyond the largest map side (`ImageSize.maxSide`) fits no map: a typo,
        // refused here before anything multiplies it.
        for (what, v) in [("kernel", k), ("stride", st)] where v > ImageSize.maxSide {
            throw AcceleratorSpecError.invalidLayer("'\(spec)': \(what) \(v) is over the limit of \(ImageSize.maxSide) (the largest map side)")
        }
        self.init(kernel: k, stride: st, inChannels: ci, outChannels: co, height: h, width: w, residual: residual)
        try checkMemory(spec)
    }

    /// Bytes a job of this layer holds at once (input, weights, residual, output, with the
    /// model's copies): an estimate to refuse absurd layers before allocating them. Computed in
    /// `Double` throughout, so any field values give a number rather than an overflow trap.
    public var estimatedBytes: Double {
        let oh = (Double(height) / Double(stride)).rounded(.up), ow = (Double(width) / Double(stride)).rounded(.up)
        let input = Double(height) * Double(width) * Double(inChannels)
        let weights = Double(outChannels) * Double(kernel) * Double(kernel) * Double(inChannels)
        let output = oh * ow * Double(outChannels)
        return 3 * input + 2 * weights + 4 * output * (residual ? 2 : 1)
    }

    /// The memory a layer may take: `SPARSETILE_MAX_MEMORY_GB` (default 16) GiB.
    public static var memoryLimitBytes: Double {
        (ProcessInfo.processInfo.environment["SPARSETILE_MAX_MEMORY_GB"].flatMap(Double.init) ?? 16) * 1_073_741_824
    }

    /// Throws when `estimatedBytes` is over the limit, naming both and how to raise it.
    public func checkMemory(_ what: String) throws {
        let need = estimatedBytes, limit = Self.memoryLimitBytes
        guard need <= limit else {
            throw AcceleratorSpecError.invalidLayer(String(format: "'%@' needs about %.1f GiB, over the limit of %.0f GiB (set SPARSETILE_MAX_MEMORY_GB to raise it)",
                                                           what, need / 1_073_741_824, limit / 1_073_741_824))
        }
    }

    public var name: String { "k\(kernel)s\(stride)c\(inChannels)x\(outChannels)@\(height)x\(width)\(residual ? "r" : "")" }

    /// A job with deterministic pseudo-random tensors and a tile mask of about `density` (1 = full),
    /// at tile shape `shape` (default: the config's full tile).
    public func job(config: HardwareConfig, density: Double = 1, seed: UInt64 = 1, name: String? = nil, shape: TileShape? = nil) throws -> LayerJob {
        let tileH = shape?.height ?? config.tileH, tileW = shape?.width ?? config.tileW
        var state = seed &* 0x9e3779b97f4a7c15 | 1
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        func i8(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8(truncatingIfNeeded: next()) } }
        let g = try ConvGeometry(kernel: kernel, stride: stride)
        let oh = g.outputSize(height), ow = g.outputSize(width)
        let th = (oh + tileH - 1) / tileH, tw = (ow + tileW - 1) / tileW
        let bits = (0..<(th * tw)).map { _ in density >= 1 || Double(next() % 1_000_000) / 1e6 < density }
        return try LayerJob(name: name ?? self.name, kernel: kernel, stride: stride, inHeight: height, inWidth: width,
                            inChannels: inChannels, outChannels: outChannels, weights: i8(outChannels * kernel * kernel * inChannels),
                            bias: (0..<outChannels).map { _ in Int32(truncatingIfNeeded: next() % 2001) - 1000 },
                            input: i8(height * width * inChannels), residual: residual ? i8(oh * ow * outChannels) : nil,
                            multiplier: 20000, shift: 22, activation: .relu, tileH: tileH, tileW: tileW,
                            tileMaskBits: bits)
    }

    /// Network-shaped synthetic workloads (conv layers only, shapes as in the real networks).
    public static func resnet18(size: Int = 224) -> [(String, SyntheticLayer)] {
        var l: [(String, SyntheticLayer)] = [("conv1", .init(kernel: 7, stride: 2, inChannels: 3, outChannels: 64, height: size, width: size, residual: false))]
        var s = (size + 1) / 2; s = (s + 1) / 2  // after conv1 and max-pool
        var c = 64
        for (stage, co) in [64, 128, 256, 512].enumerated() {
            for block in 0..<2 {
                let stride = (stage > 0 && block == 0) ? 2 : 1
                let n = "layer\(stage + 1).\(block)"
                l.append(("\(n).conv1", .init(kernel: 3, stride: stride, inChannels: c, outChannels: co, height: s, width: s, residual: false)))
                let so = (s + stride - 1) / stride
                if stride == 2 { l.append(("\(n).downsample", .init(kernel: 1, stride: 2, inChannels: c, outChannels: co, height: s, width: s, residual: false))) }
                l.append(("\(n).conv2", .init(kernel: 3, stride: 1, inChannels: co, outChannels: co, height: so, width: so, residual: true)))
                s = so; c = co
            }
        }
        return l
    }

    /// SRResNet (16 residual blocks, x4 upsampling) on a `size`² input.
    public static func srresnet(size: Int = 128, blocks: Int = 16) -> [(String, SyntheticLayer)] {
        var l: [(String, SyntheticLayer)] = [("conv_in", .init(kernel: 9, stride: 1, inChannels: 3, outChannels: 64, height: size, width: size, residual: false))]
        for b in 0..<blocks {
            l.append(("block\(b).conv1", .init(kernel: 3, stride: 1, inChannels: 64, outChannels: 64, height: size, width: size, residual: false)))
            l.append(("block\(b).conv2", .init(kernel: 3, stride: 1, inChannels: 64, outChannels: 64, height: size, width: size, residual: true)))
        }
        l.append(("conv_mid", .init(kernel: 3, stride: 1, inChannels: 64, outChannels: 64, height: size, width: size, residual: true)))
        l.append(("upsample1", .init(kernel: 3, stride: 1, inChannels: 64, outChannels: 256, height: size, width: size, residual: false)))
        l.append(("upsample2", .init(kernel: 3, stride: 1, inChannels: 64, outChannels: 256, height: 2 * size, width: 2 * size, residual: false)))
        l.append(("conv_out", .init(kernel: 9, stride: 1, inChannels: 64, outChannels: 3, height: 4 * size, width: 4 * size, residual: false)))
        return l
    }
}
