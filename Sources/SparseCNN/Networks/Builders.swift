import Foundation

extension Network {
    /// `resnet18`, `srresnet`, or the path of a JSON network file (docs/network-schema.md) or of
    /// an ONNX model (docs/onnx.md; `NetworkSource` also gives its weights).
    public static func named(_ spec: String) throws -> Network {
        switch spec {
        case "resnet18": return .resnet18()
        case "srresnet": return .srresnet()
        case "srresnet-skip": return try Network(name: spec, inputChannels: 3, layers: Network.srresnet(skip: .nearest).layers)
        case let v where v.hasPrefix("srresnet-"):
            // srresnet-<blocks>x<channels>[-skip[-bilinear]]: a shallower or narrower SRResNet (e.g. one
            // trained on a CPU budget), with the upsampled input added to its output with -skip
            let mode: SkipUpsampling? = v.hasSuffix("-skip-bilinear") ? .bilinear : v.hasSuffix("-skip") ? .nearest : nil
            let suffix = mode == .bilinear ? "-skip-bilinear" : mode == .nearest ? "-skip" : ""
            let dims = v.dropFirst("srresnet-".count).dropLast(suffix.count).split(separator: "x").compactMap { Int($0) }
            guard dims.count == 2, (1...64).contains(dims[0]), (1...512).contains(dims[1]) else {
                throw SparseCNNError.invalidArgument("'\(v)': an SRResNet variant is srresnet-<blocks>x<channels>[-skip[-bilinear]], blocks 1...64, channels 1...512 (e.g. srresnet-8x32, srresnet-8x32-skip)")
            }
            let n = Network.srresnet(blocks: dims[0], channels: dims[1], skip: mode)
            return try Network(name: v, inputChannels: n.inputChannels, layers: n.layers)
        case let v where NetworkSource.isONNX(v): return try ONNXModel.load(path: v).network
        default:
            guard spec.hasSuffix(".json") || FileManager.default.fileExists(atPath: spec) else {
                throw SparseCNNError.invalidArgument("unknown network '\(spec)': use resnet18, srresnet, srresnet-<blocks>x<channels>[-skip[-bilinear]], a .json network file or an .onnx model")
            }
            return try Network.load(path: spec)
        }
    }

    /// ResNet-18 (He et al., torchvision layout) with batch norm folded into the convs' biases:
    /// `conv1` 7×7/2 3→64 + ReLU, 3×3/2 `maxpool`, four stages of two basic blocks
    /// (64, 128, 256, 512 channels; stages 2–4 start with a 3×3/2 conv and a 1×1/2
    /// `layerN.0.downsample`), `avgpool` (global), `fc` 512→1000. At 224×224 its convs and fc
    /// do ≈ 1.81 G MACs.
    ///
    /// Block `layerS.B`: `conv1` (3×3 + ReLU) reads the block input; `downsample` (when present)
    /// reads it too; `conv2` (3×3) reads `conv1`, adds the shortcut (the block input or
    /// `downsample`) as its residual, then ReLU — exactly torchvision's `BasicBlock`.
    public static func resnet18(classes: Int = 1000) -> Network {
        var layers: [NetworkLayer] = [
            NetworkLayer("conv1", .conv(outChannels: 64, kernel: 7, stride: 2, bias: true, activation: .relu)),
            NetworkLayer("maxpool", .maxPool(kernel: 3, stride: 2, padding: 1)),
        ]
        var blockInput = "maxpool"
        var channels = 64
        for (stage, width) in [64, 128, 256, 512].enumerated() {
            for block in 0..<2 {
                let p = "layer\(stage + 1).\(block)"
                let stride = (stage > 0 && block == 0) ? 2 : 1
                layers.append(NetworkLayer("\(p).conv1", .conv(outChannels: width, kernel: 3, stride: stride, bias: true, activation: .relu), from: blockInput))
                var shortcut = blockInput
                if stride != 1 || channels != width {
                    layers.append(NetworkLayer("\(p).downsample", .conv(outChannels: width, kernel: 1, stride: stride, bias: true, activation: .none), from: blockInput))
                    shortcut = "\(p).downsample"
                }
                layers.append(NetworkLayer("\(p).conv2", .conv(outChannels: width, kernel: 3, stride: 1, bias: true, activation: .relu),
                                           from: "\(p).conv1", residual: shortcut))
                blockInput = "\(p).conv2"
                channels = width
            }
        }
        layers.append(NetworkLayer("avgpool", .globalAvgPool))
        layers.append(NetworkLayer("fc", .fullyConnected(outFeatures: classes)))
        return try! Network(name: "resnet18", inputChannels: 3, layers: layers)
    }

