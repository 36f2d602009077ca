import Foundation
import AcceleratorSpec

/// Sums over the layers of a run.
public struct SimulationTotals: Hashable, Codable, Sendable {
    public var layers = 0
    public var cycles = 0
    public var boundCycles = 0
    public var denseCycles = 0
    public var computeBusyCycles = 0
    public var stallCycles = StallCycles()
    public var issuedMACs = 0
    public var usefulMACs = 0
    public var denseMACs = 0
    public var dramBytesRead = 0
    public var dramBytesWritten = 0
    public var peUtilization = 0.0
    public var cyclesOverBound = 0.0
    public var speedup = 0.0
    /// cycles at the configured clock.
    public var milliseconds = 0.0
    public var denseMilliseconds = 0.0

    public init(layers stats: [LayerStats], config: HardwareConfig) {
        for s in stats {
            layers += 1; cycles += s.cycles; boundCycles += s.boundCycles; denseCycles += s.denseCycles
            computeBusyCycles += s.computeBusyCycles; stallCycles = stallCycles + s.stallCycles
            issuedMACs += s.issuedMACs; usefulMACs += s.usefulMACs; denseMACs += s.denseMACs
            dramBytesRead += s.dramBytesRead; dramBytesWritten += s.dramBytesWritten
        }
        peUtilization = cycles == 0 ? 0 : Double(usefulMACs) / Double(config.macsPerCycle) / Double(cycles)
        cyclesOverBound = boundCycles == 0 ? 0 : Double(cycles) / Double(boundCycles)
        speedup = cycles == 0 ? 0 : Double(denseCycles) / Double(cycles)
        milliseconds = Double(cycles) / (config.clockMHz * 1000)
        denseMilliseconds = Double(denseCycles) / (config.clockMHz * 1000)
    }
}

/// The `--json` document of `sparsetile simulate`: `{"config", "layers", "totals"}`.
public struct SimulationReport: Codable, Sendable {
    public var config: HardwareConfig
    public var layers: [LayerStats]
    public var totals: SimulationTotals

    public init(config: HardwareConfig, layers: [LayerStats]) {
        self.config = config; self.layers = layers
        totals = SimulationTotals(layers: layers, config: config)
    }

    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }

    public static let csvHeader = "name,kernel,stride,inShape,outShape,tileDensity,cycles,boundCycles,cyclesOverBound,denseCycles,speedup,computeBusyCycles,stallSetup,stallWeights,stallLoad,stallStore,stallDram,stallRequant,stallDrain,issuedMACs,usefulMACs,peUtilization,dramBytesRead,dramBytesWritten"

    public func csv() -> String {
        var lines = [Self.csvHeader]
        for s in layers {
            let st = s.stallCycles
            lines.append([s.name, "\(s.kernel)", "\(s.stride)", s.inShape.map(String.init).joined(separator: "x"),
                          s.outShape.map(String.init).joined(separator: "x"), "\(s.tileDensity)", "\(s.cycles)",
                          "\(s.boundCycles)", "\(s.cyclesOverBound)", "\(s.denseCycles)", "\(s.speedup)", "\(s.computeBusyCycles)",
                          "\(st.setup)", "\(st.weights)", "\(st.load)", "\(st.store)", "\(st.dram)", "\(st.requant)", "\(st.drain)",
                          "\(s.issuedMACs)", "\(s.usefulMACs)", "\(s.peUtilization)", "\(s.dramBytesRead)", "\(s.dramBytesWritten)"]
                .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The human-readable per-layer table with totals.
    public func table() -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        func f(_ x: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", x) }
        var out = [pad("layer", 22) + pad("shape", 26) + pad("tiles", 7) + pad("cycles", 11) + pad("bound", 11)
                   + pad("c/b", 6) + pad("PE%", 6) + pad("stall ld/st/dr/wt/rq/other", 34) + pad("DRAM rd/wr KiB", 18) + pad("speedup", 8)]
        for s in layers {
            let st = s.stallCycles
            let shape = "k\(s.kernel)s\(s.stride) \(s.inShape.map(String.init).joined(separator: "x"))→\(s.outShape[2])"
            out.append(pad(String(s.name.suffix(22)), 22) + pad(shape, 26) + pad(f(s.tileDensity), 7) + pad("\(s.cycles)", 11)
                       + pad("\(s.boundCycles)", 11) + pad(f(s.cyclesOverBound), 6) + pad(f(100 * s.peUtilization, 1), 6)
                       + pad("\(st.load)/\(st.store)/\(st.dram)/\(st.weights)/\(st.requant)/\(st.setup + st.drain)", 34)
                       + pad("\(s.dramBytesRead / 1024)/\(s.dramBytesWritten / 1024)", 18) + pad(f(s.speedup), 8))
        }
        let t = totals
        out.append("total: \(t.layers) layers, \(t.cycles) cycles (\(f(t.milliseconds, 3)) ms at \(f(config.clockMHz, 0)) MHz), bound \(t.boundCycles) (cycles/bound \(f(t.cyclesOverBound, 3))), PE util \(f(100 * t.peUtilization, 1))%, dense \(t.denseCycles) cycles (\(f(t.denseMilliseconds, 3)) ms), speed-up \(f(t.speedup))x, DRAM read \(t.dramBytesRead) B written \(t.dramBytesWritten) B")
        return out.joined(separator: "\n")
    }
}

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
        self.init(kernel: k, stride: st, inChannels: ci, outChannels: co, height: h, width: w, residual: residual)
    }

    public var name: String { "k\(kernel)s\(stride)c\(inChannels)x\(outChannels)@\(height)x\(width)\(residual ? "r" : "")" }

    /// A job with deterministic pseudo-random tensors and a tile mask of about `density` (1 = full).
    public func job(config: HardwareConfig, density: Double = 1, seed: UInt64 = 1, name: String? = nil) throws -> LayerJob {
        var state = seed &* 0x9e3779b97f4a7c15 | 1
        func next() -> UInt64 { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state }
        func i8(_ n: Int) -> [Int8] { (0..<n).map { _ in Int8(truncatingIfNeeded: next()) } }
        let g = try ConvGeometry(kernel: kernel, stride: stride)
        let oh = g.outputSize(height), ow = g.outputSize(width)
        let th = (oh + config.tileH - 1) / config.tileH, tw = (ow + config.tileW - 1) / config.tileW
        let bits = (0..<(th * tw)).map { _ in density >= 1 || Double(next() % 1_000_000) / 1e6 < density }
        return try LayerJob(name: name ?? self.name, kernel: kernel, stride: stride, inHeight: height, inWidth: width,
                            inChannels: inChannels, outChannels: outChannels, weights: i8(outChannels * kernel * kernel * inChannels),
                            bias: (0..<outChannels).map { _ in Int32(truncatingIfNeeded: next() % 2001) - 1000 },
                            input: i8(height * width * inChannels), residual: residual ? i8(oh * ow * outChannels) : nil,
                            multiplier: 20000, shift: 22, activation: .relu, tileH: config.tileH, tileW: config.tileW,
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
