import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct SlowStartTests {
    private static let window = Duration.seconds(30)

    /// The share of picks a target recovering for `elapsed` takes beside one equal, long-available target.
    private static func shareAfter(_ elapsed: Duration, policy name: String) -> Double {
        let clock = ManualClock()
        let targets = makeTargets(2, clock: clock)
        let configuration = PolicyConfiguration(slowStart: window, randomSeed: 5)
        let policy = BalancingPolicyRegistry.make(name: name, configuration: configuration, clock: clock)!
        clock.advance(by: .seconds(600))
        targets[1].state.isHealthy = false
        targets[1].state.isHealthy = true
        clock.advance(by: elapsed)
        return Double(tally(picks(10_000, policy, targets), targets: 2)[1]) / 10_000
    }

    /// The share a target ramped to weight fraction `0.1 + 0.9 × elapsed / window` takes beside one at full weight.
    private static func expectedShare(_ elapsed: Duration) -> Double {
        let ramp = min(1, 0.1 + 0.9 * (elapsed / window))
        return ramp / (1 + ramp)
    }

    @Test(arguments: ["weighted-round-robin", "weighted-random", "adaptive-weighted"])
    func aRecoveredTargetsShareRampsLinearly(policy: String) {
        for seconds in [0, 6, 12, 15, 18, 24, 30, 45] {
            let elapsed = Duration.seconds(seconds)
            let share = Self.shareAfter(elapsed, policy: policy)
            #expect(abs(share - Self.expectedShare(elapsed)) < 0.015, "\(policy) at \(seconds)s: \(share)")
        }
    }

    @Test func leastConnectionsLoadsARecoveredTargetInProportionToItsRamp() {
        let clock = ManualClock()
        let targets = makeTargets(2, clock: clock)
        let pool = TargetPool(
            name: "p", targets: targets,
            policy: LeastConnectionsPolicy(slowStart: Self.window, seed: 1, clock: clock))
        clock.advance(by: .seconds(600))
        targets[1].state.isCircuitOpen = true
        targets[1].state.isCircuitOpen = false
        clock.advance(by: .seconds(15))
        for _ in 0..<1_100 { _ = pool.acquire(PickRequest(destination: "a.com")) }
        let share = Double(targets[1].connections.active) / 1_100
        #expect(abs(share - Self.expectedShare(.seconds(15))) < 0.01, "\(share)")
    }

    @Test func withoutSlowStartARecoveredTargetGetsItsFullShareAtOnce() {
        let clock = ManualClock()
        let targets = makeTargets(2, clock: clock)
        targets[1].state.isHealthy = false
        targets[1].state.isHealthy = true
        #expect(tally(picks(100, WeightedRoundRobinPolicy(clock: clock), targets), targets: 2) == [50, 50])
    }
}
