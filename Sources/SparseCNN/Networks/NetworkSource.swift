import Foundation

/// A network as `--network` names it, with the weights its file carries: the one place that
/// tells the kinds apart (built-in names, `.json` graphs, `.onnx` models).
public struct NetworkSource: Sendable {
    public var network: Network
    /// The weights inside the network's file (an ONNX model's initializers); nil for built-in
    /// networks and JSON graphs, which take `--weights` or the seeded He init.
    public var embeddedParameters: NetworkParameters?

    /// `resnet18`, `srresnet`, `srresnet-<blocks>x<channels>[-skip]`, a `.json` network file or an
    /// `.onnx` model (docs/network-schema.md, docs/onnx.md).
    public init(_ spec: String) throws {
        if Self.isONNX(spec) {
            let model = try ONNXModel.load(path: spec)
            network = model.network
            embeddedParameters = model.parameters
        } else {
            network = try Network.named(spec)
            embeddedParameters = nil
        }
    }

    /// True when `spec` names an ONNX model (by its extension).
    public static func isONNX(_ spec: String) -> Bool { spec.lowercased().hasSuffix(".onnx") }

    /// The weights a run uses: the `.npy` files of `weightsDirectory` when given, else the file's
    /// own weights, else `NetworkParameters.resolve`'s (a named network's bundled weights, or the seeded He init).
    public func parameters(weightsDirectory: String?, seed: UInt64) throws -> NetworkParameters {
        if let d = weightsDirectory {
            var p = try NetworkParameters.load(network, directory: d)
            p.hosts = embeddedParameters?.hosts ?? [:]   // (host convs have no .npy files: the model's stay)
            return p
        }
        return try embeddedParameters ?? NetworkParameters.resolve(network, directory: nil, seed: seed)
    }
}
