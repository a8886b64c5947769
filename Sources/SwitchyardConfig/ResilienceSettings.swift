/// How a pool keeps working when targets fail or overload: active checks, passive ejection, circuit breakers,
/// destination push-back, rate limits and the wait queue. Every part is off unless configured, except two: the
/// ejection of a target that cannot be connected to, and push-back on `429`/`503` with `Retry-After`, which egress
/// pools honour.
public struct ResilienceSettings: Sendable, Equatable {
    /// Active health checks; nil runs none.
    public var healthCheck: HealthCheckSettings?
    /// A new target's state before its first check.
    public var initialState: InitialTargetState
    /// Passive health from request outcomes; nil ejects nothing on that account.
    public var outlierDetection: OutlierDetectionSettings?
    /// How long a target that could not be connected to (refused, unreachable, its source address unusable) is kept
    /// out of rotation, unless a success or a passed check brings it back first; zero keeps it in. Default 10 s.
    public var unreachableEjection: Duration
    /// One breaker per target; nil has none.
    public var circuitBreaker: CircuitBreakerSettings?
    public var pushBack: PushBackSettings
    /// Limits applied once the pool is chosen; `target_and_host` limits steer the pick itself.
    public var rateLimits: [RateLimitSettings]
    /// Requests waiting for a free connection slot; nil (or `max: 0`) fails at once when every target is full.
    public var queue: QueueSettings?

    public init(
        healthCheck: HealthCheckSettings? = nil,
        initialState: InitialTargetState = .healthy,
        outlierDetection: OutlierDetectionSettings? = nil,
        unreachableEjection: Duration = .seconds(10),
        circuitBreaker: CircuitBreakerSettings? = nil,
        pushBack: PushBackSettings = .default,
        rateLimits: [RateLimitSettings] = [],
        queue: QueueSettings? = nil
    ) {
        self.healthCheck = healthCheck
        self.initialState = initialState
        self.outlierDetection = outlierDetection
        self.unreachableEjection = unreachableEjection
        self.circuitBreaker = circuitBreaker
        self.pushBack = pushBack
        self.rateLimits = rateLimits
        self.queue = queue
    }

    public static let `default` = ResilienceSettings()
}

/// Where a target starts before any health check ran.
public enum InitialTargetState: String, CaseIterable, Sendable, Equatable {
    /// Takes traffic at once (the default).
    case healthy
    /// Takes traffic only after its first passed check.
    case unhealthyUntilChecked = "unhealthy-until-checked"
}

/// An active check run against every target of a pool, off the request path.
public struct HealthCheckSettings: Sendable, Equatable {
    public enum CheckType: String, CaseIterable, Sendable, Equatable {
        /// A TCP connect.
        case tcp
        /// An HTTP `GET` whose status (and optionally body) must match.
        case http
    }

    public var type: CheckType
    public var interval: Duration
    public var timeout: Duration
    /// `http`: the path requested.
    public var path: String
    /// `http`: the accepted statuses, e.g. `200-399` or `200,204`.
    public var expectStatus: StatusRanges
    /// `http`: a substring the body must contain; nil accepts any body.
    public var expectBody: String?
    /// `http`: the `Host` header sent; nil sends the checked address.
    public var host: String?
    /// What egress (`source_ip`) targets check, from their own source address: `host:port` or `http://host:port/`.
    /// Backend targets are checked at their own URL and ignore it.
    public var target: String?
    /// Consecutive failed checks that take a target out of rotation.
    public var failureThreshold: Int
    /// Consecutive passed checks that bring it back.
    public var successThreshold: Int

