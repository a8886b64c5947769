import Atomics
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import SwitchyardBalancing
import SwitchyardTraffic

/// A pool as the data path uses it: the balancer over its targets, the route to each target, the idle upstream
/// connections of each event loop, its rate limits and wait queue, and how it treats requests as a backend pool.
public final class UpstreamPool: Sendable {
    public let name: String
    public let balancer: TargetPool
    /// Which part of a request the hashing policies key on.
    public let hashKey: HashKeySource
    public let backend: BackendSettings
    /// Limits counted for every request once this pool is chosen; nil when it has none.
    public let requestLimits: RequestRateLimits?
    /// Where requests wait when every target is at its connection limit; nil fails them at once.
    public let waitQueue: ConnectionWaitQueue?
    /// The pool's and its targets' metrics and windows; nil counts nothing.
    public let metrics: PoolMetrics?
    /// Where guard events and the `onAllUnhealthy` decisions are logged.
    let logger: Logger
    /// Whether the last pick found no healthy target, so each change of that is logged once.
    private let degraded = ManagedAtomic(false)
    /// The client TLS context for `https://` backends; nil when the pool has none.
    let tlsContext: NIOSSLContext?
    private let routes: [String: UpstreamRoute]
    /// Whether any target leaves through an upstream proxy (so forward requests count towards the retry budget).
    let hasUpstreamProxies: Bool
    private let idleConnections: [ObjectIdentifier: UpstreamConnectionPoolBox]

    /// - Parameters:
    ///   - addresses: where each of the balancer's targets is, by target identity.
    ///   - resolver: resolves the names the pool's targets dial directly.
    public init(
        name: String,
        balancer: TargetPool,
        hashKey: HashKeySource = .clientAddress,
        addresses: [PoolTargetAddress],
        backend: BackendSettings = BackendSettings(),
        eventLoops: [any EventLoop],
        maxIdlePerDestination: Int,
        maxIdleTotal: Int,
        idleTimeout: TimeAmount,
        requestLimits: RequestRateLimits? = nil,
        waitQueue: ConnectionWaitQueue? = nil,
        metrics: PoolMetrics? = nil,
        resolver: HostResolver = .system,
        logger: Logger = Logger(label: "switchyard")
    ) throws {
        self.name = name
        self.requestLimits = requestLimits
        self.waitQueue = waitQueue
        self.metrics = metrics
        self.logger = logger
        self.balancer = balancer
        self.hashKey = hashKey
        self.backend = backend
        var routes: [String: UpstreamRoute] = [:]
        for address in addresses {
            routes[address.id] = try UpstreamRoute(address, resolver: resolver)
        }
        self.routes = routes
        self.hasUpstreamProxies = routes.values.contains { $0.proxy != nil }
        self.tlsContext = routes.values.contains(where: \.usesTLS) ? try backend.makeClientTLSContext() : nil
        var idle: [ObjectIdentifier: UpstreamConnectionPoolBox] = [:]
        for loop in eventLoops {
            idle[ObjectIdentifier(loop)] = UpstreamConnectionPoolBox(
                UpstreamConnectionPool(
                    eventLoop: loop,
                    maxIdlePerKey: maxIdlePerDestination,
                    maxIdleTotal: maxIdleTotal,
                    idleTimeout: idleTimeout
                )
            )
        }
        self.idleConnections = idle
    }

    /// What `acquire` came to.
    enum Pick {
        case leased(TargetLease)
        /// Every target is at its connection limit (or others wait already): wait in `waitQueue`.
        case wait(ConnectionWaitQueue)
        /// No target can take the request; answer the client with this.
        case refused(ProxyErrorStatus, String)
    }

