/// Admits at most `limit` requests in any `window`, estimated with two fixed windows: the current window's count plus
/// the previous window's count weighted by how much of it still overlaps the sliding window ending now.
///
/// Two counters per limiter however high the limit; the estimate assumes the previous window's requests were evenly
/// spread, which errs by a few percent at most in practice.
///
/// Thread-safety: safe from any thread; one short lock per call.
public final class SlidingWindowLimiter: RateLimiter {
    private struct Counts {
        var window: UInt64 = 0
        var current = 0
        var previous = 0
    }

    private let limit: Int
    private let width: UInt64
    private let clock: any MonotonicClock
    private let counts = LockedValue(Counts())

    /// - Parameters:
    ///   - limit: requests admitted per window, at least 1.
    ///   - window: the window's length, more than zero.
    public init(limit: Int, window: Duration, clock: any MonotonicClock = SystemClock()) {
        precondition(limit >= 1 && window.monotonicNanoseconds > 0, "a sliding window needs a limit and a length")
        self.limit = limit
        self.width = window.monotonicNanoseconds
        self.clock = clock
    }

    public func tryAcquire() -> RateLimitDecision {
        counts.withLock { counts in
            let now = clock.nanoseconds()
            let window = now / width
            let elapsed = Double(now % width) / Double(width)
            if counts.window != window {
                counts.previous = window == counts.window + 1 ? counts.current : 0
                counts.current = 0
                counts.window = window
            }
            let estimate = Double(counts.previous) * (1 - elapsed) + Double(counts.current)
            if estimate + 1 <= Double(limit) {
                counts.current += 1
                return .allowed
            }
            // The fraction of a window to wait until the weighted previous count leaves room for one more request.
            let free = limit - 1 - counts.current
            let wait =
                free >= 0
                ? (1 - Double(free) / Double(counts.previous)) - elapsed
                : (1 - elapsed) + (1 - Double(limit - 1) / Double(counts.current))
            return .refused(retryAfter: .nanoseconds(Int64(max(1, (wait * Double(width)).rounded(.up)))))
        }
    }
}
