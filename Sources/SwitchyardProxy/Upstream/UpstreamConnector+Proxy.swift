#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix

extension UpstreamConnector {
    /// Connects to the upstream proxy and, unless it is an HTTP upstream taking plain requests itself, opens the
    /// path to `host:port` through it: `CONNECT` with the upstream's own `Proxy-Authorization` (NIOExtras'
    /// `NIOHTTP1ProxyConnectHandler`), or the SOCKS5 handshake. The whole setup, TCP connect and handshake, must
    /// finish within `timeout`. Every failure is an `UpstreamFailure.upstreamProxy`.
    static func connect(
        through proxy: UpstreamProxy,
        host: String,
        port: Int,
        route: UpstreamRoute,
        timeout: TimeAmount,
        transport: TransportTuning,
        purpose: Purpose,
        on eventLoop: any EventLoop,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        let destination = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let failure = { @Sendable (reason: UpstreamProxyFailure.Reason) in
            UpstreamFailure.upstreamProxy(UpstreamProxyFailure(proxy: proxy.authority, destination: destination, reason: reason))
        }
        let handshake = purpose == .plainHTTP && proxy.kind == .http ? nil : ProxyHandshake(proxy, host: host, port: port)
        var bootstrap = transport.applyKeepalive(to: ClientBootstrap(group: eventLoop))
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            // Half-closure is turned on once the path is open: a FIN during the handshake is a failed handshake.
            .channelOption(.allowRemoteHalfClosure, value: handshake == nil)
            .channelInitializer { channel in
                guard let handshake else { return initializer(channel) }
                return channel.eventLoop.makeCompletedFuture { try handshake.install(on: channel, by: .now() + timeout) }
            }
        if let source = route.sourceAddress {
            bootstrap = bootstrap.bind(to: source)
        }
        // The proxy's own name goes through the route's resolver (and its cache) like any name dialled directly.
        let connected = route.resolver.addresses(of: proxy.host, port: proxy.port, on: eventLoop).assumeIsolated()
            .flatMap { addresses in
                bootstrap.resolver(ResolvedAddresses(addresses: addresses, eventLoop: eventLoop))
                    .connect(host: proxy.host, port: proxy.port)
            }.nonisolated().flatMapErrorThrowing { error in
            handshake?.abandon(error)
            throw failure(Self.reason(forConnectError: error, to: proxy, route: route))
        }
        guard let handshake else { return connected }
        let path = connected.flatMap { channel in
            handshake.established.futureResult.flatMapErrorThrowing { error in
                throw failure(handshake.reason(for: error))
            }.flatMap {
                handshake.finish(on: channel)
            }.flatMap {
                initializer(channel)
            }.flatMapErrorThrowing { error in
                channel.close(promise: nil)
                throw error
            }.map { channel }
        }
        // Bytes that came right behind the handshake reach the caller's handlers, added when it got the channel.
        let result = eventLoop.makePromise(of: (any Channel).self)
        path.whenComplete { outcome in
            result.completeWith(outcome)
            if case .success(let channel) = outcome { handshake.releaseLeftovers(on: channel) }
        }
        return result.futureResult
    }

    private static func reason(forConnectError error: any Error, to proxy: UpstreamProxy, route: UpstreamRoute)
        -> UpstreamProxyFailure.Reason
    {
        switch UpstreamFailure(error, host: proxy.host, port: proxy.port, route: route) {
        case .refused: .refused
        case .timedOut: .timedOut
        case let other: .unreachable(other.description)
        }
    }
}

/// The handlers of one handshake with an upstream proxy, from their installation to their removal.
private final class ProxyHandshake: @unchecked Sendable {
    /// Succeeds once the path to the destination is open. Only touched on the channel's event loop.
    var established: EventLoopPromise<Void>!
    private let proxy: UpstreamProxy
    private let host: String
    private let port: Int
    private let splitter = ConnectResponseSplitter()
    private let reply = ConnectReplyObserver()
    private var socks: SOCKS5ClientHandler?
    private var timeout: Scheduled<Void>?

    init(_ proxy: UpstreamProxy, host: String, port: Int) {
        self.proxy = proxy
        self.host = host
        self.port = port
    }

    /// Adds the handshake's handlers to a new channel; the handshake fails if not done by `deadline`.
    func install(on channel: any Channel, by deadline: NIODeadline) throws {
        let established = channel.eventLoop.makePromise(of: Void.self)
        self.established = established
        timeout = channel.eventLoop.scheduleTask(deadline: deadline) { established.fail(HandshakeTimeout()) }
        established.futureResult.whenComplete { [timeout] _ in timeout?.cancel() }
        let pipeline = channel.pipeline.syncOperations
        switch proxy.kind {
        case .http:
            var headers = HTTPHeaders()
            let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            headers.add(name: "host", value: authority)
            if let authorization = proxy.basicAuthorization { headers.add(name: "proxy-authorization", value: authorization) }
            try pipeline.addHandlers(
                splitter,
                HTTPRequestEncoder(),
                ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes)),
                reply,
                NIOHTTP1ProxyConnectHandler(
                    targetHost: host.contains(":") ? "[\(host)]" : host, targetPort: port, headers: headers,
                    deadline: deadline, promise: established))
        case .socks5:
            let credentials = proxy.username.map { (username: $0, password: proxy.password ?? "") }
            let socks = SOCKS5ClientHandler(
                handshake: SOCKS5ClientHandshake(host: host, port: port, credentials: credentials),
                established: established)
            self.socks = socks
            try pipeline.addHandler(socks)
        }
    }

    /// Fails the handshake of a channel that never connected, so that no handler is left holding its promise.
    func abandon(_ error: any Error) {
        established?.fail(error)
    }

    /// Lets the remote side half-close from now on, and removes an HTTP handshake's codec (the decoder leaves on a
    /// later tick; the bytes behind the reply wait in the splitter meanwhile).
    func finish(on channel: any Channel) -> EventLoopFuture<Void> {
        do {
            try channel.syncOptions?.setOption(.allowRemoteHalfClosure, value: true)
            guard proxy.kind == .http else { return channel.eventLoop.makeSucceededVoidFuture() }
            let pipeline = channel.pipeline.syncOperations
            _ = pipeline.removeHandler(reply)
            _ = try pipeline.removeHandler(pipeline.handler(type: HTTPRequestEncoder.self))
            return try pipeline.removeHandler(pipeline.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    /// Removes the handler holding the bytes that came from the destination during setup, which passes them on to
    /// the caller's handlers.
    func releaseLeftovers(on channel: any Channel) {
        let pipeline = channel.pipeline.syncOperations
        switch proxy.kind {
        case .http: _ = pipeline.removeHandler(splitter)
        case .socks5: if let socks { _ = pipeline.removeHandler(socks) }
        }
    }

    /// What a failed handshake says about the upstream.
    func reason(for error: any Error) -> UpstreamProxyFailure.Reason {
        if let status = reply.status, !(200..<300).contains(status) {
            return status == 407 ? .rejectedCredentials : .answered(status)
        }
        if error is HandshakeTimeout || error as? NIOHTTP1ProxyConnectHandler.Error == .httpProxyHandshakeTimeout() {
            return .timedOut
        }
        switch error as? SOCKS5ClientHandshake.Failure {
        case .credentialsRejected: return .rejectedCredentials
        case .some(let failure): return .socks(failure)
        case nil: return .closed
        }
    }

    private struct HandshakeTimeout: Error {}
}
