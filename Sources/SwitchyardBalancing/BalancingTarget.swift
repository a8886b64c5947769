import SwitchyardTraffic

/// One target of a pool as the balancer sees it: its identity, weight and live connection count.
///
/// This is runtime state; the target's configuration lives elsewhere. Keep one instance per target identity across
/// configuration reloads so live counts carry over.
///
/// Thread-safety: immutable apart from `connections`, which is safe to use from any thread.
public final class BalancingTarget: Sendable {
    /// The target's identity, unique within a pool; policies key their history by it.
    public let id: String
    /// The relative share of traffic the target should take; 0 takes none.
    public let weight: Int
    /// Connections open to the target now, against its connection limit.
    public let connections: ConnectionLimiter

    /// Creates a target with no open connections.
    public init(id: String, weight: Int, maxConnections: Int) {
        precondition(weight >= 0, "a target's weight cannot be negative")
        self.id = id
        self.weight = weight
        self.connections = ConnectionLimiter(limit: maxConnections)
    }

    /// The one rule for "may this target take a new connection now": a positive weight and room below its
    /// connection limit. Policies ask only this; health, circuit-breaker and drain state join it here.
    public var isSelectable: Bool {
        weight > 0 && connections.active < connections.limit
    }
}
