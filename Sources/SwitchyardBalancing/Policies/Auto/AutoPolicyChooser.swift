import SwitchyardTraffic

/// Decides which policy `auto` runs, from the pool's signals at successive evaluations (pure: no clock of its own,
/// no locks; `AutoPolicy` feeds it).
///
/// The preferred policy at one evaluation is `least-response-time` when the latency spread across targets is at least
/// `spreadToEnter` (2×), else `least-connections` when at least `busyToEnter` (2) requests per target are in flight,
/// else round-robin. Hysteresis: the policy running keeps its claim down to a lower bar (`spreadToLeave` 1.5×,
/// `busyToLeave` 1), so signals hovering at a threshold do not flip it. A switch happens only when another policy
/// has been preferred at every evaluation for `sustain`, and the running one has run for at least `minimumDwell`.
///
/// Thread-safety: a value type with no synchronisation; `AutoPolicy` keeps it under a lock.
public struct AutoPolicyChooser: Sendable {
    /// The bars and durations of the decision.
    public struct Thresholds: Sendable, Equatable {
        /// The latency spread from which `least-response-time` is preferred. Default: 2.
        public var spreadToEnter: Double
        /// The latency spread below which a running `least-response-time` gives way. Default: 1.5.
        public var spreadToLeave: Double
        /// Requests in flight per target from which `least-connections` is preferred. Default: 2.
        public var busyToEnter: Double
        /// Requests in flight per target below which a running `least-connections` gives way. Default: 1.
        public var busyToLeave: Double
        /// How long another policy must be preferred without a break before the switch. Default: 30 seconds.
        public var sustain: Duration
        /// How long a policy runs at least before the next switch. Default: 60 seconds.
        public var minimumDwell: Duration

        /// Creates thresholds, each defaulting as documented on its property.
        public init(
            spreadToEnter: Double = 2, spreadToLeave: Double = 1.5, busyToEnter: Double = 2, busyToLeave: Double = 1,
            sustain: Duration = .seconds(30), minimumDwell: Duration = .seconds(60)
        ) {
            self.spreadToEnter = spreadToEnter
            self.spreadToLeave = spreadToLeave
            self.busyToEnter = busyToEnter
            self.busyToLeave = busyToLeave
            self.sustain = sustain
            self.minimumDwell = minimumDwell
        }
    }

    /// The bars and durations in force.
    public let thresholds: Thresholds
    /// The policy running now.
    public private(set) var active: AutoChoice
    /// The clock reading at which `active` started to run.
    public private(set) var activeSince: UInt64
    /// The policy preferred over `active` at every evaluation since the clock reading given; nil when `active` is
    /// preferred.
    public private(set) var pending: (choice: AutoChoice, since: UInt64)?

    /// A chooser running round-robin from clock reading `start`.
    public init(thresholds: Thresholds = Thresholds(), start: UInt64) {
        self.thresholds = thresholds
        self.active = .roundRobin
        self.activeSince = start
    }

    /// A chooser with `thresholds` that carries on from `previous` (the same pool's, before a reload): the same policy
    /// running since the same time, the same one pending.
    public init(thresholds: Thresholds, continuing previous: AutoPolicyChooser) {
        self.thresholds = thresholds
        self.active = previous.active
        self.activeSince = previous.activeSince
        self.pending = previous.pending
    }

    /// Takes the signals of one evaluation at clock reading `now`.
    /// - Returns: the switch, when this evaluation makes one.
    public mutating func evaluate(_ signals: PoolSignals, at now: UInt64) -> PolicySwitch? {
        let preferred = preference(for: signals)
        guard preferred != active else {
            pending = nil
            return nil
        }
        if pending?.choice != preferred { pending = (preferred, now) }
        let since = pending!.since
        guard now.nanoseconds(since: since) >= thresholds.sustain.monotonicNanoseconds,
            now.nanoseconds(since: activeSince) >= thresholds.minimumDwell.monotonicNanoseconds
        else { return nil }
        let change = PolicySwitch(
            at: now, from: active, to: preferred,
            reason: reason(for: preferred, signals, held: .nanoseconds(Int64(now.nanoseconds(since: since)))))
        active = preferred
        activeSince = now
        pending = nil
        return change
    }

    /// The policy these signals argue for, given the one running (which keeps its claim down to the lower bars).
    func preference(for signals: PoolSignals) -> AutoChoice {
        let spreadBar = active == .leastResponseTime ? thresholds.spreadToLeave : thresholds.spreadToEnter
        if signals.latencySpread >= spreadBar { return .leastResponseTime }
        let busyBar = active == .leastConnections ? thresholds.busyToLeave : thresholds.busyToEnter
        if signals.connectionsPerTarget >= busyBar { return .leastConnections }
        return .roundRobin
    }

    private func reason(for choice: AutoChoice, _ signals: PoolSignals, held: Duration) -> String {
        let spread = "latency spread \(Self.short(signals.latencySpread))x"
        let busy = "\(Self.short(signals.connectionsPerTarget)) in flight per target"
        let duration = "for \(Self.short(Double(held.monotonicNanoseconds) / 1e9))s"
        switch choice {
        case .leastResponseTime:
            return "\(spread) (at least \(Self.short(thresholds.spreadToEnter))x) \(duration)"
        case .leastConnections:
            return "\(busy) (at least \(Self.short(thresholds.busyToEnter))), \(spread) \(duration)"
        case .roundRobin:
            return "\(spread) and \(busy), both low, \(duration)"
        }
    }

    /// `value` with at most one decimal, for messages.
    static func short(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10))" : "\(tenths / 10)"
    }
}
