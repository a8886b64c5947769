/// The rate limits of a listener or a pool: each rule keeps one budget per value of its key (a client address, a
/// user, a route, a destination host, or one for everything), and a request passes only if every rule allows it.
///
/// Thread-safety: immutable apart from the limiters, which are safe to use from any thread.
public final class RequestRateLimits: Sendable {
    /// What a rule's budgets are kept per.
    public enum Key: Sendable, Equatable {
        case clientIP, user, listener, route, destinationHost
    }

    /// What the limits may key a request by.
    public struct Request {
        public var clientIP: String?
        public var user: String?
        public var route: String?
        public var destinationHost: String

        public init(clientIP: String?, user: String?, route: String?, destinationHost: String) {
            self.clientIP = clientIP
            self.user = user
            self.route = route
            self.destinationHost = destinationHost
        }

        func value(of key: Key) -> String {
            switch key {
            case .clientIP: clientIP ?? "-"
            case .user: user ?? "-"
            case .listener: ""
            case .route: route ?? "-"
            case .destinationHost: destinationHost
            }
        }
    }

    private let rules: [(key: Key, limiter: KeyedRateLimiter<String>)]

    public init(rules: [(key: Key, rule: RateLimitRule)], clock: any MonotonicClock = SystemClock()) {
        self.rules = rules.map { key, rule in
            (key, KeyedRateLimiter(maxKeys: key == .listener ? 1 : rule.maxKeys) { rule.makeLimiter(clock: clock) })
        }
    }

    /// Counts `request` against every rule, in order, until one refuses it.
    /// - Returns: nil when every rule allows it; otherwise how long until the refusing rule would allow one more.
    public func check(_ request: Request) -> Duration? {
        for rule in rules {
            if case .refused(let retryAfter) = rule.limiter.tryAcquire(key: request.value(of: rule.key)) {
                return retryAfter
            }
        }
        return nil
    }
}
