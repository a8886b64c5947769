import SwitchyardTraffic

/// Builds a balancing policy from its configuration name.
///
/// Thread-safety: stateless.
public enum BalancingPolicyRegistry {
    /// Every policy name the configuration accepts.
    public static let names: [String] = [LRUPerHostPolicy.configName]

    /// The policy called `name`, or nil for an unknown name.
    /// - Parameters:
    ///   - lruOptions: settings for `lru-per-host`; other policies ignore them.
    ///   - clock: the time source for policies that keep time-based history.
    public static func make(
        name: String,
        lruOptions: LRUPerHostOptions,
        clock: any MonotonicClock
    ) -> (any BalancingPolicy)? {
        switch name {
        case LRUPerHostPolicy.configName:
            return LRUPerHostPolicy(options: lruOptions, clock: clock)
        default:
            return nil
        }
    }
}
