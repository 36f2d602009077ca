import Foundation
import Testing
@testable import sparsetile

/// `sparsetile quality` on a 32×32 ground truth (SRResNet ×4 from 8×8).
@Suite struct QualityCommandTests {
    @Test func usageErrorsExit64() throws {
        expectExit(try runSparsetile(["quality", "--densities", "0.5,2"]), .usage, "--densities: '2' is not a density in (0, 1]")
        expectExit(try runSparsetile(["quality", "--densities", "0.5,0.5"]), .usage, "--densities: 0.5 is given twice")
        expectExit(try runSparsetile(["quality", "--mode", "blocky"]), .usage, "--mode")
    }

    @Test func badAndMissingInputsExit65() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let garbage = try scratch.write("garbage.png", Data([0x89] + Array("PNG, not really".utf8)))
        expectExit(try runSparsetile(["quality", "--image", garbage]), .badInput, "\(garbage): unrecognised image format")
        let missing = scratch.path("missing")
        expectStoppedAtOnce(try runSparsetile(["quality", "--image", missing]), option: "--image", path: missing)
        expectStoppedAtOnce(try runSparsetile(["quality", "--weights", missing]), option: "--weights", path: missing)
    }

    @Test func outputPathsAreCheckedFirst() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let dir = try scratch.folder("a-folder")
        expectStoppedAtOnce(try runSparsetile(["quality", "--json", dir]), option: "--json", path: dir)
    }

    @Test func aSmallRunWritesItsJSON() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let image = try scratch.write("truth.ppm", ppmImage(height: 32, width: 32))
        let r = try runSparsetile(["quality", "--image", image, "--densities", "0.5", "--json", scratch.path("q.json")])
        expectExit(r, .success, "input 8x8, ground truth 32x32")
        let q = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch.path("q.json")))) as? [String: Any]
        #expect((q?["points"] as? [[String: Any]])?.map { $0["density"] as? Double } == [0.5])
    }
}
