import Atomics

/// Remembers destinations that asked an egress target to back off (a 429 or 503 with `Retry-After`), so the balancer
/// can prefer other targets for that host until the time is up.
///
/// Keyed by target and host (the caller normalises the host, e.g. lowercases it). Holds at most `capacity` entries,
/// dropping the least recently used; expired entries are removed when looked up. A push-back is capped at
/// `maxPushBack`, so a destination cannot sideline a target for longer than the operator allows.
///
/// Thread-safety: safe from any thread; one short lock per call, none to find that nothing pushes back (the usual
/// case, asked on every pick).
public final class PushBackTable<Target: Hashable & Sendable>: Sendable {
    private struct Key: Hashable, Sendable {
        var target: Target
        var host: String
    }

    private let maxPushBack: UInt64
    private let clock: any MonotonicClock
    private let entries: LockedValue<LRUCache<Key, UInt64>>
    /// The entries' count as of the last change, read without the lock.
    private let storedCount = ManagedAtomic(0)

    /// - Parameters:
    ///   - capacity: the most (target, host) pairs remembered at once, at least 1.
    ///   - maxPushBack: the longest a single push-back lasts, whatever the destination asked.
    public init(
        capacity: Int = 10_000, maxPushBack: Duration = .seconds(300), clock: any MonotonicClock = SystemClock()
    ) {
        self.maxPushBack = maxPushBack.monotonicNanoseconds
        self.clock = clock
        self.entries = LockedValue(LRUCache(capacity: capacity))
    }

    /// The pairs remembered now, including expired ones not yet looked up.
    public var count: Int {
        entries.withLock { $0.count }
    }

    /// Records that `host` asked `target` to wait `duration` (capped at `maxPushBack`); an existing longer push-back
    /// is kept.
    public func pushBack(target: Target, host: String, for duration: Duration) {
        let now = clock.nanoseconds()
        let until = now &+ min(duration.monotonicNanoseconds, maxPushBack)
        let key = Key(target: target, host: host)
        entries.withLock { entries in
            entries.set(max(until, entries.value(for: key) ?? 0), for: key)
            storedCount.store(entries.count, ordering: .relaxed)
        }
    }

    /// How many hosts ask `target` to wait now (one pass over the table, for the admin views).
    public func hostsPushingBack(target: Target) -> Int {
        let now = clock.nanoseconds()
        return entries.withLock { entries in
            entries.newestFirst().filter { $0.key.target == target && $0.value > now }.count
        }
    }

    /// How much longer `host` asked `target` to wait; nil when it did not, or the time is up.
    public func pushBackRemaining(target: Target, host: String) -> Duration? {
        guard storedCount.load(ordering: .relaxed) > 0 else { return nil }
        let now = clock.nanoseconds()
        let key = Key(target: target, host: host)
        return entries.withLock { entries in
            guard let until = entries.value(for: key) else { return nil }
            if until > now { return .nanoseconds(Int64(until - now)) }
            entries.removeValue(for: key)
            storedCount.store(entries.count, ordering: .relaxed)
            return nil
        }
    }
}
