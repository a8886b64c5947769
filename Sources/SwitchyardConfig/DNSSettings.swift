/// How Switchyard resolves host names (`dns:`): the names of forward and SOCKS5 destinations, of backends named by
/// host and of pools discovered from DNS. Answers are cached, each for its TTL kept within `[min_ttl, max_ttl]`;
/// names that do not resolve are cached for `negative_ttl`.
public struct DNSSettings: Sendable, Equatable {
    /// The DNS servers asked in turn over UDP, `IP:PORT`; empty uses the system resolver (`getaddrinfo`), whose
    /// answers carry no TTL and are kept as if their TTL were `systemTTL`.
    public var servers: [ListenAddress]
    /// The most names cached. Default: 10,000.
    public var cacheSize: Int
    /// The shortest time an answer is kept. Default: 0 (as the answer says).
    public var minTTL: Duration
    /// The longest time an answer is kept. Default: 5 minutes.
    public var maxTTL: Duration
    /// How long a name that did not resolve is kept as failed. Default: 5 seconds.
    public var negativeTTL: Duration
    /// How long one server has to answer before the next is asked. Default: 2 seconds.
    public var timeout: Duration

    /// The TTL given to the system resolver's answers, which report none.
    public static let systemTTL = Duration.seconds(30)
    /// The largest `cache_size`.
    public static let maxCacheSize = 10_000_000

    public init(
        servers: [ListenAddress] = [], cacheSize: Int = 10_000, minTTL: Duration = .zero,
        maxTTL: Duration = .seconds(300), negativeTTL: Duration = .seconds(5), timeout: Duration = .seconds(2)
    ) {
        self.servers = servers
        self.cacheSize = cacheSize
        self.minTTL = minTTL
        self.maxTTL = maxTTL
        self.negativeTTL = negativeTTL
        self.timeout = timeout
    }

    /// The system resolver, with the default cache.
    public static let `default` = DNSSettings()
}
