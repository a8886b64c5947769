/// The answer of a rate limiter to one request.
///
/// Thread-safety: an immutable value; safe to share between threads.
public enum RateLimitDecision: Sendable, Equatable {
    /// The request may proceed; it has been counted.
    case allowed
    /// The request is over the limit; one made `retryAfter` from now would be allowed (the `Retry-After` value,
    /// rounded up to whole seconds by whoever writes the header).
    case refused(retryAfter: Duration)

    /// Whether the request may proceed.
    public var isAllowed: Bool { self == .allowed }
}

/// Anything that admits or refuses requests one at a time: `TokenBucket`, `SlidingWindowLimiter`.
///
/// Thread-safety: conforming types are `Sendable` and `tryAcquire()` may be called from any thread.
public protocol RateLimiter: AnyObject, Sendable {
    /// Counts one request if the limit allows it.
    func tryAcquire() -> RateLimitDecision
}
