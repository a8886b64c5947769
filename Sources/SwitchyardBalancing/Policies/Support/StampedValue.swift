import Synchronization

/// A `Double` together with the clock reading it was last written at, readable and writable without locks.
///
/// The value and its stamp are two words, not updated as one: a reader racing a writer may pair the new value with
/// the previous stamp, which only misjudges the value's age by the time between two updates. Writers never lose an
/// update, since each one is a compare-exchange of the value computed from the value it replaces.
///
/// Thread-safety: all members may be called from any thread at the same time.
struct StampedValue: ~Copyable, Sendable {
    private let bits: Atomic<UInt64>
    private let stamp: Atomic<UInt64>

    init(_ value: Double, at time: UInt64) {
        bits = Atomic(value.bitPattern)
        stamp = Atomic(time)
    }

    /// The value and when it was written.
    func load() -> (value: Double, time: UInt64) {
        (Double(bitPattern: bits.load(ordering: .relaxed)), stamp.load(ordering: .relaxed))
    }

    /// Replaces the value with `transform(value, time)` and stamps it `now`; a nil result leaves both as they are.
    func update(at now: UInt64, _ transform: (_ value: Double, _ time: UInt64) -> Double?) {
        var current = bits.load(ordering: .relaxed)
        while true {
            guard let next = transform(Double(bitPattern: current), stamp.load(ordering: .relaxed)) else { return }
            let (exchanged, original) = bits.weakCompareExchange(
                expected: current, desired: next.bitPattern, ordering: .relaxed)
            if exchanged {
                stamp.store(now, ordering: .relaxed)
                return
            }
            current = original
        }
    }
}

extension UInt64 {
    /// The nanoseconds from `earlier` to this reading, 0 when `earlier` is later (a racing writer's newer stamp).
    func nanoseconds(since earlier: UInt64) -> UInt64 {
        self >= earlier ? self - earlier : 0
    }
}
