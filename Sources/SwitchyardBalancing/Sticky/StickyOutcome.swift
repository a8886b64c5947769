/// What a pick did with the request's sticky key: the access log's `sticky` field (`description`).
///
/// Thread-safety: a `Sendable` value.
public enum StickyOutcome: Sendable, Equatable, CustomStringConvertible {
    /// The pool has no sticky sessions, or the request no sticky key.
    case unkeyed
    /// The key's pinned target took the request.
    case held
    /// The key had no pin; it is now pinned to the picked target.
    case pinned
    /// The key's pinned target (this id) was down; the key is now pinned to the picked target.
    case moved(from: String)

    public var description: String {
        switch self {
        case .unkeyed: "unkeyed"
        case .held: "held"
        case .pinned: "pinned"
        case .moved(let from): "moved from \(from)"
        }
    }
}
