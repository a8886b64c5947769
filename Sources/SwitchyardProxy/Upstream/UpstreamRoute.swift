import NIOCore
import NIOHTTP1

/// How to reach one pool target. An egress target leaves from a source address (or the default route), directly or
/// through an upstream proxy, towards whatever destination each request names; a backend target is itself the
/// destination.
struct UpstreamRoute: Sendable {
    /// The target's identity, as logged and as used in upstream pool keys.
    let id: String
    /// The local address outbound sockets bind to before connecting; nil for the default route.
    let sourceAddress: SocketAddress?
    /// A backend target's own address; nil for egress targets.
    let backend: ProxyDestination?
    /// The backend speaks TLS (an `https://` URL).
    let usesTLS: Bool
    /// The upstream proxy egress connections go through; nil to connect to destinations directly.
    let proxy: UpstreamProxy?
    /// The target's own time to set up a connection, overriding the listener's.
    let connectTimeout: TimeAmount?
    /// Resolves the names this route dials directly (destinations, or the backend's host).
    let resolver: HostResolver

    init(_ target: PoolTargetAddress, resolver: HostResolver = .system) throws {
        self.id = target.id
        self.resolver = resolver
        self.sourceAddress = try target.sourceIP.map { try SocketAddress(ipAddress: $0, port: 0) }
        self.proxy = target.upstream
        self.connectTimeout = target.connectTimeout
        if let url = target.url {
            guard let parsed = ProxyDestination.parseBackendURL(url) else { throw InvalidTargetURL(url: url) }
            self.backend = parsed.destination
            self.usesTLS = parsed.usesTLS
        } else {
            self.backend = nil
            self.usesTLS = false
        }
    }

    /// Whether plain HTTP requests go to the upstream proxy itself in absolute form (an HTTP upstream), so that one
    /// keep-alive connection to it serves every destination.
    var sendsAbsoluteForm: Bool { proxy?.kind == .http }

    /// The head of a plain request as this route sends it: for an HTTP upstream, absolute-form with the upstream's
    /// own credentials (the client's never travel: `HopByHopHeaders` removed them); otherwise unchanged.
    func head(_ head: HTTPRequestHead, to destination: ProxyDestination) -> HTTPRequestHead {
        guard let proxy, sendsAbsoluteForm else { return head }
        var head = head
        head.uri = "http://\(destination.hostHeader)\(head.uri)"
        if let authorization = proxy.basicAuthorization {
            head.headers.replaceOrAdd(name: "proxy-authorization", value: authorization)
        }
        return head
    }
}

/// An upstream proxy a target leaves through, with its credentials decoded.
public struct UpstreamProxy: Sendable {
    /// The protocol spoken to the upstream.
    public enum Kind: Sendable {
        /// An HTTP proxy: `CONNECT` for tunnels, absolute-form requests for plain HTTP.
        case http
        /// SOCKS5 (RFC 1928), with username/password authentication (RFC 1929) when credentials are given.
        case socks5
    }

    public var kind: Kind
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?

    public init(kind: Kind, host: String, port: Int, username: String? = nil, password: String? = nil) {
        self.kind = kind
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// `host:port`, as error messages name the upstream (never with its credentials).
    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// The `Proxy-Authorization` value for an HTTP upstream with credentials.
    var basicAuthorization: String? {
        username.map { "Basic " + Base64.encode(Array("\($0):\(password ?? "")".utf8)) }
    }
}

/// Where a pool target is, as configured: an egress source IP, an upstream proxy, a backend URL, or none of them
/// (the default route).
public struct PoolTargetAddress: Sendable {
    public var id: String
    public var sourceIP: String?
    public var url: String?
    public var upstream: UpstreamProxy?
    /// The target's own connect timeout; nil uses the listener's.
    public var connectTimeout: TimeAmount?

    public init(
        id: String, sourceIP: String? = nil, url: String? = nil, upstream: UpstreamProxy? = nil,
        connectTimeout: TimeAmount? = nil
    ) {
        self.id = id
        self.sourceIP = sourceIP
        self.url = url
        self.upstream = upstream
        self.connectTimeout = connectTimeout
    }
}

/// A backend URL the proxy cannot use (validation should have caught it first).
public struct InvalidTargetURL: Error, CustomStringConvertible {
    public var url: String
    public var description: String { "invalid backend URL \(url): expected http(s)://host[:port]" }
}
