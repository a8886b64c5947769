import SwitchyardTraffic
import Testing

struct RequestRateLimitsTests {
    private func request(ip: String, host: String = "a.com") -> RequestRateLimits.Request {
        .init(clientIP: ip, user: nil, route: nil, destinationHost: host)
    }

    @Test func eachKeyValueHasItsOwnBudgetAndEveryRuleMustAllow() {
        let clock = ManualClock()
        let limits = RequestRateLimits(
            rules: [
                (.clientIP, RateLimitRule(algorithm: .tokenBucket(burst: 2), rate: 1)),
                (.destinationHost, RateLimitRule(algorithm: .tokenBucket(burst: 3), rate: 1)),
            ],
            clock: clock)
        #expect(limits.check(request(ip: "1")) == nil)
        #expect(limits.check(request(ip: "1")) == nil)
        #expect(limits.check(request(ip: "1")) == .seconds(1), "the client's budget is spent")
        #expect(limits.check(request(ip: "2")) == nil, "another client has its own, but shares the host's")
        #expect(limits.check(request(ip: "3")) != nil, "the host's budget of 3 is spent")
        #expect(limits.check(request(ip: "3", host: "b.com")) == nil)
        clock.advance(by: .seconds(1))
        #expect(limits.check(request(ip: "1")) == nil)
    }

    @Test func aSlidingWindowRuleAdmitsRateTimesWindow() {
        let clock = ManualClock(start: 10_000_000_000)
        let limits = RequestRateLimits(
            rules: [(.listener, RateLimitRule(algorithm: .slidingWindow(window: .seconds(2)), rate: 5))], clock: clock)
        let admitted = (0..<20).filter { limits.check(request(ip: "\($0)")) == nil }.count
        #expect(admitted == 10)
    }
}
