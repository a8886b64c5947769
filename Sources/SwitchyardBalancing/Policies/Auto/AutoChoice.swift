/// The policies `auto` chooses among, in the order it prefers them when nothing argues for another.
///
/// Thread-safety: a `Sendable` value.
public enum AutoChoice: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// `weighted-round-robin` (plain round-robin when every weight is equal): traffic is even and light.
    case roundRobin
    /// `least-connections`: many requests are in flight at once, so the target with room should take the next.
    case leastConnections
    /// `least-response-time`: some targets answer clearly slower than others.
    case leastResponseTime

    /// The configuration name of the policy this choice runs.
    public var description: String {
        switch self {
        case .roundRobin: WeightedRoundRobinPolicy.configName
        case .leastConnections: LeastConnectionsPolicy.configName
        case .leastResponseTime: LeastResponseTimePolicy.configName
        }
    }
}

/// What `auto` sees of its pool at one evaluation.
///
/// Thread-safety: a `Sendable` value.
public struct PoolSignals: Sendable, Equatable {
    /// The slowest selectable target's recent average latency over the fastest one's, 1 ms added to both; 1 when
    /// fewer than two targets have reported a success.
    public var latencySpread: Double
    /// Requests in flight per selectable target.
    public var connectionsPerTarget: Double

    /// Creates signals.
    public init(latencySpread: Double, connectionsPerTarget: Double) {
        self.latencySpread = latencySpread
        self.connectionsPerTarget = connectionsPerTarget
    }
}

/// One change of the policy `auto` runs: when, from which, to which, and why.
///
/// Thread-safety: a `Sendable` value.
public struct PolicySwitch: Sendable, Equatable {
    /// The clock reading of the switch (the pool's clock).
    public var at: UInt64
    /// The policy run before.
    public var from: AutoChoice
    /// The policy run from now on.
    public var to: AutoChoice
    /// The signals that decided it and how long they held, for the log and the admin API.
    public var reason: String
}
