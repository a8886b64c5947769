import SwitchyardTraffic
import Testing

struct CircuitBreakerTests {
    private func breaker(_ clock: ManualClock, ratio: Double? = nil, maxHalfOpen: Int = 1) -> CircuitBreaker {
        CircuitBreaker(
            configuration: .init(
                failureThreshold: 3, failureRatio: ratio, minimumRequests: 10, window: .seconds(10),
                openDuration: .seconds(30), maxHalfOpen: maxHalfOpen, successThreshold: 2),
            clock: clock)
    }

    @Test func opensProbesAndClosesAgain() {
        let clock = ManualClock()
        let breaker = breaker(clock)
        #expect(!breaker.record(success: false) && !breaker.record(success: false))
        #expect(breaker.state == .closed && breaker.tryAcquirePermission())
        clock.advance(by: .seconds(1))
        #expect(breaker.record(success: false))
        #expect(breaker.state == .open && breaker.lastTransition == 1_000_000_000)
        #expect(!breaker.tryAcquirePermission())
        clock.advance(by: .seconds(29))
        #expect(breaker.state == .open && !breaker.tryAcquirePermission())
        clock.advance(by: .seconds(1))
        #expect(breaker.state == .halfOpen && breaker.lastTransition == 31_000_000_000)
        #expect(breaker.tryAcquirePermission())
        #expect(!breaker.record(success: true), "one success of two closes nothing")
        #expect(breaker.state == .halfOpen && breaker.tryAcquirePermission())
        #expect(breaker.record(success: true))
        #expect(breaker.state == .closed)
        #expect(!breaker.record(success: false) && !breaker.record(success: false), "the count started afresh")
    }

    @Test func aFailedProbeOpensItAgainForAnotherOpenDuration() {
        let clock = ManualClock()
        let breaker = breaker(clock)
        for _ in 0..<3 { breaker.record(success: false) }
        clock.advance(by: .seconds(30))
        #expect(breaker.tryAcquirePermission())
        #expect(breaker.record(success: false))
        #expect(breaker.state == .open && breaker.lastTransition == 30_000_000_000)
        clock.advance(by: .seconds(29))
        #expect(!breaker.tryAcquirePermission())
        clock.advance(by: .seconds(1))
        #expect(breaker.tryAcquirePermission())
    }

    @Test func halfOpenAdmitsAtMostMaxHalfOpenProbesAtOnce() {
        let clock = ManualClock()
        let breaker = breaker(clock, maxHalfOpen: 2)
        for _ in 0..<3 { breaker.record(success: false) }
        clock.advance(by: .seconds(30))
        #expect((0..<5).filter { _ in breaker.tryAcquirePermission() }.count == 2)
        breaker.releasePermission()
        #expect(breaker.tryAcquirePermission(), "a cancelled probe frees its slot")
        #expect(!breaker.tryAcquirePermission())
        #expect(!breaker.record(success: true))
        #expect(breaker.tryAcquirePermission(), "a finished probe frees its slot")
    }

    @Test func concurrentProbesNeverExceedMaxHalfOpen() async {
        let clock = ManualClock()
        let breaker = breaker(clock, maxHalfOpen: 3)
        for _ in 0..<3 { breaker.record(success: false) }
        clock.advance(by: .seconds(30))
        let granted = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<500 { group.addTask { breaker.tryAcquirePermission() } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(granted == 3)
    }

    @Test func aFailureRatioOverTheWindowTripsIt() {
        let clock = ManualClock()
        let breaker = breaker(clock, ratio: 0.5)
        // Alternating outcomes never reach 3 consecutive failures; the 10th request makes the ratio count.
        var changes: [Bool] = []
        for index in 0..<10 {
            changes.append(breaker.record(success: index % 2 == 0))
            clock.advance(by: .milliseconds(100))
        }
        #expect(changes == Array(repeating: false, count: 9) + [true])
        #expect(breaker.state == .open)
    }

    @Test func oldOutcomesLeaveTheRatioWindow() {
        let clock = ManualClock()
        let breaker = breaker(clock, ratio: 0.5)
        for index in 0..<9 { breaker.record(success: index % 2 == 0) }
        clock.advance(by: .seconds(11))
        #expect(!breaker.record(success: false), "9 old outcomes expired; 1 request is under the minimum")
        #expect(breaker.state == .closed)
    }
}
