import Atomics
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import SwitchyardAdmin
import SwitchyardBalancing
import SwitchyardConfig
import SwitchyardProxy
import SwitchyardTraffic
import Synchronization
import UnixSignals

/// A running Switchyard: the event loops, the pools and the listeners built from one config.
///
/// `start()` binds every listener (and fails without serving anything if one cannot bind); `shutdown()`
/// stops accepting, lets in-flight requests and tunnels finish within the listeners' `timeouts.shutdown`,
/// then closes what is left. `run()` does both around the process's SIGTERM/SIGINT.
public final class SwitchyardRuntime: Sendable {
    private let group: MultiThreadedEventLoopGroup
    /// The listeners in force, in config order; replaced by a reload that adds, removes or moves one.
    private let listenerSet: Mutex<[ProxyListener]>
    /// The pools, health checks and listener settings in force; replaced whole by `reload(_:)`.
    private let generation: Mutex<RuntimeGeneration>
    /// Held by every change of configuration (SIGHUP, admin edits and PUTs) from reading the current config to
    /// installing the next, so each edit applies to the config current at that moment and none is lost.
    let configChanges = Mutex<Void>(())
    /// Prometheus metrics and `/stats` windows of all listeners and pools.
    public let metrics: TrafficMetrics
    /// The process's own listener and admin addresses, which forward listeners never dial.
    let selfEndpoints: SelfEndpoints
    let logger: Logger
    /// The config file the runtime was started from, where API changes are written back with `admin.persist`.
    let configFile: String?
    private let shutdownGracePeriod: Duration
    /// Returns memory freed after bursts to the system.
    private let memoryTrimmer: MemoryTrimmer
    /// The admin server made by `makeAdminServer`, whose key failures the metrics report.
    let adminServer = Mutex<AdminServer?>(nil)
    /// Set once the listeners are bound: a reloaded generation starts its health checks at once.
    private let hasStarted = ManagedAtomic(false)
    /// When the runtime was made: wall-clock seconds since the epoch, and a monotonic reading for uptime.
    let startedAt = (wallClock: time(nil), monotonic: NIODeadline.now())
    /// Set once `shutdown()` begins; readiness turns false.
    let isShuttingDown = ManagedAtomic(false)

    /// Builds pools and listeners (nothing is bound yet). Throws, with the event loops already stopped, when a
    /// pool or a listener's TLS files cannot be set up.
    /// - Parameter configFile: the file `config` was read from, if any.
    public init(config: SwitchyardConfig, configFile: String? = nil, logger: Logger) throws {
        self.logger = logger
        self.configFile = configFile
        let threads = config.workers > 0 ? config.workers : System.coreCount
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        self.group = group
        self.shutdownGracePeriod = config.listeners.map(\.timeouts.shutdown).max() ?? .seconds(30)
        let metrics = TrafficMetrics(perHostLimit: config.admin.perHostMetrics)
        self.metrics = metrics
        let selfEndpoints = SelfEndpoints()
        self.selfEndpoints = selfEndpoints
        for listener in config.listeners { selfEndpoints.add(listener.listen) }
        selfEndpoints.add(config.admin.listen)
        selfEndpoints.addInterfaceAddresses()
        do {
            let eventLoops = Array(group.makeIterator())
            let tlsSources = try config.listeners.map { listener in
                try listener.tls.map { try Self.tlsSource($0, listener: listener.name, logger: logger) }
            }
            let generation = try RuntimeGeneration(
                config: config, previous: nil, eventLoops: eventLoops, tlsSources: tlsSources,
                selfEndpoints: selfEndpoints, metrics: metrics, logger: logger)
            self.listenerSet = Mutex(
                config.listeners.enumerated().map { index, listener in
                    ProxyListener(
                        settings: listener, proxySettings: generation.listenerSettings[index], tls: tlsSources[index],
                        logger: logger)
                })
            self.generation = Mutex(generation)
            self.memoryTrimmer = MemoryTrimmer(on: eventLoops[0], logger: logger)
        } catch {
            group.shutdownGracefully { _ in }
            throw error
        }
    }

    /// The listeners in force, in config order.
    var listeners: [ProxyListener] {
        listenerSet.withLock { $0 }
    }

    /// The configuration in force (the last one applied).
    public var config: SwitchyardConfig {
        generation.withLock { $0.config }
    }

    /// The pools in force, by name.
    var livePools: [String: UpstreamPool] {
        generation.withLock { $0.pools }
    }

