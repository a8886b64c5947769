import Atomics
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import UnixSignals
import SwitchyardBalancing
import SwitchyardConfig
import SwitchyardProxy
import SwitchyardTraffic

/// A running Switchyard: the event loops, the pools and the listeners built from one config.
///
/// `start()` binds every listener (and fails without serving anything if one cannot bind); `shutdown()`
/// stops accepting, lets in-flight requests and tunnels finish within the listeners' `timeouts.shutdown`,
/// then closes what is left. `run()` does both around the process's SIGTERM/SIGINT.
public final class SwitchyardRuntime: Sendable {
    public let config: SwitchyardConfig
    private let group: MultiThreadedEventLoopGroup
    let listeners: [ProxyListener]
    let pools: [String: UpstreamPool]
    /// Prometheus metrics and `/stats` windows of all listeners and pools.
    public let metrics: TrafficMetrics
    private let logger: Logger
    private let shutdownGracePeriod: Duration
    /// Tasks re-reading listeners' certificate files, and ending pools' ejections and open circuits on time.
    private let repeatedTasks: [RepeatedTask]
    /// The active health checks of the pools that have them, by pool name; started once the listeners are bound.
    let healthCheckers: [String: PoolHealthChecker]
    /// When the runtime was made: wall-clock seconds since the epoch, and a monotonic reading for uptime.
    let startedAt = (wallClock: time(nil), monotonic: NIODeadline.now())
    /// Set once `shutdown()` begins; readiness turns false.
    let isShuttingDown = ManagedAtomic(false)

    /// Builds pools and listeners (nothing is bound yet). Throws, with the event loops already stopped, when a
    /// pool or a listener's TLS files cannot be set up.
    public init(config: SwitchyardConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        let threads = config.workers > 0 ? config.workers : System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.group = group
        self.shutdownGracePeriod = config.listeners.map(\.timeouts.shutdown).max() ?? .seconds(30)
        let metrics = TrafficMetrics()
        self.metrics = metrics
        do {
            let eventLoops = Array(group.makeIterator())
            var pools: [String: UpstreamPool] = [:]
            for pool in config.pools {
                pools[pool.name] = try Self.makePool(
                    pool, eventLoops: eventLoops, metrics: metrics.pool(pool.name, targetIDs: pool.targets.map(\.id)),
                    logger: logger)
            }
            self.pools = pools
            let tlsSources = try config.listeners.map { listener in
                try listener.tls.map { try Self.tlsSource($0, listener: listener.name, logger: logger) }
            }
            self.listeners = zip(config.listeners, tlsSources).map { listener, tls in
                ProxyListener(
                    settings: listener,
                    proxySettings: Self.proxySettings(
                        for: listener, pools: pools, tls: tls, metrics: metrics.listener(listener.name), logger: logger),
                    logger: logger
                )
            }
            self.healthCheckers = Dictionary(
                config.pools.compactMap { settings in
                    settings.resilience.healthCheck.map {
                        let checker = PoolHealthChecker(
                            pool: pools[settings.name]!,
                            check: $0.healthCheck(initialState: settings.resilience.initialState),
                            eventLoops: eventLoops)
                        return (settings.name, checker)
                    }
                },
                uniquingKeysWith: { first, _ in first })
            let guardSweeps = pools.values.compactMap { pool in
                pool.balancer.guards.map { guards in
                    eventLoops[0].scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { _ in
                        pool.log(guards.sweep())
                    }
                }
            }
            self.repeatedTasks = tlsSources.compactMap { $0?.watch(every: .seconds(1), on: eventLoops[0]) } + guardSweeps
        } catch {
            group.shutdownGracefully { _ in }
            throw error
        }
    }

    private static func tlsSource(_ tls: ListenerTLSSettings, listener: String, logger: Logger) throws -> TLSContextSource {
        let clientAuth: TLSContextSource.ClientCertificates =
            switch tls.clientAuth {
            case .none: .none
            case .optional: .optional
            case .require: .require
            }
        do {
            return try TLSContextSource(
                files: .init(certificateChain: tls.cert, privateKey: tls.key, clientCA: tls.clientCA, clientAuth: clientAuth),
                logger: logger
            )
        } catch {
            throw ListenerTLSError(listener: listener, underlying: error)
        }
    }

