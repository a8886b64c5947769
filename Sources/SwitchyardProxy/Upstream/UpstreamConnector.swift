#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import SwitchyardBalancing
import NIOPosix
import NIOSSL

/// Opens TCP (optionally TLS) connections to upstreams on the caller's event loop, leaving through a target's route.
enum UpstreamConnector {
    /// Connects to `host:port`, bound to the route's source address if it has one. The returned channel
    /// lives on `eventLoop` (the client's), so relaying needs no locks. `initializer` runs before the
    /// channel becomes active.
    static func connect(
        host: String,
        port: Int,
        route: UpstreamRoute,
        timeout: TimeAmount,
        tls: NIOSSLContext? = nil,
        on eventLoop: any EventLoop,
        initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<any Channel> {
        // SNI names a host, never an address literal.
        let serverName = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" } ? nil : host
        var bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                guard let tls else { return initializer(channel) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOSSLClientHandler(context: tls, serverHostname: serverName)
                    )
                }.flatMap { initializer(channel) }
            }
        if let source = route.sourceAddress {
            bootstrap = bootstrap.bind(to: source)
        }
        return bootstrap.connect(host: host, port: port)
    }
}

/// Why an upstream could not be reached, mapped to the status the client gets.
enum UpstreamFailure: Error, CustomStringConvertible {
    case dnsFailure(host: String)
    case refused(host: String, port: Int)
    case timedOut(host: String, port: Int)
    case sourceAddressUnavailable(route: String)
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

    /// What the failure says about the target, for its pool's guards.
    var result: PoolGuards.RequestResult {
        if case .timedOut = self { return .timedOut }
        return .connectFailed
    }

    var status: ProxyErrorStatus {
        switch self {
        case .timedOut: .gatewayTimeout
        default: .badGateway
        }
    }

    var description: String {
        switch self {
        case .dnsFailure(let host): "DNS lookup failed for \(host)"
        case .refused(let host, let port): "connection refused by \(host):\(port)"
        case .timedOut(let host, let port): "connect to \(host):\(port) timed out"
        case .sourceAddressUnavailable(let route): "cannot bind source address \(route)"
        case .other(let text): "upstream connection failed: \(text)"
        }
    }
}