    public init(
        type: CheckType = .tcp,
        interval: Duration = .seconds(10),
        timeout: Duration = .seconds(5),
        path: String = "/",
        expectStatus: StatusRanges = StatusRanges(200...399),
        expectBody: String? = nil,
        host: String? = nil,
        target: String? = nil,
        failureThreshold: Int = 3,
        successThreshold: Int = 2
    ) {
        self.type = type
        self.interval = interval
        self.timeout = timeout
        self.path = path
        self.expectStatus = expectStatus
        self.expectBody = expectBody
        self.host = host
        self.target = target
        self.failureThreshold = failureThreshold
        self.successThreshold = successThreshold
    }
}

/// A set of HTTP status ranges written `200-399` or `200,204,300-302`.
public struct StatusRanges: Sendable, Equatable, CustomStringConvertible {
    public var ranges: [ClosedRange<Int>]

    public init(_ ranges: ClosedRange<Int>...) {
        self.ranges = ranges
    }

    /// Parses `200-399,404`; nil when any part is not a status or range of statuses (100-599).
    public init?(configText: String) {
        var ranges: [ClosedRange<Int>] = []
        for part in configText.filter({ $0 != " " }).split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]),
                100 <= low, low <= high, high <= 599
            else { return nil }
            ranges.append(low...high)
        }
        self.ranges = ranges
    }

    public func contains(_ status: Int) -> Bool {
        ranges.contains { $0.contains(status) }
    }

    public var description: String {
        ranges.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }
            .joined(separator: ",")
    }
}

/// Passive health: targets whose requests keep failing are ejected for a while.
public struct OutlierDetectionSettings: Sendable, Equatable {
    public enum Recovery: String, CaseIterable, Sendable, Equatable {
        /// The first success (an active check, say) restores an ejected target.
        case instant
        /// Only the end of the ejection time does.
        case afterEjectionTime = "after-ejection-time"
    }

    /// Consecutive connect failures or resets that eject a target.
    public var consecutiveFailures: Int
    /// Whether 5xx answers count as failures too.
    public var countServerErrors: Bool
    /// The first ejection's length; the n-th lasts n times as long.
    public var ejectionTime: Duration
    public var maxEjectionTime: Duration
    /// The largest share of the pool ejected at once, in percent.
    public var maxEjectionPercent: Int
    public var recover: Recovery

    public init(
        consecutiveFailures: Int = 5,
        countServerErrors: Bool = false,
        ejectionTime: Duration = .seconds(30),
        maxEjectionTime: Duration = .seconds(300),
        maxEjectionPercent: Int = 50,
        recover: Recovery = .afterEjectionTime
    ) {
        self.consecutiveFailures = consecutiveFailures
        self.countServerErrors = countServerErrors
        self.ejectionTime = ejectionTime
        self.maxEjectionTime = maxEjectionTime
        self.maxEjectionPercent = maxEjectionPercent
        self.recover = recover
    }
}

/// One circuit breaker per target: open after failures, half-open after `timeout`, closed after probes pass.
public struct CircuitBreakerSettings: Sendable, Equatable {
    /// Consecutive failures that open it; 0 disables this trigger.
    public var failureThreshold: Int
    /// Share of failures in `window` that opens it, in (0, 1]; nil disables this trigger.
    public var failureRatio: Double?
    /// Requests `window` must hold before `failureRatio` applies.
    public var minimumRequests: Int
    public var window: Duration
    /// How long it stays open before letting probes through.
    public var timeout: Duration
    /// Requests let through at once while half-open.
    public var maxHalfOpen: Int
    /// Successful probes that close it.
    public var successThreshold: Int

    public init(
        failureThreshold: Int = 5,
        failureRatio: Double? = nil,
        minimumRequests: Int = 20,
        window: Duration = .seconds(10),
        timeout: Duration = .seconds(30),
        maxHalfOpen: Int = 1,
        successThreshold: Int = 2
    ) {
        self.failureThreshold = failureThreshold
        self.failureRatio = failureRatio
        self.minimumRequests = minimumRequests
        self.window = window
        self.timeout = timeout
        self.maxHalfOpen = maxHalfOpen
        self.successThreshold = successThreshold
    }
}

