import SwitchyardTraffic

/// Picks the selectable target expected to answer soonest (`least-response-time`): the lowest
/// peak-EWMA latency × (active connections + 1) / weight, weights ramped by slow start. Ties are broken uniformly
/// at random.
///
/// The latency estimate (`TargetState.latencyEstimate(at:decay:)`) jumps at once to a slow response, so traffic
/// leaves a target that slows down within a few picks; it decays towards 0 while the target goes unpicked, so a
/// recovered target is tried again and wins its share back as fast responses pull its average down. A target with
/// no estimate yet counts as answering in 1µs, so new targets are balanced by their connections until they report.
///
/// Thread-safety: lock-free; one O(n) pass reads each target's atomic latency and connection count.
public final class LeastResponseTimePolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "least-response-time"

    /// The latency, in nanoseconds, added to every estimate so that targets without one compare by connections.
    static let latencyFloor = 1_000.0

    private let random: RandomSource
    private let slowStart: SlowStart
    private let latencyDecay: UInt64
    private let clock: any MonotonicClock

    /// Creates a policy.
    /// - Parameters:
    ///   - latencyDecay: the time constant of the targets' latency estimates; the pool's, so reports and picks agree.
    ///   - slowStart: the ramp for targets that become available; 0 for none.
    ///   - seed: the random seed for tie-breaking; nil for a system seed.
    ///   - clock: the clock of the targets' states and of the pool's reports.
    public init(
        latencyDecay: Duration = .seconds(10), slowStart: Duration = .zero, seed: UInt64? = nil,
        clock: any MonotonicClock = SystemClock()
    ) {
        self.random = RandomSource(seed: seed)
        self.slowStart = SlowStart(slowStart, clock: clock)
        self.latencyDecay = latencyDecay.monotonicNanoseconds
        self.clock = clock
    }

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        let now = clock.nanoseconds()
        var best = -1
        var bestCost = Double.infinity
        var ties = TieBreaker()
        for index in 0..<candidates.count where candidates.isSelectable(index) {
            let latency = candidates.with(index) { $0.state.latencyEstimate(at: now, decay: latencyDecay) }
            let load = candidates.load(index, slowStart: slowStart, at: now)
            let cost = (latency + Self.latencyFloor) * Double(load.connections) / Double(load.weight)
            if cost < bestCost || best < 0 {
                (best, bestCost) = (index, cost)
                ties.restart()
            } else if cost == bestCost, ties.replacesOnTie(drawingFrom: random) {
                best = index
            }
        }
        guard best >= 0 else { return nil }
        return admit(best) ? best : candidates.offerInOrder(from: best + 1, admit: admit)
    }
}
