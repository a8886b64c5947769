#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import SwitchyardBalancing
import NIOPosix
import NIOSSL

/// Opens TCP (optionally TLS) connections to upstreams on the caller's event loop, leaving through a target's route:
/// directly, or through the route's upstream proxy.
enum UpstreamConnector {
    /// What the connection will carry.
    enum Purpose {
        /// Bytes to and from the destination (a CONNECT tunnel, or origin-form HTTP).
        case bytes
        /// Plain HTTP requests: an HTTP upstream proxy takes them itself in absolute form, with no CONNECT.
        case plainHTTP
    }

    /// Connects to `host:port`, bound to the route's source address if it has one, through the route's upstream
    /// proxy if it has one; the future completes only once the path is usable (the proxy's handshake done). The
    /// returned channel lives on `eventLoop` (the client's), so relaying needs no locks. `initializer` runs before
    /// the channel carries anything. Without an upstream proxy, the host is resolved by the route's resolver (cached)
    /// and its addresses raced (Happy Eyeballs); with a destination `check`, only addresses the policy allows are
    /// dialled (the future fails with `UpstreamFailure.denied` when none is). An upstream proxy resolves the name
    /// itself, so then only the name was checked (when planned). The route's own connect timeout overrides
    /// `timeout`. `transport` turns on TCP keep-alive and bounds the TLS handshake (a handshake not done in time
    /// fails the channel with `TLSHandshakeTimeout`).
    static func connect(
        host: String,
        port: Int,
        route: UpstreamRoute,
        timeout: TimeAmount,
        transport: TransportTuning,
        tls: NIOSSLContext? = nil,
        check: DestinationGuard.Check? = nil,
        purpose: Purpose = .bytes,
        on eventLoop: any EventLoop,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        let timeout = route.connectTimeout ?? timeout
        if let proxy = route.proxy {
            return connect(
                through: proxy, host: host, port: port, route: route, timeout: timeout, transport: transport,
                purpose: purpose, on: eventLoop, initializer: initializer)
        }
        // SNI names a host, never an address literal.
        let serverName = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
        let handshakeTimeout = transport.tlsHandshakeTimeout
        var bootstrap = transport.applyKeepalive(to: ClientBootstrap(group: eventLoop))
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator.bulkTransfer)
            .channelInitializer { channel in
                guard let tls else { return initializer(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        NIOSSLClientHandler(context: tls, serverHostname: serverName),
                        TLSHandshakeDeadline(timeout: handshakeTimeout) { $0.fireErrorCaught(TLSHandshakeTimeout()) }
                    )
                }.flatMap { initializer(channel) }
            }
        if let source = route.sourceAddress {
            bootstrap = bootstrap.bind(to: source)
        }
        let addresses =
            check.map { $0.owner.resolve($0, with: route.resolver, on: eventLoop) }
            ?? route.resolver.addresses(of: host, port: port, on: eventLoop)
        return addresses.assumeIsolated().flatMap { addresses in
            bootstrap.resolver(ResolvedAddresses(addresses: addresses, eventLoop: eventLoop))
                .connect(host: host, port: port)
        }.nonisolated()
    }
}

/// Why an upstream could not be reached, mapped to the status the client gets.
enum UpstreamFailure: Error, CustomStringConvertible {
    case dnsFailure(host: String)
    case refused(host: String, port: Int)
    case timedOut(host: String, port: Int)
    case sourceAddressUnavailable(route: String)
    /// The destination policy refused every address of the destination; nothing was dialled.
    case denied(DestinationDenial)
    /// The path through an upstream proxy could not be opened.
    case upstreamProxy(UpstreamProxyFailure)
    case other(String)

    init(_ error: any Error, host: String, port: Int, route: UpstreamRoute) {
        if let failure = error as? UpstreamFailure {
            self = failure
            return
        }
        if case ChannelError.connectTimeout = error {
            self = .timedOut(host: host, port: port)
            return
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, error.dnsAError != nil || error.dnsAAAAError != nil {
                self = .dnsFailure(host: host)
                return
            }
            let errnos = error.connectionErrors.compactMap { ($0.error as? IOError)?.errnoCode }
            if errnos.contains(EADDRNOTAVAIL) || errnos.contains(EINVAL) && route.sourceAddress != nil {
                self = .sourceAddressUnavailable(route: route.id)
            } else if errnos.contains(ECONNREFUSED) {
                self = .refused(host: host, port: port)
            } else if error.connectionErrors.contains(where: { if case ChannelError.connectTimeout = $0.error { true } else { false } }) {
                self = .timedOut(host: host, port: port)
            } else {
                self = .other("\(error)")
            }
            return
        }
        if let ioError = error as? IOError {
            switch ioError.errnoCode {
            case ECONNREFUSED: self = .refused(host: host, port: port)
            case EADDRNOTAVAIL: self = .sourceAddressUnavailable(route: route.id)
            default: self = .other("\(ioError)")
            }
            return
        }
        self = .other("\(error)")
    }

    /// What the failure says about the target reached through `route`, for its pool's guards; nil when it says
    /// nothing (a denial). `.unreachable` when the target's own connection failed: a backend or an upstream proxy
    /// refused it or could not be reached, or the source address cannot be bound.
    func result(via route: UpstreamRoute) -> PoolGuards.RequestResult? {
        switch self {
        case .timedOut: .timedOut
        case .denied: nil
        case .sourceAddressUnavailable: .unreachable
        case .upstreamProxy(let failure):
            switch failure.reason {
            case .timedOut: .timedOut
            case .refused, .unreachable: .unreachable
            default: .connectFailed
            }
        case .refused, .dnsFailure, .other: route.backend != nil ? .unreachable : .connectFailed
        }
    }

    /// Whether nothing reached the destination through `route`: the target itself was unreachable, or the path
    /// through an upstream proxy failed. Another target may then take the request whatever its method.
    func failedBeforeDestination(via route: UpstreamRoute) -> Bool {
        if case .upstreamProxy = self { return true }
        return result(via: route) == .unreachable
    }

    var status: ProxyErrorStatus {
        switch self {
        case .denied(let denial): .forbidden(rule: denial.rule)
        case .timedOut: .gatewayTimeout
        case .upstreamProxy(let failure): failure.isTimeout ? .gatewayTimeout : .badGateway
        default: .badGateway
        }
    }

    var description: String {
        switch self {
        case .dnsFailure(let host): "DNS lookup failed for \(host)"
        case .refused(let host, let port): "connection refused by \(host):\(port)"
        case .timedOut(let host, let port): "connect to \(host):\(port) timed out"
        case .sourceAddressUnavailable(let route): "cannot bind source address \(route)"
        case .denied(let denial): denial.description
        case .upstreamProxy(let failure): failure.description
        case .other(let text): "upstream connection failed: \(text)"
        }
    }
}
