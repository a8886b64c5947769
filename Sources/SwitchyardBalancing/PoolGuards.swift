import SwitchyardTraffic

/// The protections of one pool that work per target and per destination host, beyond the target flags: a circuit
/// breaker per target, passive ejection (outlier detection, and the ejection of a target that cannot be connected
/// to), destination push-back, and rate limits per (target, host). `TargetPool` asks `admit` for each target its
/// policy offers, and the data path reports every finished request with `record`.
///
/// Ejection and an open circuit also set the target's flags (`isEjected`, `isCircuitOpen`), so policies skip the
/// target without asking and the state is visible; `sweep()` clears them when their time is up.
///
/// Thread-safety: immutable apart from its parts, which are safe to use from any thread at the same time.
public final class PoolGuards: Sendable {
    /// Which protections a pool has; nil turns one off.
    public struct Configuration: Sendable {
        public var circuitBreaker: CircuitBreaker.Configuration?
        public var outlierDetection: OutlierDetector<String>.Configuration?
        /// How long one failed connect (`RequestResult.unreachable`) ejects a target, like nginx's `max_fails=1`;
        /// a success through it (or a passed check) brings it back early. Nil ejects no target for that alone.
        public var unreachableEjection: Duration?
        public var pushBack: PushBack?
        /// A limit per (target, host) pair.
        public var targetAndHostLimit: RateLimitRule?

        public init(
            circuitBreaker: CircuitBreaker.Configuration? = nil,
            outlierDetection: OutlierDetector<String>.Configuration? = nil,
            unreachableEjection: Duration? = nil,
            pushBack: PushBack? = nil,
            targetAndHostLimit: RateLimitRule? = nil
        ) {
            self.circuitBreaker = circuitBreaker
            self.outlierDetection = outlierDetection
            self.unreachableEjection = unreachableEjection
            self.pushBack = pushBack
            self.targetAndHostLimit = targetAndHostLimit
        }

        /// Whether nothing is configured, so a pool can skip the guards entirely.
        public var isEmpty: Bool {
            circuitBreaker == nil && outlierDetection == nil && unreachableEjection == nil && pushBack == nil
                && targetAndHostLimit == nil
        }
    }

    /// Which answers push a target back from a host, and for how long.
    public struct PushBack: Sendable {
        public var statuses: Set<Int>
        /// For an answer without `Retry-After`; zero ignores such answers.
        public var defaultDuration: Duration
        /// The longest push-back, whatever the destination asks.
        public var maxDuration: Duration

        public init(
            statuses: Set<Int> = [429, 503], defaultDuration: Duration = .zero, maxDuration: Duration = .seconds(300)
        ) {
            self.statuses = statuses
            self.defaultDuration = defaultDuration
            self.maxDuration = maxDuration
        }
    }

    /// Why `admit` refused a target.
    public enum Refusal: Sendable, Equatable {
        /// The host pushed the target back, or the pair is out of budget; a request `retryAfter` from now may pass.
        case wait(retryAfter: Duration)
        /// The target's circuit lets no more requests through now.
        case circuitOpen
    }

    /// What a request through a target came to, for the guards.
    public enum RequestResult: Sendable, Equatable {
        /// An answer with this status; `retryAfter` is its `Retry-After`, when it had a valid one.
        case response(status: Int, retryAfter: Duration?)
        /// A tunnel to the destination opened.
        case connected
        /// The target's own connection could not be opened (a backend or upstream proxy refused it or could not be
        /// reached, or the source address cannot be bound): nothing was sent.
        case unreachable
        /// The destination could not be reached through the target (a direct egress target's connect failed).
        case connectFailed
        /// The connection broke (reset or closed) before the answer was complete.
        case reset
        case timedOut

        /// Whether the target served the request well (an answer below 500).
        public var isSuccess: Bool {
            switch self {
            case .response(let status, _): status < 500
            case .connected: true
            case .unreachable, .connectFailed, .reset, .timedOut: false
            }
        }
    }

