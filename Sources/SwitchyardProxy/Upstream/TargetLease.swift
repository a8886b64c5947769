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
    private let pool: UpstreamPool
    private let start = NIODeadline.now()
    private var reported = false
    private var held = true

    init(target: BalancingTarget, route: UpstreamRoute, host: String, pool: UpstreamPool) {
        self.target = target
        self.route = route
        self.host = host
        self.pool = pool
    }

    /// Reports what the target answered (or how it failed) now, timed from the pick; later calls do nothing.
    func report(_ result: PoolGuards.RequestResult) {
        guard !reported else { return }
        reported = true
        let latency = Duration.nanoseconds((NIODeadline.now() - start).nanoseconds)
        pool.balancer.report(target, outcome: result.isSuccess ? .success(latency: latency) : .failure(latency: latency))
        if let guards = pool.balancer.guards {
            pool.log(guards.record(result, for: target, host: host))
        }
    }

    /// Gives the slot back; later calls do nothing.
    func release() {
        guard held else { return }
        held = false
        if !reported { pool.balancer.guards?.abandon(target) }
        target.connections.release()
        pool.waitQueue?.wakeNext()
    }
}
