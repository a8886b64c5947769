/// One route of a reverse listener: the conditions a request must meet and the pool that serves it. Routes are
/// tried in order; the first match wins. A route without conditions is the default route.
public struct RouteSettings: Sendable, Equatable {
    /// Exact host (`api.example.com`) or any subdomain (`*.example.com`); nil matches every host.
    public var host: String?
    public var pathPrefix: String?
    /// An HTTP method such as `GET`; nil matches every method.
    public var method: String?
    /// Headers that must be present with exactly these values.
    public var headers: [HeaderMatch]
    public var pool: String
    /// Also retry non-idempotent requests (POST, PATCH) that failed before any response byte.
    public var retryNonIdempotent: Bool
    /// The queue class of this route's requests when its pool queues them; nil uses the pool's default.
    public var queueClass: String?
    /// Headers edited on this route's requests and responses (between the listener's and the pool's).
    public var headerRules = HeaderRules()

    public init(
        host: String? = nil,
        pathPrefix: String? = nil,
        method: String? = nil,
        headers: [HeaderMatch] = [],
        pool: String,
        retryNonIdempotent: Bool = false,
        queueClass: String? = nil
    ) {
        self.host = host
        self.pathPrefix = pathPrefix
        self.method = method
        self.headers = headers
        self.pool = pool
        self.retryNonIdempotent = retryNonIdempotent
        self.queueClass = queueClass
    }
}

/// A header a route requires, with its exact value.
public struct HeaderMatch: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension ListenerSettings {
    /// Every pool this listener sends traffic to.
    public var usedPools: [String] {
        (pool.isEmpty ? [] : [pool]) + routes.map(\.pool)
    }
}
