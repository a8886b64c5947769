import NIOCore
import SwitchyardBalancing

/// The retry loop's step, shared by request exchanges and tunnel dials: when an attempt failed before anything
/// reached the client, asks the listener's planner for another target (it applies the pool's attempts, budget and
/// backoff, and skips the targets tried), reports the failure for the old target and gives its slot back.
///
/// A target that could not be connected to (`.unreachable`) was sent nothing, so its retry is always safe and costs
/// the pool nothing: it is asked for without counting against the attempts or the budget, and each target is tried
/// at most once, which bounds it.
struct Failover {
    /// The attempt in progress, from 1.
    private(set) var attempt = 1
    /// Retries so far that count against the pool's attempts and budget.
    private var budgetedRetries = 0
    /// Targets tried so far, so a retry goes elsewhere; filled at the first retry.
    private var tried: [String] = []

    /// Moves `request` to another target after a failure that says `cause` about the current one.
    /// - Returns: the backoff to wait before dialling the new target; nil when there is no other attempt (then
    ///   `request` and its lease are left as they were, for the caller to fail).
    mutating func moveOn(
        _ request: inout UpstreamRequest, after cause: PoolGuards.RequestResult, planner: any RequestPlanner
    ) -> TimeAmount? {
        if tried.isEmpty { tried = [request.lease.route.id] }
        let budgeted = cause == .unreachable ? nil : budgetedRetries + 1
        guard let (next, delay) = planner.retry(request, attempt: budgeted, tried: tried) else { return nil }
        request.lease.report(cause)
        request.lease.release()
        request = next
        attempt += 1
        if let budgeted { budgetedRetries = budgeted }
        tried.append(next.lease.route.id)
        return delay
    }
}
