import NIOCore
import SwitchyardBalancing

/// A connection slot reserved on one target, with the route to it. Whoever holds it reports once how the target
/// served (for the latency- and failure-aware policies) and gives the slot back once, on whichever path the
/// request or tunnel ends.
final class TargetLease {
    let target: BalancingTarget
    let route: UpstreamRoute
    private let balancer: TargetPool
    private let start = NIODeadline.now()
    private var reported = false
    private var held = true

    init(target: BalancingTarget, route: UpstreamRoute, balancer: TargetPool) {
        self.target = target
        self.route = route
        self.balancer = balancer
    }

    /// Reports the target's answer (or failure) now, timed from the pick; later calls do nothing.
    func report(succeeded: Bool) {
        guard !reported else { return }
        reported = true
        let latency = Duration.nanoseconds((NIODeadline.now() - start).nanoseconds)
        balancer.report(target, outcome: succeeded ? .success(latency: latency) : .failure(latency: latency))
    }

    /// Gives the slot back; later calls do nothing.
    func release() {
        if held {
            held = false
            target.connections.release()
        }
    }
}
