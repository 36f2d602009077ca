import ArgumentParser
import Foundation
import SparseCNN

/// Times the int8 conv kernels: one dense layer, then the SBNet-style sparse path at several
/// pixel densities of spatially clustered masks.
struct SparseConvBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparse-conv",
        abstract: "Dense vs SBNet-style sparse int8 conv on one layer, over several mask densities."
    )

    @Option(help: "Input map height and width.") var size = 128
    @Option(help: "Input and output channels.") var channels = 64
    @Option(help: "Kernel size (odd).") var kernel = 3
    @Option(help: "Stride (1 or 2).") var stride = 1
    @Option(help: "Tile height and width.") var tile = 8
    @Option(help: "Timed runs per measurement; the best is reported.") var runs = 10
    @Option(help: "Pixel densities to measure, comma separated.") var densities = "0.1,0.3,0.5,1.0"
    @Option(help: "Random seed of the data and masks.") var seed: UInt64 = 1

    func run() throws {
        var rng = SplitMix64(seed: seed)
        let geometry = try ConvGeometry(kernel: kernel, stride: stride)
        let input = try QTensor(shape: TensorShape(height: size, width: size, channels: channels),
                                scalars: (0..<(size * size * channels)).map { _ in Int8.random(in: -128...127, using: &rng) })
        let filter = try Filter<Int8>(outChannels: channels, kernel: kernel, inChannels: channels,
                                      scalars: (0..<(channels * kernel * kernel * channels)).map { _ in Int8.random(in: -128...127, using: &rng) })
        let layer = try QuantizedConv(filter: filter, bias: Array(repeating: 100, count: channels), geometry: geometry,
                                      requantization: Requantization(scale: 1.0 / 4096), activation: .relu)
        let out = layer.outputShape(for: input.shape)
        let denseMACs = Double(out.pixels * channels * kernel * kernel * channels)

        // The headline dense figure; each table row re-times dense alongside its sparse runs.
        var dense: QTensor?
        let denseSeconds = try best(of: runs) { dense = try layer(input, residual: nil) }
        print("int8 \(channels)->\(channels) \(kernel)x\(kernel) stride \(stride), \(size)x\(size) input, \(tile)x\(tile) tiles, best of \(runs)")
        print(String(format: "dense: %.2f ms, %.2f GMAC, %.2f GMAC/s", denseSeconds * 1e3, denseMACs / 1e9, denseMACs / denseSeconds / 1e9))
        let floatInput = try FloatTensor(shape: input.shape, scalars: input.scalars.map { Float($0) / 128 })
        let floatFilter = try Filter<Float>(outChannels: channels, kernel: kernel, inChannels: channels,
                                            scalars: filter.scalars.map { Float($0) / 128 })
        let floatSeconds = try best(of: runs) { _ = try conv2d(floatInput, floatFilter, bias: nil, geometry: geometry) }
        print(String(format: "float dense (conv2d): %.2f ms, %.2f GMAC/s", floatSeconds * 1e3, denseMACs / floatSeconds / 1e9))
        print("")
        print("pixel density | tile density | dense ms | sparse ms | speed-up | MAC reduction")
        print("------------- | ------------ | -------- | --------- | -------- | -------------")
        for density in densities.split(separator: ",").compactMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
            let pixels = clusteredMask(height: out.height, width: out.width, density: density, rng: &rng)
            let tiles = try TileMask(reducing: pixels, tileHeight: tile, tileWidth: tile, reduction: .max)
            var sparse: QTensor?
            // Dense and sparse runs alternate so both see the same machine load (the build
            // machine is shared); each keeps its best time.
            var rowDense = Double.infinity, sparseSeconds = Double.infinity
            for _ in 0..<max(1, runs) {
                rowDense = min(rowDense, try best(of: 1) { _ = try layer(input, residual: nil) })
                sparseSeconds = min(sparseSeconds, try best(of: 1) { sparse = try layer.sparse(input, tileMask: tiles, residual: nil) })
            }
            // Guard against timing a wrong kernel: active tiles must equal the dense output.
            try verify(sparse!, dense!, tiles)
            // MACs the sparse path performs: every active tile as a full tile (edge tiles included).
            let sparseMACs = Double(tiles.activeCount * tile * tile * channels * kernel * kernel * channels)
            print(String(format: "%13.2f | %12.3f | %8.2f | %9.2f | %7.2fx | %12.2fx",
                         pixels.density, tiles.density, rowDense * 1e3, sparseSeconds * 1e3,
                         rowDense / sparseSeconds, sparseMACs > 0 ? denseMACs / sparseMACs : .infinity))
        }
    }

    /// Best wall-clock time of `runs` calls, after one untimed warm-up call.
    func best(of runs: Int, _ body: () throws -> Void) throws -> Double {
        try body()
        var best = Double.infinity
        for _ in 0..<max(1, runs) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
        }
        return best
    }

    func verify(_ sparse: QTensor, _ dense: QTensor, _ tiles: TileMask) throws {
        for (ty, tx) in tiles.activeTiles {
            let r = tiles.pixelRange(ty: ty, tx: tx)
            for y in r.rows { for x in r.cols { for c in 0..<sparse.channels where sparse[y, x, c] != dense[y, x, c] {
                throw ValidationError("sparse output differs from dense at (\(y), \(x), \(c))")
            } } }
        }
    }
}

/// A pixel mask of random ellipses and rectangles (real computation masks are spatially
/// clustered, not salt-and-pepper), grown until it reaches `density`.
func clusteredMask(height: Int, width: Int, density: Double, rng: inout SplitMix64) -> PixelMask {
    var mask = PixelMask(height: height, width: width, repeating: false)
    let target = Int((density * Double(height * width)).rounded())
    guard target < height * width else { return PixelMask(height: height, width: width, repeating: true) }
    var active = 0
    let maxSide = max(2, min(height, width) / 4)
    while active < target {
        let cy = Int.random(in: 0..<height, using: &rng), cx = Int.random(in: 0..<width, using: &rng)
        let ry = Int.random(in: 1...maxSide, using: &rng), rx = Int.random(in: 1...maxSide, using: &rng)
        let ellipse = Bool.random(using: &rng)
        for y in max(0, cy - ry)..<min(height, cy + ry + 1) {
            for x in max(0, cx - rx)..<min(width, cx + rx + 1) where active < target && !mask[y, x] {
                let dy = Double(y - cy) / Double(ry), dx = Double(x - cx) / Double(rx)
                if !ellipse || dy * dy + dx * dx <= 1 {
                    mask[y, x] = true
                    active += 1
                }
            }
        }
    }
    return mask
}

