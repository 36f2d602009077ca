/// Every failure the software CNN reports to a user: what went wrong, in words a person can act on.
public enum SparseCNNError: Error, Equatable, CustomStringConvertible {
    /// Two shapes that must agree do not (operation, what was expected, what was given).
    case shapeMismatch(String)
    /// An argument is outside what the operation supports.
    case invalidArgument(String)
    /// A file could not be read or written, or its contents are malformed.
    case malformedFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .shapeMismatch(let m): return "shape mismatch: \(m)"
        case .invalidArgument(let m): return "invalid argument: \(m)"
        case .malformedFile(let path, let reason): return "\(path): \(reason)"
        }
    }
}
