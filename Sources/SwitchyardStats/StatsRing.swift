import Histogram

/// A sliding window made of a ring of equally long time buckets, the newest of which is still filling.
///
/// Bucket `i` holds the requests of time slot `slot[i]` (slot = clock reading / width). Moving to a new slot reuses the
/// oldest bucket, so buckets of slots that have left the window are cleared lazily, when time next moves on; reading
/// a window skips buckets whose slot is too old. A window therefore covers between `(count - 1) × width` and
/// `count × width` of time, never more.
/// Thread-safety: a value type with no synchronisation; `RequestStats` keeps it under its lock.
struct StatsRing: Sendable {
    private let width: UInt64
    private let significantDigits: SignificantDigits
    private var slots: [UInt64]
    private var buckets: [StatsBucket<UInt32>]
    private var current = 0
    private var currentEnd: UInt64 = 0

    init(bucketCount: Int, bucketWidth: Duration, significantDigits: SignificantDigits) {
        width = bucketWidth.monotonicNanoseconds
        self.significantDigits = significantDigits
        slots = Array(repeating: .max, count: bucketCount)
        buckets = (0..<bucketCount).map { _ in StatsBucket(significantDigits: significantDigits) }
    }

    /// Makes the bucket of `now` the current one, clearing the older slot it held when `now` has moved on to a new
    /// slot; `inFlight` has held since the last change, so it is the new bucket's starting maximum concurrency.
    @inline(__always)
    mutating func advance(to now: UInt64, inFlight: Int) {
        guard now >= currentEnd else { return }
        let slot = now / width
        current = Int(slot % UInt64(buckets.count))
        currentEnd = (slot + 1) * width
        slots[current] = slot
        buckets[current].reset(inFlight: inFlight)
    }

    /// Records into the current bucket; call `advance(to:inFlight:)` first.
    @inline(__always)
    mutating func record(latencyMicros: UInt64, succeeded: Bool, bytesIn: Int, bytesOut: Int) {
        buckets[current].record(
            latencyMicros: latencyMicros, succeeded: succeeded, bytesIn: bytesIn, bytesOut: bytesOut)
    }

    /// Notes the concurrency reached in the current bucket; call `advance(to:inFlight:)` first.
    @inline(__always)
    mutating func noteConcurrency(_ inFlight: Int) {
        buckets[current].maxConcurrency = max(buckets[current].maxConcurrency, inFlight)
    }

    /// The window ending at `now`, for a process that started at `start`; `inFlight` requests are running now.
    func windowStats(now: UInt64, start: UInt64, inFlight: Int) -> WindowStats {
        let nowSlot = now / width
        let oldestSlot = nowSlot >= UInt64(buckets.count - 1) ? nowSlot - UInt64(buckets.count - 1) : 0
        var sum = StatsBucket<UInt32>(significantDigits: significantDigits)
        sum.maxConcurrency = inFlight
        for (slot, bucket) in zip(slots, buckets) where slot >= oldestSlot && slot <= nowSlot {
            sum.merge(bucket)
        }
        return sum.windowStats(coveringNanoseconds: now - max(start, oldestSlot * width))
    }

    /// Each bucket of the window ending at `now` on its own, oldest first, with `nil` for a slot that saw nothing
    /// (or lies before `start`); the last one is the bucket still filling.
    func bucketStats(now: UInt64, start: UInt64) -> [WindowStats?] {
        let nowSlot = now / width
        let count = UInt64(buckets.count)
        return (0..<count).reversed().map { age -> WindowStats? in
            guard nowSlot >= age else { return nil }
            let slot = nowSlot - age
            guard let index = slots.firstIndex(of: slot) else { return nil }
            let begin = max(start, slot * width)
            return buckets[index].windowStats(coveringNanoseconds: min(now, (slot + 1) * width) - min(begin, now))
        }
    }

    /// A conservatively high estimate of the heap this ring holds.
    var heapBytes: Int {
        let arrays =
            2 * 32 + slots.count * MemoryLayout<UInt64>.stride
            + buckets.count * MemoryLayout<StatsBucket<UInt32>>.stride
        return buckets.reduce(arrays) { $0 + $1.heapBytes }
    }
}
