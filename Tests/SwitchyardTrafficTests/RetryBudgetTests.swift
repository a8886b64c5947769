import SwitchyardTraffic
import Testing

struct RetryBudgetTests {
    @Test func retriesStayUnderTheShareOfRecentRequests() {
        let clock = ManualClock()
        let budget = RetryBudget(percent: 10, minimumRetries: 3, windowSeconds: 10, clock: clock)
        for _ in 0..<100 { budget.recordRequest() }
        var granted = 0
        while budget.tryAcquireRetry() { granted += 1 }
        #expect(granted == 10)
    }

    @Test func aQuietPoolStillGetsTheFloor() {
        let budget = RetryBudget(percent: 10, minimumRetries: 3, clock: ManualClock())
        budget.recordRequest()
        #expect((0..<5).filter { _ in budget.tryAcquireRetry() }.count == 3)
    }

    @Test func oldRequestsAndRetriesLeaveTheWindow() {
        let clock = ManualClock()
        let budget = RetryBudget(percent: 50, minimumRetries: 0, windowSeconds: 10, clock: clock)
        for _ in 0..<10 { budget.recordRequest() }
        #expect((0..<10).filter { _ in budget.tryAcquireRetry() }.count == 5)
        clock.advance(by: .seconds(11))
        #expect(!budget.tryAcquireRetry(), "the requests that paid for retries have left the window")
        for _ in 0..<4 { budget.recordRequest() }
        #expect((0..<10).filter { _ in budget.tryAcquireRetry() }.count == 2)
    }
}
