/// A proxy login read the way commercial proxy fleets name sessions: `alice-session-abc123` is user `alice`
/// (checked with alice's password) asking to stay on one target under session `abc123`.
///
/// The login splits at its first `-session-` when both sides are non-empty; any other login is a plain user name
/// with no session.
///
/// Thread-safety: a `Sendable` value.
public struct SessionLogin: Sendable, Equatable {
    /// The user name to check the password of.
    public var user: String
    /// The session, the sticky key of `username_session`; nil when the login names none.
    public var session: String?

    private static let marker = "-session-"

    /// A login naming `user` and `session`.
    public init(user: String, session: String? = nil) {
        self.user = user
        self.session = session
    }

    /// Splits `login`.
    public init(_ login: String) {
        if let range = login.firstRange(of: Self.marker), range.lowerBound != login.startIndex,
            range.upperBound != login.endIndex
        {
            user = String(login[..<range.lowerBound])
            session = String(login[range.upperBound...])
        } else {
            user = login
            session = nil
        }
    }
}
