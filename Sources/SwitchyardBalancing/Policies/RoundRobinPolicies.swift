import SwitchyardTraffic
import Synchronization

/// Takes the targets in turn, skipping those not selectable (`round-robin`). Weights other than 0 are ignored.
///
/// Thread-safety: lock-free; concurrent picks each take the next turn of one atomic counter.
public final class RoundRobinPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "round-robin"

    private let turn = Atomic<UInt64>(0)

    /// Creates a policy whose first turn goes to the first target.
    public init() {}

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        guard candidates.count > 0 else { return nil }
        let start = turn.wrappingAdd(1, ordering: .relaxed).oldValue
        if let index = candidates.offerInOrder(from: Int(start % UInt64(candidates.count)), admit: admit) {
            return index
        }
        // Give the turn back, so a pick that found nothing (say before the pool's all-unhealthy fallback) does not
        // shift the rotation.
        turn.wrappingSubtract(1, ordering: .relaxed)
        return nil
    }
}

/// Smooth weighted round-robin, as in nginx (`weighted-round-robin`): over a cycle each target is picked in
/// proportion to its weight, interleaved rather than in bursts (weights 5, 1, 1 give `a a b a c a a`). Targets
/// not selectable sit out without losing their place; with slow start, a target ramps up to its weight.
///
/// Thread-safety: the running scores are shared, so one pick's O(n) pass over them holds a lock; admission happens
/// after it is released.
public final class WeightedRoundRobinPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "weighted-round-robin"

    private let slowStart: SlowStart
    private let scores = LockedValue(SmoothWeights())

    /// Creates a policy with no history.
    /// - Parameters:
    ///   - slowStart: the ramp for targets that become available; 0 for none.
    ///   - clock: the clock of the targets' states, for slow start.
    public init(slowStart: Duration = .zero, clock: any MonotonicClock = SystemClock()) {
        self.slowStart = SlowStart(slowStart, clock: clock)
    }

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        let now = slowStart.now()
        let chosen = scores.withLock { scores in
            scores.next(count: candidates.count) { index in
                candidates.isSelectable(index) ? candidates.weight(index, slowStart: slowStart, at: now) : 0
            }
        }
        guard let chosen else { return nil }
        if admit(chosen) {
            return chosen
        }
        return candidates.offerInOrder(from: chosen + 1, admit: admit)
    }
}
