import Atomics
import Logging
import NIOCore
import NIOPosix
import SwitchyardAdmin
import SwitchyardBalancing
import SwitchyardConfig
import SwitchyardProxy
import SwitchyardTraffic
import Synchronization

/// A running Switchyard: the event loops, the pools and the listeners built from one config.
///
/// `start()` binds every listener (and fails without serving anything if one cannot bind); `shutdown()`
/// stops accepting, lets in-flight requests and tunnels finish within the listeners' `timeouts.shutdown`,
/// then closes what is left. `run()` does both around the process's SIGTERM/SIGINT.
public final class SwitchyardRuntime: Sendable {
    /// The event loops new connections are served on; replaced by a reload that changes `workers`.
    private let workers: Mutex<WorkerGroup>
    /// Worker groups replaced by a reload, each shutting down once its connections have closed.
    private let retiringWorkers = Mutex<[Task<Void, Never>]>([])
    /// The current worker group's event loops, for what the runtime dials besides proxied traffic (trigger webhooks).
    var eventLoops: any EventLoopGroup { workers.withLock { $0 }.loops }
    /// The listeners in force, in config order; replaced by a reload that adds, removes or moves one.
    private let listenerSet: Mutex<[ProxyListener]>
    /// The pools, health checks and listener settings in force; replaced whole by `reload(_:)`.
    private let generation: Mutex<RuntimeGeneration>
    /// Held by every change of configuration (SIGHUP, admin edits and PUTs) from reading the current config to
    /// installing the next, so each edit applies to the config current at that moment and none is lost.
    let configChanges = Mutex<Void>(())
    /// The configs applied most recently, for `GET /api/v1/config/history` and rollbacks; changed by `install`.
    let history: Mutex<ConfigHistory>
    /// The rollouts started through the admin API, stepped while any is active.
    let rolloutDriver = RolloutDriver()
    /// Evaluates the config's `triggers` once the listeners are bound.
    let triggerEngine = TriggerEngine()
    /// Prometheus metrics and `/stats` windows of all listeners and pools.
    public let metrics: TrafficMetrics
    /// The `process_*` metrics next to `metrics`.
    let processMetrics: ProcessMetrics
    /// The process's own listener and admin addresses, which forward listeners never dial.
    let selfEndpoints: SelfEndpoints
    let logger: Logger
    /// The config file the runtime was started from, where API changes are written back with `admin.persist`.
    let configFile: String?
    /// The config file's signature when the runtime was made, right after the config was read: the file watcher's
    /// starting point, so a save between startup and the watcher's first check is still a change.
    let configFileAtStart: FileSignature?
    private let shutdownGracePeriod: Duration
    /// Returns memory freed after bursts to the system; runs on the current worker group.
    private let memoryTrimmer: Mutex<MemoryTrimmer>
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
        self.configFileAtStart = configFile.flatMap(FileSignature.init(path:))
        let workers = WorkerGroup(workers: config.workers)
        self.workers = Mutex(workers)
        self.history = Mutex(ConfigHistory(initial: config, appliedAt: time(nil)))
        self.shutdownGracePeriod = config.listeners.map(\.timeouts.shutdown).max() ?? .seconds(30)
        let metrics = TrafficMetrics(perHostLimit: config.admin.perHostMetrics)
        self.metrics = metrics
        self.processMetrics = ProcessMetrics(registry: metrics.registry)
        let selfEndpoints = SelfEndpoints()
        self.selfEndpoints = selfEndpoints
        for listener in config.listeners { selfEndpoints.add(listener.listen) }
        selfEndpoints.add(config.admin.listen)
        selfEndpoints.addInterfaceAddresses()
        do {
            let eventLoops = workers.eventLoops
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
            self.memoryTrimmer = Mutex(MemoryTrimmer(on: eventLoops[0], logger: logger))
        } catch {
            workers.loops.shutdownGracefully { _ in }
            throw error
        }
    }

    /// The listeners in force, in config order.
    var listeners: [ProxyListener] {
        listenerSet.withLock { $0 }
    }

    /// The event loops new connections are served on now.
    var workerGroup: WorkerGroup {
        workers.withLock { $0 }
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
    /// `timeouts.shutdown`. A `workers` change starts new event loops for new connections and moves every listener
    /// onto them (see `ProxyListener.rebind(on:)`); the old loops shut down once their connections have closed, or
    /// after the old config's longest `timeouts.shutdown`.
    /// The applied config becomes the next version of the config history, `cause` saying what applied it.
    /// - Throws: `ReloadError` naming what failed; the old config keeps running.
    public func reload(_ config: SwitchyardConfig, cause: String = "reload") throws(ReloadError) {
        _ = try configChanges.withLock { _ throws(ReloadError) in try install(config, cause: cause) }
    }

    /// `reload(_:cause:)` for a caller that holds `configChanges`.
    @discardableResult
    func install(_ config: SwitchyardConfig, cause: String) throws(ReloadError) -> ConfigHistory.Entry {
        do {
            try swap(to: config)
            metrics.configReloaded(succeeded: true)
        } catch {
            metrics.configReloaded(succeeded: false)
            throw error
        }
        let entry = history.withLock { $0.record(config, appliedAt: time(nil), cause: cause) }
        logger.notice(
            "configuration reloaded",
            metadata: [
                "pools": "\(config.pools.count)", "listeners": "\(config.listeners.count)",
                "version": "\(entry.version)", "cause": "\(cause)",
            ])
        return entry
    }

    private func swap(to config: SwitchyardConfig) throws(ReloadError) {
        do {
            try applyOpenFileLimit(for: config)
        } catch {
            throw ReloadError(error.description)
        }
        let previous = generation.withLock { $0 }
        let oldWorkers = workers.withLock { $0 }
        let group =
            WorkerGroup.threads(forWorkers: config.workers) == oldWorkers.threads
            ? oldWorkers : WorkerGroup(workers: config.workers)
        /// Undoes the new worker group of a reload that fails.
        func abandon(movedBack moved: [ProxyListener] = []) {
            guard group !== oldWorkers else { return }
            for listener in moved { try? listener.rebind(on: oldWorkers) }
            retire(group, grace: .zero)
        }
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
                config: config, previous: previous, eventLoops: group.eventLoops, tlsSources: tlsSources,
                selfEndpoints: selfEndpoints, metrics: metrics, logger: logger)
        } catch {
            abandon()
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
                    for listener in bound { listener.retire(after: .zero) }
                    abandon()
                    throw ReloadError("\(error)")
                }
                selfEndpoints.add(added.localAddress)
                bound.append(added)
            }
            nextListeners.append(added)
        }
        if started, group !== oldWorkers {
            var moved: [ProxyListener] = []
            for listener in nextListeners where running[listener.name] === listener {
                do {
                    try listener.rebind(on: group)
                } catch {
                    for listener in bound { listener.retire(after: .zero) }
                    abandon(movedBack: moved)
                    throw ReloadError("\(error)")
                }
                moved.append(listener)
            }
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
            listener.retire(after: grace)
        }
        previous.stop()
        if started { next.start(onDiscovered: discoveryHandler) }
        if group !== oldWorkers {
            workers.withLock { $0 = group }
            memoryTrimmer.withLock { trimmer in
                trimmer.cancel()
                trimmer = MemoryTrimmer(on: group.loops.next(), logger: logger)
            }
            retire(oldWorkers, grace: previous.config.listeners.map(\.timeouts.shutdown).max() ?? .seconds(30))
            logger.notice(
                "workers changed", metadata: ["threads": "\(group.threads)", "previous": "\(oldWorkers.threads)"])
        }
    }

    /// Shuts `group` down in the background once its connections have closed or `grace` has passed;
    /// `shutdown()` waits for it.
    private func retire(_ group: WorkerGroup, grace: Duration) {
        let task = Task { [logger] in await group.retire(grace: grace, logger: logger) }
        retiringWorkers.withLock { $0.append(task) }
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
            let group = workers.withLock { $0 }
            for listener in listeners {
                try listener.bind(on: group)
                selfEndpoints.add(listener.localAddress)
            }
            generation.withLock { $0.start(onDiscovered: discoveryHandler) }
            hasStarted.store(true, ordering: .relaxed)
            triggerEngine.start(self)
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
        let group = workers.withLock { $0 }
        let loop = group.loops.next()
        let drained = EventLoopFuture.andAllComplete(listeners.compactMap { $0.quiesce() }, on: loop)
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
        memoryTrimmer.withLock { $0.cancel() }
        rolloutDriver.cancel()
        triggerEngine.cancel()
        generation.withLock { $0.stop() }
        for task in retiringWorkers.withLock({ $0 }) { await task.value }
        try? await group.loops.shutdownGracefully()
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
}
