#if canImport(Darwin)
    import Darwin
#elseif canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The operating system's monotonic clock (`clock_gettime(CLOCK_MONOTONIC)`), used in production.
///
/// Thread-safety: a stateless value; safe to use from any thread.
public struct SystemClock: MonotonicClock {
    /// Creates a handle to the system's monotonic clock.
    public init() {}

    public func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
