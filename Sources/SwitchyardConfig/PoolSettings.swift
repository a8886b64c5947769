/// A named set of targets (egress source IPs, or backends of reverse listeners) and how traffic is spread over them.
public struct PoolSettings: Sendable, Equatable {
    public var name: String
    /// The balancing policy's config name; one of `knownPolicies`.
    public var policy: String
    public var policyOptions: PolicyOptions
    /// Connections open at once through each target.
    public var maxConnectionsPerTarget: Int
    /// The pool of idle upstream connections kept for reuse.
    public var keepAlive: KeepAliveSettings
    /// Timeouts, `Host` handling, retries and TLS when the pool serves reverse listeners.
    public var backend: BackendPoolSettings
    /// What the pool does when none of its targets is healthy.
    public var onAllUnhealthy: OnAllUnhealthy
    /// Health checks, ejection, circuit breakers, push-back, rate limits and queueing.
    public var resilience: ResilienceSettings
    /// Sticky sessions; nil balances every request on its own.
    public var sticky: StickySettings?
    public var targets: [TargetSettings]
    /// Where the targets come from when DNS names them; nil for a pool whose targets are only those listed.
    public var discover: DiscoverSettings?
    /// Headers edited on the requests sent to this pool's targets and on their responses (applied after the
    /// listener's and the route's on requests, before them on responses).
    public var headerRules = HeaderRules()

    public init(
        name: String,
        policy: String = PoolSettings.defaultPolicy,
        policyOptions: PolicyOptions = .default,
        maxConnectionsPerTarget: Int = 100,
        keepAlive: KeepAliveSettings = .default,
        backend: BackendPoolSettings = .default,
        onAllUnhealthy: OnAllUnhealthy = .leastFailed,
        resilience: ResilienceSettings = .default,
        sticky: StickySettings? = nil,
        targets: [TargetSettings]
    ) {
        self.name = name
        self.policy = policy
        self.policyOptions = policyOptions
        self.maxConnectionsPerTarget = maxConnectionsPerTarget
        self.keepAlive = keepAlive
        self.backend = backend
        self.onAllUnhealthy = onAllUnhealthy
        self.resilience = resilience
        self.sticky = sticky
        self.targets = targets
    }

    /// The policy used when a pool names none.
    public static let defaultPolicy = "lru-per-host"
    /// The policy names a pool may use.
    public static let knownPolicies = [
        "round-robin", "weighted-round-robin", "random", "weighted-random", "least-connections", "power-of-two",
        "least-response-time", "ip-hash", "consistent-hash", "lru-per-host", "adaptive-weighted", "auto",
    ]
}

/// The idle upstream connections a pool keeps for reuse.
public struct KeepAliveSettings: Sendable, Equatable {
    /// Idle connections kept per destination; 0 disables reuse.
    public var maxIdlePerDestination: Int
    /// Idle connections kept across all destinations, per event loop: the bound on open sockets a pool keeps
    /// for many distinct destinations.
    public var maxIdleTotal: Int
    /// How long an idle connection is kept.
    public var idleTimeout: Duration

    public init(maxIdlePerDestination: Int = 128, maxIdleTotal: Int = 1024, idleTimeout: Duration = .seconds(90)) {
        self.maxIdlePerDestination = maxIdlePerDestination
        self.maxIdleTotal = maxIdleTotal
        self.idleTimeout = idleTimeout
    }

    /// 128 idle connections per destination, 1024 in all per event loop, kept 90s.
    public static let `default` = KeepAliveSettings()
}

/// One target: an egress source address outgoing connections bind to, an upstream proxy (reached from a source
/// address or the default route), or a backend URL; and its share of traffic.
public struct TargetSettings: Sendable, Equatable {
    /// The largest weight a target (or queue class) may have: enough for any real ratio, small enough that no
    /// balancing sum or product over thousands of targets can overflow.
    public static let maxWeight = 10_000
    /// The local IP to bind outgoing connections to; nil leaves through the default route.
    public var sourceIP: String?
    /// A backend of reverse listeners, `http://host:port`.
    public var url: String?
    /// An upstream proxy egress traffic leaves through, `http://` or `socks5://[user:password@]host:port`.
    public var upstream: String?
    /// Relative share of traffic; 0 takes the target out of rotation.
    public var weight: Int
    /// This target's own connection limit, overriding the pool's `max_connections_per_target`.
    public var maxConnections: Int?
    /// This target's own time to set up a connection (through its upstream proxy, handshake included), overriding
    /// the listener's `timeouts.connect`.
    public var connectTimeout: Duration?
    /// False keeps the target in the config but out of selection (as weight 0 does).
    public var enabled: Bool

    public init(
        sourceIP: String? = nil, url: String? = nil, upstream: String? = nil, weight: Int = 1,
        maxConnections: Int? = nil, connectTimeout: Duration? = nil, enabled: Bool = true
    ) {
        self.sourceIP = sourceIP
        self.url = url
        self.upstream = upstream
        self.weight = weight
        self.maxConnections = maxConnections
        self.connectTimeout = connectTimeout
        self.enabled = enabled
    }

    /// The target's identity within its pool, stable across reloads: its URL, its upstream proxy without the
    /// password (and the source IP it leaves from, if any), its source IP, or `default`.
    public var id: String {
        if let upstream {
            let shown = (try? UpstreamProxyURL(parsing: upstream))?.description ?? UpstreamProxyURL.redacting(upstream)
            return sourceIP.map { "\(shown) from \($0)" } ?? shown
        }
        return url ?? sourceIP ?? "default"
    }

    /// The weight the balancer uses: 0 while the target is disabled.
    public var effectiveWeight: Int { enabled ? weight : 0 }
}
