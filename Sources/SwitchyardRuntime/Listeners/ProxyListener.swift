import Logging
import NIOCore
import NIOExtras
import NIOPosix
import SwitchyardConfig
import SwitchyardProxy
import SwitchyardTraffic
import Synchronization

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

    /// Binds the listening socket and starts accepting.
    func bind(on group: any EventLoopGroup) throws {
        let quiescing = ServerQuiescingHelper(group: group)
        let listener = self
        let name = self.name
        let logger = self.logger
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
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
                channel.eventLoop.makeCompletedFuture { try listener.accept(channel) }
            }
        do {
            let channel = try bootstrap.bind(host: listen.host, port: listen.port).wait()
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
    /// Completes when every connection has closed.
    func quiesce(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let quiescing = state.withLock { state -> ServerQuiescingHelper? in
            defer {
                state.quiescing = nil
                state.tlsWatch?.cancel()
                state.tlsWatch = nil
            }
            return state.quiescing
        }
        guard let quiescing else { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: promise)
        return promise.futureResult
    }

    /// Takes a listener out of service after a reload removed or moved it: stops accepting at once, lets open
    /// connections finish for at most `grace`, then closes the rest.
    func retire(after grace: Duration, on eventLoop: any EventLoop) {
        let drained = quiesce(on: eventLoop)
        let deadline = eventLoop.scheduleTask(in: TimeAmount(grace)) { [logger, name] in
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
