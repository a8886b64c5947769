import SwitchyardTraffic
import Testing

/// The DNS cache on a manual clock: TTLs clamped to their bounds, failures kept for the negative TTL, and the least
/// recently used name evicted when full.
struct DNSCacheTests {
    let clock = ManualClock()
    let one = IPAddress(v4: 0x7f00_0001)
    let two = IPAddress(v4: 0x7f00_0002)

    func cache(capacity: Int = 10, minTTL: Duration = .zero, maxTTL: Duration = .seconds(300),
        negativeTTL: Duration = .seconds(5)) -> DNSCache
    {
        DNSCache(
            DNSCache.Configuration(capacity: capacity, minTTL: minTTL, maxTTL: maxTTL, negativeTTL: negativeTTL))
    }

    @Test func anAnswerIsKeptForItsTTLAndThenAskedAgain() {
        var cache = cache()
        #expect(cache.lookup("app.test", now: clock.nanoseconds()) == .miss)
        cache.store("app.test", addresses: [one, two], ttl: .seconds(30), now: clock.nanoseconds())
        clock.advance(by: .seconds(29))
        #expect(cache.lookup("APP.test.", now: clock.nanoseconds()) == .addresses([one, two]), "case and dot ignored")
        clock.advance(by: .seconds(1))
        #expect(cache.lookup("app.test", now: clock.nanoseconds()) == .miss)
        #expect(cache.count == 0, "an expired entry is dropped when found")
    }

    @Test func ttlsAreClampedToMinAndMax() {
        var cache = cache(minTTL: .seconds(10), maxTTL: .seconds(60))
        cache.store("short.test", addresses: [one], ttl: .zero, now: clock.nanoseconds())
        cache.store("long.test", addresses: [two], ttl: .seconds(86_400), now: clock.nanoseconds())
        clock.advance(by: .seconds(9))
        #expect(cache.lookup("short.test", now: clock.nanoseconds()) == .addresses([one]), "kept for min_ttl")
        clock.advance(by: .seconds(1))
        #expect(cache.lookup("short.test", now: clock.nanoseconds()) == .miss)
        clock.advance(by: .seconds(49))
        #expect(cache.lookup("long.test", now: clock.nanoseconds()) == .addresses([two]))
        clock.advance(by: .seconds(1))
        #expect(cache.lookup("long.test", now: clock.nanoseconds()) == .miss, "no longer than max_ttl")
    }

    @Test func aZeroTTLIsNotKeptAndReplacesAnOlderAnswer() {
        var cache = cache()
        cache.store("app.test", addresses: [one], ttl: .seconds(60), now: clock.nanoseconds())
        cache.store("app.test", addresses: [two], ttl: .zero, now: clock.nanoseconds())
        #expect(cache.lookup("app.test", now: clock.nanoseconds()) == .miss, "the old answer is gone too")
    }

    @Test func aFailureIsKeptForTheNegativeTTLOnly() {
        var cache = cache(minTTL: .seconds(60), negativeTTL: .seconds(5))
        cache.store("gone.test", addresses: [], ttl: .seconds(3600), now: clock.nanoseconds())
        clock.advance(by: .milliseconds(4999))
        #expect(cache.lookup("gone.test", now: clock.nanoseconds()) == .failed)
        clock.advance(by: .milliseconds(1))
        #expect(cache.lookup("gone.test", now: clock.nanoseconds()) == .miss)
        var uncached = self.cache(negativeTTL: .zero)
        uncached.store("gone.test", addresses: [], ttl: .seconds(60), now: clock.nanoseconds())
        #expect(uncached.lookup("gone.test", now: clock.nanoseconds()) == .miss, "negative_ttl 0 keeps no failure")
    }

    @Test func theLeastRecentlyUsedNameIsEvictedWhenFull() {
        var cache = cache(capacity: 2)
        cache.store("a.test", addresses: [one], ttl: .seconds(60), now: clock.nanoseconds())
        cache.store("b.test", addresses: [one], ttl: .seconds(60), now: clock.nanoseconds())
        _ = cache.lookup("a.test", now: clock.nanoseconds())
        cache.store("c.test", addresses: [two], ttl: .seconds(60), now: clock.nanoseconds())
        #expect(cache.count == 2)
        #expect(cache.lookup("b.test", now: clock.nanoseconds()) == .miss)
        #expect(cache.lookup("a.test", now: clock.nanoseconds()) == .addresses([one]))
        #expect(cache.lookup("c.test", now: clock.nanoseconds()) == .addresses([two]))
    }
}
