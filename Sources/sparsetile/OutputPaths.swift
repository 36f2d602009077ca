import Foundation

/// Output files are checked before the long work that produces them (issue 17): a path that is a
/// directory, or whose folder cannot be made or written, stops the run at once with an error that
/// names the option, instead of after minutes of simulation or synthesis.
enum OutputPaths {
    /// Checks every `(option, path)` pair whose path is set.
    static func check(_ outputs: [(option: String, path: String?)]) throws {
        let fm = FileManager.default
        for (option, path) in outputs {
            guard let path else { continue }
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: path, isDirectory: &isDir) {
                guard !isDir.boolValue else { throw InputFileError(description: "\(option) \(path): is a directory, not a file") }
                guard fm.isWritableFile(atPath: path) else { throw InputFileError(description: "\(option) \(path): the file is not writable") }
                continue
            }
            // The nearest existing folder must be a writable directory (missing ones are created later).
            var dir = (path as NSString).deletingLastPathComponent
            if dir.isEmpty { dir = "." }
            while !fm.fileExists(atPath: dir, isDirectory: &isDir) {
                let up = (dir as NSString).deletingLastPathComponent
                if up.isEmpty || up == dir { dir = "."; break }
                dir = up
            }
            _ = fm.fileExists(atPath: dir, isDirectory: &isDir)
            guard isDir.boolValue else { throw InputFileError(description: "\(option) \(path): \(dir) is a file, not a folder") }
            guard fm.isWritableFile(atPath: dir) else { throw InputFileError(description: "\(option) \(path): the folder \(dir) is not writable") }
        }
    }
}

extension OutputPaths {
    /// Checks output *directories* (`--out`): an existing file in the way, or a folder that cannot
    /// be made or written, stops the run at once naming the option.
    static func checkDirectories(_ outputs: [(option: String, path: String?)]) throws {
        let fm = FileManager.default
        for (option, path) in outputs {
            guard let path else { continue }
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: path, isDirectory: &isDir) {
                guard isDir.boolValue else { throw InputFileError(description: "\(option) \(path): is a file, not a folder") }
                guard fm.isWritableFile(atPath: path) else { throw InputFileError(description: "\(option) \(path): the folder is not writable") }
            } else {
                // it will be made: its nearest existing ancestor must be a writable folder
                try check([(option, path)])
            }
        }
    }
}

/// Writes text, creating the parent directory.
func write(_ text: String, to path: String) throws {
    let dir = (path as NSString).deletingLastPathComponent
    if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}
