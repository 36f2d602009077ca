import Foundation
import Testing
@testable import sparsetile

/// `OutputPaths` and `InputPaths` in-process (Sources/sparsetile/OutputPaths.swift).
@Suite struct OutputPathsTests {
    /// The folder part of a path, by hand; the one-character and trailing-slash cases are those
    /// `NSString.deletingLastPathComponent` traps on under Linux.
    @Test func parentFolderByHand() {
        let cases = ["g": "", ".": "", "a/": "", "": "", "out.json": "", "a/b": "a", "a//b": "a", "./g": ".",
                     "/tmp/x": "/tmp", "/tmp/x/": "/tmp", "/x": "/", "/": "/", "a/b/c.csv": "a/b"]
        for (path, folder) in cases { #expect(parentFolder(path) == folder, "\(path)") }
    }

    /// Relative one-letter paths check like any other: a missing file in a writable folder is fine,
    /// an existing folder given for a file is an error naming the option.
    @Test func shortRelativePaths() throws {
        try OutputPaths.check([("--json", "j"), ("--csv", "./c")])
        try OutputPaths.checkDirectories([("--out", "g")])
        #expect(throws: InputFileError.self) { try OutputPaths.check([("--json", ".")]) }
        #expect(throws: InputFileError.self) { try InputPaths.check([("--image", "./definitely-missing-\(UUID().uuidString)", .file)]) }
        try InputPaths.check([("--mask-dir", ".", .folder)])
    }
}
