/// The settings a pool's balancing is built from: the knobs of every policy (each reads only its own) and the
/// pool's fallback when all its targets are unhealthy.
///
/// Thread-safety: a `Sendable` value.
public struct PolicyConfiguration: Sendable {
    /// Settings of `lru-per-host`.
    public var lruPerHost: LRUPerHostOptions
    /// `consistent-hash`: no target takes more than this many times the mean load (active connections). Above 1.
    /// Default: 1.25.
    public var loadFactor: Double
    /// How long a target that joins or becomes available again takes to ramp from a tenth of its weight to all of
    /// it, in the weighted and latency-aware policies (`weighted-round-robin`, `weighted-random`,
    /// `least-connections`, `power-of-two`, `least-response-time`, `adaptive-weighted`); 0 turns slow start off.
    /// Default: 0.
    public var slowStart: Duration
    /// The time constant of each target's latency estimate (see `TargetState.latencyEstimate(at:decay:)`), read by
    /// `least-response-time`. Above 0. Default: 10 seconds.
    public var latencyDecay: Duration
    /// `adaptive-weighted`: the smallest share of its configured weight a failing or slow target keeps, in (0, 1].
    /// Default: 0.1.
    public var minWeightFactor: Double
    /// `adaptive-weighted`: how long a target's weight takes to grow back from `minWeightFactor` to its full
    /// configured weight once it stops failing. Above 0. Default: 30 seconds.
    public var recovery: Duration
    /// What the pool does when every target in rotation is unhealthy. Default: `leastFailed`.
    public var onAllUnhealthy: AllUnhealthyAction
    /// `auto`: when it switches between its policies. Default: `AutoPolicyChooser.Thresholds()`.
    public var auto: AutoPolicyChooser.Thresholds
    /// `auto`: called on every switch it makes (the runtime logs it). Default: nil.
    public var onPolicySwitch: (@Sendable (PolicySwitch) -> Void)?
    /// Seeds the random choices of the policies that make them; nil seeds from the system. Set it for repeatable
    /// tests. Default: nil.
    public var randomSeed: UInt64?

    /// Creates settings, each defaulting as documented on its property.
    public init(
        lruPerHost: LRUPerHostOptions = LRUPerHostOptions(),
        loadFactor: Double = 1.25,
        slowStart: Duration = .zero,
        latencyDecay: Duration = .seconds(10),
        minWeightFactor: Double = 0.1,
        recovery: Duration = .seconds(30),
        onAllUnhealthy: AllUnhealthyAction = .leastFailed,
        auto: AutoPolicyChooser.Thresholds = .init(),
        onPolicySwitch: (@Sendable (PolicySwitch) -> Void)? = nil,
        randomSeed: UInt64? = nil
    ) {
        self.lruPerHost = lruPerHost
        self.loadFactor = loadFactor
        self.slowStart = slowStart
        self.latencyDecay = latencyDecay
        self.minWeightFactor = minWeightFactor
        self.recovery = recovery
        self.onAllUnhealthy = onAllUnhealthy
        self.auto = auto
        self.onPolicySwitch = onPolicySwitch
        self.randomSeed = randomSeed
    }
}

/// What a pool does when none of its targets in rotation (enabled, weighted, not draining) is healthy (passing
/// health checks with a closed circuit): the configuration's `on_all_unhealthy`.
///
/// Thread-safety: a `Sendable` value.
public enum AllUnhealthyAction: Sendable, Equatable, CustomStringConvertible {
    /// Balance over the targets with the fewest recent failures, as if they were healthy (`least-failed`).
    case leastFailed
    /// Balance over all targets in rotation, as if they were healthy (`all`).
    case all
    /// Take no new connections; the caller answers 503 (`reject`).
    case reject

    /// The configuration name.
    public var description: String {
        switch self {
        case .leastFailed: "least-failed"
        case .all: "all"
        case .reject: "reject"
        }
    }
}
