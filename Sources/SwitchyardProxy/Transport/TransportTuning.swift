#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import NIOCore
import NIOPosix

/// Socket and TLS tuning of connections, the clients' and the upstreams' alike (`transport` in the config).
public struct TransportTuning: Sendable {
    /// Idle time before TCP keep-alive probes start (in whole seconds, at least one); nil leaves keep-alive off.
    public var tcpKeepalive: TimeAmount?
    /// The longest a TLS handshake may take before the connection is closed.
    public var tlsHandshakeTimeout: TimeAmount

    public init(tcpKeepalive: TimeAmount? = .seconds(30), tlsHandshakeTimeout: TimeAmount = .seconds(10)) {
        self.tcpKeepalive = tcpKeepalive
        self.tlsHandshakeTimeout = tlsHandshakeTimeout
    }

    /// The socket options that turn keep-alive on (`SO_KEEPALIVE`, then `TCP_KEEPIDLE`); empty when it is off.
    var keepaliveOptions: [(option: ChannelOptions.Types.SocketOption, value: SocketOptionValue)] {
        guard let idle = tcpKeepalive else { return [] }
        let seconds = SocketOptionValue(max(1, (idle.nanoseconds + 999_999_999) / 1_000_000_000))
        return [
            (ChannelOptions.Types.SocketOption(level: .socket, name: .so_keepalive), 1),
            (ChannelOptions.Types.SocketOption(level: .tcp, name: NIOBSDSocket.Option(rawValue: TCP_KEEPIDLE)), seconds),
        ]
    }

    /// Turns keep-alive on for an accepted connection's socket; call on its event loop.
    func applyKeepalive(to channel: any Channel) throws {
        guard let options = channel.syncOptions else { return }
        for (option, value) in keepaliveOptions { try options.setOption(option, value: value) }
    }

    /// Turns keep-alive on for the sockets `bootstrap` connects.
    func applyKeepalive(to bootstrap: ClientBootstrap) -> ClientBootstrap {
        keepaliveOptions.reduce(bootstrap) { $0.channelOption($1.option, value: $1.value) }
    }
}
