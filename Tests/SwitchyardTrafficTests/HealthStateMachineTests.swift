import SwitchyardTraffic
import Testing

struct HealthStateMachineTests {
    @Test func goesDownAfterExactlyNFailuresAndBackAfterExactlyMSuccesses() {
        let clock = ManualClock()
        var health = HealthStateMachine(configuration: .init(failureThreshold: 3, successThreshold: 2), clock: clock)
        #expect(health.state == .healthy && health.cause == .initialState)
        clock.advance(by: .seconds(1))
        let down = ["refused", "refused", "HTTP 503", "HTTP 503"].map { health.record(success: false, reason: $0) }
        #expect(down == [false, false, true, false], "one transition, on the third failure")
        #expect(health.state == .unhealthy)
        #expect(health.cause == .checksFailed(count: 3, lastReason: "HTTP 503"))
        #expect(health.lastTransition == 1_000_000_000)
        clock.advance(by: .seconds(1))
        let up = [true, true, true].map { health.record(success: $0, reason: "HTTP 200") }
        #expect(up == [false, true, false], "one transition, on the second success")
        #expect(health.state == .healthy && health.cause == .checksPassed(count: 2))
        #expect(health.lastTransition == 2_000_000_000)
        #expect(health.lastResult?.success == true && health.lastResult?.reason == "HTTP 200")
        #expect(health.lastResult?.time == 2_000_000_000)
    }

    @Test func aSuccessInBetweenRestartsTheFailureCount() {
        var health = HealthStateMachine(configuration: .init(failureThreshold: 2), clock: ManualClock())
        let changes = [false, true, false, true, false, false].map { health.record(success: $0, reason: "") }
        #expect(changes == [false, false, false, false, false, true])
    }

    @Test func unhealthyUntilCheckedComesUpOnTheFirstPassedCheck() {
        var health = HealthStateMachine(
            configuration: .init(successThreshold: 3, initialState: .unhealthyUntilChecked), clock: ManualClock())
        #expect(health.state == .unhealthy && health.lastResult == nil)
        let changes = [true, true].map { health.record(success: $0, reason: "HTTP 200") }
        #expect(changes == [true, false])
        #expect(health.state == .healthy)
    }

    @Test func unhealthyUntilCheckedNeedsTheThresholdAfterAFailedFirstCheck() {
        var health = HealthStateMachine(
            configuration: .init(successThreshold: 3, initialState: .unhealthyUntilChecked), clock: ManualClock())
        let changes = [false, true, true, true].map { health.record(success: $0, reason: "") }
        #expect(changes == [false, false, false, true])
    }
}
