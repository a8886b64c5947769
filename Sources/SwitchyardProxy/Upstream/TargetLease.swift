import NIOCore
import SwitchyardBalancing

/// A connection slot reserved on one target for a request to one host, with the route to the target. Whoever holds
/// it reports once how the target served (for the latency- and failure-aware policies and the pool's guards) and
/// gives the slot back once, on whichever path the request or tunnel ends; giving it back lets the pool's next
/// queued request in.
final class TargetLease {
    let target: BalancingTarget
    let route: UpstreamRoute
    /// The normalised destination key the target was picked for.
    let host: String
    let pool: UpstreamPool
    /// The target's metrics and windows, when the pool counts.
    let metrics: TargetMetrics?
    /// The request's sticky key and what the pick did with it; nil when it has none.
    let sticky: (key: String, outcome: StickyOutcome)?
    private let start = NIODeadline.now()
    /// From the pick to the report of the target's answer (or failure); nil before the report.
    private(set) var upstreamDuration: Duration?
    private var held = true

    init(
        target: BalancingTarget, route: UpstreamRoute, host: String, pool: UpstreamPool,
        sticky: (key: String, outcome: StickyOutcome)? = nil
    ) {
        self.target = target
        self.sticky = sticky
        self.route = route
        self.host = host
        self.pool = pool
        self.metrics = pool.metrics?.targets[target.id]
        metrics?.selections.increment()
        metrics?.stats.requestStarted()
        pool.metrics?.stats.requestStarted()
    }

    /// Reports what the target answered (or how it failed) now, timed from the pick; later calls do nothing.
    func report(_ result: PoolGuards.RequestResult) {
        guard upstreamDuration == nil else { return }
        let latency = Duration.nanoseconds((NIODeadline.now() - start).nanoseconds)
        upstreamDuration = latency
        pool.balancer.report(
            target, outcome: result.isSuccess ? .success(latency: latency) : .failure(latency: latency))
        metrics?.attempted(succeeded: result.isSuccess, setup: latency)
        if let kind = result.errorKind { metrics?.upstreamError(kind) }
        if let guards = pool.balancer.guards {
            pool.log(guards.record(result, for: target, host: host))
        }
    }

    /// Gives the slot back (a use of the sticky key's pin, which lasts its `ttl` from now); later calls do nothing.
    func release() {
        guard held else { return }
        held = false
        if let sticky { pool.balancer.sticky?.touch(sticky.key, target: target.id) }
        if upstreamDuration == nil { pool.balancer.guards?.abandon(target) }
        target.connections.release()
        metrics?.stats.requestFinished()
        pool.metrics?.stats.requestFinished()
        pool.waitQueue?.wakeNext()
    }
}

extension PoolGuards.RequestResult {
    /// The `kind` label of `switchyard_upstream_errors_total`; nil for a success.
    var errorKind: String? {
        switch self {
        case .response(let status, _): status >= 500 ? "server_error" : nil
        case .connected: nil
        case .unreachable, .connectFailed: "connect_failed"
        case .reset: "reset"
        case .timedOut: "timeout"
        }
    }
}
