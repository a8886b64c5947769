import SwitchyardTraffic

/// One target of a pool as the balancer sees it: its identity and weight (configuration), its open connections and
/// its live `state` (runtime).
///
/// A reload keeps one `state` and one count of open connections per target identity (`init(continuing:…)`), so
/// live counts and health carry over.
///
/// Thread-safety: immutable apart from `connections` and `state`, which are safe to use from any thread.
public final class BalancingTarget: Sendable {
    /// The target's identity, unique within a pool; policies key their history and hashing by it.
    public let id: String
    /// The relative share of traffic the target should take; 0 takes none.
    public let weight: Int
    /// Connections open to the target now, against its connection limit.
    public let connections: ConnectionLimiter
    /// Health, drain and enable flags, failures and latency, written by health checks and outcome feedback.
    public let state: TargetState

    /// Creates a target with no open connections.
    /// - Parameter state: the target's live state; a new, available one by default.
    public convenience init(id: String, weight: Int, maxConnections: Int, state: TargetState = TargetState()) {
        self.init(id: id, weight: weight, connections: ConnectionLimiter(limit: maxConnections), state: state)
    }

    /// The same target in a reloaded configuration: its live state and its open connections carry over (counted
    /// against `maxConnections`, which may differ), so limits and least-connections hold across the reload.
    public convenience init(continuing previous: BalancingTarget, weight: Int, maxConnections: Int) {
        self.init(
            id: previous.id, weight: weight, connections: previous.connections.withLimit(maxConnections),
            state: previous.state)
    }

    private init(id: String, weight: Int, connections: ConnectionLimiter, state: TargetState) {
        precondition(weight >= 0, "a target's weight cannot be negative")
        self.id = id
        self.weight = weight
        self.connections = connections
        self.state = state
    }

    /// The one rule for "may this target take a new connection now": enabled, a positive weight, healthy, its
    /// circuit closed, not draining, and below its connection limit. Policies ask only this (through
    /// `Candidates.isSelectable(_:)`).
    @inline(__always)
    public var isSelectable: Bool {
        weight > 0 && state.flags.isEmpty && connections.active < connections.limit
    }

    /// Whether the target is in rotation: enabled, a positive weight, healthy, its circuit closed, not draining.
    /// A sticky key stays on its target while this holds.
    var isUp: Bool {
        weight > 0 && state.flags.isEmpty
    }

    /// Whether the target would be selectable but for its connection limit.
    var isSaturated: Bool {
        isUp && connections.active >= connections.limit
    }

    /// `isSelectable`, except that failed health checks and an open circuit do not count: the rule of a pool whose
    /// targets are all unhealthy and whose `onAllUnhealthy` still sends traffic.
    var isSelectableIgnoringHealth: Bool {
        weight > 0 && state.flags.subtracting(.health).isEmpty && connections.active < connections.limit
    }
}