    /// A change worth one log line.
    public enum Event: Sendable, Equatable, CustomStringConvertible {
        case ejected(target: String)
        case ejectedUnreachable(target: String, duration: Duration)
        case ejectionEnded(target: String)
        case circuitOpened(target: String)
        case circuitHalfOpen(target: String)
        case circuitClosed(target: String)
        case pushedBack(target: String, host: String, duration: Duration)

        public var description: String {
            switch self {
            case .ejected(let target): "target \(target) ejected after consecutive failures"
            case .ejectedUnreachable(let target, let duration):
                "target \(target) ejected for \(duration.components.seconds)s: it could not be connected to"
            case .ejectionEnded(let target): "target \(target) back from ejection"
            case .circuitOpened(let target): "circuit of target \(target) opened"
            case .circuitHalfOpen(let target): "circuit of target \(target) half-open: letting probes through"
            case .circuitClosed(let target): "circuit of target \(target) closed"
            case .pushedBack(let target, let host, let duration):
                "host \(host) pushed target \(target) back for \(duration.components.seconds)s"
            }
        }
    }

    private struct TargetHost: Hashable, Sendable {
        var target: String
        var host: String
    }

    private let targets: [String: BalancingTarget]
    private let breakers: [String: CircuitBreaker]
    private let outliers: OutlierDetector<String>?
    /// One failed connect ejects a target: an outlier detector with a threshold of one, for `.unreachable` only.
    private let unreachables: OutlierDetector<String>?
    private let pushBack: PushBack?
    private let pushBacks: PushBackTable<String>?
    private let hostLimits: KeyedRateLimiter<TargetHost>?

