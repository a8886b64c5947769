/// The state of a pool's `auto` policy as the admin API and `/stats` show it: the policy it runs, what it measures,
/// what would take over, and its latest switches.
public struct AutoPolicyInfo: Sendable, Equatable {
    /// One switch of the running policy.
    public struct Switch: Sendable, Equatable {
        public var secondsAgo: Double
        public var from: String
        public var to: String
        public var reason: String

        public init(secondsAgo: Double, from: String, to: String, reason: String) {
            self.secondsAgo = secondsAgo
            self.from = from
            self.to = to
            self.reason = reason
        }
    }

    /// The policy running now (`weighted-round-robin`, `least-connections` or `least-response-time`).
    public var active: String
    /// How long it has run.
    public var activeSeconds: Double
    /// The slowest target's recent average latency over the fastest one's at the latest evaluation; nil before it.
    public var latencySpread: Double?
    /// Requests in flight per selectable target at the latest evaluation; nil before it.
    public var connectionsPerTarget: Double?
    /// The policy that takes over if the signals hold, and for how long they have; nil when none.
    public var pending: String?
    public var pendingSeconds: Double?
    /// The latest switches, oldest first.
    public var switches: [Switch]

    public init(
        active: String, activeSeconds: Double, latencySpread: Double? = nil, connectionsPerTarget: Double? = nil,
        pending: String? = nil, pendingSeconds: Double? = nil, switches: [Switch] = []
    ) {
        self.active = active
        self.activeSeconds = activeSeconds
        self.latencySpread = latencySpread
        self.connectionsPerTarget = connectionsPerTarget
        self.pending = pending
        self.pendingSeconds = pendingSeconds
        self.switches = switches
    }
}
