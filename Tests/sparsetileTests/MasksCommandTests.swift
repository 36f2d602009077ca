import Foundation
import Testing
import SparseCNN
@testable import sparsetile

/// `sparsetile masks` on the three-conv hand-worked network (fast in a debug build).
@Suite struct MasksCommandTests {
    @Test func usageErrorsExit64() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("never-\(UUID().uuidString)").path
        for (args, message) in [(["--density", "2"], "--density 2.0 must be in (0, 1]"),
                                (["--density", "0.3", "--mac-budget", "0.5"], "give one of --density, --mac-budget"),
                                (["--reduce", "median"], "--reduce:"),
                                (["--frames", "shift:4"], "--frames goes with --online")] {
            let r = try runSparsetile(["masks", "--network", "srresnet", "--out", out] + args)
            expectExit(r, .usage, message)
        }
        expectExit(try runSparsetile(["masks", "--network", "srresnet"]), .usage, "Missing expected argument '--out <out>'")
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// A prior mask of the wrong shape is bad input naming both shapes: not 2-D, or 2-D of another
    /// aspect ratio than the network's input.
    @Test func aWrongShapePriorMaskIsBadInput() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let net = try scratch.write("hand.json", handWorkedNetwork)
        let threeD = try scratch.write("3d.npy", npyFloat32(shape: [3, 5, 2], values: Array(repeating: 1, count: 30)))
        let other = try scratch.write("5x7.npy", npyFloat32(shape: [5, 7], values: (0..<35).map(Float.init)))
        let base = ["masks", "--network", net, "--input-size", "16x16", "--skip-quality", "--out", scratch.path("out")]
        expectExit(try runSparsetile(base + ["--prior-mask", threeD]), .badInput, "must be 2-D (H x W), got shape [3, 5, 2]")
        expectExit(try runSparsetile(base + ["--prior-mask", other]), .badInput, "the prior mask is 5x7 but the network input is 16x16")
        // the right shape runs
        let right = try scratch.write("16x16.npy", npyFloat32(shape: [16, 16], values: (0..<256).map { Float($0 % 17) }))
        expectExit(try runSparsetile(base + ["--prior-mask", right]), .success)
    }

    @Test func missingInputsExit65NamingTheOption() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let missing = scratch.path("missing")
        for (option, kind) in [("--image", "no such file"), ("--prior-mask", "no such file"), ("--weights", "no such folder")] {
            let r = try runSparsetile(["masks", "--network", "srresnet", "--out", scratch.path("out"), option, missing])
            expectStoppedAtOnce(r, option: option, path: missing)
            #expect(r.output.contains(kind))
        }
        #expect(!scratch.exists("out"))
    }

    @Test func outputPathsAreCheckedFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = try scratch.write("a-file", "x")
        expectStoppedAtOnce(try runSparsetile(["masks", "--network", "srresnet", "--out", file]), option: "--out", path: file)
    }

    /// Every conv layer gets its pixel and tile mask (uint8 0/1, the map's and the tiles' shapes)
    /// and the summary, in a folder that did not exist.
    @Test func aSmallRunWritesEveryLayersMasks() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let net = try scratch.write("hand.json", handWorkedNetwork)
        let r = try runSparsetile(["masks", "--network", net, "--input-size", "16x16", "--tile", "4x4", "--skip-quality",
                                   "--out", scratch.path("new/masks")])
        expectExit(r, .success)
        // c1 16×16 (pad 1), c2 8×8 (stride 2), c3 8×8: tiles of 4×4 → 4×4, 2×2, 2×2
        for (layer, map, tiles) in [("c1", [16, 16], [4, 4]), ("c2", [8, 8], [2, 2]), ("c3", [8, 8], [2, 2])] {
            let pixel = try NPYArray.read(path: scratch.path("new/masks/\(layer).pixel.npy"))
            let tile = try NPYArray.read(path: scratch.path("new/masks/\(layer).tile.npy"))
            #expect(pixel.shape == map && tile.shape == tiles, "\(layer): \(pixel.shape) \(tile.shape)")
        }
        #expect(scratch.exists("new/masks/summary.json"))
    }
}
