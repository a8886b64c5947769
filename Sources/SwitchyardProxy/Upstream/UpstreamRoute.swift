import NIOCore

/// How to reach one pool target. An egress target leaves from a source address (or the default route) towards
/// whatever destination each request names; a backend target is itself the destination.
struct UpstreamRoute: Sendable {
    /// The target's identity, as logged and as used in upstream pool keys.
    let id: String
    /// The local address outbound sockets bind to before connecting; nil for the default route.
    let sourceAddress: SocketAddress?
    /// A backend target's own address; nil for egress targets.
    let backend: ProxyDestination?
    /// The backend speaks TLS (an `https://` URL).
    let usesTLS: Bool

    init(_ target: PoolTargetAddress) throws {
        self.id = target.id
        self.sourceAddress = try target.sourceIP.map { try SocketAddress(ipAddress: $0, port: 0) }
        if let url = target.url {
            guard let parsed = ProxyDestination.parseBackendURL(url) else { throw InvalidTargetURL(url: url) }
            self.backend = parsed.destination
            self.usesTLS = parsed.usesTLS
        } else {
            self.backend = nil
            self.usesTLS = false
        }
    }
}

/// Where a pool target is, as configured: an egress source IP, a backend URL, or neither (the default route).
public struct PoolTargetAddress: Sendable {
    public var id: String
    public var sourceIP: String?
    public var url: String?

    public init(id: String, sourceIP: String? = nil, url: String? = nil) {
        self.id = id
        self.sourceIP = sourceIP
        self.url = url
    }
}

/// A backend URL the proxy cannot use (validation should have caught it first).
public struct InvalidTargetURL: Error, CustomStringConvertible {
    public var url: String
    public var description: String { "invalid backend URL \(url): expected http(s)://host[:port]" }
}
