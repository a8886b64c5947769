/// A pool as the data path uses it: its targets and the policy that chooses among them.
///
/// A pool is an immutable snapshot; a configuration reload builds a new one and in-flight work keeps the one it
/// started with.
///
/// Thread-safety: immutable; `acquire` may be called from any thread at the same time.
public final class TargetPool: Sendable {
    /// The pool's name from the configuration, for logs and metrics.
    public let name: String
    /// The targets in configuration order; policies refer to them by index.
    public let targets: [BalancingTarget]
    /// The policy that chooses among `targets`.
    public let policy: any BalancingPolicy

    /// Creates a pool over `targets` balanced by `policy`.
    public init(name: String, targets: [BalancingTarget], policy: any BalancingPolicy) {
        self.name = name
        self.targets = targets
        self.policy = policy
    }

    /// Picks a target for `request` and reserves one connection on it, never one named in `excluded` (a retry
    /// after they failed).
    /// - Returns: the target, whose `connections.release()` the caller must call when the connection ends; nil when
    ///   every target is at its limit or none is selectable.
    public func acquire(_ request: PickRequest, excluding excluded: [String] = []) -> BalancingTarget? {
        let targets = self.targets
        let index = policy.pick(request, from: targets) { index in
            (excluded.isEmpty || !excluded.contains(targets[index].id)) && targets[index].connections.tryAcquire()
        }
        return index.map { targets[$0] }
    }
}
