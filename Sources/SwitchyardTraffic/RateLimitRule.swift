/// One configured rate limit, as the limiters need it: the algorithm, its rate and size, and how many keys it tracks.
///
/// Thread-safety: an immutable value; safe to share between threads.
public struct RateLimitRule: Sendable, Equatable {
    public enum Algorithm: Sendable, Equatable {
        /// `rate` per second on average, up to `burst` at once.
        case tokenBucket(burst: Int)
        /// At most `rate × window` in any `window`.
        case slidingWindow(window: Duration)
    }

    public var algorithm: Algorithm
    /// Requests per second, more than 0.
    public var rate: Double
    /// The most keys tracked at once (see `KeyedRateLimiter`).
    public var maxKeys: Int

    public init(algorithm: Algorithm, rate: Double, maxKeys: Int = 100_000) {
        self.algorithm = algorithm
        self.rate = rate
        self.maxKeys = maxKeys
    }

    /// A fresh limiter for one key.
    public func makeLimiter(clock: any MonotonicClock) -> any RateLimiter {
        switch algorithm {
        case .tokenBucket(let burst):
            return TokenBucket(rate: rate, burst: burst, clock: clock)
        case .slidingWindow(let window):
            let limit = max(1, Int((rate * Double(window.monotonicNanoseconds) / 1e9).rounded()))
            return SlidingWindowLimiter(limit: limit, window: window, clock: clock)
        }
    }
}
