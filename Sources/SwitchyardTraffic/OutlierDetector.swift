/// Passive health for one pool: ejects a target after consecutive failed requests, for longer each time it is ejected.
///
/// The n-th ejection lasts `ejectionTime × n`, capped at `maxEjectionTime`; the count falls by one for every
/// `ejectionTime` a target stays in, so an old flap is forgiven. At most `maxEjectionPercent` of the pool is out at
/// once (but at least one target when the percent is above 0); a target over the threshold while the pool is at its
/// cap stays in and is ejected by its next failure once there is room. With `.instant` recovery the first success
/// (say, from an active check or a request in flight) brings an ejected target back early; otherwise only time does.
/// Targets are tracked by identity, so `updateTargets(_:)` on a reload keeps the state of the ones that remain.
///
/// Thread-safety: safe from any thread; one short lock per call.
public final class OutlierDetector<Target: Hashable & Sendable>: Sendable {
    /// What went wrong with one request.
    public enum Failure: Sendable, Equatable {
        case connectFailed, reset
        /// A 5xx answer; counted only with `countServerErrors`.
        case serverError
    }

    /// How an ejected target comes back.
    public enum Recovery: Sendable, Equatable {
        /// The first success restores it, or the end of its ejection time, whichever comes first.
        case instant
        /// Only the end of its ejection time restores it.
        case afterEjectionTime
    }

    /// When targets are ejected and for how long.
    public struct Configuration: Sendable {
        /// Consecutive failures that eject a target; at least 1. Default 5.
        public var consecutiveFailures: Int
        /// Whether 5xx answers count as failures. Default false.
        public var countServerErrors: Bool
        /// The first ejection's length; later ones are multiples of it. Default 30 s.
        public var ejectionTime: Duration
        /// The longest any ejection lasts. Default 300 s.
        public var maxEjectionTime: Duration
        /// The most of the pool, in percent, ejected at once. Default 50.
        public var maxEjectionPercent: Int
        /// Default `.afterEjectionTime`.
        public var recovery: Recovery

        public init(
            consecutiveFailures: Int = 5, countServerErrors: Bool = false, ejectionTime: Duration = .seconds(30),
            maxEjectionTime: Duration = .seconds(300), maxEjectionPercent: Int = 50,
            recovery: Recovery = .afterEjectionTime
        ) {
            precondition(consecutiveFailures >= 1, "ejection needs at least one failure")
            self.consecutiveFailures = consecutiveFailures
            self.countServerErrors = countServerErrors
            self.ejectionTime = ejectionTime
            self.maxEjectionTime = maxEjectionTime
            self.maxEjectionPercent = maxEjectionPercent
            self.recovery = recovery
        }
    }

    private struct Entry: Sendable {
        var failures = 0
        var ejections = 0
        var ejectedUntil: UInt64?
        var returned: UInt64 = 0

        /// Ends an ejection whose time is up.
        mutating func expire(now: UInt64) {
            if let until = ejectedUntil, until <= now {
                ejectedUntil = nil
                returned = until
            }
        }
    }

    public let configuration: Configuration
    private let ejectionNanoseconds: UInt64
    private let clock: any MonotonicClock
    private let entries: LockedValue<[Target: Entry]>

    public init(
        targets: some Sequence<Target>, configuration: Configuration = Configuration(),
        clock: any MonotonicClock = SystemClock()
    ) {
        self.configuration = configuration
        self.ejectionNanoseconds = max(1, configuration.ejectionTime.monotonicNanoseconds)
        self.clock = clock
        self.entries = LockedValue(Dictionary(targets.map { ($0, Entry()) }, uniquingKeysWith: { first, _ in first }))
    }

    /// Replaces the pool's targets, keeping the state of those that remain.
    public func updateTargets(_ targets: some Sequence<Target>) {
        entries.withLock { entries in
            entries = Dictionary(targets.map { ($0, entries[$0] ?? Entry()) }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Whether `target` is ejected now; unknown targets are not.
    public func isEjected(target: Target) -> Bool {
        entries.withLock { entries in
            let now = clock.nanoseconds()
            entries[target]?.expire(now: now)
            return entries[target]?.ejectedUntil != nil
        }
    }

    /// Records a failed request to `target`.
    /// - Returns: true if this failure ejected it, so the caller logs the ejection exactly once.
    @discardableResult
    public func recordFailure(target: Target, _ failure: Failure = .connectFailed) -> Bool {
        guard failure != .serverError || configuration.countServerErrors else { return false }
        return entries.withLock { entries in
            let now = clock.nanoseconds()
            guard var entry = entries[target] else { return false }
            defer { entries[target] = entry }
            entry.expire(now: now)
            guard entry.ejectedUntil == nil else { return false }
            entry.failures += 1
            guard entry.failures >= configuration.consecutiveFailures, canEject(entries, now: now) else { return false }
            let forgiven = entry.ejections > 0 ? Int((now - entry.returned) / ejectionNanoseconds) : 0
            entry.ejections = max(0, entry.ejections - forgiven) + 1
            let (span, overflow) = ejectionNanoseconds.multipliedReportingOverflow(by: UInt64(entry.ejections))
            entry.ejectedUntil = now &+ min(overflow ? .max : span, configuration.maxEjectionTime.monotonicNanoseconds)
            entry.failures = 0
            return true
        }
    }

    /// Records a successful request to `target`.
    /// - Returns: true if this success ended an ejection (only with `.instant` recovery).
    @discardableResult
    public func recordSuccess(target: Target) -> Bool {
        entries.withLock { entries in
            let now = clock.nanoseconds()
            guard var entry = entries[target] else { return false }
            defer { entries[target] = entry }
            entry.expire(now: now)
            entry.failures = 0
            guard configuration.recovery == .instant, entry.ejectedUntil != nil else { return false }
            entry.ejectedUntil = nil
            entry.returned = now
            return true
        }
    }

    /// Whether one more target may be ejected without exceeding `maxEjectionPercent`.
    private func canEject(_ entries: [Target: Entry], now: UInt64) -> Bool {
        guard configuration.maxEjectionPercent > 0 else { return false }
        let allowed = max(1, entries.count * configuration.maxEjectionPercent / 100)
        return entries.values.count(where: { ($0.ejectedUntil ?? 0) > now }) < allowed
    }
}
