import AcceleratorSpec
import Foundation

/// The hardware config JSON at `path`, given as `option`: a missing or unreadable file is an error
/// that names the option and the path (not a Foundation dump); bad contents say what is wrong.
func loadConfig(_ path: String, option: String = "--config") throws -> HardwareConfig {
    guard let data = FileManager.default.contents(atPath: path) else {
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDir)
        throw InputFileError(description: "\(option) \(path): " + (!exists ? "no such file" : isDir.boolValue ? "is a directory, not a config JSON" : "cannot be read"))
    }
    do { return try HardwareConfig.fromJSON(data) } catch { throw InputFileError(description: "\(option) \(path): \(error)") }
}
