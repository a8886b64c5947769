import SwitchyardBalancing

/// A connection slot reserved on one egress target, with the route that target leaves through. Whoever holds it
/// gives the slot back exactly once, on whichever path the request or tunnel ends.
final class EgressLease {
    let target: BalancingTarget
    let route: EgressRoute
    private var held = true

    init(target: BalancingTarget, route: EgressRoute) {
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
