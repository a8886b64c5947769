import SwitchyardTraffic

/// Builds a balancing policy from its configuration name.
///
/// Thread-safety: stateless.
public enum BalancingPolicyRegistry {
    /// Every policy name the configuration accepts.
    public static let names: [String] = [
        RoundRobinPolicy.configName, WeightedRoundRobinPolicy.configName, RandomPolicy.configName,
        WeightedRandomPolicy.configName, LeastConnectionsPolicy.configName, PowerOfTwoPolicy.configName,
        LeastResponseTimePolicy.configName, IPHashPolicy.configName, ConsistentHashPolicy.configName,
        LRUPerHostPolicy.configName, AdaptiveWeightedPolicy.configName, AutoPolicy.configName,
    ]

    /// A new policy called `name`, or nil for an unknown name. Make one per pool: policies keep per-pool state.
    /// - Parameters:
    ///   - configuration: the settings; each policy reads its own.
    ///   - clock: the time source for history, slow start and latency; the one the pool's targets' states use.
    public static func make(
        name: String,
        configuration: PolicyConfiguration,
        clock: any MonotonicClock
    ) -> (any BalancingPolicy)? {
        let seed = configuration.randomSeed
        let slowStart = configuration.slowStart
        switch name {
        case RoundRobinPolicy.configName:
            return RoundRobinPolicy()
        case WeightedRoundRobinPolicy.configName:
            return WeightedRoundRobinPolicy(slowStart: slowStart, clock: clock)
        case RandomPolicy.configName:
            return RandomPolicy(seed: seed)
        case WeightedRandomPolicy.configName:
            return WeightedRandomPolicy(slowStart: slowStart, seed: seed, clock: clock)
        case LeastConnectionsPolicy.configName:
            return LeastConnectionsPolicy(slowStart: slowStart, seed: seed, clock: clock)
        case PowerOfTwoPolicy.configName:
            return PowerOfTwoPolicy(slowStart: slowStart, seed: seed, clock: clock)
        case LeastResponseTimePolicy.configName:
            return LeastResponseTimePolicy(
                latencyDecay: configuration.latencyDecay, slowStart: slowStart, seed: seed, clock: clock)
        case IPHashPolicy.configName:
            return IPHashPolicy()
        case ConsistentHashPolicy.configName:
            return ConsistentHashPolicy(loadFactor: configuration.loadFactor)
        case LRUPerHostPolicy.configName:
            return LRUPerHostPolicy(options: configuration.lruPerHost, clock: clock)
        case AdaptiveWeightedPolicy.configName:
            return AdaptiveWeightedPolicy(
                minWeightFactor: configuration.minWeightFactor, recovery: configuration.recovery,
                slowStart: slowStart, clock: clock)
        case AutoPolicy.configName:
            return AutoPolicy(
                thresholds: configuration.auto, latencyDecay: configuration.latencyDecay, slowStart: slowStart,
                seed: seed, clock: clock, onSwitch: configuration.onPolicySwitch ?? { _ in })
        default:
            return nil
        }
    }
}
