// swift-tools-version:6.0
import PackageDescription

// Arrows go one way: sparsetile → Report → CoSim → TileModel / RTLGen → AcceleratorSpec → SparseCNN.
let package = Package(
    name: "SparseTile",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sparsetile", targets: ["sparsetile"]),
        .executable(name: "sparsetile-bench", targets: ["sparsetile-bench"]),
        .library(name: "SparseCNN", targets: ["SparseCNN"]),
        .library(name: "AcceleratorSpec", targets: ["AcceleratorSpec"]),
        .library(name: "TileModel", targets: ["TileModel"]),
        .library(name: "RTLGen", targets: ["RTLGen"]),
        .library(name: "CoSim", targets: ["CoSim"]),
        .library(name: "Report", targets: ["Report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // ONNX models are protobuf: the importer's generated types (Sources/SparseCNN/ONNX/onnx.pb.swift).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Debian's libpng, reached through pkg-config; PNG is never decoded by shelling out.
        .systemLibrary(name: "CLibPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // AVX2 / AVX-512 inner loops of the conv core, chosen at run time (Swift cannot compile one
        // function for a wider ISA and keep the binary portable); bit-identical to the Swift loops.
        .target(name: "CConvKernels"),
        .target(
            name: "SparseCNN",
            dependencies: ["CLibPNG", "CConvKernels", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            resources: [.copy("Resources/camera.png"), .copy("Resources/LICENSE-camera.md"),
                        // trained weights, the default of the networks named like their folders (docs/training.md)
                        .copy("Resources/Weights")]
        ),
        .target(name: "AcceleratorSpec", dependencies: ["SparseCNN"]),
        .target(name: "TileModel", dependencies: ["AcceleratorSpec"]),
        .target(name: "RTLGen", dependencies: ["AcceleratorSpec"]),
        // Verilator builds, the sim/harness driver, model-vs-RTL comparison, regressions.
        .target(name: "CoSim", dependencies: ["TileModel", "RTLGen"]),
        // Per-layer report schema, HTML report, sweeps, synthesis runs (Yosys and nextpnr run as
        // CoSim's registered child processes, so a signal stops them).
        .target(name: "Report", dependencies: ["TileModel", "CoSim"]),
        .executableTarget(
            name: "sparsetile",
            dependencies: [
                "SparseCNN", "AcceleratorSpec", "TileModel", "RTLGen", "CoSim", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Release-mode benchmarks that print figures: `swift run -c release sparsetile-bench`.
        .executableTarget(
            name: "sparsetile-bench",
            dependencies: [
                "SparseCNN", "AcceleratorSpec", "TileModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The readers' fuzz tests' mutator and driver (fixed seeds), shared by three test targets.
        .target(name: "FuzzSupport", dependencies: ["SparseCNN"], path: "Tests/FuzzSupport"),
        .testTarget(name: "SparseCNNTests", dependencies: ["SparseCNN", "FuzzSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "AcceleratorSpecTests", dependencies: ["AcceleratorSpec", "FuzzSupport"]),
        .testTarget(name: "TileModelTests", dependencies: ["TileModel", "FuzzSupport"]),
        .testTarget(name: "RTLGenTests", dependencies: ["RTLGen", "TileModel", "Report"]),
        .testTarget(name: "CoSimTests", dependencies: ["CoSim", "RTLGen", "TileModel"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "RTLGen"], exclude: ["Fixtures"]),
        // The command-line tool: its code in-process (@testable) and the built executable as a child.
        .testTarget(name: "sparsetileTests", dependencies: ["sparsetile", "CoSim", "SparseCNN"]),
    ]
)
