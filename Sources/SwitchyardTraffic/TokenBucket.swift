/// A token bucket: admits `rate` requests per second on average and up to `burst` at once after a quiet spell.
///
/// Kept in its exact integer form (the generic cell rate algorithm): the state is the theoretical arrival time of
/// the next request, so there is no floating-point drift and `retryAfter` is exact to the nanosecond.
///
/// Thread-safety: safe from any thread; one short lock per call.
public final class TokenBucket: RateLimiter {
    /// Nanoseconds between tokens.
    private let interval: UInt64
    /// How far ahead of the clock the theoretical arrival time may run: a full bucket's worth of tokens.
    private let tolerance: UInt64
    private let clock: any MonotonicClock
    private let arrival = LockedValue<UInt64>(0)

    /// - Parameters:
    ///   - rate: tokens added per second, more than 0 (fractions such as 0.5 are fine).
    ///   - burst: the bucket's size, at least 1; it starts full.
    public init(rate: Double, burst: Int, clock: any MonotonicClock = SystemClock()) {
        precondition(rate > 0 && burst >= 1, "a token bucket needs a positive rate and a burst of at least 1")
        interval = max(1, UInt64((1e9 / rate).rounded()))
        let (product, overflow) = interval.multipliedReportingOverflow(by: UInt64(burst))
        tolerance = overflow ? .max : product
        self.clock = clock
    }

    public func tryAcquire() -> RateLimitDecision {
        let now = clock.nanoseconds()
        return arrival.withLock { arrival in
            let next = max(arrival, now) &+ interval
            let ahead = next - now
            guard ahead <= tolerance else { return .refused(retryAfter: .nanoseconds(Int64(ahead - tolerance))) }
            arrival = next
            return .allowed
        }
    }
}