    public init(targets: [BalancingTarget], configuration: Configuration, clock: any MonotonicClock = SystemClock()) {
        self.targets = Dictionary(targets.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        breakers =
            configuration.circuitBreaker.map { breaker in
                Dictionary(
                    targets.map { ($0.id, CircuitBreaker(configuration: breaker, clock: clock)) },
                    uniquingKeysWith: { first, _ in first })
            } ?? [:]
        outliers = configuration.outlierDetection.map {
            OutlierDetector(targets: targets.map(\.id), configuration: $0, clock: clock)
        }
        unreachables = configuration.unreachableEjection.map { duration in
            OutlierDetector(
                targets: targets.map(\.id),
                configuration: .init(
                    consecutiveFailures: 1, ejectionTime: duration, maxEjectionTime: duration, maxEjectionPercent: 100,
                    recovery: .instant),
                clock: clock)
        }
        pushBack = configuration.pushBack
        pushBacks = configuration.pushBack.map { PushBackTable(maxPushBack: $0.maxDuration, clock: clock) }
        hostLimits = configuration.targetAndHostLimit.map { rule in
            KeyedRateLimiter(maxKeys: rule.maxKeys) { rule.makeLimiter(clock: clock) }
        }
    }

    /// Whether `target`, whose connection slot is already reserved, may take a request for `host` now. An admitted
    /// request holds a breaker permission: report it with `record` or give it back with `abandon`.
    /// - Parameter ignoringCircuit: the pool's `onAllUnhealthy` fallback, which sends traffic to open circuits too.
    public func admit(_ target: BalancingTarget, host: String, ignoringCircuit: Bool = false) -> Refusal? {
        if let remaining = pushBacks?.pushBackRemaining(target: target.id, host: host) {
            return .wait(retryAfter: remaining)
        }
        let breaker = ignoringCircuit ? nil : breakers[target.id]
        if let breaker, !breaker.tryAcquirePermission() {
            return .circuitOpen
        }
        if let hostLimits,
            case .refused(let retryAfter) = hostLimits.tryAcquire(key: TargetHost(target: target.id, host: host))
        {
            breaker?.releasePermission()
            return .wait(retryAfter: retryAfter)
        }
        return nil
    }

    /// Gives back the breaker permission of an admitted request that ended without saying anything about the target.
    public func abandon(_ target: BalancingTarget) {
        breakers[target.id]?.releasePermission()
    }

    /// Learns how an admitted request to `host` through `target` ended.
    /// - Returns: the state changes it caused, for the log.
    public func record(_ result: RequestResult, for target: BalancingTarget, host: String) -> [Event] {
        var events: [Event] = []
        if let breaker = breakers[target.id], breaker.record(success: result.isSuccess) {
            events.append(circuitChanged(target, to: breaker.state))
        }
        if let outliers {
            switch result {
            case .response(let status, _) where status >= 500:
                if outliers.recordFailure(target: target.id, .serverError) { events.append(eject(target)) }
            case .response, .connected:
                if outliers.recordSuccess(target: target.id), !isEjected(target) { events.append(endEjection(target)) }
            case .unreachable, .connectFailed, .timedOut:
                if outliers.recordFailure(target: target.id, .connectFailed) { events.append(eject(target)) }
            case .reset:
                if outliers.recordFailure(target: target.id, .reset) { events.append(eject(target)) }
            }
        }
        // With a threshold of one, a success matters only to an ejected target: others skip the detector's lock.
        if let unreachables {
            if result == .unreachable, unreachables.recordFailure(target: target.id) {
                target.state.isEjected = true
                events.append(.ejectedUnreachable(target: target.id, duration: unreachables.configuration.ejectionTime))
            } else if result.isSuccess, target.state.isEjected, unreachables.recordSuccess(target: target.id),
                !isEjected(target)
            {
                events.append(endEjection(target))
            }
        }
        if let pushBack, let pushBacks, case .response(let status, let retryAfter) = result,
            pushBack.statuses.contains(status)
        {
            let duration = min(retryAfter ?? pushBack.defaultDuration, pushBack.maxDuration)
            if duration > .zero {
                pushBacks.pushBack(target: target.id, host: host, for: duration)
                events.append(.pushedBack(target: target.id, host: host, duration: duration))
            }
        }
        return events
    }

    /// Learns that an active health check on `target` passed, which ends an ejection under instant recovery.
    public func recordPassedCheck(_ target: BalancingTarget) -> [Event] {
        let restored = [outliers, unreachables].map { $0?.recordSuccess(target: target.id) ?? false }
        guard restored.contains(true), !isEjected(target) else { return [] }
        return [endEjection(target)]
    }

    /// Clears the flags of ejections and open circuits whose time is up; call it a few times a second.
    /// - Returns: the state changes, for the log.
    public func sweep() -> [Event] {
        var events: [Event] = []
        for target in targets.values {
            if target.state.isEjected, outliers != nil || unreachables != nil, !isEjected(target) {
                events.append(endEjection(target))
            }
            if target.state.isCircuitOpen, let breaker = breakers[target.id], breaker.state != .open {
                events.append(circuitChanged(target, to: breaker.state))
            }
        }
        return events
    }

    /// How many destination hosts push `target` back now; nil when the pool has no push-back.
    public func hostsPushingBack(_ target: BalancingTarget) -> Int? {
        pushBacks?.hostsPushingBack(target: target.id)
    }

    /// The state of `target`'s circuit breaker; nil when the pool has none.
    public func circuitState(of target: BalancingTarget) -> CircuitBreaker.State? {
        breakers[target.id]?.state
    }

    /// Whether either detector keeps `target` out now.
    private func isEjected(_ target: BalancingTarget) -> Bool {
        outliers?.isEjected(target: target.id) == true || unreachables?.isEjected(target: target.id) == true
    }

    private func eject(_ target: BalancingTarget) -> Event {
        target.state.isEjected = true
        return .ejected(target: target.id)
    }

    private func endEjection(_ target: BalancingTarget) -> Event {
        target.state.isEjected = false
        return .ejectionEnded(target: target.id)
    }

    private func circuitChanged(_ target: BalancingTarget, to state: CircuitBreaker.State) -> Event {
        target.state.isCircuitOpen = state == .open
        switch state {
        case .open: return .circuitOpened(target: target.id)
        case .halfOpen: return .circuitHalfOpen(target: target.id)
        case .closed: return .circuitClosed(target: target.id)
        }
    }
}