    /// SRResNet (Ledig et al. 2017) with batch norm folded into biases, ×4 super-resolution:
    /// `head` 9×9 3→64 + PReLU; `body.0` … `body.15`, each `conv1` 3×3 + PReLU, `conv2` 3×3
    /// + the block input; `mid` 3×3 + the global skip from `head`; `upsample.0`/`upsample.1`,
    /// each `conv` 3×3 64→256 + PReLU then `shuffle` (pixel shuffle ×2); `tail` 9×9 64→3.
    ///
    /// The paper applies PReLU after the pixel shuffle; with one slope per layer the two orders
    /// are identical (PReLU is elementwise), so the PReLU is folded into `upsample.N.conv`,
    /// where the accelerator's output stage applies it.
    ///
    /// With `skip`, the ×4 upsampled input (layer `skip`, on the host: nearest-neighbour, or
    /// bilinear with half-pixel centres) is the tail's residual: the convs learn the detail on top of
    /// it, and a tile the tail skips shows the upsampled input instead of black (SMSR and the seed
    /// method keep the reconstruction path so).
    public static func srresnet(blocks: Int = 16, channels: Int = 64, skip: SkipUpsampling? = nil) -> Network {
        var layers = [NetworkLayer("head", .conv(outChannels: channels, kernel: 9, stride: 1, bias: true, activation: .prelu))]
        var blockInput = "head"
        for b in 0..<blocks {
            layers.append(NetworkLayer("body.\(b).conv1", .conv(outChannels: channels, kernel: 3, stride: 1, bias: true, activation: .prelu), from: blockInput))
            layers.append(NetworkLayer("body.\(b).conv2", .conv(outChannels: channels, kernel: 3, stride: 1, bias: true, activation: .none), residual: blockInput))
            blockInput = "body.\(b).conv2"
        }
        layers.append(NetworkLayer("mid", .conv(outChannels: channels, kernel: 3, stride: 1, bias: true, activation: .none), residual: "head"))
        for u in 0..<2 {
            layers.append(NetworkLayer("upsample.\(u).conv", .conv(outChannels: channels * 4, kernel: 3, stride: 1, bias: true, activation: .prelu)))
            layers.append(NetworkLayer("upsample.\(u).shuffle", .pixelShuffle(factor: 2)))
        }
        if skip != nil {
            let op: LayerOp = skip == .bilinear ? .host(.upsampleBilinear(factor: 4)) : .upsample(factor: 4)
            layers.append(NetworkLayer("skip", op, from: Network.inputName))
            layers.append(NetworkLayer("tail", .conv(outChannels: 3, kernel: 9, stride: 1, bias: true, activation: .none),
                                       from: "upsample.1.shuffle", residual: "skip"))
        } else {
            layers.append(NetworkLayer("tail", .conv(outChannels: 3, kernel: 9, stride: 1, bias: true, activation: .none)))
        }
        return try! Network(name: skip == nil ? "srresnet" : "srresnet-skip", inputChannels: 3, layers: layers)
    }

    /// How an SRResNet's skip path upsamples its input (`srresnet(skip:)`).
    public enum SkipUpsampling: Sendable { case nearest, bilinear }
}
