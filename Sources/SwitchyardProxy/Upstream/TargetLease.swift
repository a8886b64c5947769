import SwitchyardBalancing

/// A connection slot reserved on one egress target, with the route that target leaves through. Whoever holds it
/// gives the slot back exactly once, on whichever path the request or tunnel ends.
final class TargetLease {
    let target: BalancingTarget
    let route: UpstreamRoute
    private var held = true

    init(target: BalancingTarget, route: UpstreamRoute) {
        self.target = target
        self.route = route
    }

    /// Gives the slot back; later calls do nothing.
    func release() {
        if held {
            held = false
            target.connections.release()
        }
    }
}
