import NIOCore

extension SocketAddress {
    /// The address as people write it, for logs, `/stats` and the dashboard: `127.0.0.1:3128`, `[::1]:3128`, or a
    /// Unix socket's path (NIO's own description reads `[IPv4]127.0.0.1/127.0.0.1:3128`).
    public var endpoint: String {
        switch self {
        case .v4: "\(ipAddress ?? "?"):\(port ?? 0)"
        case .v6: "[\(ipAddress ?? "?")]:\(port ?? 0)"
        case .unixDomainSocket: pathname ?? "?"
        }
    }
}
