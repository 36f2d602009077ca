import TileModel


/// Textbook conv + requantization, independent of the model: loops over (y, x, o, ky, kx, c).
func referenceOutput(_ job: LayerJob) -> QTensor {
    let K = job.kernel, S = job.stride, pad = (K - 1) / 2
    let inp = job.input, f = job.filter
    let oh = (inp.height + S - 1) / S, ow = (inp.width + S - 1) / S
    var out = QTensor(shape: TensorShape(height: oh, width: ow, channels: f.outChannels), repeating: 0)
    let m = job.tileMask
    for y in 0..<oh { for x in 0..<ow { for o in 0..<f.outChannels {
        let active = m[y / m.tileHeight, x / m.tileWidth]
        if !active { out[y, x, o] = job.residual?[y, x, o] ?? 0; continue }
        var acc: Int32 = 0
        for ky in 0..<K { for kx in 0..<K {
            let iy = y * S - pad + ky, ix = x * S - pad + kx
            if iy < 0 || iy >= inp.height || ix < 0 || ix >= inp.width { continue }
            for c in 0..<inp.channels { acc += Int32(inp[iy, ix, c]) * Int32(f[o, ky, kx, c]) }
        } }
        out[y, x, o] = requantizedOutput(accumulator: acc, bias: job.bias[o], requantization: job.requantization,
                                         residual: job.residual?[y, x, o], activation: job.activation)
    } } }
    return out
}

enum MaskKind: CaseIterable { case full, empty, random, single }

/// A random layer with the given shape; values span the int8 range, bias moderate.
func randomJob(_ rng: inout SplitMix64, K: Int, S: Int, H: Int, W: Int, cin: Int, cout: Int, residual: Bool,
               config: HardwareConfig, mask: MaskKind, pixelMask: Bool = false,
               activation: Activation = .relu, shape: TileShape? = nil) throws -> LayerJob {
    let oh = (H + S - 1) / S, ow = (W + S - 1) / S
    let tileH = shape?.height ?? config.tileH, tileW = shape?.width ?? config.tileW
    let th = (oh + tileH - 1) / tileH, tw = (ow + tileW - 1) / tileW
    var bits: [Bool]
    switch mask {
    case .full: bits = Array(repeating: true, count: th * tw)
    case .empty: bits = Array(repeating: false, count: th * tw)
    case .random: bits = (0..<(th * tw)).map { _ in Bool.random(using: &rng) }
    case .single: bits = Array(repeating: false, count: th * tw); bits[Int.random(in: 0..<(th * tw), using: &rng)] = true
    }
    func i8(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8.random(in: -128...127, using: &rng) } }
    return try LayerJob(
        name: "k\(K)s\(S)c\(cin)x\(cout)@\(H)x\(W)", kernel: K, stride: S, inHeight: H, inWidth: W,
        inChannels: cin, outChannels: cout, weights: i8(cout * K * K * cin),
        bias: (0..<cout).map { _ in Int32.random(in: -5000...5000, using: &rng) }, input: i8(H * W * cin),
        residual: residual ? i8(oh * ow * cout) : nil,
        multiplier: Int32.random(in: 1000...30000, using: &rng), shift: Int32.random(in: 14...20, using: &rng),
        activation: activation, tileH: tileH, tileW: tileW, tileMaskBits: bits,
        pixelMaskBits: pixelMask ? (0..<(oh * ow)).map { _ in Bool.random(using: &rng) } : nil)
}

/// A small config to exercise odd shapes: 3x2 tiles, lanes 3x4, B 8, short latency, small buffers.
func oddConfig(weightBytes: Int = 3 * 8 * 64, outputBytes: Int = 2 * 6 * 8 * 8) throws -> HardwareConfig {
    try HardwareConfig(tileH: 3, tileW: 2, lanesK: 3, lanesC: 4, inputBufferBytes: 2 * 6 * 8 * 64,
                       weightBufferBytes: weightBytes, outputBufferBytes: outputBytes,
                       memBytesPerCycle: 8, memLatency: 3)
}

extension HardwareConfig {
    /// The default config without its line buffer: the halo path (halo reuse, the rings, §6.2)
    /// that the tests of those mechanisms work by hand; a line buffer turns them off (§6.5).
    static let defaultWithoutLineBuffer = try! HardwareConfig.default.overriding(lineBufferBytes: 0)
}
