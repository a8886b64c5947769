/// Chooses which target of a pool takes a request.
///
/// A policy ranks the selectable candidates and offers them to `admit` best first. `admit` atomically reserves a
/// connection slot on the target at the given index and returns false if the target has just become full, in which
/// case the policy offers its next best. Policies that keep state record only the target that was admitted.
///
/// Thread-safety: policies are `Sendable`; `pick` and `record` are called concurrently from every event loop. Each
/// policy documents how it stays correct under that.
public protocol BalancingPolicy: Sendable {
    /// Offers selectable targets of `candidates` to `admit` in order of preference.
    /// - Returns: the index of the admitted target, or nil when no candidate was admitted.
    func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int?

    /// Learns how a request through `target` ended, after the target's own state has been updated. The default does
    /// nothing; policies that adapt to feedback implement it.
    func record(_ outcome: Outcome, for target: BalancingTarget)
}

extension BalancingPolicy {
    public func record(_ outcome: Outcome, for target: BalancingTarget) {}

    /// Offers selectable targets of `targets`, by the normal rule, to `admit` in order of preference. Builds the
    /// `Candidates` each time, which allocates: for tests and one-off picks, not the data path (`TargetPool`).
    public func pick(_ request: PickRequest, from targets: [BalancingTarget], admit: (Int) -> Bool) -> Int? {
        pick(request, from: Candidates(targets), admit: admit)
    }
}
