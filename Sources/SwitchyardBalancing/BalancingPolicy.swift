/// Chooses which target of a pool takes a request.
///
/// A policy ranks the selectable targets and offers them to `admit` best first. `admit` atomically reserves a
/// connection slot on the target at the given index and returns false if the target has just become full, in which
/// case the policy offers its next best. Policies that keep state record only the target that was admitted.
///
/// Thread-safety: policies are `Sendable`; `pick` is called concurrently from every event loop.
public protocol BalancingPolicy: Sendable {
    /// Offers candidates from `targets` to `admit` in order of preference.
    /// - Returns: the index of the admitted target, or nil when no candidate was admitted.
    func pick(_ request: PickRequest, from targets: [BalancingTarget], admit: (Int) -> Bool) -> Int?
}
