import Foundation

extension Image {
    /// A sequence of frames (`masks --online --frames`):
    ///
    /// * a directory: its image files (PNG, PPM/PGM, .npy) in name order;
    /// * a `.npy` stack of shape [N, H, W] or [N, H, W, C] (uint8, or float32 in 0...1);
    /// * `shift:N`: N crops of `base` that pan across it, 2 pixels right and 1 down per frame (the
    ///   base is enlarged first by area averaging so every crop is `size`).
    ///
    /// Frames of another size than `size` are resized to it (area averaging).
    public static func frames(_ spec: String, base: Image, size: ImageSize) throws -> [Image] {
        var frames: [Image]
        if spec.hasPrefix("shift:") {
            guard let n = Int(spec.dropFirst(6)), n >= 1, n <= 10_000 else {
                throw SparseCNNError.invalidArgument("--frames \(spec): shift:N needs a frame count N in 1...10000")
            }
            let big = try base.resized(height: size.height + (n - 1), width: size.width + 2 * (n - 1))
            frames = try (0..<n).map { k in try big.cropped(y: k, x: 2 * k, height: size.height, width: size.width) }
        } else if spec.hasSuffix(".npy") {
            let stack = try NPYArray.read(path: spec)
            let shape = stack.shape
            guard shape.count == 3 || shape.count == 4, shape[0] > 0 else {
                throw SparseCNNError.shapeMismatch("\(spec): a frame stack must be N×H×W or N×H×W×C, got shape \(shape)")
            }
            let per = shape.dropFirst().reduce(1, *)
            frames = try (0..<shape[0]).map { k in
                let frameShape = Array(shape.dropFirst())
                switch stack {
                case .uint8(_, let v): return try Image(npy: .uint8(shape: frameShape, values: Array(v[(k * per)..<((k + 1) * per)])))
                case .float32(_, let v): return try Image(npy: .float32(shape: frameShape, values: Array(v[(k * per)..<((k + 1) * per)])))
                default: throw SparseCNNError.invalidArgument("\(spec): a frame stack must be uint8 or float32 (0...1), got dtype '\(stack.dtype.rawValue)'")
                }
            }
        } else {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: spec, isDirectory: &isDir), isDir.boolValue else {
                throw SparseCNNError.invalidArgument("--frames \(spec): not a directory, a .npy stack or shift:N")
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: spec).sorted()
                .filter { ["png", "ppm", "pgm", "pnm", "npy"].contains(($0 as NSString).pathExtension.lowercased()) }
            guard !names.isEmpty else { throw SparseCNNError.invalidArgument("--frames \(spec): no image files (.png, .ppm, .pgm, .npy)") }
            frames = try names.map { try Image.load(path: (spec as NSString).appendingPathComponent($0)) }
        }
        return try frames.map { f in
            f.height == size.height && f.width == size.width ? f : try f.resized(height: size.height, width: size.width)
        }
    }

    /// The `height × width` window at row `y`, column `x`.
    public func cropped(y: Int, x: Int, height h: Int, width w: Int) throws -> Image {
        guard y >= 0, x >= 0, h > 0, w > 0, y + h <= height, x + w <= width else {
            throw SparseCNNError.invalidArgument("crop \(h)x\(w) at (\(y), \(x)) does not fit a \(height)x\(width) image")
        }
        var px = [UInt8]()
        px.reserveCapacity(h * w * channels)
        for r in y..<(y + h) { px += pixels[((r * width + x) * channels)..<((r * width + x + w) * channels)] }
        return try Image(width: w, height: h, channels: channels, pixels: px)
    }
}