    /// The active health checks in force, by pool name.
    var healthCheckers: [String: PoolHealthChecker] {
        generation.withLock { $0.healthCheckers }
    }

    /// Applies `config` without a restart. Pools, targets, limits and every listener setting are rebuilt and take
    /// new connections at once, while open connections and tunnels finish on what they started with. Targets that
    /// stay (same pool, same id) keep their health, drain and enable state and their open connections. A listener
    /// that keeps its name and address keeps its socket; a new or moved one is bound before anything changes (a
    /// bind failure fails the whole reload), and a removed or moved one stops accepting and drains for its
    /// `timeouts.shutdown`. Only `workers` needs a restart.
    /// - Throws: `ReloadError` naming what failed; the old config keeps running.
    public func reload(_ config: SwitchyardConfig) throws(ReloadError) {
        try configChanges.withLock { _ throws(ReloadError) in try install(config) }
    }

    /// `reload(_:)` for a caller that holds `configChanges`.
    func install(_ config: SwitchyardConfig) throws(ReloadError) {
        do {
            try swap(to: config)
            metrics.configReloaded(succeeded: true)
        } catch {
            metrics.configReloaded(succeeded: false)
            throw error
        }
        logger.notice(
            "configuration reloaded", metadata: ["pools": "\(config.pools.count)", "listeners": "\(config.listeners.count)"])
    }

