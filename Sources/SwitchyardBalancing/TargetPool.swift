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
    /// Circuit breakers, ejection, push-back and per-host limits; nil when the pool has none.
    public let guards: PoolGuards?
    /// The pins of sticky sessions; nil when the pool has none.
    public let sticky: StickyTable?

    /// `targets` under the normal rule, built once so that picks do not allocate.
    private let candidates: Candidates
    /// Index of each target by id, for the sticky pins (which name targets by id).
    private let indices: [String: Int]
    private let latencyDecay: UInt64
    private let clock: any MonotonicClock

    /// Creates a pool over `targets` balanced by `policy`.
    /// - Parameters:
    ///   - configuration: supplies `onAllUnhealthy` and the latency estimate's time constant; pass the one `policy`
    ///     was made with.
    ///   - clock: the time source for feedback; the one the targets' states and the policy use.
    ///   - guards: the pool's per-target and per-host protections, made over the same `targets`.
    ///   - sticky: the pool's sticky-session pins.
    public init(
        name: String,
        targets: [BalancingTarget],
        policy: any BalancingPolicy,
        configuration: PolicyConfiguration = PolicyConfiguration(),
        clock: any MonotonicClock = SystemClock(),
        guards: PoolGuards? = nil,
        sticky: StickyTable? = nil
    ) {
        self.name = name
        self.targets = targets
        self.candidates = Candidates(targets)
        self.policy = policy
        self.onAllUnhealthy = configuration.onAllUnhealthy
        self.latencyDecay = configuration.latencyDecay.monotonicNanoseconds
        self.clock = clock
        self.guards = guards
        self.sticky = sticky
        self.indices = Dictionary(targets.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// What `pick` came to.
    public enum Acquisition: Sendable {
        /// The target, with one connection reserved (and, with guards, one breaker permission), and what became of
        /// the request's sticky key.
        case acquired(BalancingTarget, usedFallback: Bool, sticky: StickyOutcome)
        /// Every target that could take the request is at its connection limit: waiting may help.
        case saturated
        /// The targets that could take it asked to wait (push-back or a per-host limit); one may take it after
        /// `retryAfter`.
        case throttled(retryAfter: Duration)
        /// No target may be used (all unhealthy with `reject`, disabled, draining or excluded).
        case unavailable
        /// The request's sticky key is pinned to the target with this id, which is down (or failed this request),
        /// and the pool's sticky sessions `fail` rather than repick.
        case stickyTargetDown(String)
    }

    /// Picks a target for `request` and reserves one connection on it; nil when none can take it.
    ///
    /// Targets named in `excluded` are never picked (a retry after they failed).
    public func acquire(_ request: PickRequest, excluding excluded: [String] = []) -> BalancingTarget? {
        if case .acquired(let target, _, _) = pick(request, excluding: excluded) { return target }
        return nil
    }

    /// Picks a target for `request` and reserves one connection on it, or says why none can take it.
    ///
    /// When no target is selectable because every target in rotation is unhealthy, `onAllUnhealthy` decides whether
    /// the policy picks again among unhealthy ones. The caller must call the target's `connections.release()` when
    /// the connection ends (and `report(_:outcome:)` once it knows how it went).
    ///
    /// In a sticky pool, a request with a sticky key goes to the target its key is pinned to while that target is up
    /// (waiting, like any request, while it is at its connection limit or pushes back); a key with no pin is pinned
    /// to the target the policy picks; a key whose target is down (or is in `excluded`) moves to a new pick, or
    /// fails, as `StickyOptions.onTargetDown` says.
    ///
    /// Targets named in `excluded` are never picked (a retry after they failed).
    public func pick(_ request: PickRequest, excluding excluded: [String] = []) -> Acquisition {
        guard let sticky, let key = request.stickyKey else {
            return pickByPolicy(request, excluding: excluded, sticky: .unkeyed)
        }
        var outcome = StickyOutcome.pinned
        if let pinned = sticky.target(for: key) {
            if let index = indices[pinned], targets[index].isUp, !excluded.contains(pinned) {
                var wait: Duration?
                if admit(index, for: request, excluding: [], fallback: false, wait: &wait) {
                    sticky.pin(key, to: pinned)
                    return .acquired(targets[index], usedFallback: false, sticky: .held)
                }
                if targets[index].isSaturated { return .saturated }
                if let wait { return .throttled(retryAfter: wait) }
            }
            if sticky.options.onTargetDown == .fail { return .stickyTargetDown(pinned) }
            outcome = .moved(from: pinned)
        }
        let acquisition = pickByPolicy(request, excluding: excluded, sticky: outcome)
        guard case .acquired(let target, let usedFallback, _) = acquisition else { return acquisition }
        sticky.pin(key, to: target.id)
        if case .moved(let from) = outcome, from == target.id {
            return .acquired(target, usedFallback: usedFallback, sticky: .held)
        }
        return acquisition
    }

    /// The policy's pick, the sticky pins aside.
    private func pickByPolicy(_ request: PickRequest, excluding excluded: [String], sticky: StickyOutcome)
        -> Acquisition
    {
        var wait: Duration?
        if let index = policy.pick(
            request, from: candidates,
            admit: { admit($0, for: request, excluding: excluded, fallback: false, wait: &wait) })
        {
            return .acquired(targets[index], usedFallback: false, sticky: sticky)
        }
        if let fallback = allUnhealthyCandidates(),
            let index = policy.pick(
                request, from: fallback,
                admit: { admit($0, for: request, excluding: excluded, fallback: true, wait: &wait) })
        {
            return .acquired(targets[index], usedFallback: true, sticky: sticky)
        }
        if targets.contains(where: { $0.isSaturated && !excluded.contains($0.id) }) { return .saturated }
        return wait.map { .throttled(retryAfter: $0) } ?? .unavailable
    }

    /// Reserves a connection (and, with guards, a breaker permission) on the target at `index` unless it is
    /// excluded, full or refused by a guard; a guard's wait is folded into `wait` (the shortest is kept).
    private func admit(
        _ index: Int, for request: PickRequest, excluding excluded: [String], fallback: Bool, wait: inout Duration?
    ) -> Bool {
        let target = targets[index]
        guard excluded.isEmpty || !excluded.contains(target.id), target.connections.tryAcquire() else {
            return false
        }
        guard let guards, let refusal = guards.admit(target, host: request.destination, ignoringCircuit: fallback)
        else { return true }
        target.connections.release()
        if case .wait(let retryAfter) = refusal { wait = min(wait ?? retryAfter, retryAfter) }
        return false
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
