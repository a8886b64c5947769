/// Which part of a request keeps it on one target of a sticky pool: the configuration's `sticky.key`.
///
/// Thread-safety: a `Sendable` value.
public enum StickyKeySource: Sendable, Equatable {
    /// The session of a proxy login `USER-session-ID` (`username_session`, see `SessionLogin`).
    case usernameSession
    /// The value of a request header (`header:NAME`); a forward listener reads it from the CONNECT request.
    case header(String)
    /// The client's IP address (`client_ip`).
    case clientAddress

    /// The sticky key of one request, for `PickRequest.stickyKey`; nil when it has none (no session in the login,
    /// the header missing or empty), and then the request is balanced as in a pool without sticky sessions.
    /// - Parameters:
    ///   - session: the session part of the client's login, if any.
    ///   - header: the first value of the named request header (matched case-insensitively), or nil.
    public func key(session: String?, clientAddress: String?, header: (String) -> String?) -> String? {
        let key: String? =
            switch self {
            case .usernameSession: session
            case .header(let name): header(name)
            case .clientAddress: clientAddress
            }
        return key?.isEmpty == false ? key : nil
    }
}