    private func swap(to config: SwitchyardConfig) throws(ReloadError) {
        guard config.workers == self.config.workers else {
            throw ReloadError("workers cannot change without a restart")
        }
        let previous = generation.withLock { $0 }
        let running = Dictionary(listeners.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        /// A running listener stays (keeps its socket) when the reload keeps its name and address.
        func staying(_ settings: ListenerSettings) -> ProxyListener? {
            running[settings.name].flatMap { $0.listen == settings.listen ? $0 : nil }
        }
        let previousTLS = Dictionary(
            previous.config.listeners.compactMap { listener in listener.tls.map { (listener.name, $0) } },
            uniquingKeysWith: { first, _ in first })
        let next: RuntimeGeneration
        let tlsSources: [TLSContextSource?]
        do {
            // A staying listener whose TLS settings did not change keeps its certificate source (and its reloads).
            tlsSources = try config.listeners.map { listener in
                guard let tls = listener.tls else { return nil }
                if let kept = staying(listener), previousTLS[listener.name] == tls, let source = kept.tls { return source }
                return try Self.tlsSource(tls, listener: listener.name, logger: logger)
            }
            next = try RuntimeGeneration(
                config: config, previous: previous, eventLoops: Array(group.makeIterator()), tlsSources: tlsSources,
                selfEndpoints: selfEndpoints, metrics: metrics, logger: logger)
        } catch {
            throw ReloadError("\(error)")
        }
        let started = hasStarted.load(ordering: .relaxed)
        var bound: [ProxyListener] = []
        var nextListeners: [ProxyListener] = []
        for (index, settings) in config.listeners.enumerated() {
            if let kept = staying(settings) {
                nextListeners.append(kept)
                continue
            }
            let added = ProxyListener(
                settings: settings, proxySettings: next.listenerSettings[index], tls: tlsSources[index], logger: logger)
            if started {
                do {
                    try added.bind(on: group)
                } catch {
                    for listener in bound { listener.retire(after: .zero, on: group.next()) }
                    throw ReloadError("\(error)")
                }
                selfEndpoints.add(added.localAddress)
                bound.append(added)
            }
            nextListeners.append(added)
        }
        generation.withLock { $0 = next }
        listenerSet.withLock { $0 = nextListeners }
        for (index, settings) in config.listeners.enumerated() where running[settings.name] === nextListeners[index] {
            nextListeners[index].reconfigure(
                settings, proxySettings: next.listenerSettings[index], tls: tlsSources[index])
        }
        let kept = Set(nextListeners.map(ObjectIdentifier.init))
        for listener in running.values where !kept.contains(ObjectIdentifier(listener)) {
            let grace = previous.config.listeners.first { $0.name == listener.name }?.timeouts.shutdown ?? .seconds(30)
            logger.notice("listener retired by reload", metadata: ["listener": "\(listener.name)", "drain": "\(grace)"])
            listener.retire(after: grace, on: group.next())
        }
        previous.stop()
        if started { next.start(onDiscovered: discoveryHandler) }
    }

    private static func tlsSource(_ tls: ListenerTLSSettings, listener: String, logger: Logger) throws
        -> TLSContextSource
    {
        let clientAuth: TLSContextSource.ClientCertificates =
            switch tls.clientAuth {
            case .none: .none
            case .optional: .optional
            case .require: .require
            }
        do {
            return try TLSContextSource(
                files: .init(
                    certificateChain: tls.cert, privateKey: tls.key, clientCA: tls.clientCA, clientAuth: clientAuth),
                logger: logger
            )
        } catch {
            throw ListenerTLSError(listener: listener, underlying: error)
        }
    }

    /// Binds every listener. On failure nothing keeps listening and the error names the listener.
    public func start() async throws {
        do {
            for listener in listeners {
                try listener.bind(on: group)
                selfEndpoints.add(listener.localAddress)
            }
            generation.withLock { $0.start(onDiscovered: discoveryHandler) }
            hasStarted.store(true, ordering: .relaxed)
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
        livePools[pool]?.balancer.targets.first { $0.id == id }
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
            logger.warning(
                "shutdown grace period over: closing remaining connections",
                metadata: ["grace": "\(shutdownGracePeriod)"])
        }
        memoryTrimmer.cancel()
        generation.withLock { $0.stop() }
        try? await group.shutdownGracefully()
        logger.info("stopped")
    }

    /// The admin server over this runtime (health, readiness, metrics, stats, the API and the dashboard), to run
    /// next to the listeners; `run()` makes one on `admin.listen`.
    public func makeAdminServer(host: String, port: Int) -> AdminServer {
        selfEndpoints.add(ListenAddress(host: host, port: port))
        let server = AdminServer(
            source: self, configuration: AdminServer.Configuration(host: host, port: port), logger: logger,
            onServerRunning: { [logger, selfEndpoints] port in
                selfEndpoints.add(ListenAddress(host: host, port: port))
                logger.info("admin endpoint ready", metadata: ["address": "\(host):\(port)"])
            })
        adminServer.withLock { $0 = server }
        return server
    }

    /// Starts, claims the PID file, serves until SIGTERM or SIGINT, then shuts down gracefully and removes the PID
    /// file. SIGHUP (trapped first: its default action would kill the process) and, with `reload.watch`, a change of
    /// the config file reload the config `configSource` reads.
    public func run(configSource: @escaping @Sendable () throws -> SwitchyardConfig) async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        try await start()
        let process = config.process
        var pidFile: PIDFile?
        if let path = process.pidFile {
            do {
                pidFile = try PIDFile.claim(path)
            } catch {
                await shutdown()
                throw error
            }
        }
        defer { pidFile?.remove() }
        let listen = config.admin.listen
        let notifier = ServiceManagerNotifier()
        let reloader = ConfigReloader(runtime: self, configSource: configSource, logger: logger, notifier: notifier)
        // Shut down in reverse order: the admin server goes last, so /ready answers 503 while listeners drain.
        var services: [any Service] = [
            makeAdminServer(host: listen.host, port: listen.port),
            RuntimeService(runtime: self, notifier: notifier),
            HangupService(signals: hangups, reloader: reloader),
        ]
        if process.watch {
            if let configFile {
                services.append(ConfigWatchService(path: configFile, interval: process.watchInterval, reloader: reloader))
            } else {
                logger.warning("reload.watch is on but there is no config file to watch")
            }
        }
        logger.notice("switchyard started", metadata: startupSummary(watching: process.watch && configFile != nil))
        notifier.ready()
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }

    /// The one startup line's fields: the version, every listener with its mode and bound address, the admin
    /// address, the config file and whether it is watched.
    private func startupSummary(watching: Bool) -> Logger.Metadata {
        let listenerList = listeners.map { "\($0.name)=\($0.mode.rawValue)@\($0.localAddress?.endpoint ?? "?")" }
        return [
            "version": "\(SwitchyardVersion.current)",
            "listeners": "\(listenerList.joined(separator: " "))",
            "admin": "\(config.admin.listen)",
            "config": "\(configFile ?? "(embedded default and options)")",
            "watch": "\(watching)",
        ]
    }
}

/// Ties the runtime's shutdown to the service group's graceful-shutdown signal.
private struct RuntimeService: Service {
    let runtime: SwitchyardRuntime
    let notifier: ServiceManagerNotifier

    func run() async throws {
        try? await gracefulShutdown()
        notifier.stopping()
        await runtime.shutdown()
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

/// A configuration change that cannot be applied live.
public struct ReloadError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
