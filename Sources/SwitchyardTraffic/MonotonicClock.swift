/// A source of monotonic time in nanoseconds from an arbitrary origin.
///
/// Time-based logic (history windows, rate limits, timeouts) reads time through this protocol so tests can drive it
/// with a `ManualClock` instead of sleeping. Readings never go backwards; only differences between them mean anything.
///
/// Thread-safety: conforming types are `Sendable` and `nanoseconds()` may be called from any thread.
public protocol MonotonicClock: Sendable {
    /// The current reading, in nanoseconds since the clock's origin.
    func nanoseconds() -> UInt64
}

extension Duration {
    /// This duration in whole nanoseconds, for arithmetic with `MonotonicClock` readings.
    ///
    /// Negative durations give 0 and durations beyond `UInt64.max` nanoseconds (about 584 years) saturate.
    public var monotonicNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else {
            return 0
        }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = whole.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return overflow || carry ? .max : total
    }
}
