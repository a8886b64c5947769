/// One entry of `triggers:`: a traffic condition or a schedule that, when it fires, calls a webhook and acts.
public struct TriggerSettings: Sendable, Equatable {
    /// What a traffic trigger watches.
    public enum Metric: String, Sendable, CaseIterable {
        /// Finished requests per second over the window.
        case requestRate = "request_rate"
        /// Failed requests (a 5xx or an upstream error) over finished requests in the window, 0...1.
        case errorRate = "error_rate"
        /// The 99th percentile latency in seconds, of the last minute (a window up to 1m) or the last 15 minutes.
        case p99Latency = "p99_latency"
        /// Connections open now (a listener's clients, or a pool's requests and tunnels through its targets).
        case activeConnections = "active_connections"
        /// A pool's targets in rotation now (enabled, not draining, healthy).
        case healthyTargets = "healthy_targets"
    }

    /// What the metric is read of.
    public enum Scope: Sendable, Equatable {
        case pool(String)
        case listener(String)
    }

    /// A traffic trigger's condition: the metric crosses `threshold` (above or below) and stays there for `duration`;
    /// it fires again only once the metric has come back past `clear` (hysteresis).
    public struct Condition: Sendable, Equatable {
        public var metric: Metric
        public var scope: Scope
        public var window: Duration
        /// True: fires above `threshold`; false: below.
        public var above: Bool
        public var threshold: Double
        /// How long the threshold must stay crossed. Default 0 (at the first reading past it).
        public var duration: Duration
        /// The level the metric must come back past to re-arm; defaults to the threshold.
        public var clear: Double?

        public init(
            metric: Metric, scope: Scope, window: Duration = .seconds(60), above: Bool = true, threshold: Double = 0,
            duration: Duration = .zero, clear: Double? = nil
        ) {
            self.metric = metric
            self.scope = scope
            self.window = window
            self.above = above
            self.threshold = threshold
            self.duration = duration
            self.clear = clear
        }
    }

    /// A schedule trigger: a cron expression in a time zone.
    public struct Schedule: Sendable, Equatable {
        public var cron: CronExpression
        /// An IANA zone name (`Europe/Paris`); default `UTC`.
        public var zone: String

        public init(cron: CronExpression, zone: String = "UTC") {
            self.cron = cron
            self.zone = zone
        }
    }

    /// Where a firing is posted.
    public struct Webhook: Sendable, Equatable {
        /// `http://host:port/path`.
        public var url: String
        /// Per attempt. Default 5s.
        public var timeout: Duration
        /// Attempts after the first, waiting `backoff`, then twice as long each time. Defaults 3 and 1s.
        public var retries: Int
        public var backoff: Duration
        /// Signs the body: `X-Switchyard-Signature: sha256=<hex HMAC-SHA256 of the body>`.
        public var secret: String?

        public init(
            url: String, timeout: Duration = .seconds(5), retries: Int = 3, backoff: Duration = .seconds(1),
            secret: String? = nil
        ) {
            self.url = url
            self.timeout = timeout
            self.retries = retries
            self.backoff = backoff
            self.secret = secret
        }
    }

    /// What a firing changes.
    public enum Action: Sendable, Equatable {
        case setWeight(pool: String, target: String, weight: Int)
        case drain(pool: String, target: String)
        /// Enables the target and ends its drain.
        case enable(pool: String, target: String)
        case setPolicy(pool: String, policy: String)
        /// Enables (`by` > 0) or disables (`by` < 0) that many targets, keeping between `minTargets` and `maxTargets`
        /// of them enabled.
        case scale(pool: String, by: Int, minTargets: Int, maxTargets: Int)

        /// The action's name in the file.
        public var name: String {
            switch self {
            case .setWeight: "set_weight"
            case .drain: "drain"
            case .enable: "enable"
            case .setPolicy: "set_policy"
            case .scale: "scale"
            }
        }

        /// The pool it changes.
        public var pool: String {
            switch self {
            case .setWeight(let pool, _, _), .drain(let pool, _), .enable(let pool, _), .setPolicy(let pool, _),
                .scale(let pool, _, _, _):
                pool
            }
        }
    }

    public var name: String
    /// Exactly one of `when` and `schedule`.
    public var when: Condition?
    public var schedule: Schedule?
    /// The shortest time between two firings. Default 60s.
    public var cooldown: Duration
    public var webhook: Webhook?
    public var actions: [Action]

    public init(
        name: String, when: Condition? = nil, schedule: Schedule? = nil, cooldown: Duration = .seconds(60),
        webhook: Webhook? = nil, actions: [Action] = []
    ) {
        self.name = name
        self.when = when
        self.schedule = schedule
        self.cooldown = cooldown
        self.webhook = webhook
        self.actions = actions
    }
}

extension TriggerSettings.Webhook {
    /// The parts of `url` (`http://host[:port][/path]`, port 80 by default, path `/` by default); nil when it is
    /// not such a URL.
    public var endpoint: (host: String, port: Int, path: String)? {
        guard url.lowercased().hasPrefix("http://") else { return nil }
        let rest = url.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        let path = rest[slash...].isEmpty ? "/" : String(rest[slash...])
        var host = authority
        var port = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65535).contains(number) else {
                return nil
            }
            port = number
            host = authority[..<colon]
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }),
            path.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "#" })
        else { return nil }
        return (String(host), port, path)
    }
}
