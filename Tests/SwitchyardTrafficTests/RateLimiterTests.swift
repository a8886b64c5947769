import SwitchyardTraffic
import Testing

struct RateLimiterTests {
    /// Tries once per millisecond for `seconds` and returns the admissions per second.
    private func admittedPerSecond(_ limiter: some RateLimiter, _ clock: ManualClock, seconds: Int) -> Double {
        var admitted = 0
        for _ in 0..<(seconds * 1000) {
            admitted += limiter.tryAcquire().isAllowed ? 1 : 0
            clock.advance(by: .milliseconds(1))
        }
        return Double(admitted) / Double(seconds)
    }

    @Test func tokenBucketAdmitsItsRatePlusItsBurst() {
        let clock = ManualClock()
        let rate = admittedPerSecond(TokenBucket(rate: 100, burst: 10, clock: clock), clock, seconds: 5)
        #expect(abs(rate - 100) <= 5)
        #expect(rate == 101.8, "the burst of 10, then one every 10 ms after the first")
    }

    @Test func tokenBucketBurstsThenTellsWhenTheNextTokenArrives() {
        let clock = ManualClock()
        let bucket = TokenBucket(rate: 100, burst: 10, clock: clock)
        #expect((0..<20).filter { _ in bucket.tryAcquire().isAllowed }.count == 10)
        #expect(bucket.tryAcquire() == .refused(retryAfter: .milliseconds(10)))
        clock.advance(by: .milliseconds(4))
        #expect(bucket.tryAcquire() == .refused(retryAfter: .milliseconds(6)))
        clock.advance(by: .milliseconds(6))
        #expect(bucket.tryAcquire() == .allowed)
        clock.advance(by: .seconds(60))
        #expect((0..<20).filter { _ in bucket.tryAcquire().isAllowed }.count == 10, "never more than the burst")
    }

    @Test func concurrentCallersNeverGetMoreThanTheBurst() async {
        let bucket = TokenBucket(rate: 1, burst: 10, clock: ManualClock())
        let allowed = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<1000 { group.addTask { bucket.tryAcquire().isAllowed } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(allowed == 10)
    }

    @Test func slidingWindowAdmitsItsLimitPerWindow() {
        let clock = ManualClock()
        let rate = admittedPerSecond(
            SlidingWindowLimiter(limit: 100, window: .seconds(1), clock: clock), clock, seconds: 5)
        #expect(abs(rate - 100) <= 5)
    }

    /// A client saturating the limit from late in a window: two fixed windows let up to 1.2 × the limit through over
    /// five windows (the whole limit at once, then the previous count assumed spread over its window).
    @Test(arguments: [0, 300_000_000, 900_000_000, 999_000_000])
    func slidingWindowHoldsItsLimitFromAnyStart(start: UInt64) {
        let clock = ManualClock(start: start)
        let rate = admittedPerSecond(
            SlidingWindowLimiter(limit: 100, window: .seconds(1), clock: clock), clock, seconds: 5)
        #expect(abs(rate - 100) <= 5, "\(rate)/s")
    }

    @Test func slidingWindowRetryAfterIsWhenTheNextRequestFits() {
        let clock = ManualClock()
        let limiter = SlidingWindowLimiter(limit: 100, window: .seconds(1), clock: clock)
        #expect((0..<150).filter { _ in limiter.tryAcquire().isAllowed }.count == 100)
        guard case .refused(let retryAfter) = limiter.tryAcquire() else {
            Issue.record("the 101st request in a window must be refused")
            return
        }
        #expect(retryAfter == .milliseconds(1001), "when a hundredth of the first slot has slid out")
        clock.advance(by: retryAfter - .nanoseconds(1))
        #expect(!limiter.tryAcquire().isAllowed)
        clock.advance(by: .nanoseconds(1))
        #expect(limiter.tryAcquire().isAllowed)
    }

    @Test func slidingWindowForgetsWindowsOlderThanThePreviousOne() {
        let clock = ManualClock()
        let limiter = SlidingWindowLimiter(limit: 5, window: .seconds(1), clock: clock)
        #expect((0..<10).filter { _ in limiter.tryAcquire().isAllowed }.count == 5)
        clock.advance(by: .seconds(2))
        #expect((0..<10).filter { _ in limiter.tryAcquire().isAllowed }.count == 5)
    }

    @Test func keyedLimiterKeepsOneLimitPerKeyAndBoundsItsKeys() {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<String>(maxKeys: 3) { TokenBucket(rate: 1, burst: 2, clock: clock) }
        #expect((0..<5).filter { _ in limiter.tryAcquire(key: "a").isAllowed }.count == 2)
        #expect((0..<5).filter { _ in limiter.tryAcquire(key: "b").isAllowed }.count == 2, "keys do not share a limit")
        for index in 0..<1000 { _ = limiter.tryAcquire(key: "client-\(index)") }
        #expect(limiter.keyCount == 3)
    }

    @Test func keyedLimiterEvictsTheLeastRecentlyUsedKey() {
        let clock = ManualClock()
        let limiter = KeyedRateLimiter<String>(maxKeys: 2) { TokenBucket(rate: 1, burst: 1, clock: clock) }
        #expect(limiter.tryAcquire(key: "a").isAllowed && limiter.tryAcquire(key: "b").isAllowed)
        #expect(!limiter.tryAcquire(key: "a").isAllowed, "touches a, so b is now the oldest")
        #expect(limiter.tryAcquire(key: "c").isAllowed)
        #expect(!limiter.tryAcquire(key: "a").isAllowed, "a kept its spent bucket")
        #expect(limiter.tryAcquire(key: "b").isAllowed, "b was evicted and starts afresh")
    }
}
