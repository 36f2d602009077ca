import Testing
@testable import SparseCNN

// Test-only references, written as plainly as possible and independently of the code under
// test: straight loops over every tap with an explicit bounds check for the zero padding.


func randomQTensor(_ h: Int, _ w: Int, _ c: Int, _ rng: inout SplitMix64) -> QTensor {
    try! QTensor(shape: TensorShape(height: h, width: w, channels: c),
                 scalars: (0..<(h * w * c)).map { _ in Int8.random(in: -128...127, using: &rng) })
}

func randomQFilter(_ o: Int, _ k: Int, _ c: Int, _ rng: inout SplitMix64) -> Filter<Int8> {
    try! Filter(outChannels: o, kernel: k, inChannels: c,
                scalars: (0..<(o * k * k * c)).map { _ in Int8.random(in: -128...127, using: &rng) })
}

/// Textbook "same"-padded convolution to Int64 sums (no wrapping, so it cannot share a bug
/// with the Int32 kernel's arithmetic).
func naiveConv(input: [Int64], h: Int, w: Int, cin: Int, weights: [Int64], cout: Int, k: Int, stride: Int) -> (oh: Int, ow: Int, out: [Int64]) {
    let pad = k / 2
    let oh = (h + stride - 1) / stride, ow = (w + stride - 1) / stride
    var out = [Int64](repeating: 0, count: oh * ow * cout)
    for oy in 0..<oh {
        for ox in 0..<ow {
            for o in 0..<cout {
                var s: Int64 = 0
                for ky in 0..<k {
                    for kx in 0..<k {
                        let iy = oy * stride - pad + ky, ix = ox * stride - pad + kx
                        if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                        for c in 0..<cin {
                            s += input[(iy * w + ix) * cin + c] * weights[((o * k + ky) * k + kx) * cin + c]
                        }
                    }
                }
                out[(oy * ow + ox) * cout + o] = s
            }
        }
    }
    return (oh, ow, out)
}

func naiveAccumulators(_ x: QTensor, _ f: Filter<Int8>, stride: Int) -> [Int32] {
    naiveConv(input: x.scalars.map(Int64.init), h: x.height, w: x.width, cin: x.channels,
              weights: f.scalars.map(Int64.init), cout: f.outChannels, k: f.kernel, stride: stride).out.map { Int32($0) }
}

/// Textbook float "same" convolution summing taps in the order ky, kx, cin (padded taps
/// skipped), then adding the bias: the order `conv2d` documents, so results must be identical.
func naiveFloatConv(_ x: FloatTensor, _ f: Filter<Float>, bias: [Float]?, stride: Int) -> [Float] {
    let k = f.kernel, pad = k / 2
    let oh = (x.height + stride - 1) / stride, ow = (x.width + stride - 1) / stride
    var out: [Float] = []
    for oy in 0..<oh {
        for ox in 0..<ow {
            for o in 0..<f.outChannels {
                var s: Float = 0
                for ky in 0..<k {
                    for kx in 0..<k {
                        let iy = oy * stride - pad + ky, ix = ox * stride - pad + kx
                        if iy < 0 || iy >= x.height || ix < 0 || ix >= x.width { continue }
                        for c in 0..<x.channels { s += x[iy, ix, c] * f[o, ky, kx, c] }
                    }
                }
                out.append(bias.map { s + $0[o] } ?? s)
            }
        }
    }
    return out
}
