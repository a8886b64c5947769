import Logging
import NIOCore
import NIOExtras
import NIOPosix
import SwitchyardConfig
import SwitchyardProxy
import SwitchyardTraffic
import Synchronization

/// One bound proxy listener (any mode): accepts connections up to its limit and stops gracefully.
final class ProxyListener: Sendable {
    let name: String
    let mode: ListenerMode
    private let listen: ListenAddress
    /// The settings new connections get; replaced by a reload.
    private let currentSettings: Mutex<ProxyListenerSettings>
    /// The listener's open client connections, against `max_connections`.
    let connections: ConnectionLimiter
    /// The listener's open connections per client address, against `max_connections_per_client`; nil without one.
    let connectionsPerClient: ClientConnectionCounter?
    /// The listener's connections whose request head is still incomplete after a read, against
    /// `max_incomplete_heads`.
    let incompleteHeads: ConnectionLimiter
    private let logger: Logger
    private let state = Mutex<(channel: (any Channel)?, quiescing: ServerQuiescingHelper?)>((nil, nil))

    init(settings: ListenerSettings, proxySettings: ProxyListenerSettings, logger: Logger) {
        self.name = settings.name
        self.mode = settings.mode
        self.listen = settings.listen
        self.currentSettings = Mutex(proxySettings)
        self.connections = ConnectionLimiter(limit: settings.maxConnections)
        self.incompleteHeads = ConnectionLimiter(limit: settings.maxIncompleteHeads)
        self.connectionsPerClient =
            settings.maxConnectionsPerClient > 0 ? ClientConnectionCounter(limit: settings.maxConnectionsPerClient) : nil
        self.logger = logger
    }

    /// Where the listener's requests are counted.
    var metrics: ListenerMetrics? { currentSettings.withLock { $0.metrics } }

    /// Gives connections accepted from now on `settings` (a reloaded config); open ones keep theirs.
    func use(_ settings: ProxyListenerSettings) {
        currentSettings.withLock { $0 = settings }
    }

    /// The address actually bound (with the real port when the config asked for port 0).
    var localAddress: SocketAddress? {
        state.withLock { $0.channel?.localAddress }
    }

    func bind(on group: any EventLoopGroup) async throws {
        let quiescing = ServerQuiescingHelper(group: group)
        let listener = self
        let connections = self.connections
        let connectionsPerClient = self.connectionsPerClient
        let incompleteHeads = self.incompleteHeads
        let logger = self.logger
        let name = self.name
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
                channel.eventLoop.makeCompletedFuture {
                    let proxySettings = listener.currentSettings.withLock { $0 }
                    if let refusal = ListenerAdmission.admit(
                        channel, limiter: connections, perClient: connectionsPerClient, listener: name, logger: logger)
                    {
                        proxySettings.metrics?.traffic.limitRejected(refusal.rawValue)
                        return
                    }
                    try ProxyPipeline.configure(channel, settings: proxySettings, incompleteHeads: incompleteHeads)
                }
            }
        do {
            let channel = try await bootstrap.bind(host: listen.host, port: listen.port).get()
            state.withLock { $0 = (channel, quiescing) }
            logger.info(
                "listening",
                metadata: [
                    "listener": "\(name)", "mode": "\(mode.rawValue)",
                    "address": "\(channel.localAddress?.description ?? "?")",
                ]
            )
        } catch {
            quiescing.initiateShutdown(promise: nil)
            throw ListenerBindError(listener: name, address: listen.description, underlying: error)
        }
    }

    /// Stops accepting and asks idle connections to close; in-flight requests finish first, tunnels run on.
    /// Completes when every connection has closed.
    func quiesce(on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let quiescing = state.withLock { state -> ServerQuiescingHelper? in
            defer { state.quiescing = nil }
            return state.quiescing
        }
        guard let quiescing else { return eventLoop.makeSucceededVoidFuture() }
        let promise = eventLoop.makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: promise)
        return promise.futureResult
    }
}

/// A listener could not bind its address.
public struct ListenerBindError: Error, CustomStringConvertible {
    public var listener: String
    public var address: String
    public var underlying: any Error
    public var description: String { "listener \(listener): cannot listen on \(address): \(underlying)" }
}
