import Synchronization

/// Counts concurrent uses of something (connections to a target, sessions on a listener) against a fixed limit.
///
/// `tryAcquire()` reserves one use and `release()` returns it. The count is exact under concurrency: a
/// compare-exchange loop never lets `active` exceed `limit`, even for a moment, and never takes a lock.
///
/// Thread-safety: all members may be called from any thread at the same time.
public final class ConnectionLimiter: Sendable {
    /// The most uses that may be active at once; 0 admits none.
    public let limit: Int

    @usableFromInline let counter = Atomic<Int>(0)

    /// Creates a limiter with nothing in use.
    /// - Parameter limit: the most concurrent uses, at least 0.
    public init(limit: Int) {
        precondition(limit >= 0, "a connection limit cannot be negative")
        self.limit = limit
    }

    /// The uses active right now; under concurrency this is a snapshot that may already have changed.
    @inlinable
    public var active: Int {
        counter.load(ordering: .relaxed)
    }

    /// Reserves one use if fewer than `limit` are active.
    /// - Returns: true if a use was reserved (the caller must `release()` it later), false if the limit is reached.
    @inlinable
    public func tryAcquire() -> Bool {
        var current = counter.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = counter.weakCompareExchange(
                expected: current,
                desired: current + 1,
                ordering: .relaxed
            )
            if exchanged {
                return true
            }
            current = original
        }
        return false
    }

    /// Returns one use reserved by `tryAcquire()`. Releasing more than was acquired is a programming error and traps.
    @inlinable
    public func release() {
        var current = counter.load(ordering: .relaxed)
        while true {
            precondition(current > 0, "ConnectionLimiter.release() called with no active use")
            let (exchanged, original) = counter.weakCompareExchange(
                expected: current,
                desired: current - 1,
                ordering: .relaxed
            )
            if exchanged {
                return
            }
            current = original
        }
    }
}
