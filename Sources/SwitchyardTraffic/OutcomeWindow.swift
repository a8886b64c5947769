/// Successes and failures over a sliding window, counted in ten buckets so memory stays constant.
///
/// The window slides a bucket at a time, so it covers between 90 % and 100 % of its nominal length.
/// Thread-safety: a value type with no synchronisation; `CircuitBreaker` keeps it under its lock.
struct OutcomeWindow: Sendable {
    private struct Bucket: Sendable {
        var slot: UInt64 = .max
        var requests = 0
        var failures = 0
    }

    private let width: UInt64
    private var buckets = Array(repeating: Bucket(), count: 10)

    init(window: Duration) {
        width = max(1, window.monotonicNanoseconds / 10)
    }

    mutating func record(success: Bool, now: UInt64) {
        let slot = now / width
        let index = Int(slot % UInt64(buckets.count))
        if buckets[index].slot != slot {
            buckets[index] = Bucket(slot: slot)
        }
        buckets[index].requests += 1
        buckets[index].failures += success ? 0 : 1
    }

    func totals(now: UInt64) -> (requests: Int, failures: Int) {
        let slot = now / width
        return buckets.reduce(into: (0, 0)) { totals, bucket in
            guard bucket.slot <= slot, slot - bucket.slot < UInt64(buckets.count) else { return }
            totals.0 += bucket.requests
            totals.1 += bucket.failures
        }
    }

    mutating func reset() {
        buckets = Array(repeating: Bucket(), count: buckets.count)
    }
}
