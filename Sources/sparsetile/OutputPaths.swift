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
            var dir = parentFolder(path)
            if dir.isEmpty { dir = "." }
            while !fm.fileExists(atPath: dir, isDirectory: &isDir) {
                let up = parentFolder(dir)
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

/// The folder part of `path`: "" for a bare name (`g`, `.`), "/" for a file at the root; trailing
/// slashes ignored. (Not `NSString.deletingLastPathComponent`: on Linux it traps on some short
/// relative paths, e.g. `g`, `.` and `a/`, so `generate --out g` crashed.)
func parentFolder(_ path: String) -> String {
    var p = Substring(path)
    while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return "" }
    if slash == p.startIndex { return "/" }
    var head = p[..<slash]
    while head.count > 1 && head.hasSuffix("/") { head = head.dropLast() }
    return String(head)
}

/// Input files and folders named on the command line are checked before any work: a missing one,
/// or a file where a folder is wanted (or the reverse), stops the run at once with an error that
/// names the option (exit 65, bad input data), as a missing `--config` does.
enum InputPaths {
    enum Kind { case file, folder }

    /// Checks every `(option, path, kind)` whose path is set.
    static func check(_ inputs: [(option: String, path: String?, kind: Kind)]) throws {
        let fm = FileManager.default
        for (option, path, kind) in inputs {
            guard let path else { continue }
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                throw InputFileError(description: "\(option) \(path): no such \(kind == .folder ? "folder" : "file")")
            }
            if kind == .file && isDir.boolValue { throw InputFileError(description: "\(option) \(path): is a folder, not a file") }
            if kind == .folder && !isDir.boolValue { throw InputFileError(description: "\(option) \(path): is a file, not a folder") }
            guard fm.isReadableFile(atPath: path) else { throw InputFileError(description: "\(option) \(path): cannot be read") }
        }
    }
}

/// Writes text, creating the parent directory.
func write(_ text: String, to path: String) throws {
    let dir = parentFolder(path)
    if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}
