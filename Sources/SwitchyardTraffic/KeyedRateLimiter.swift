/// One rate limiter per key (a client address, or "target|host"), holding at most `maxKeys` of them.
///
/// When full, the least recently used key's limiter is dropped to make room; a key that comes back starts afresh,
/// which is the price of bounded memory (an idle key's limiter is full again anyway). Limiters are made on first use
/// by `makeLimiter`.
///
/// Thread-safety: safe from any thread; one lock guards the keys, held while the key's limiter decides.
public final class KeyedRateLimiter<Key: Hashable & Sendable>: Sendable {
    private let makeLimiter: @Sendable () -> any RateLimiter
    private let limiters: LockedValue<LRUCache<Key, any RateLimiter>>

    /// - Parameters:
    ///   - maxKeys: the most keys held at once, at least 1.
    ///   - makeLimiter: makes the limiter for a key seen for the first time (or again after eviction).
    public init(maxKeys: Int, makeLimiter: @escaping @Sendable () -> any RateLimiter) {
        self.makeLimiter = makeLimiter
        self.limiters = LockedValue(LRUCache(capacity: maxKeys))
    }

    /// The number of keys held now.
    public var keyCount: Int {
        limiters.withLock { $0.count }
    }

    /// Counts one request for `key` if its limit allows it.
    public func tryAcquire(key: Key) -> RateLimitDecision {
        limiters.withLock { limiters in
            if let limiter = limiters.value(for: key) {
                return limiter.tryAcquire()
            }
            let limiter = makeLimiter()
            limiters.set(limiter, for: key)
            return limiter.tryAcquire()
        }
    }
}
