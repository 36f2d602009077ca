import Foundation
import FuzzSupport
@testable import SparseCNN

/// True when `error` is the readers' `malformedFile` naming `path`, with a reason: what a reader
/// must throw for any bad file.
func isMalformedFile(_ error: Error, path: String) -> Bool {
    guard case SparseCNNError.malformedFile(let p, let reason) = error else { return false }
    return p == path && !reason.isEmpty
}

/// Throws `FuzzCheckFailure` unless `image` keeps `Image`'s invariants.
func checkImage(_ image: Image) throws {
    guard image.width > 0, image.height > 0, image.channels == 1 || image.channels == 3,
          image.pixels.count == image.width * image.height * image.channels else {
        throw FuzzCheckFailure("an image of \(image.width)x\(image.height)x\(image.channels) with \(image.pixels.count) bytes")
    }
}