    private static func proxySettings(
        for listener: ListenerSettings,
        pools: [String: UpstreamPool],
        tls: TLSContextSource?,
        metrics: ListenerMetrics,
        logger: Logger
    ) -> ProxyListenerSettings {
        switch listener.mode {
        case .forward:
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
                    queueClass: route.queueClass
                )
            }
            if !listener.pool.isEmpty { routes.append(ReverseRoute(name: "pool", pool: pools[listener.pool]!)) }
            return .reverse(
                listenerName: listener.name,
                routes: routes,
                tls: tls,
                addForwarded: listener.addForwarded,
                idleTimeout: TimeAmount(listener.timeouts.idle),
                headerReadTimeout: TimeAmount(listener.timeouts.headerRead),
                maxHeaderBytes: listener.maxHeaderBytes,
                rateLimits: listener.rateLimits.requestRateLimits(clock: SystemClock()),
                metrics: metrics,
                logger: logger
            )
        }
    }

    private static func makePool(
        _ pool: PoolSettings, eventLoops: [any EventLoop], metrics: PoolMetrics, logger: Logger
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
            onAllUnhealthy: onAllUnhealthy
        )
        guard let policy = BalancingPolicyRegistry.make(name: pool.policy, configuration: configuration, clock: clock)
        else { throw UnknownPolicyError(pool: pool.name, policy: pool.policy) }
        let targets = pool.targets.map {
            BalancingTarget(
                id: $0.id,
                weight: $0.weight,
                maxConnections: $0.maxConnections ?? pool.maxConnectionsPerTarget,
                state: TargetState(clock: clock)
            )
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
                guards: pool.resilience.poolGuards(targets: targets, clock: clock)),
            hashKey: hashKey,
            addresses: pool.targets.map { PoolTargetAddress(id: $0.id, sourceIP: $0.sourceIP, url: $0.url) },
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
                caFile: backend.ca
            ),
            eventLoops: eventLoops,
            maxIdlePerDestination: pool.keepAlive.maxIdlePerDestination,
            maxIdleTotal: pool.keepAlive.maxIdleTotal,
            idleTimeout: TimeAmount(pool.keepAlive.idleTimeout),
            requestLimits: pool.resilience.rateLimits.requestRateLimits(clock: clock),
            waitQueue: pool.resilience.waitQueue,
            metrics: metrics,
            logger: logger
        )
    }

    /// Binds every listener. On failure nothing keeps listening and the error names the listener.
    public func start() async throws {
        do {
            for listener in listeners {
                try await listener.bind(on: group)
            }
            for checker in healthCheckers.values { checker.start() }
        } catch {
            await shutdown()
            throw error
        }
    }

    /// Where a listener is bound, e.g. to learn the port picked for `:0`.
    public func boundAddress(ofListener name: String) -> SocketAddress? {
        listeners.first { $0.name == name }?.localAddress
    }

    /// The live target with `id` in the pool named `pool` (its health, circuit, drain and connection state).
    public func target(_ id: String, inPool pool: String) -> BalancingTarget? {
        pools[pool]?.balancer.targets.first { $0.id == id }
    }

    /// Stops accepting, waits for open connections to finish (at most the shutdown grace period), then closes
    /// whatever remains and stops the event loops.
    public func shutdown() async {
        isShuttingDown.store(true, ordering: .relaxed)
        let loop = group.next()
        let drained = EventLoopFuture.andAllComplete(listeners.map { $0.quiesce(on: loop) }, on: loop)
        let grace = TimeAmount(shutdownGracePeriod)
        let timedOut = loop.makePromise(of: Bool.self)
        let timer = loop.scheduleTask(in: grace) { timedOut.succeed(true) }
        drained.whenComplete { _ in
            timer.cancel()
            timedOut.succeed(false)
        }
        if (try? await timedOut.futureResult.get()) == true {
            logger.warning("shutdown grace period over: closing remaining connections", metadata: ["grace": "\(shutdownGracePeriod)"])
        }
        for task in repeatedTasks { task.cancel() }
        for checker in healthCheckers.values { checker.stop() }
        try? await group.shutdownGracefully()
        logger.info("stopped")
    }

    /// Starts, serves until SIGTERM or SIGINT, then shuts down gracefully. SIGHUP is trapped first (its default
    /// action would kill the process) and only logged: configuration reload is not implemented yet.
    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await start()
        let group = ServiceGroup(
            services: [RuntimeService(runtime: self), HangupService(signals: hangups, logger: logger)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}

/// Ties the runtime's shutdown to the service group's graceful-shutdown signal.
private struct RuntimeService: Service {
    let runtime: SwitchyardRuntime

    func run() async throws {
        try? await gracefulShutdown()
        await runtime.shutdown()
    }
}

/// Keeps SIGHUP from terminating the process and says why nothing happens.
private struct HangupService: Service {
    let signals: UnixSignalsSequence
    let logger: Logger

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.warning("SIGHUP received: configuration reload is not supported yet; still running the old config")
        }
    }
}

/// A listener's certificate, key or client CA could not be loaded.
public struct ListenerTLSError: Error, CustomStringConvertible {
    public var listener: String
    public var underlying: any Error
    public var description: String { "listener \(listener): cannot load TLS files: \(underlying)" }
}

/// A pool names a policy the balancer does not know (validation should have caught it first).
public struct UnknownPolicyError: Error, CustomStringConvertible {
    public var pool: String
    public var policy: String
    public var description: String { "pool \(pool): unknown policy \(policy)" }
}
