/// Stops sending requests to a target that keeps failing, then lets a few probes through to see if it recovered.
///
/// Closed (normal) trips to open after `failureThreshold` consecutive failures, or when at least `failureRatio` of
/// the requests in the last `window` failed (once there were `minimumRequests`). Open refuses everything for
/// `openDuration`, then becomes half-open: at most `maxHalfOpen` probes at once; `successThreshold` successes close it
/// and any failure opens it again. Outcomes reported while open are ignored (requests admitted before it tripped).
///
/// Thread-safety: safe from any thread; one short lock per call.
public final class CircuitBreaker: Sendable {
    /// The breaker's position: passing everything, refusing everything, or letting a few probes through.
    public enum State: Sendable, Equatable {
        case closed, open, halfOpen
    }

    /// When the breaker trips and how it recovers.
    public struct Configuration: Sendable {
        /// Consecutive failures that trip it; nil disables this trigger. Default 5.
        public var failureThreshold: Int?
        /// Share of failed requests in `window` (0...1) that trips it; nil disables this trigger. Default 0.5.
        public var failureRatio: Double?
        /// Requests `window` must hold before `failureRatio` applies. Default 20.
        public var minimumRequests: Int
        /// The sliding window for `failureRatio`. Default 10 s.
        public var window: Duration
        /// How long it stays open before probing. Default 30 s.
        public var openDuration: Duration
        /// Concurrent probes allowed while half-open; at least 1. Default 1.
        public var maxHalfOpen: Int
        /// Successful probes that close it again; at least 1. Default 2.
        public var successThreshold: Int

        public init(
            failureThreshold: Int? = 5, failureRatio: Double? = 0.5, minimumRequests: Int = 20,
            window: Duration = .seconds(10), openDuration: Duration = .seconds(30), maxHalfOpen: Int = 1,
            successThreshold: Int = 2
        ) {
            precondition(maxHalfOpen >= 1 && successThreshold >= 1, "a circuit breaker must be able to close again")
            self.failureThreshold = failureThreshold
            self.failureRatio = failureRatio
            self.minimumRequests = minimumRequests
            self.window = window
            self.openDuration = openDuration
            self.maxHalfOpen = maxHalfOpen
            self.successThreshold = successThreshold
        }
    }

    private struct Core: Sendable {
        var state = State.closed
        var since: UInt64
        var consecutiveFailures = 0
        var window: OutcomeWindow
        var probes = 0
        var probeSuccesses = 0

        mutating func transition(to state: State, at time: UInt64) {
            self.state = state
            since = time
            consecutiveFailures = 0
            probes = 0
            probeSuccesses = 0
            window.reset()
        }
    }

    public let configuration: Configuration
    private let openNanoseconds: UInt64
    private let clock: any MonotonicClock
    private let core: LockedValue<Core>

    public init(configuration: Configuration = Configuration(), clock: any MonotonicClock = SystemClock()) {
        self.configuration = configuration
        self.openNanoseconds = configuration.openDuration.monotonicNanoseconds
        self.clock = clock
        self.core = LockedValue(Core(since: clock.nanoseconds(), window: OutcomeWindow(window: configuration.window)))
    }

    /// The current state; open becomes half-open once `openDuration` has passed.
    public var state: State {
        withCurrentCore { core, _ in core.state }
    }

    /// The clock reading when the current state began.
    public var lastTransition: UInt64 {
        withCurrentCore { core, _ in core.since }
    }

    /// Asks to send one request. Closed always allows; open never does; half-open allows up to `maxHalfOpen` at once.
    /// - Returns: true if the request may go; the caller must then `record(success:)` or `releasePermission()`.
    public func tryAcquirePermission() -> Bool {
        withCurrentCore { core, _ in
            switch core.state {
            case .closed:
                return true
            case .open:
                return false
            case .halfOpen:
                guard core.probes < configuration.maxHalfOpen else { return false }
                core.probes += 1
                return true
            }
        }
    }

    /// Returns a permission without an outcome (the request was cancelled before it said anything about the target).
    public func releasePermission() {
        withCurrentCore { core, _ in
            if core.state == .halfOpen { core.probes = max(0, core.probes - 1) }
        }
    }

    /// Records the outcome of a request that was given permission.
    /// - Returns: true if this outcome changed the state, so the caller logs each transition exactly once.
    @discardableResult
    public func record(success: Bool) -> Bool {
        withCurrentCore { core, now in
            switch core.state {
            case .open:
                return false
            case .halfOpen:
                core.probes = max(0, core.probes - 1)
                core.probeSuccesses += success ? 1 : 0
                if !success {
                    core.transition(to: .open, at: now)
                } else if core.probeSuccesses >= configuration.successThreshold {
                    core.transition(to: .closed, at: now)
                } else {
                    return false
                }
                return true
            case .closed:
                core.consecutiveFailures = success ? 0 : core.consecutiveFailures + 1
                core.window.record(success: success, now: now)
                guard !success, shouldTrip(core, now: now) else { return false }
                core.transition(to: .open, at: now)
                return true
            }
        }
    }

    private func shouldTrip(_ core: Core, now: UInt64) -> Bool {
        if let threshold = configuration.failureThreshold, core.consecutiveFailures >= threshold {
            return true
        }
        guard let ratio = configuration.failureRatio else { return false }
        let (requests, failures) = core.window.totals(now: now)
        return requests >= configuration.minimumRequests && Double(failures) >= ratio * Double(requests)
    }

    /// Runs `body` on the state and the time, read under the lock so it never precedes `since`, after moving an
    /// expired open state to half-open.
    private func withCurrentCore<Result>(_ body: (inout Core, UInt64) -> Result) -> Result {
        core.withLock { core in
            let now = clock.nanoseconds()
            if core.state == .open, now - core.since >= openNanoseconds {
                core.transition(to: .halfOpen, at: core.since &+ openNanoseconds)
            }
            return body(&core, now)
        }
    }
}
