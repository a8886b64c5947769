import SwitchyardTraffic

/// Picks a selectable target uniformly at random (`random`). Weights other than 0 are ignored.
///
/// A draw that lands on a target not selectable moves on to the next selectable one, which favours the targets
/// right after unselectable ones while any are out.
///
/// Thread-safety: lock-free; draws come from one atomic counter (`RandomSource`).
public final class RandomPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "random"

    private let random: RandomSource

    /// Creates a policy drawing from `seed`, or from a system seed when nil.
    public init(seed: UInt64? = nil) {
        random = RandomSource(seed: seed)
    }

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        guard candidates.count > 0 else { return nil }
        return candidates.offerInOrder(from: random.next().scaled(below: candidates.count), admit: admit)
    }
}

/// Picks a selectable target at random with probability proportional to its weight (`weighted-random`), ramped by
/// slow start.
///
/// Thread-safety: lock-free; one O(n) pass sums the weights and one more finds the drawn target.
public final class WeightedRandomPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "weighted-random"

    private let random: RandomSource
    private let slowStart: SlowStart

    /// Creates a policy.
    /// - Parameters:
    ///   - slowStart: the ramp for targets that become available; 0 for none.
    ///   - seed: the random seed; nil for a system seed.
    ///   - clock: the clock of the targets' states, for slow start.
    public init(slowStart: Duration = .zero, seed: UInt64? = nil, clock: any MonotonicClock = SystemClock()) {
        self.random = RandomSource(seed: seed)
        self.slowStart = SlowStart(slowStart, clock: clock)
    }

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        let now = slowStart.now()
        var total = 0
        for index in 0..<candidates.count where candidates.isSelectable(index) {
            total += candidates.weight(index, slowStart: slowStart, at: now)
        }
        guard total > 0 else { return nil }
        var remaining = random.next().scaled(below: total)
        for index in 0..<candidates.count where candidates.isSelectable(index) {
            remaining -= candidates.weight(index, slowStart: slowStart, at: now)
            if remaining < 0 {
                return admit(index) ? index : candidates.offerInOrder(from: index + 1, admit: admit)
            }
        }
        return candidates.offerInOrder(from: 0, admit: admit)
    }
}
