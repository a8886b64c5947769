import Logging
import NIOCore
import NIOExtras
import NIOPosix
import SwitchyardConfig
import SwitchyardProxy
import SwitchyardTraffic
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One bound proxy listener (any mode): accepts connections up to its limits and stops gracefully. A reload that
/// keeps its name and address reconfigures it in place (mode, TLS, auth, limits, timeouts: everything but the
/// socket), and connections accepted from then on get the new settings while open ones keep theirs; a reload that
/// removes or moves it retires it (`retire(after:)`).
final class ProxyListener: Sendable {
    let name: String
    /// The address the config asked for (port 0 picks a free one: see `localAddress`).
    let listen: ListenAddress
    private let logger: Logger
    private let current: Mutex<Admission>
    private let state = Mutex<(channel: (any Channel)?, quiescing: ServerQuiescingHelper?, tlsWatch: RepeatedTask?)>(
        (nil, nil, nil))
    /// Every accepted connection still open, so a retired listener can close what outlives its drain.
    private let openChannels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// What new connections are admitted and served with; replaced whole by a reload.
    struct Admission: Sendable {
        var mode: ListenerMode
        var proxySettings: ProxyListenerSettings
        /// The listener's open client connections, against `max_connections`.
        var connections: ConnectionLimiter
        /// Open connections per client address, against `max_connections_per_client`; nil without one.
        var connectionsPerClient: ClientConnectionCounter?
        /// Connections whose request head is still incomplete after a read, against `max_incomplete_heads`.
        var incompleteHeads: ConnectionLimiter
        /// The certificate source of a TLS listener, re-read while the listener is bound.
        var tls: TLSContextSource?
    }

    init(settings: ListenerSettings, proxySettings: ProxyListenerSettings, tls: TLSContextSource?, logger: Logger) {
        self.name = settings.name
        self.listen = settings.listen
        self.logger = logger
        self.current = Mutex(
            Admission(
                mode: settings.mode, proxySettings: proxySettings,
                connections: ConnectionLimiter(limit: settings.maxConnections),
                connectionsPerClient: settings.maxConnectionsPerClient > 0
                    ? ClientConnectionCounter(limit: settings.maxConnectionsPerClient) : nil,
                incompleteHeads: ConnectionLimiter(limit: settings.maxIncompleteHeads), tls: tls))
    }

    var mode: ListenerMode { current.withLock { $0.mode } }
    var connections: ConnectionLimiter { current.withLock { $0.connections } }
    var tls: TLSContextSource? { current.withLock { $0.tls } }
    /// The settings new connections get now.
    var proxySettings: ProxyListenerSettings { current.withLock { $0.proxySettings } }
    /// Where the listener's requests are counted.
    var metrics: ListenerMetrics? { proxySettings.metrics }

    /// Gives connections accepted from now on `settings` (a reloaded config); open ones keep theirs. The limits keep
    /// counting the connections already open.
    func reconfigure(_ settings: ListenerSettings, proxySettings: ProxyListenerSettings, tls: TLSContextSource?) {
        let replacedTLS = current.withLock { admission -> Bool in
            let replaced = admission.tls !== tls
            admission.mode = settings.mode
            admission.proxySettings = proxySettings
            admission.connections = admission.connections.withLimit(settings.maxConnections)
            admission.incompleteHeads = admission.incompleteHeads.withLimit(settings.maxIncompleteHeads)
            admission.connectionsPerClient =
                settings.maxConnectionsPerClient > 0
                ? admission.connectionsPerClient?.withLimit(settings.maxConnectionsPerClient)
                    ?? ClientConnectionCounter(limit: settings.maxConnectionsPerClient) : nil
            admission.tls = tls
            return replaced
        }
        if replacedTLS { watchTLS() }
    }

    /// The address actually bound (with the real port when the config asked for port 0).
    var localAddress: SocketAddress? {
        state.withLock { $0.channel?.localAddress }
    }

    /// Binds the listening socket and starts accepting on `workers`.
    func bind(on workers: WorkerGroup) throws {
        let quiescing = ServerQuiescingHelper(group: workers.loops)
        do {
            let channel = try bootstrap(on: workers, quiescing: quiescing).bind(host: listen.host, port: listen.port)
                .wait()
            state.withLock { $0.channel = channel; $0.quiescing = quiescing }
            watchTLS()
            logger.info(
                "listening",
                metadata: [
                    "listener": "\(name)", "mode": "\(mode.rawValue)",
                    "address": "\(channel.localAddress?.endpoint ?? "?")",
                ]
            )
        } catch {
            quiescing.initiateShutdown(promise: nil)
            throw ListenerBindError(listener: name, address: listen.description, underlying: error)
        }
    }

