/// Caps retries to a share of recent requests, so retrying cannot multiply the load on a failing pool.
///
/// Counts requests and retries in one-second buckets over a sliding window; a retry is allowed while retries in
/// the window stay below `percent` of the requests in it, with a small floor so that a quiet pool can still
/// retry at all.
///
/// Thread-safety: safe from any thread; one short lock per call.
public final class RetryBudget: Sendable {
    private struct Bucket {
        var second: UInt64 = 0
        var requests = 0
        var retries = 0
    }

    private let percent: Int
    private let minimumRetries: Int
    private let clock: any MonotonicClock
    private let buckets: LockedValue<[Bucket]>

    /// - Parameters:
    ///   - percent: retries allowed per 100 requests in the window.
    ///   - minimumRetries: retries always allowed per window, whatever the request count.
    ///   - windowSeconds: the sliding window's length.
    public init(percent: Int, minimumRetries: Int = 3, windowSeconds: Int = 10, clock: any MonotonicClock = SystemClock()) {
        self.percent = percent
        self.minimumRetries = minimumRetries
        self.clock = clock
        self.buckets = LockedValue(Array(repeating: Bucket(), count: max(1, windowSeconds)))
    }

    /// Takes one retry from the budget; false when the budget is spent.
    public func tryAcquireRetry() -> Bool {
        let second = clock.nanoseconds() / 1_000_000_000
        return buckets.withLock { buckets in
            var requests = 0
            var retries = 0
            for bucket in buckets where second - bucket.second < UInt64(buckets.count) {
                requests += bucket.requests
                retries += bucket.retries
            }
            guard retries < max(minimumRetries, requests * percent / 100) else { return false }
            buckets[Self.index(for: second, in: &buckets)].retries += 1
            return true
        }
    }

    /// Counts one original request.
    public func recordRequest() {
        let second = clock.nanoseconds() / 1_000_000_000
        buckets.withLock { buckets in
            buckets[Self.index(for: second, in: &buckets)].requests += 1
        }
    }

    /// The bucket of `second`, emptied first if it last held an older second.
    private static func index(for second: UInt64, in buckets: inout [Bucket]) -> Int {
        let index = Int(second % UInt64(buckets.count))
        if buckets[index].second != second {
            buckets[index] = Bucket(second: second)
        }
        return index
    }
}
