/// What a listener does with the connections it accepts.
public enum ListenerMode: String, CaseIterable, Sendable, Equatable {
    /// An HTTP forward proxy: absolute-form requests and CONNECT tunnels.
    case forward
    /// A reverse proxy: requests routed to backend pools, optionally over TLS.
    case reverse
    /// A SOCKS5 proxy (RFC 1928 CONNECT, optional RFC 1929 username/password) over an egress pool.
    case socks5

    /// Whether the listener sends clients' traffic out through an egress pool (forward and SOCKS5 listeners):
    /// it needs a pool, may have proxy users and a destination policy.
    public var isEgress: Bool { self != .reverse }
}

/// A protocol an egress listener speaks to its clients.
public enum ProxyProtocol: String, CaseIterable, Sendable, Equatable {
    /// HTTP/1 proxy requests: absolute-form requests and CONNECT.
    case http
    /// SOCKS5 (RFC 1928) CONNECT.
    case socks5
}

/// One listening socket: how it proxies, where it listens, which pool it sends traffic through, and its limits.
public struct ListenerSettings: Sendable, Equatable {
    public var name: String
    public var mode: ListenerMode
    public var listen: ListenAddress
    /// The pool this listener uses: a forward listener's egress pool; on a reverse listener, shorthand for a
    /// single default route. Empty when not given.
    public var pool: String
    /// A reverse listener's routes, in match order.
    public var routes: [RouteSettings]
    /// What an egress listener's clients speak, as configured (`protocols`); nil leaves it to the mode (see
    /// `servedProtocols`).
    public var protocols: [ProxyProtocol]?
    /// TLS towards the listener's clients (any mode); nil serves plain TCP.
    public var tls: ListenerTLSSettings?
    /// Add an RFC 7239 `Forwarded` header (reverse listeners; `X-Forwarded-*` are always set).
    public var addForwarded: Bool
    /// Proxy authentication; nil lets every client through.
    public var auth: AuthSettings?
    /// Connections open at once on this listener, in total.
    public var maxConnections: Int
    /// Connections open at once from one client address; 0 sets no limit of its own. It keeps one client (a
    /// slowloris attacker, a runaway script) from taking every slot of `maxConnections`.
    public var maxConnectionsPerClient: Int
    /// Connections whose request head is still incomplete at the end of a read (a head trickled in byte by byte:
    /// slowloris) allowed at once; one more gets 408 and is closed. A head that arrives in one read never counts.
    public var maxIncompleteHeads: Int
    /// The largest request head accepted, in bytes.
    public var maxHeaderBytes: Int
    public var addVia: Bool
    public var addXForwardedFor: Bool
    public var timeouts: ListenerTimeouts
    /// Limits checked for every request of the listener, before a pool is chosen (`target_and_host` is not allowed).
    public var rateLimits: [RateLimitSettings]
    /// Where a forward listener may connect; nil uses the config's root `destinations`.
    public var destinations: DestinationSettings?
    /// Headers edited on every request of the listener (first) and every response (last).
    public var headerRules = HeaderRules()

    public init(
        name: String,
        mode: ListenerMode = .forward,
        listen: ListenAddress,
        pool: String = "",
        routes: [RouteSettings] = [],
        protocols: [ProxyProtocol]? = nil,
        tls: ListenerTLSSettings? = nil,
        addForwarded: Bool = false,
        auth: AuthSettings? = nil,
        maxConnections: Int = 1000,
        maxConnectionsPerClient: Int = 256,
        maxIncompleteHeads: Int = 128,
        maxHeaderBytes: Int = 32768,
        addVia: Bool = false,
        addXForwardedFor: Bool = false,
        timeouts: ListenerTimeouts = .default,
        rateLimits: [RateLimitSettings] = [],
        destinations: DestinationSettings? = nil
    ) {
        self.name = name
        self.mode = mode
        self.listen = listen
        self.pool = pool
        self.routes = routes
        self.protocols = protocols
        self.tls = tls
        self.addForwarded = addForwarded
        self.auth = auth
        self.maxConnections = maxConnections
        self.maxConnectionsPerClient = maxConnectionsPerClient
        self.maxIncompleteHeads = maxIncompleteHeads
        self.maxHeaderBytes = maxHeaderBytes
        self.addVia = addVia
        self.addXForwardedFor = addXForwardedFor
        self.timeouts = timeouts
        self.rateLimits = rateLimits
        self.destinations = destinations
    }

    /// The protocols the listener serves: `protocols` when given, else its mode's own (`mode: socks5` is
    /// `protocols: [socks5]`, forward and reverse listeners speak HTTP).
    public var servedProtocols: [ProxyProtocol] {
        protocols ?? (mode == .socks5 ? [.socks5] : [.http])
    }

    /// The range `maxHeaderBytes` must fall in.
    public static let maxHeaderBytesRange = 1024...81920
}

/// How long a listener waits for each stage of a connection.
public struct ListenerTimeouts: Sendable, Equatable {
    /// Dialing an upstream.
    public var connect: Duration
    /// A connection with no traffic either way.
    public var idle: Duration
    /// Receiving a complete request head.
    public var headerRead: Duration
    /// Draining open connections on shutdown before closing them.
    public var shutdown: Duration

    public init(
        connect: Duration = .seconds(30),
        idle: Duration = .seconds(60),
        headerRead: Duration = .seconds(10),
        shutdown: Duration = .seconds(30)
    ) {
        self.connect = connect
        self.idle = idle
        self.headerRead = headerRead
        self.shutdown = shutdown
    }

    /// Connect 30s, idle 60s, header read 10s, shutdown 30s.
    public static let `default` = ListenerTimeouts()
}
