import Logging
import NIOCore
import SwitchyardBalancing
import SwitchyardConfig
import SwitchyardProxy
import SwitchyardTraffic

/// Everything a runtime builds from one configuration besides its listening sockets: the pools with their guards,
/// queues and limits, each listener's settings, and the pools' health checks and guard sweeps. A reload builds a new
/// generation and retires the old one; connections keep the generation they started with.
///
/// Thread-safety: immutable apart from the health checks and sweeps that `start` and `stop` control.
final class RuntimeGeneration: Sendable {
    let config: SwitchyardConfig
    let pools: [String: UpstreamPool]
    /// Per listener, in config order.
    let listenerSettings: [ProxyListenerSettings]
    /// The active health checks of the pools that have them, by pool name.
    let healthCheckers: [String: PoolHealthChecker]
    /// Resolves the names the pools dial; kept, cache and all, by the next generation when `dns` stays the same.
    let resolver: HostResolver
    private let sweepLoop: any EventLoop
    private let sweeps = LockedValue<[RepeatedTask]>([])

    /// - Parameters:
    ///   - previous: the generation being replaced, whose targets' live state carries over to targets that stay.
    init(
        config: SwitchyardConfig, previous: RuntimeGeneration?, eventLoops: [any EventLoop],
        tlsSources: [TLSContextSource?], selfEndpoints: SelfEndpoints, metrics: TrafficMetrics, logger: Logger
    ) throws {
        self.config = config
        let resolver =
            previous.flatMap { $0.config.dns == config.dns ? $0.resolver : nil } ?? config.dns.makeResolver()
        self.resolver = resolver
        var pools: [String: UpstreamPool] = [:]
        for pool in config.pools {
            pools[pool.name] = try Self.makePool(
                pool, transport: config.transport, eventLoops: eventLoops,
                metrics: metrics.pool(pool.name, targetIDs: pool.targets.map(\.id)), previous: previous?.pools[pool.name],
                resolver: resolver, logger: logger)
        }
        self.pools = pools
        let poolRules = Dictionary(
            config.pools.map { ($0.name, $0.headerRules) }, uniquingKeysWith: { first, _ in first })
        self.listenerSettings = zip(config.listeners, tlsSources).map { listener, tls in
            Self.proxySettings(
                for: listener, pools: pools, poolRules: poolRules, tls: tls, transport: config.transport.tuning,
                destinations: config.destinations(of: listener).policy(selfEndpoints: selfEndpoints),
                metrics: metrics.listener(listener.name), logger: logger)
        }
        self.healthCheckers = Dictionary(
            config.pools.compactMap { settings in
                settings.resilience.healthCheck.map {
                    let checker = PoolHealthChecker(
                        pool: pools[settings.name]!,
                        check: $0.healthCheck(initialState: settings.resilience.initialState),
                        eventLoops: eventLoops,
                        previous: previous?.healthCheckers[settings.name])
                    return (settings.name, checker)
                }
            },
            uniquingKeysWith: { first, _ in first })
        self.sweepLoop = eventLoops[0]
    }

