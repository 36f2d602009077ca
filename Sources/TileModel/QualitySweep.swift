import AcceleratorSpec

/// Quality against saving for a super-resolution network (`sparsetile quality`, docs/masks.md
/// "Quality against the ground truth"): a high-resolution image is the ground truth, its
/// downscale the network's input; the int8 network runs dense and at each density, and every
/// point gets PSNR and SSIM against the ground truth, the MAC fractions at pixel and tile level,
/// and the cycle-accurate model's cycles on the configuration.
public struct QualitySweep: Sendable {
    /// One density's figures (the JSON keys of `quality --json`).
    public struct Point: Codable, Sendable, Equatable {
        public var density: Double
        public var pixelMACFraction: Double
        public var tileMACFraction: Double
        public var cycles: Int
        /// PSNR in dB against the ground truth (null when identical to it).
        public var psnrSparse: Double?
        public var psnrDense: Double?
        public var psnrBicubic: Double?
        public var ssimSparse: Double
        public var ssimDense: Double
    }

    public struct Result: Codable, Sendable {
        public var network: String
        /// [H, W] of the network's input and of the ground truth.
        public var inputSize: [Int]
        public var groundTruthSize: [Int]
        public var scale: Int
        public var mode: MaskMode
        /// The importance predictor the masks come from (`ImportancePredictor.name`).
        public var predictor: String
        public var config: String
        public var denseCycles: Int
        public var psnrBicubic: Double?
        public var ssimBicubic: Double
        public var psnrDense: Double?
        public var ssimDense: Double
        public var points: [Point]
    }

    public var network: Network
    public var parameters: NetworkParameters
    public var config: HardwareConfig
    public var mode: MaskMode
    /// Where the masks come from: the importance map of the network's input (docs/masks.md).
    public var predictor: any ImportancePredictor

    public init(network: Network, parameters: NetworkParameters, config: HardwareConfig, mode: MaskMode = .pixel,
                predictor: any ImportancePredictor = GradientEnergyPredictor()) {
        self.network = network; self.parameters = parameters; self.config = config; self.mode = mode; self.predictor = predictor
    }

    /// Runs the sweep on `image` (the ground truth, cropped to a multiple of the scale factor).
    public func run(image: Image, densities: [Double], progress: (String) -> Void = { _ in }) throws -> Result {
        // The scale factor: the output map over the input map, from a plan at a small size.
        let probe = try network.plan(height: 8, width: 8)
        guard case .map(let probeOut) = probe.output, probeOut.height % 8 == 0, probeOut.width == probeOut.height,
              probeOut.channels == network.inputChannels || probeOut.channels == 3 else {
            throw AcceleratorSpecError.invalidLayer("network \(network.name) does not output an image at a whole scale of its input: `quality` measures super-resolution networks")
        }
        let r = probeOut.height / 8
        let h = image.height / r, w = image.width / r
        guard h >= 8, w >= 8 else {
            throw AcceleratorSpecError.invalidLayer("a \(image.height)x\(image.width) image gives a \(h)x\(w) input at scale \(r); at least 8x8 is needed")
        }
        let truth = try image.cropped(y: 0, x: 0, height: h * r, width: w * r)
        let low = try truth.resized(height: h, width: w)
        let plan = try network.plan(height: h, width: w)
        let input = try low.networkInput(channels: network.inputChannels)
        progress("calibrating int8 on the \(h)x\(w) input (ground truth \(h * r)x\(w * r), scale \(r))")
        let q = try QuantizedNetwork(plan: plan, parameters: parameters, calibrationInput: input)
        func picture(_ run: QuantizedRunResult) throws -> Image {
            guard let f = run.output.floatMap else { throw AcceleratorSpecError.invalidLayer("network \(network.name) has no image output") }
            return try Image(unitTensor: f)
        }
        let target = probeOut.channels == 1 ? try Image(unitTensor: truth.networkInput(channels: 1)) : truth
        let bicubic = try low.bicubicResized(height: h * r, width: w * r)
        let dense = try picture(q.run(input, record: false))
        let psnrDense = try ImageQuality.psnr(dense, target), ssimDense = try ImageQuality.ssim(dense, target)
        let psnrBicubic = try ImageQuality.psnr(bicubic, target), ssimBicubic = try ImageQuality.ssim(bicubic, target)

        let map = try predictor.importance(for: input)
        let controller = SparsityController(layers: plan.convLayers, map: map,
                                            tiling: TilingPolicy(tileHeight: config.tileH, tileWidth: config.tileW))
        let budget = CycleBudget(config: config, layers: plan.convLayers.map { TimingLayer($0) },
                                 tiles: plan.convLayers.indices.map { controller.regional($0) })
        let denseCycles = try budget.denseCycles()
        let model = TileModel(config: config)
        let denseMACs = Double(plan.convLayers.reduce(0) { $0 + $1.denseMACs })
        var points: [Point] = []
        for d in densities {
            progress("density \(d)")
            let chosen = try controller.masks(density: d)
            var tileMasks: [String: TileMask] = [:]
            var masks: [TileMask] = []
            var pixelMACs = 0, tileMACs = 0
            for (i, m) in chosen.enumerated() {
                let l = TimingLayer(m.layer, pixelMask: m.pixelMask,
                                    selection: mode == .regional ? .regional(controller.regional(i), density: d) : .pooled)
                let t = try l.tileMask(shape: model.bestShape(for: l))
                tileMasks[m.layer.name] = t
                masks.append(t)
                pixelMACs += m.layer.pixelMACs(pixelMask: l.refinedPixelMask(tileMask: t) ?? m.pixelMask)
                tileMACs += m.layer.sparseMACs(tileMask: t)
            }
            let sparse = try picture(q.run(input, tileMasks: tileMasks, record: false))
            points.append(Point(density: d, pixelMACFraction: Double(pixelMACs) / denseMACs, tileMACFraction: Double(tileMACs) / denseMACs,
                                cycles: try budget.layerCycles(masks).reduce(0, +),
                                psnrSparse: try ImageQuality.psnr(sparse, target), psnrDense: psnrDense,
                                psnrBicubic: psnrBicubic, ssimSparse: try ImageQuality.ssim(sparse, target), ssimDense: ssimDense))
        }
        return Result(network: network.name, inputSize: [h, w], groundTruthSize: [h * r, w * r], scale: r, mode: mode, predictor: predictor.name,
                      config: config.contentHash, denseCycles: denseCycles, psnrBicubic: psnrBicubic, ssimBicubic: ssimBicubic,
                      psnrDense: psnrDense, ssimDense: ssimDense, points: points)
    }
}

extension QualitySweep.Result {
    /// The point that saves the most MACs at tile level while its PSNR stays within `dB` of the
    /// dense network's (issue 16's criterion is 0.1 dB); nil when no point does. A PSNR of nil is
    /// an image equal to the ground truth: within any margin.
    public func largestSaving(withinDB dB: Double = 0.1) -> QualitySweep.Point? {
        points.filter { p in
            guard let sparse = p.psnrSparse else { return true }
            guard let dense = p.psnrDense else { return false }
            return dense - sparse <= dB
        }.min { $0.tileMACFraction < $1.tileMACFraction }
    }
}
