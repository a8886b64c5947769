import Synchronization

/// Counts concurrent uses of something (connections to a target, sessions on a listener) against a fixed limit.
///
/// `tryAcquire()` reserves one use and `release()` returns it. The count is exact under concurrency: a
/// compare-exchange loop never lets `active` exceed `limit`, even for a moment, and never takes a lock.
///
/// A reload that changes the limit makes a new limiter with `withLimit(_:)`, which shares the count: uses acquired
/// through the old limiter stay counted against the new limit and are released through either.
///
/// Thread-safety: all members may be called from any thread at the same time.
public final class ConnectionLimiter: Sendable {
    /// The most uses that may be active at once; 0 admits none.
    public let limit: Int

    /// The uses in flight, shared by every limiter made from this one with `withLimit(_:)`.
    @usableFromInline let count: UseCount

    /// Creates a limiter with nothing in use.
    /// - Parameter limit: the most concurrent uses, at least 0.
    public convenience init(limit: Int) {
        self.init(limit: limit, count: UseCount())
    }

    private init(limit: Int, count: UseCount) {
        precondition(limit >= 0, "a connection limit cannot be negative")
        self.limit = limit
        self.count = count
    }

    /// A limiter with `limit` over the same uses as this one: what is active here counts there (a lower limit
    /// admits nothing new until enough are released).
    public func withLimit(_ limit: Int) -> ConnectionLimiter {
        ConnectionLimiter(limit: limit, count: count)
    }

    /// The counter behind one or more limiters.
    @usableFromInline final class UseCount: Sendable {
        @usableFromInline let value = Atomic<Int>(0)
        init() {}
    }

    /// The uses active right now; under concurrency this is a snapshot that may already have changed.
    @inlinable
    public var active: Int {
        count.value.load(ordering: .relaxed)
    }

    /// Reserves one use if fewer than `limit` are active.
    /// - Returns: true if a use was reserved (the caller must `release()` it later), false if the limit is reached.
    @inlinable
    public func tryAcquire() -> Bool {
        var current = count.value.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = count.value.weakCompareExchange(
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
        var current = count.value.load(ordering: .relaxed)
        while true {
            precondition(current > 0, "ConnectionLimiter.release() called with no active use")
            let (exchanged, original) = count.value.weakCompareExchange(
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
