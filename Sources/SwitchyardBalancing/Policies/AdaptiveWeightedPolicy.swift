import SwitchyardTraffic

/// Smooth weighted round-robin over weights that follow each target's observed behaviour (`adaptive-weighted`).
///
/// Each target keeps a factor in [`minWeightFactor`, 1] on its configured weight (ramped by slow start). A failure
/// halves the factor; a success slower than twice the pool's mean latency takes a tenth off it; the factor never
/// drops below `minWeightFactor`, so a target keeps a trickle of traffic that shows when it is well again. Between
/// penalties the factor grows back linearly, from `minWeightFactor` to 1 over `recovery`. The pool's mean latency is
/// a moving average over the last few dozen successes of all targets.
///
/// Thread-safety: factors and the mean latency are updated lock-free (`record` may run on any thread); the smooth
/// round-robin scores are shared, so one pick's O(n) pass holds a lock, released before admission.
public final class AdaptiveWeightedPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "adaptive-weighted"

    /// A success this many times slower than the pool's mean latency counts against its target.
    static let slowResponseRatio = 2.0
    /// The factor kept after a failure, and after a slow success.
    static let failurePenalty = 0.5
    static let slowPenalty = 0.9
    /// How much of a new success latency the pool's mean takes in.
    static let meanLatencyWeight = 1.0 / 32

    private let minWeightFactor: Double
    /// The factor's growth per nanosecond.
    private let recoveryRate: Double
    private let slowStart: SlowStart
    private let clock: any MonotonicClock
    private let scores = LockedValue(SmoothWeights())
    private let meanLatency: StampedValue

    /// Creates a policy.
    /// - Parameters:
    ///   - minWeightFactor: the smallest share of its weight a target keeps, in (0, 1].
    ///   - recovery: how long a factor takes to grow back from `minWeightFactor` to 1; above 0.
    ///   - slowStart: the ramp for targets that become available; 0 for none.
    ///   - clock: the clock of the targets' states and of the pool's reports.
    public init(
        minWeightFactor: Double = 0.1, recovery: Duration = .seconds(30), slowStart: Duration = .zero,
        clock: any MonotonicClock = SystemClock()
    ) {
        precondition(minWeightFactor > 0 && minWeightFactor <= 1, "minWeightFactor must be in (0, 1]")
        precondition(recovery > .zero, "recovery must be above 0")
        self.minWeightFactor = minWeightFactor
        self.recoveryRate = (1 - minWeightFactor) / Double(recovery.monotonicNanoseconds)
        self.slowStart = SlowStart(slowStart, clock: clock)
        self.clock = clock
        self.meanLatency = StampedValue(0, at: clock.nanoseconds())
    }

    /// The share of its weight `target` gets now, in [`minWeightFactor`, 1].
    public func weightFactor(of target: BalancingTarget) -> Double {
        let (factor, time) = target.state.adaptiveFactor.load()
        return recovered(factor, since: time, at: clock.nanoseconds())
    }

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        let now = clock.nanoseconds()
        let chosen = scores.withLock { scores in
            scores.next(count: candidates.count) { index in
                guard candidates.isSelectable(index) else { return 0 }
                let (factor, time) = candidates.with(index) { $0.state.adaptiveFactor.load() }
                let weight = Double(candidates.with(index) { slowStart.scaledWeight(of: $0, at: now) })
                return max(1, Int(weight * recovered(factor, since: time, at: now)))
            }
        }
        guard let chosen else { return nil }
        return admit(chosen) ? chosen : candidates.offerInOrder(from: chosen + 1, admit: admit)
    }

    public func record(_ outcome: Outcome, for target: BalancingTarget) {
        let now = clock.nanoseconds()
        let penalty: Double
        switch outcome {
        case .failure:
            penalty = Self.failurePenalty
        case .success(let duration):
            let latency = Double(duration.monotonicNanoseconds)
            let mean = meanLatency.load().value
            meanLatency.update(at: now) { mean, _ in
                mean == 0 ? latency : mean + (latency - mean) * Self.meanLatencyWeight
            }
            guard mean > 0, latency > mean * Self.slowResponseRatio else { return }
            penalty = Self.slowPenalty
        }
        target.state.adaptiveFactor.update(at: now) { factor, time in
            max(minWeightFactor, recovered(factor, since: time, at: now) * penalty)
        }
    }

    /// `factor`, set at clock reading `time`, grown back towards 1 by `now`.
    private func recovered(_ factor: Double, since time: UInt64, at now: UInt64) -> Double {
        min(1, factor + Double(now.nanoseconds(since: time)) * recoveryRate)
    }
}
