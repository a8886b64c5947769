import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct AdaptiveWeightedTests {
    private let clock = ManualClock()

    private func makePool(_ targets: [BalancingTarget]) -> TargetPool {
        let policy = AdaptiveWeightedPolicy(minWeightFactor: 0.1, recovery: .seconds(30), clock: clock)
        return TargetPool(name: "p", targets: targets, policy: policy, clock: clock)
    }

    /// Runs `count` requests, target `failing` failing each of its own, and returns how many each target served.
    private func run(_ pool: TargetPool, _ count: Int, failing: Int?, latency: [Duration]? = nil) -> [Int] {
        var served = Array(repeating: 0, count: pool.targets.count)
        for _ in 0..<count {
            let target = pool.acquire(PickRequest(destination: "a.com"))!
            let index = pool.targets.firstIndex { $0 === target }!
            served[index] += 1
            target.connections.release()
            let outcome: Outcome =
                index == failing ? .failure(latency: nil) : .success(latency: latency?[index] ?? .milliseconds(10))
            pool.report(target, outcome: outcome)
            clock.advance(by: .milliseconds(1))
        }
        return served
    }

    @Test func aFailingTargetsWeightFallsToItsFloorAndRecoversOverTime() {
        let pool = makePool(makeTargets(3, clock: clock))
        let policy = pool.policy as! AdaptiveWeightedPolicy
        #expect(run(pool, 300, failing: nil) == [100, 100, 100])

        _ = run(pool, 300, failing: 1)
        #expect(policy.weightFactor(of: pool.targets[1]) < 0.11)
        let degraded = run(pool, 420, failing: 1)
        #expect(degraded[1] <= 25, "\(degraded)")

        clock.advance(by: .seconds(15))
        #expect(abs(policy.weightFactor(of: pool.targets[1]) - 0.55) < 0.02)
        clock.advance(by: .seconds(15))
        #expect(policy.weightFactor(of: pool.targets[1]) == 1)
        let recovered = run(pool, 300, failing: nil)
        #expect(recovered.allSatisfy { (98...102).contains($0) }, "\(recovered)")
    }

    @Test func aSlowTargetLosesWeightWithinItsBounds() {
        let pool = makePool(makeTargets(3, clock: clock))
        let policy = pool.policy as! AdaptiveWeightedPolicy
        let latency: [Duration] = [.milliseconds(10), .milliseconds(100), .milliseconds(10)]
        _ = run(pool, 600, failing: nil, latency: latency)
        #expect(policy.weightFactor(of: pool.targets[1]) < 0.2)
        #expect(policy.weightFactor(of: pool.targets[0]) == 1)
        let served = run(pool, 300, failing: nil, latency: latency)
        #expect(served[1] < 30, "\(served)")
    }
}