/// Destination push-back: a destination that answers one of `statuses` to a target is avoided from that target
/// (and only that target) for the time its `Retry-After` asks, or `duration` when it gives none.
public struct PushBackSettings: Sendable, Equatable {
    public var enabled: Bool
    public var statuses: [Int]
    /// The push-back for an answer without `Retry-After`; 0 ignores such answers.
    public var duration: Duration
    /// The longest push-back, whatever the destination asks.
    public var max: Duration

    public init(
        enabled: Bool = true,
        statuses: [Int] = [429, 503],
        duration: Duration = .zero,
        max: Duration = .seconds(300)
    ) {
        self.enabled = enabled
        self.statuses = statuses
        self.duration = duration
        self.max = max
    }

    /// On for 429 and 503 with `Retry-After`, at most 300 s.
    public static let `default` = PushBackSettings()
}

/// One rate limit: which requests share a budget (`key`) and how large it is.
public struct RateLimitSettings: Sendable, Equatable {
    public enum Key: String, CaseIterable, Sendable, Equatable {
        case clientIP = "client_ip"
        /// The authenticated proxy user (requests without one share the key `-`).
        case user
        /// Every request of the listener shares one budget.
        case listener
        /// The reverse route that matched.
        case route
        /// The destination host (forward) or the request's `Host` (reverse).
        case destinationHost = "destination_host"
        /// Each (target, destination host) pair: pools only; the balancer picks targets with budget left.
        case targetAndHost = "target_and_host"
    }

    public enum Algorithm: String, CaseIterable, Sendable, Equatable {
        case tokenBucket = "token_bucket"
        case slidingWindow = "sliding_window"
    }

    public var key: Key
    public var algorithm: Algorithm
    /// Requests per second (`100/s`, `6000/m`, `0.5/s`).
    public var rate: Double
    /// `token_bucket`: requests allowed at once after a quiet spell; defaults to the rate per second (at least 1).
    public var burst: Int?
    /// `sliding_window`: the window the limit `rate × window` applies to.
    public var window: Duration
    /// The most keys tracked at once; the least recently used is forgotten beyond it.
    public var maxKeys: Int

    public init(
        key: Key,
        algorithm: Algorithm = .tokenBucket,
        rate: Double,
        burst: Int? = nil,
        window: Duration = .seconds(1),
        maxKeys: Int = 100_000
    ) {
        self.key = key
        self.algorithm = algorithm
        self.rate = rate
        self.burst = burst
        self.window = window
        self.maxKeys = maxKeys
    }

    /// The burst a token bucket uses: `burst`, or the rate per second rounded up.
    public var effectiveBurst: Int {
        burst ?? Swift.max(1, Int(rate.rounded(.up)))
    }
}

/// Requests that wait for a connection slot when every target of the pool is at its limit, shared by priority
/// classes in proportion to their weights.
public struct QueueSettings: Sendable, Equatable {
    /// Requests waiting at once; more get 503.
    public var max: Int
    /// How long one request waits before it gets 503.
    public var timeout: Duration
    /// The request header naming a request's class; nil classes requests by route only.
    public var classHeader: String?
    /// Class names and weights; a class with weight 3 is served three times as often as one with weight 1.
    public var classes: [QueueClass]
    /// The class of a request that names none (or an unknown one).
    public var defaultClass: String

    public init(
        max: Int = 100,
        timeout: Duration = .seconds(5),
        classHeader: String? = nil,
        classes: [QueueClass] = [QueueClass(name: "default", weight: 1)],
        defaultClass: String = "default"
    ) {
        self.max = max
        self.timeout = timeout
        self.classHeader = classHeader
        self.classes = classes
        self.defaultClass = defaultClass
    }
}

/// A priority class of a pool's queue.
public struct QueueClass: Sendable, Equatable {
    public var name: String
    public var weight: Int

    public init(name: String, weight: Int) {
        self.name = name
        self.weight = weight
    }
}
