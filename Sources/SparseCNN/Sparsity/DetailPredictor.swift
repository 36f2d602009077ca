import Foundation

/// A learned importance map: where a super-resolution network adds detail to its skip path's
/// upsampling, predicted from the input alone (docs/masks.md, "Detail predictor"; issue 16).
///
/// A stack of 3×3 convolutions with ReLU between them (any widths and depth; the one bundled with
/// srresnet-8x32-skip-bilinear is 3 → 32 → 32 → 32 → 1, about 19.6 k MACs per input pixel, 4 % of
/// the network's) regresses log(1e-3 + mean |output − skip|) over each input pixel's output block;
/// the map is its exponential (only the ranking matters to the controller). `tools/train_srresnet.py
/// --sparse` trains the network with the masks such a map chooses, so a skipped region is where the
/// network has learned to leave the skip path's image.
public struct DetailPredictor: ImportancePredictor {
    /// One 3×3 convolution of the stack (filter in SparseCNN's [Cout][Kh][Kw][Cin] layout).
    public struct Layer: Sendable {
        public var filter: Filter<Float>
        public var bias: [Float]
    }
    public let layers: [Layer]
    public var name: String { "detail" }

    /// Reads `detail.N.weight.npy` (PyTorch [Cout][Cin][3][3], float32) and `detail.N.bias.npy` for
    /// N = 0, 1, … from `directory`; the layers must chain from 3 (or the input's channels) to 1.
    public init(directory: String) throws {
        var layers: [Layer] = []
        let fm = FileManager.default
        while true {
            let n = layers.count
            let wPath = (directory as NSString).appendingPathComponent("detail.\(n).weight.npy")
            guard fm.fileExists(atPath: wPath) else { break }
            let bPath = (directory as NSString).appendingPathComponent("detail.\(n).bias.npy")
            guard case .float32(let ws, let w) = try NPYArray.read(path: wPath), ws.count == 4, ws[2] == ws[3], ws[2] % 2 == 1 else {
                throw SparseCNNError.malformedFile(path: wPath, reason: "a detail predictor's weight must be float32 [Cout][Cin][K][K] with K odd")
            }
            guard case .float32(let bs, let b) = try NPYArray.read(path: bPath), bs == [ws[0]] else {
                throw SparseCNNError.malformedFile(path: bPath, reason: "a detail predictor's bias must be float32 [\(ws[0])]")
            }
            if let last = layers.last, last.filter.outChannels != ws[1] {
                throw SparseCNNError.malformedFile(path: wPath, reason: "takes \(ws[1]) channels but detail.\(n - 1) gives \(last.filter.outChannels)")
            }
            guard (w + b).allSatisfy(\.isFinite) else { throw SparseCNNError.malformedFile(path: wPath, reason: "weights must be finite") }
            let (o, i, k) = (ws[0], ws[1], ws[2])
            var hwc = [Float](repeating: 0, count: w.count)
            for co in 0..<o { for ci in 0..<i { for ky in 0..<k { for kx in 0..<k {
                hwc[((co * k + ky) * k + kx) * i + ci] = w[((co * i + ci) * k + ky) * k + kx]
            } } } }
            layers.append(Layer(filter: try Filter(outChannels: o, kernel: k, inChannels: i, scalars: hwc), bias: b))
        }
        guard let last = layers.last else {
            throw SparseCNNError.malformedFile(path: directory, reason: "no detail predictor (detail.0.weight.npy) here")
        }
        guard last.filter.outChannels == 1 else {
            throw SparseCNNError.malformedFile(path: directory, reason: "the detail predictor's last layer gives \(last.filter.outChannels) channels, not 1")
        }
        self.layers = layers
    }

    /// The predictor bundled with a network's trained weights, if it has one.
    public static func bundled(for network: Network) -> DetailPredictor? {
        guard let dir = NetworkParameters.bundledWeightsDirectory(network.name),
              FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("detail.0.weight.npy")) else { return nil }
        return try? DetailPredictor(directory: dir)
    }

    public func importance(for input: FloatTensor) throws -> ImportanceMap {
        guard input.channels == layers[0].filter.inChannels else {
            throw SparseCNNError.shapeMismatch("the detail predictor takes \(layers[0].filter.inChannels) channels; the input has \(input.channels)")
        }
        var x = input
        for (n, l) in layers.enumerated() {
            x = try conv2d(x, l.filter, bias: l.bias, geometry: try ConvGeometry(kernel: l.filter.kernel, stride: 1))
            if n + 1 < layers.count { x = try FloatTensor(shape: x.shape, scalars: x.scalars.map { max(0, $0) }) }
        }
        // (exp of a log-detail; clamped so that no value overflows or underflows to a tie at 0)
        return try ImportanceMap(height: x.height, width: x.width, values: x.scalars.map { Foundation.exp(min(30, max(-30, $0))) })
    }
}
