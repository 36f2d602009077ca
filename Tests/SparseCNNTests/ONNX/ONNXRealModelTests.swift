import Foundation
import Testing
@testable import SparseCNN

/// A real pretrained model, when one is at hand: `SPARSETILE_ONNX_REAL=DIR` with `DIR/model.onnx`,
/// `DIR/input.npy` (HWC) and `DIR/expected.npy` (onnxruntime's output, HWC). The model is not
/// committed (PP-OCRv4's detector is 4.7 MB; docs/onnx.md says how the check was run).
@Suite struct ONNXRealModelTests {
    static let dir = ProcessInfo.processInfo.environment["SPARSETILE_ONNX_REAL"]

    @Test(.enabled(if: dir != nil)) func realModelAgreesWithOnnxruntime() throws {
        let d = Self.dir!
        let model = try ONNXModel.load(path: d + "/model.onnx")
        let input = try readFloatNPY(d + "/input.npy"), expected = try readFloatNPY(d + "/expected.npy")
        let x = try FloatTensor(shape: TensorShape(height: input.shape[0], width: input.shape[1], channels: input.shape[2]), scalars: input.values)
        let plan = try model.network.plan(height: x.height, width: x.width)
        guard case .map(let y) = try plan.runFloat(x, parameters: model.parameters).output else { Issue.record("not a map"); return }
        #expect(y.shape.array == expected.shape)
        let scale = max(1, expected.values.map(abs).max()!)
        let worst = zip(y.scalars, expected.values).map { abs($0 - $1) }.max()!
        print("real model: \(plan.convLayers.count) accelerator convs, \(plan.hostLayers.count) host layers; max |error| \(worst) at scale \(scale)")
        #expect(worst <= 1e-4 * scale)
    }
}
