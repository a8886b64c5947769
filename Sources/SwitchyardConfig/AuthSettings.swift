/// Proxy authentication (`Proxy-Authorization: Basic`) for a listener.
public struct AuthSettings: Sendable, Equatable {
    /// The accounts allowed through.
    public var users: [ProxyUser]
    /// The longest `username:password` a user may have; the proxy refuses longer presented credentials unread
    /// (`ProxyAuthenticator.maxHeaderBytes`).
    public static let maxCredentialBytes = 512

    public init(users: [ProxyUser]) {
        self.users = users
    }
}

/// One proxy account. Its descriptions and mirror never show the password, so it can be logged or dumped safely.
public struct ProxyUser: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "ProxyUser(username: \"\(username)\", password: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["username": username, "password": "<redacted>"])
    }
}
