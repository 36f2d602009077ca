import Foundation

/// The whole file at `path`; failures become `malformedFile` so callers report one error type.
func readFileBytes(path: String) throws -> [UInt8] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        throw SparseCNNError.malformedFile(path: path, reason: "no such file")
    }
    guard !isDirectory.boolValue else {
        throw SparseCNNError.malformedFile(path: path, reason: "is a directory, not a file")
    }
    do {
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw SparseCNNError.malformedFile(path: path, reason: "cannot read: \(error.localizedDescription)")
    }
}

/// Writes `bytes` to `path` atomically, so a failed write never leaves half a file behind.
func writeFileBytes(_ bytes: [UInt8], path: String) throws {
    do {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw SparseCNNError.malformedFile(path: path, reason: "cannot write: \(error.localizedDescription)")
    }
}
