import NIOHTTP1

/// The routes of a reverse listener, matched in order: the first route whose every condition holds wins.
struct RouteTable: Sendable {
    var routes: [ReverseRoute]

    /// The first route the request matches; `host` is its `requestHost`.
    func match(_ head: HTTPRequestHead, host: String) -> ReverseRoute? {
        let path = Substring(head.uri.utf8.prefix { $0 != UInt8(ascii: "?") })
        return routes.first { $0.matches(host: host, path: path, head: head) }
    }

    /// The request's host, lower-cased and without port: from the absolute URI if there is one, else `Host`.
    static func requestHost(_ head: HTTPRequestHead) -> String {
        let authority: Substring
        if let absolute = ProxyDestination.parseAbsoluteURI(head.uri) {
            return absolute.host.lowercased()
        } else if let header = head.headers.first(name: "host") {
            authority = header[...]
        } else {
            return ""
        }
        let bytes = authority.utf8
        let host: Substring
        if bytes.first == UInt8(ascii: "["), let close = bytes.firstIndex(of: UInt8(ascii: "]")) {
            host = Substring(bytes[bytes.index(after: bytes.startIndex)..<close])
        } else {
            host = Substring(bytes[..<(bytes.firstIndex(of: UInt8(ascii: ":")) ?? bytes.endIndex)])
        }
        // Nearly every Host header is lower-case already: copy it as it is rather than case-map it.
        let hasUpper = host.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") || $0 >= 0x80 }
        return hasUpper ? host.lowercased() : String(host)
    }
}

/// One route: conditions on the request, and the pool that serves it.
public struct ReverseRoute: Sendable {
    /// Exact host (`api.example.com`) or wildcard suffix (`*.example.com`, matching any subdomain); nil matches all.
    public var host: String?
    public var pathPrefix: String?
    public var method: String?
    /// Header name → exact value, all required.
    public var headers: [(name: String, value: String)]
    public var pool: UpstreamPool
    /// Retry non-idempotent methods (POST, PATCH) too.
    public var retryNonIdempotent: Bool
    /// How rate limits keyed by route name this route, e.g. `routes[0]`.
    public var name: String
    /// The pool queue class of this route's requests; nil for the queue's default.
    public var queueClass: String?
    /// The header rules of the listener, this route and its pool, chained; nil when there are none.
    public var headerRewrites: HeaderRewrites?

    public init(
        name: String,
        host: String? = nil,
        pathPrefix: String? = nil,
        method: String? = nil,
        headers: [(name: String, value: String)] = [],
        pool: UpstreamPool,
        retryNonIdempotent: Bool = false,
        queueClass: String? = nil,
        headerRewrites: HeaderRewrites? = nil
    ) {
        self.name = name
        self.queueClass = queueClass
        self.headerRewrites = headerRewrites
        self.host = host?.lowercased()
        self.pathPrefix = pathPrefix
        self.method = method?.uppercased()
        self.headers = headers
        self.pool = pool
        self.retryNonIdempotent = retryNonIdempotent
    }

    func matches(host requestHost: String, path: Substring, head: HTTPRequestHead) -> Bool {
        if let host {
            if host.hasPrefix("*.") {
                guard requestHost.hasSuffix(host.dropFirst()), requestHost.count > host.count - 1 else { return false }
            } else if host != requestHost {
                return false
            }
        }
        // Byte for byte, as HAProxy's `path_beg` and nginx's prefix locations compare: a path is ASCII on the wire.
        if let pathPrefix, !path.utf8.starts(with: pathPrefix.utf8) { return false }
        if let method, head.method.rawValue != method { return false }
        for (name, value) in headers where !head.headers[name].contains(value) {
            return false
        }
        return true
    }
}
