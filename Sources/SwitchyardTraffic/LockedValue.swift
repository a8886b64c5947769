#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A value only reachable while holding its lock, a `pthread_mutex_t`.
///
/// Used instead of the standard library's `Mutex`, whose Linux implementation ThreadSanitizer cannot see through
/// (it reports false races when the lock is contended), so that `swift test --sanitize=thread` stays meaningful.
/// Uncontended, a `withLock` costs about as much as `Mutex`'s.
///
/// Thread-safety: `withLock` may be called from any thread at the same time; calls are serialised.
public final class LockedValue<Value> {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline let value: UnsafeMutablePointer<Value>

    /// Creates a lock guarding `initial`.
    public init(_ initial: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        value = .allocate(capacity: 1)
        value.initialize(to: initial)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
        value.deinitialize(count: 1)
        value.deallocate()
    }

    /// Runs `body` on the value while holding the lock; `body` must not call `withLock` on the same instance.
    @inlinable
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value.pointee)
    }
}

extension LockedValue: @unchecked Sendable where Value: Sendable {}
