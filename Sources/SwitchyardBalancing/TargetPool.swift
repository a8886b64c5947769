import SwitchyardTraffic

/// A pool as the data path uses it: its targets, the policy that chooses among them, and the feedback entry point.
///
/// A pool is an immutable snapshot; a configuration reload builds a new one and in-flight work keeps the one it
/// started with.
///
/// Thread-safety: immutable; `acquire` and `report` may be called from any thread at the same time.
public final class TargetPool: Sendable {
    /// The pool's name from the configuration, for logs and metrics.
    public let name: String
    /// The targets in configuration order; policies refer to them by index.
    public let targets: [BalancingTarget]
    /// The policy that chooses among `targets`.
    public let policy: any BalancingPolicy
    /// What `acquire` does when every target in rotation is unhealthy.
    public let onAllUnhealthy: AllUnhealthyAction

    /// `targets` under the normal rule, built once so that picks do not allocate.
    private let candidates: Candidates
    private let latencyDecay: UInt64
    private let clock: any MonotonicClock

    /// Creates a pool over `targets` balanced by `policy`.
    /// - Parameters:
    ///   - configuration: supplies `onAllUnhealthy` and the latency estimate's time constant; pass the one `policy`
    ///     was made with.
    ///   - clock: the time source for feedback; the one the targets' states and the policy use.
    public init(
        name: String,
        targets: [BalancingTarget],
        policy: any BalancingPolicy,
        configuration: PolicyConfiguration = PolicyConfiguration(),
        clock: any MonotonicClock = SystemClock()
    ) {
        self.name = name
        self.targets = targets
        self.candidates = Candidates(targets)
        self.policy = policy
        self.onAllUnhealthy = configuration.onAllUnhealthy
        self.latencyDecay = configuration.latencyDecay.monotonicNanoseconds
        self.clock = clock
    }

    /// Picks a target for `request` and reserves one connection on it.
    ///
    /// When no target is selectable because every target in rotation is unhealthy, `onAllUnhealthy` decides whether
    /// the policy picks again among unhealthy ones.
    /// - Returns: the target, whose `connections.release()` the caller must call when the connection ends (and
    ///   `report(_:outcome:)` once it knows how it went); nil when every target is at its limit or none may be used.
    ///
    /// Targets named in `excluded` are never picked (a retry after they failed).
    public func acquire(_ request: PickRequest, excluding excluded: [String] = []) -> BalancingTarget? {
        let targets = self.targets
        let admit = { (index: Int) in
            (excluded.isEmpty || !excluded.contains(targets[index].id)) && targets[index].connections.tryAcquire()
        }
        if let index = policy.pick(request, from: candidates, admit: admit) {
            return targets[index]
        }
        guard let fallback = allUnhealthyCandidates() else { return nil }
        return policy.pick(request, from: fallback, admit: admit).map { targets[$0] }
    }

    /// Reports how one request or tunnel through `target` (from `acquire`) ended: updates the target's failures and
    /// latency estimate, then tells the policy. Call it once per finished request or tunnel, besides releasing the
    /// connection.
    public func report(_ target: BalancingTarget, outcome: Outcome) {
        target.state.record(outcome, at: clock.nanoseconds(), latencyDecay: latencyDecay)
        policy.record(outcome, for: target)
    }

    /// The candidates `onAllUnhealthy` allows when no target in rotation is healthy; nil when one is (the pick
    /// failed on connection limits), when none is in rotation, or when the action is to reject.
    private func allUnhealthyCandidates() -> Candidates? {
        guard onAllUnhealthy != .reject else { return nil }
        var fewestFailures = Int.max
        for target in targets where target.weight > 0 {
            let flags = target.state.flags
            guard flags.subtracting(.health).isEmpty else { continue }
            if flags.isEmpty {
                return nil
            }
            fewestFailures = min(fewestFailures, target.state.recentFailures)
        }
        guard fewestFailures != .max else { return nil }
        return Candidates(targets, ignoringHealthUpTo: onAllUnhealthy == .all ? .max : fewestFailures)
    }
}
