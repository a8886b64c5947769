/// The verdict of active health checks on one target: it goes down after `failureThreshold` consecutive failed
/// checks and comes back after `successThreshold` consecutive passed ones, so one flaky check moves nothing.
///
/// A target that starts `unhealthyUntilChecked` needs a single passed check to come up, the way a new target should
/// not wait several intervals before taking traffic; after that the thresholds apply.
///
/// Thread-safety: a value type with no synchronisation; one prober owns it (or keeps it in a `LockedValue`).
public struct HealthStateMachine: Sendable {
    /// Whether the target should receive traffic.
    public enum State: Sendable, Equatable {
        case healthy, unhealthy
    }

    /// Where a target starts before any check has run.
    public enum InitialState: Sendable, Equatable {
        case healthy, unhealthyUntilChecked
    }

    /// Why the target is in its current state, for logs and the admin API.
    public enum Cause: Sendable, Equatable, CustomStringConvertible {
        case initialState
        case checksFailed(count: Int, lastReason: String)
        case checksPassed(count: Int)

        public var description: String {
            switch self {
            case .initialState: "initial state"
            case .checksFailed(let count, let reason): "\(count) consecutive failed checks, last: \(reason)"
            case .checksPassed(let count): "\(count) consecutive passed checks"
            }
        }
    }

    /// One check's outcome; `time` is a reading of the machine's clock.
    public struct CheckResult: Sendable, Equatable {
        public var success: Bool
        public var reason: String
        public var time: UInt64
    }

    /// Thresholds and the starting state.
    public struct Configuration: Sendable {
        /// Consecutive failed checks that take a healthy target down; at least 1. Default 3.
        public var failureThreshold: Int
        /// Consecutive passed checks that bring an unhealthy target back; at least 1. Default 2.
        public var successThreshold: Int
        /// The state before any check. Default `.healthy`.
        public var initialState: InitialState

        public init(failureThreshold: Int = 3, successThreshold: Int = 2, initialState: InitialState = .healthy) {
            precondition(failureThreshold >= 1 && successThreshold >= 1, "health thresholds must be at least 1")
            self.failureThreshold = failureThreshold
            self.successThreshold = successThreshold
            self.initialState = initialState
        }
    }

    public private(set) var configuration: Configuration
    public private(set) var state: State
    public private(set) var cause: Cause = .initialState
    /// The most recent check, nil before the first.
    public private(set) var lastResult: CheckResult?
    /// The clock reading when the current state began (creation time for the initial state).
    public private(set) var lastTransition: UInt64
    private var consecutiveFailures = 0
    private var consecutiveSuccesses = 0
    private let clock: any MonotonicClock

    public init(configuration: Configuration = Configuration(), clock: any MonotonicClock = SystemClock()) {
        self.configuration = configuration
        self.clock = clock
        self.state = configuration.initialState == .healthy ? .healthy : .unhealthy
        self.lastTransition = clock.nanoseconds()
    }

    /// A machine with new thresholds that carries on from `previous` (a configuration reload): same state, cause,
    /// last result and streaks, so a target that was out stays out until the new `successThreshold` is met.
    public init(continuing previous: HealthStateMachine, configuration: Configuration) {
        self = previous
        self.configuration = configuration
    }

    /// Records one check's outcome.
    /// - Returns: true if this check changed the state, so the caller logs each transition exactly once.
    public mutating func record(success: Bool, reason: String) -> Bool {
        let now = clock.nanoseconds()
        let firstCheck = lastResult == nil
        lastResult = CheckResult(success: success, reason: reason, time: now)
        if success {
            consecutiveSuccesses += 1
            consecutiveFailures = 0
        } else {
            consecutiveFailures += 1
            consecutiveSuccesses = 0
        }
        switch state {
        case .healthy where consecutiveFailures >= configuration.failureThreshold:
            state = .unhealthy
            cause = .checksFailed(count: consecutiveFailures, lastReason: reason)
        case .unhealthy where success && (firstCheck || consecutiveSuccesses >= configuration.successThreshold):
            state = .healthy
            cause = .checksPassed(count: consecutiveSuccesses)
        default:
            return false
        }
        lastTransition = now
        return true
    }
}
