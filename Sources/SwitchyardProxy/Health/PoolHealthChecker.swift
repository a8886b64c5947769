import NIOCore
import SwitchyardBalancing
import SwitchyardTraffic

/// The active health checks of one pool: one `TargetProber` per target, spread over the event loops.
///
/// Thread-safety: immutable; `start`, `stop` and `status(of:)` may be called from any thread.
public final class PoolHealthChecker: Sendable {
    private let probers: [TargetProber]

    /// - Parameter previous: the pool's checker before a configuration reload; targets that stay carry on from
    ///   its verdicts.
    public init(pool: UpstreamPool, check: HealthCheck, eventLoops: [any EventLoop], previous: PoolHealthChecker? = nil) {
        precondition(!eventLoops.isEmpty, "health checks need an event loop")
        probers = pool.balancer.targets.enumerated().map { index, target in
            TargetProber(
                target: target, route: pool.route(of: target.id), pool: pool, check: check,
                eventLoop: eventLoops[index % eventLoops.count], previous: previous?.status(of: target.id))
        }
    }

    /// Starts probing every target.
    public func start() {
        for prober in probers { prober.start() }
    }

    /// Stops probing; a probe in flight finishes but records nothing and schedules no other.
    public func stop() {
        for prober in probers { prober.stop() }
    }

    /// The active-check verdict on the target with `id`: state, cause, last result and last change; nil for an
    /// unknown target.
    public func status(of id: String) -> HealthStateMachine? {
        probers.first { $0.target.id == id }?.status
    }
}