    /// Moves accepting onto `workers` (a `workers` change) without refusing a connection. The listening socket
    /// stays open and listening throughout: the old server channel stops accepting from it, a new server channel on
    /// `workers` takes a duplicate of its descriptor and accepts from the same kernel queue (connections that arrive
    /// in between wait there), and closing the old channel closes only its own descriptor. (A second socket bound
    /// with `SO_REUSEPORT` would have a queue of its own, and the connections waiting on the old one when it closed
    /// would be reset.) The old channel stops before the new one starts because two channels polling one socket are
    /// both woken for each connection, and the one that finds it taken trips an assertion of NIO's debug builds.
    /// The connections the old channel accepted are asked to quiesce and finish on the loops they started on.
    func rebind(on workers: WorkerGroup) throws {
        guard let old = state.withLock({ $0.channel }) else { return try bind(on: workers) }
        let quiescing = ServerQuiescingHelper(group: workers.loops)
        do {
            let descriptor = try old.eventLoop.submit {
                try old.syncOptions?.setOption(.autoRead, value: false)
                return try old.pipeline.syncOperations.withUnsafeTransportIfAvailable(of: NIOBSDSocket.Handle.self) {
                    dup($0)
                }
            }.wait()
            guard let descriptor, descriptor >= 0 else { throw IOError(errnoCode: errno, reason: "dup") }
            let channel = try bootstrap(on: workers, quiescing: quiescing).withBoundSocket(descriptor).wait()
            // Adopting a socket listens again with NIO's default backlog (128); restore ours.
            try channel.eventLoop.submit {
                _ = try channel.pipeline.syncOperations.withUnsafeTransportIfAvailable(of: NIOBSDSocket.Handle.self) {
                    Glibc.listen($0, Self.backlog)
                }
            }.wait()
            let retired = state.withLock { state -> ServerQuiescingHelper? in
                defer { state.channel = channel; state.quiescing = quiescing }
                return state.quiescing
            }
            retired?.initiateShutdown(promise: nil)
            watchTLS()
        } catch {
            quiescing.initiateShutdown(promise: nil)
            old.eventLoop.execute { try? old.syncOptions?.setOption(.autoRead, value: true) }
            throw ListenerBindError(listener: name, address: listen.description, underlying: error)
        }
    }

    /// The pending-connection queue of the listening socket.
    private static let backlog: Int32 = 1024

    private func bootstrap(on workers: WorkerGroup, quiescing: ServerQuiescingHelper) -> ServerBootstrap {
        let listener = self
        let name = self.name
        let logger = self.logger
        return ServerBootstrap(group: workers.loops)
            .serverChannelOption(.backlog, value: Self.backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPauseHandler(listener: name, logger: logger))
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                workers.track(channel)
                return channel.eventLoop.makeCompletedFuture { try listener.accept(channel) }
            }
    }

    /// Admits a new connection under the current limits and sets up its pipeline with the current settings.
    private func accept(_ channel: any Channel) throws {
        let admission = current.withLock { $0 }
        if let refusal = ListenerAdmission.admit(
            channel, limiter: admission.connections, perClient: admission.connectionsPerClient, listener: name,
            answersHTTP: admission.proxySettings.answersRefusalsInHTTP, logger: logger)
        {
            admission.proxySettings.metrics?.traffic.limitRejected(refusal.rawValue)
            return
        }
        let id = ObjectIdentifier(channel)
        openChannels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in _ = self.openChannels.withLock { $0.removeValue(forKey: id) } }
        try ProxyPipeline.configure(
            channel, settings: admission.proxySettings, incompleteHeads: admission.incompleteHeads)
    }

    /// Re-reads the certificate files of the current TLS source every second while bound.
    private func watchTLS() {
        let tls = self.tls
        state.withLock { state in
            state.tlsWatch?.cancel()
            guard let channel = state.channel else { return }
            state.tlsWatch = tls?.watch(every: .seconds(1), on: channel.eventLoop)
        }
    }

    /// Stops accepting and asks idle connections to close; in-flight requests finish first, tunnels run on.
    /// Completes when every connection has closed, on the listening channel's loop: the worker group those
    /// connections run on, so the promise is kept before that group can shut down. Nil when the listener is not bound.
    func quiesce() -> EventLoopFuture<Void>? {
        let (channel, quiescing) = state.withLock { state -> ((any Channel)?, ServerQuiescingHelper?) in
            defer {
                state.quiescing = nil
                state.tlsWatch?.cancel()
                state.tlsWatch = nil
            }
            return (state.channel, state.quiescing)
        }
        guard let channel, let quiescing else { return nil }
        let promise = channel.eventLoop.makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: promise)
        return promise.futureResult
    }

    /// Takes a listener out of service after a reload removed or moved it: stops accepting at once, lets open
    /// connections finish for at most `grace`, then closes the rest.
    func retire(after grace: Duration) {
        guard let drained = quiesce() else { return }
        let deadline = drained.eventLoop.scheduleTask(in: TimeAmount(grace)) { [logger, name] in
            let remaining = self.openChannels.withLock { Array($0.values) }
            if !remaining.isEmpty {
                logger.warning(
                    "retired listener's grace period over: closing remaining connections",
                    metadata: ["listener": "\(name)", "connections": "\(remaining.count)"])
            }
            for channel in remaining { channel.close(promise: nil) }
        }
        drained.whenComplete { [logger, name] _ in
            deadline.cancel()
            logger.info("retired listener drained", metadata: ["listener": "\(name)"])
        }
    }
}

/// A listener could not bind its address.
public struct ListenerBindError: Error, CustomStringConvertible {
    public var listener: String
    public var address: String
    public var underlying: any Error
    public var description: String { "listener \(listener): cannot listen on \(address): \(underlying)" }
}
