import Atomics

/// A clock that moves only when told to, so tests of time-based logic run instantly and deterministically.
///
/// Thread-safety: `advance(by:)` and `nanoseconds()` may be called from any thread at the same time.
public final class ManualClock: MonotonicClock {
    private let now: ManagedAtomic<UInt64>

    /// Creates a clock that reads `start` until it is advanced.
    public init(start: UInt64 = 0) {
        now = ManagedAtomic(start)
    }

    /// Moves the clock forward; a clock cannot go backwards, so `duration` must not be negative.
    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "a monotonic clock cannot go backwards")
        now.wrappingIncrement(by: duration.monotonicNanoseconds, ordering: .relaxed)
    }

    public func nanoseconds() -> UInt64 {
        now.load(ordering: .relaxed)
    }
}
