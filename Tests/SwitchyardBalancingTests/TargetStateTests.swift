import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct TargetStateTests {
    @Test func everyFlagAndLimitTakesATargetOutOfSelection() {
        let target = makeTargets(1, maxConnections: 1)[0]
        #expect(target.isSelectable)
        target.state.isEnabled = false
        #expect(!target.isSelectable)
        target.state.isEnabled = true
        target.state.isDraining = true
        #expect(!target.isSelectable)
        target.state.isDraining = false
        target.state.isHealthy = false
        #expect(!target.isSelectable)
        target.state.isHealthy = true
        target.state.isCircuitOpen = true
        #expect(!target.isSelectable)
        target.state.isCircuitOpen = false
        #expect(target.isSelectable)
        load(target, with: 1)
        #expect(!target.isSelectable)
        #expect(!BalancingTarget(id: "w0", weight: 0, maxConnections: 1).isSelectable)
    }

    @Test func availableSinceMarksTheMomentTheLastFlagClears() {
        let clock = ManualClock(start: 1_000)
        let state = TargetState(clock: clock)
        #expect(state.availableSince == 1_000)
        clock.advance(by: .seconds(1))
        state.isHealthy = false
        state.isDraining = true
        clock.advance(by: .seconds(1))
        state.isHealthy = true
        #expect(state.availableSince == 1_000)
        clock.advance(by: .seconds(1))
        state.isDraining = false
        #expect(state.availableSince == 1_000 + 3_000_000_000)
        clock.advance(by: .seconds(1))
        state.isHealthy = true
        #expect(state.availableSince == 1_000 + 3_000_000_000)
    }

    @Test func failuresCountUntilASuccess() {
        let clock = ManualClock()
        let targets = makeTargets(1, clock: clock)
        let pool = TargetPool(name: "p", targets: targets, policy: RoundRobinPolicy(), clock: clock)
        pool.report(targets[0], outcome: .failure(latency: nil))
        pool.report(targets[0], outcome: .failure(latency: .milliseconds(1)))
        #expect(targets[0].state.recentFailures == 2)
        pool.report(targets[0], outcome: .success(latency: .milliseconds(1)))
        #expect(targets[0].state.recentFailures == 0)
    }

    @Test func latencyEstimateJumpsToPeaksAndDecays() {
        let clock = ManualClock()
        let targets = makeTargets(1, clock: clock)
        let decay = PolicyConfiguration().latencyDecay
        let pool = TargetPool(name: "p", targets: targets, policy: RoundRobinPolicy(), clock: clock)
        let state = targets[0].state
        func estimate() -> Double { state.latencyEstimate(at: clock.nanoseconds(), decay: decay.monotonicNanoseconds) }
        #expect(estimate() == 0)
        pool.report(targets[0], outcome: .success(latency: .milliseconds(10)))
        #expect(estimate() == 10_000_000)
        pool.report(targets[0], outcome: .success(latency: .milliseconds(100)))
        #expect(estimate() == 100_000_000)
        clock.advance(by: decay)
        #expect(abs(estimate() - 100_000_000 / 2.718_281_828) < 1_000)
        // A fast failure never lowers the estimate; a slow one raises it.
        pool.report(targets[0], outcome: .failure(latency: .milliseconds(1)))
        #expect(abs(estimate() - 100_000_000 / 2.718_281_828) < 1_000)
        pool.report(targets[0], outcome: .failure(latency: .seconds(1)))
        #expect(estimate() == 1_000_000_000)
    }
}