    /// Starts the health checks, the sweeps that end ejections and open circuits on time, and the DNS lookups of
    /// pools that discover their targets (whose findings go to `onDiscovered`).
    func start(onDiscovered: @escaping PoolDiscovery.Handler) {
        for checker in healthCheckers.values { checker.start() }
        let tasks = pools.values.compactMap { pool in
            pool.balancer.guards.map { guards in
                sweepLoop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
                    pool.log(guards.sweep())
                }
            }
        }
        let discoveries = config.pools.compactMap { pool in
            pool.discover.map {
                PoolDiscovery(pool: pool.name, settings: $0, targets: pool.targets, resolver: resolver)
                    .schedule(on: sweepLoop, onChange: onDiscovered)
            }
        }
        sweeps.withLock { $0 = tasks + discoveries }
    }

    /// Stops the health checks, sweeps and lookups.
    func stop() {
        for checker in healthCheckers.values { checker.stop() }
        for task in sweeps.withLock({ $0 }) { task.cancel() }
    }

    private static func proxySettings(
        for listener: ListenerSettings,
        pools: [String: UpstreamPool],
        poolRules: [String: HeaderRules],
        tls: TLSContextSource?,
        transport: TransportTuning,
        destinations: DestinationPolicy,
        metrics: ListenerMetrics,
        logger: Logger
    ) -> ProxyListenerSettings {
        switch listener.mode {
        case .forward, .socks5:
            return .forward(
                listenerName: listener.name,
                pool: pools[listener.pool]!,
                users: listener.auth.map { $0.users.map { ($0.username, $0.password) } },
                connectTimeout: TimeAmount(listener.timeouts.connect),
                idleTimeout: TimeAmount(listener.timeouts.idle),
                headerReadTimeout: TimeAmount(listener.timeouts.headerRead),
                maxHeaderBytes: listener.maxHeaderBytes,
                addVia: listener.addVia,
                addXForwardedFor: listener.addXForwardedFor,
                rateLimits: listener.rateLimits.requestRateLimits(clock: SystemClock()),
                headerRewrites: [listener.headerRules, poolRules[listener.pool] ?? HeaderRules()].rewrites,
                destinationPolicy: destinations,
                clientProtocols: Set(
                    listener.servedProtocols.map { $0 == .socks5 ? ProxyListenerSettings.ClientProtocol.socks5 : .http }
                ),
                tls: tls,
                transport: transport,
                metrics: metrics,
                logger: logger
            )
        case .reverse:
            var routes = listener.routes.enumerated().map { index, route in
                ReverseRoute(
                    name: "routes[\(index)]",
                    host: route.host,
                    pathPrefix: route.pathPrefix,
                    method: route.method,
                    headers: route.headers.map { ($0.name, $0.value) },
                    pool: pools[route.pool]!,
                    retryNonIdempotent: route.retryNonIdempotent,
                    queueClass: route.queueClass,
                    headerRewrites: [listener.headerRules, route.headerRules, poolRules[route.pool] ?? HeaderRules()]
                        .rewrites
                )
            }
            if !listener.pool.isEmpty {
                routes.append(
                    ReverseRoute(
                        name: "pool", pool: pools[listener.pool]!,
                        headerRewrites: [listener.headerRules, poolRules[listener.pool] ?? HeaderRules()].rewrites))
            }
            return .reverse(
                listenerName: listener.name,
                routes: routes,
                tls: tls,
                addForwarded: listener.addForwarded,
                idleTimeout: TimeAmount(listener.timeouts.idle),
                headerReadTimeout: TimeAmount(listener.timeouts.headerRead),
                maxHeaderBytes: listener.maxHeaderBytes,
                rateLimits: listener.rateLimits.requestRateLimits(clock: SystemClock()),
                transport: transport,
                metrics: metrics,
                logger: logger
            )
        }
    }

    private static func makePool(
        _ pool: PoolSettings, transport: TransportSettings, eventLoops: [any EventLoop], metrics: PoolMetrics,
        previous: UpstreamPool?, resolver: HostResolver, logger: Logger
    ) throws -> UpstreamPool {
        let options = pool.policyOptions
        let clock = SystemClock()
        let onAllUnhealthy: AllUnhealthyAction =
            switch pool.onAllUnhealthy {
            case .leastFailed: .leastFailed
            case .all: .all
            case .reject: .reject
            }
        let configuration = PolicyConfiguration(
            lruPerHost: LRUPerHostOptions(
                historyWindow: options.historyWindow,
                historySize: options.historySize,
                historyMaxTotalEntries: options.historyMaxTotalEntries
            ),
            loadFactor: options.loadFactor,
            slowStart: options.slowStart,
            latencyDecay: options.ewmaDecay,
            minWeightFactor: options.minWeightFactor,
            recovery: options.recovery,
            onAllUnhealthy: onAllUnhealthy,
            auto: AutoPolicyChooser.Thresholds(sustain: options.autoSustain, minimumDwell: options.autoMinDwell),
            onPolicySwitch: { [name = pool.name] change in
                logger.notice(
                    "pool \(name): policy auto switched from \(change.from) to \(change.to): \(change.reason)",
                    metadata: ["pool": "\(name)", "from": "\(change.from)", "to": "\(change.to)"])
            }
        )
        guard let policy = BalancingPolicyRegistry.make(name: pool.policy, configuration: configuration, clock: clock)
        else { throw UnknownPolicyError(pool: pool.name, policy: pool.policy) }
        if let auto = policy as? AutoPolicy, let previous = previous?.balancer.policy as? AutoPolicy {
            auto.carryOn(from: previous)
        }
        let previousTargets = Dictionary(
            (previous?.balancer.targets ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let targets = pool.targets.map { settings in
            let maxConnections = settings.maxConnections ?? pool.maxConnectionsPerTarget
            return previousTargets[settings.id].map {
                BalancingTarget(continuing: $0, weight: settings.effectiveWeight, maxConnections: maxConnections)
            } ?? BalancingTarget(
                id: settings.id, weight: settings.effectiveWeight, maxConnections: maxConnections,
                state: TargetState(clock: clock))
        }
        let hashKey: HashKeySource =
            switch options.hashKey {
            case .clientIP: .clientAddress
            case .destinationHost: .destinationHost
            case .path: .path
            case .header(let name): .header(name)
            case .cookie(let name): .cookie(name)
            }
        let backend = pool.backend
        return try UpstreamPool(
            name: pool.name,
            balancer: TargetPool(
                name: pool.name, targets: targets, policy: policy, configuration: configuration, clock: clock,
                guards: pool.resilience.poolGuards(targets: targets, clock: clock),
                sticky: pool.sticky.map {
                    StickyTable(
                        options: $0.options, clock: clock, continuing: previous?.balancer.sticky,
                        targets: Set(targets.map(\.id)))
                }),
            hashKey: hashKey,
            addresses: pool.targets.map(PoolTargetAddress.init),
            backend: BackendSettings(
                connectTimeout: TimeAmount(backend.connectTimeout),
                responseTimeout: TimeAmount(backend.responseTimeout),
                rewriteHost: backend.hostHeader == .rewrite,
                retryAttempts: backend.retries.attempts,
                retryBudgetPercent: backend.retries.budgetPercent,
                retryBackoff: TimeAmount(backend.retries.backoff),
                retryMaxBackoff: TimeAmount(backend.retries.maxBackoff),
                replayBodyBytes: backend.retries.replayBodyBytes,
                tlsVerify: backend.tlsVerify,
                caFile: backend.ca,
                transport: transport.tuning,
                expectContinueTimeout: TimeAmount(transport.expectContinueTimeout)
            ),
            eventLoops: eventLoops,
            maxIdlePerDestination: pool.keepAlive.maxIdlePerDestination,
            maxIdleTotal: pool.keepAlive.maxIdleTotal,
            idleTimeout: TimeAmount(pool.keepAlive.idleTimeout),
            requestLimits: pool.resilience.rateLimits.requestRateLimits(clock: clock),
            waitQueue: pool.resilience.waitQueue,
            metrics: metrics,
            resolver: resolver,
            logger: logger
        )
    }

}
