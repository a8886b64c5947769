import SwitchyardTraffic
import Synchronization

/// Runs round-robin, `least-connections` or `least-response-time`, whichever suits what the pool sees (`auto`).
///
/// Every `evaluationInterval` a pick measures the pool: the spread of the targets' recent latencies (an average
/// over their last few successes, which unlike `least-response-time`'s estimate does not decay while a target goes
/// unpicked) and the requests in flight per target. `AutoPolicyChooser` turns those into a decision with hysteresis
/// and a minimum dwell; each switch is passed to `onSwitch` (the runtime logs it) and kept for `status()`.
///
/// Thread-safety: a pick reads the running policy from an atomic and runs it; one pick per interval takes the
/// evaluation lock. `record` updates the latency averages under their own lock.
public final class AutoPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "auto"

    /// How often the pool is measured.
    static let evaluationInterval = Duration.milliseconds(250)
    /// How much of a new success latency a target's average takes in.
    static let latencyWeight = 0.25
    /// Added to both ends of the latency spread, in nanoseconds (1 ms): below that, differences are noise to a
    /// client, and a ratio of two tiny latencies (0.2 ms against 0.5 ms) would otherwise look like a skew.
    static let latencyFloor = 1_000_000.0
    /// How many switches `status()` lists, the latest last.
    static let switchesKept = 20

    /// What `status()` reports.
    public struct Status: Sendable {
        /// The policy running now.
        public var active: AutoChoice
        /// The clock reading at which it started to run.
        public var activeSince: UInt64
        /// The signals of the latest evaluation; nil before the first.
        public var signals: PoolSignals?
        /// The policy that would take over if the signals hold, and since when it has been preferred.
        public var pending: (choice: AutoChoice, since: UInt64)?
        /// The latest switches, oldest first.
        public var switches: [PolicySwitch]
    }

    private struct State: Sendable {
        var chooser: AutoPolicyChooser
        var signals: PoolSignals?
        var switches: [PolicySwitch] = []
    }

    /// The policies in `AutoChoice` order.
    private let policies: [any BalancingPolicy]
    private let active = Atomic<Int>(AutoChoice.roundRobin.rawValue)
    private let nextEvaluation: Atomic<UInt64>
    private let state: LockedValue<State>
    /// Each target's average success latency in nanoseconds, by target id.
    private let latencies = LockedValue<[String: Double]>([:])
    private let clock: any MonotonicClock
    private let onSwitch: @Sendable (PolicySwitch) -> Void

    /// Creates a policy that starts with round-robin.
    /// - Parameters:
    ///   - thresholds: when to switch.
    ///   - latencyDecay: `least-response-time`'s time constant.
    ///   - slowStart: the ramp for targets that become available; 0 for none.
    ///   - seed: the random seed of the policies' tie-breaking; nil for a system seed.
    ///   - clock: the clock of the targets' states and of the pool's reports.
    ///   - onSwitch: called (outside any lock) on every switch.
    public init(
        thresholds: AutoPolicyChooser.Thresholds = .init(), latencyDecay: Duration = .seconds(10),
        slowStart: Duration = .zero, seed: UInt64? = nil, clock: any MonotonicClock = SystemClock(),
        onSwitch: @escaping @Sendable (PolicySwitch) -> Void = { _ in }
    ) {
        policies = AutoChoice.allCases.map { choice in
            switch choice {
            case .roundRobin: WeightedRoundRobinPolicy(slowStart: slowStart, clock: clock)
            case .leastConnections: LeastConnectionsPolicy(slowStart: slowStart, seed: seed, clock: clock)
            case .leastResponseTime:
                LeastResponseTimePolicy(latencyDecay: latencyDecay, slowStart: slowStart, seed: seed, clock: clock)
            }
        }
        let now = clock.nanoseconds()
        self.clock = clock
        self.onSwitch = onSwitch
        nextEvaluation = Atomic(now &+ Self.evaluationInterval.monotonicNanoseconds)
        state = LockedValue(State(chooser: AutoPolicyChooser(thresholds: thresholds, start: now)))
    }

    /// The policy running now.
    public var activeChoice: AutoChoice {
        AutoChoice(rawValue: active.load(ordering: .relaxed))!
    }

    /// The running policy, the latest signals and the latest switches.
    public func status() -> Status {
        state.withLock { state in
            Status(
                active: state.chooser.active, activeSince: state.chooser.activeSince, signals: state.signals,
                pending: state.chooser.pending, switches: state.switches)
        }
    }

    /// Carries on where `previous` (the same pool's policy before a reload) left off: the policy it ran and since
    /// when, its switches and the targets' latency averages, so a reload (a weight changed through the admin API, say)
    /// does not send the pool back to round-robin. Call it before the first pick.
    public func carryOn(from previous: AutoPolicy) {
        let old = previous.state.withLock { $0 }
        let averages = previous.latencies.withLock { $0 }
        state.withLock { state in
            state.chooser = AutoPolicyChooser(thresholds: state.chooser.thresholds, continuing: old.chooser)
            state.signals = old.signals
            state.switches = old.switches
        }
        latencies.withLock { $0 = averages }
        active.store(old.chooser.active.rawValue, ordering: .relaxed)
    }

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        let now = clock.nanoseconds()
        let due = nextEvaluation.load(ordering: .relaxed)
        if now >= due,
            nextEvaluation.compareExchange(
                expected: due, desired: now &+ Self.evaluationInterval.monotonicNanoseconds, ordering: .relaxed
            ).exchanged
        {
            evaluate(candidates, at: now)
        }
        return policies[active.load(ordering: .relaxed)].pick(request, from: candidates, admit: admit)
    }

    public func record(_ outcome: Outcome, for target: BalancingTarget) {
        if case .success(let latency) = outcome {
            let sample = Double(latency.monotonicNanoseconds)
            latencies.withLock { averages in
                let average = averages[target.id].map { $0 + (sample - $0) * Self.latencyWeight } ?? sample
                averages[target.id] = average
            }
        }
        for policy in policies { policy.record(outcome, for: target) }
    }

    /// Measures the pool and lets the chooser decide.
    private func evaluate(_ candidates: Candidates, at now: UInt64) {
        let signals = measure(candidates)
        let change = state.withLock { state in
            state.signals = signals
            guard let change = state.chooser.evaluate(signals, at: now) else { return nil as PolicySwitch? }
            state.switches.append(change)
            if state.switches.count > Self.switchesKept { state.switches.removeFirst() }
            active.store(change.to.rawValue, ordering: .relaxed)
            return change
        }
        if let change { onSwitch(change) }
    }

    /// The signals of the selectable targets of `candidates` now, read in one pass without allocating.
    private func measure(_ candidates: Candidates) -> PoolSignals {
        var selectable = 0
        var inFlight = 0
        var known = 0
        var fastest = Double.infinity
        var slowest = 0.0
        latencies.withLock { averages in
            for index in 0..<candidates.count where candidates.isSelectable(index) {
                selectable += 1
                inFlight += candidates.activeConnections(index)
                guard let average = averages[candidates[index].id] else { continue }
                known += 1
                fastest = min(fastest, average)
                slowest = max(slowest, average)
            }
        }
        let spread = known < 2 ? 1 : (slowest + Self.latencyFloor) / (fastest + Self.latencyFloor)
        return PoolSignals(
            latencySpread: spread, connectionsPerTarget: selectable > 0 ? Double(inFlight) / Double(selectable) : 0)
    }
}