    /// Picks a target for a request or tunnel and reserves a connection on it, skipping the targets named in
    /// `excluded`.
    /// - Parameters:
    ///   - host: the normalised destination key (`DestinationKey`) the per-host policies and guards count by.
    ///   - head: the request, for hash keys on its path, headers or cookies; nil for a tunnel.
    ///   - stickyKey: the request's key in a sticky pool (`stickyKey(session:clientAddress:head:)`).
    ///   - queued: the request was woken from the wait queue (so it need not queue behind the others again).
    func acquire(
        host: String,
        clientAddress: String?,
        head: HTTPRequestHead?,
        stickyKey: String? = nil,
        excluding excluded: [String] = [],
        queued: Bool = false
    ) -> Pick {
        if let waitQueue, !queued, waitQueue.hasWaiters { return .wait(waitQueue) }
        let key = hashKey.key(
            clientAddress: clientAddress,
            destination: host,
            path: head?.uri,  // the key drops the query, and only when the pool hashes by path
            header: { head?.headers.first(name: $0) }
        )
        let request = PickRequest(destination: host, clientAddress: clientAddress, hashKey: key, stickyKey: stickyKey)
        switch balancer.pick(request, excluding: excluded) {
        case .acquired(let target, let usedFallback, let sticky):
            noteDegraded(usedFallback, target: target.id)
            if logger.logLevel <= .trace {
                logger.trace(
                    "balancing decision",
                    metadata: [
                        "pool": "\(name)", "policy": "\(type(of: balancer.policy))", "host": "\(host)",
                        "client": "\(clientAddress ?? "-")", "target": "\(target.id)",
                        "active_connections": "\(target.connections.active)", "fallback": "\(usedFallback)",
                    ])
            }
            return .leased(
                TargetLease(
                    target: target, route: routes[target.id]!, host: host, pool: self,
                    sticky: stickyKey.map { ($0, sticky) }))
        case .saturated:
            if let waitQueue { return .wait(waitQueue) }
            return .refused(.serviceUnavailable, "every target of pool \(name) is at its connection limit")
        case .throttled(let retryAfter):
            return .refused(
                .tooManyRequests(retryAfter: ProxyErrorStatus.seconds(retryAfter)),
                "every target of pool \(name) is rate limited or pushed back for \(host)")
        case .unavailable:
            noteDegraded(true, target: nil)
            return .refused(.serviceUnavailable, "no target of pool \(name) is available")
        case .stickyTargetDown(let target):
            return .refused(.badGateway, "the sticky session's target \(target) of pool \(name) is down")
        }
    }

    /// The sticky key of a request or tunnel in this pool; nil when the pool has no sticky sessions or the request
    /// no key.
    /// - Parameters:
    ///   - session: the session named in the client's login (`SessionLogin`), if any.
    ///   - head: the request, or the CONNECT request of a tunnel; nil for a SOCKS5 tunnel.
    func stickyKey(session: String?, clientAddress: String?, head: HTTPRequestHead?) -> String? {
        balancer.sticky?.options.key.key(session: session, clientAddress: clientAddress) {
            head?.headers.first(name: $0)
        }
    }

    /// Logs the `onAllUnhealthy` decision when the pool starts or stops finding no healthy target.
    private func noteDegraded(_ isDegraded: Bool, target: String?) {
        guard degraded.load(ordering: .relaxed) != isDegraded,
            degraded.compareExchange(expected: !isDegraded, desired: isDegraded, ordering: .relaxed).exchanged
        else { return }
        if !isDegraded {
            logger.notice("pool \(name) has healthy targets again")
        } else if let target {
            logger.warning(
                "pool \(name) has no healthy target; on_all_unhealthy \(balancer.onAllUnhealthy) sends traffic to \(target)"
            )
        } else {
            logger.warning(
                "pool \(name) has no target to send to; on_all_unhealthy \(balancer.onAllUnhealthy) rejects requests")
        }
    }

    /// Logs what the pool's guards did, one line each.
    public func log(_ events: [PoolGuards.Event]) {
        for event in events { logger.warning("pool \(name): \(event)") }
    }

    /// How to reach the target with `id`, one of the balancer's targets.
    func route(of id: String) -> UpstreamRoute {
        routes[id]!
    }

    /// The idle-connection pool of `eventLoop`; nil for a loop the pool was not built for (then nothing is reused).
    func idleConnections(on eventLoop: any EventLoop) -> UpstreamConnectionPool? {
        idleConnections[ObjectIdentifier(eventLoop)]?.pool
    }
}

/// Makes a loop-confined pool storable in a `Sendable` map; only its own event loop ever touches it.
private final class UpstreamConnectionPoolBox: @unchecked Sendable {
    let pool: UpstreamConnectionPool
    init(_ pool: UpstreamConnectionPool) { self.pool = pool }
}
