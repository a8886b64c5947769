/// A pool's sticky sessions (`sticky:`): requests with the same key stay on one target.
public struct StickySettings: Sendable, Equatable {
    /// Where a request's sticky key comes from: `sticky.key`.
    public enum Key: Sendable, Equatable, CustomStringConvertible {
        /// `username_session`: the session of a proxy login `USER-session-ID`.
        case usernameSession
        /// `header:NAME`: the value of a request header (on a forward listener, of the CONNECT request).
        case header(String)
        /// `client_ip`: the client's address.
        case clientIP

        /// Reads `username_session`, `client_ip` or `header:NAME` (NAME a token, as in `hash_key`); nil otherwise.
        public init?(configText text: String) {
            switch text {
            case "username_session": self = .usernameSession
            case "client_ip": self = .clientIP
            default:
                guard case .header(let name)? = HashKey(configText: text) else { return nil }
                self = .header(name)
            }
        }

        /// The config text `init(configText:)` reads back.
        public var description: String {
            switch self {
            case .usernameSession: "username_session"
            case .header(let name): "header:\(name)"
            case .clientIP: "client_ip"
            }
        }
    }

    /// What a key whose target is down (unhealthy, disabled, draining or removed) does: `on_target_down`.
    public enum OnTargetDown: String, CaseIterable, Sendable, Equatable {
        /// Move the key to a new pick (the default).
        case repick
        /// Answer 502 (SOCKS5: general failure) until the target is back or the pin expires.
        case fail
    }

    /// The largest `max_entries`: about 2 GB of pins at the most.
    public static let maxEntriesLimit = 10_000_000

    public var key: Key
    /// How long a pin lasts after its last use. Default: 10 minutes.
    public var ttl: Duration
    /// The most pins kept; the least recently used is forgotten first. Default: 100,000.
    public var maxEntries: Int
    public var onTargetDown: OnTargetDown

    public init(
        key: Key, ttl: Duration = .seconds(600), maxEntries: Int = 100_000, onTargetDown: OnTargetDown = .repick
    ) {
        self.key = key
        self.ttl = ttl
        self.maxEntries = maxEntries
        self.onTargetDown = onTargetDown
    }
}
