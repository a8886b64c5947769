import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct LeastResponseTimeTests {
    /// Three targets answering in 10ms; one request every 10ms, each reported as it ends.
    private struct Simulation {
        let clock = ManualClock()
        let targets: [BalancingTarget]
        let pool: TargetPool
        var latencies: [Duration] = [.milliseconds(10), .milliseconds(10), .milliseconds(10)]

        init() {
            let configuration = PolicyConfiguration(latencyDecay: .seconds(1), randomSeed: 3)
            targets = makeTargets(3, clock: clock)
            let policy = BalancingPolicyRegistry.make(
                name: "least-response-time", configuration: configuration, clock: clock)!
            pool = TargetPool(name: "p", targets: targets, policy: policy, configuration: configuration, clock: clock)
        }

        /// Runs `count` requests and returns how many each target served.
        func run(_ count: Int) -> [Int] {
            var served = [0, 0, 0]
            for _ in 0..<count {
                let target = pool.acquire(PickRequest(destination: "a.com"))!
                let index = targets.firstIndex { $0 === target }!
                served[index] += 1
                clock.advance(by: .milliseconds(10))
                target.connections.release()
                pool.report(target, outcome: .success(latency: latencies[index]))
            }
            return served
        }
    }

    @Test func trafficLeavesATenTimesSlowerTargetAndComesBackAfterItRecovers() {
        var simulation = Simulation()
        let warm = simulation.run(300)
        #expect(warm.allSatisfy { $0 >= 80 }, "\(warm)")

        simulation.latencies[1] = .milliseconds(100)
        let slow = simulation.run(100)
        #expect(slow[1] <= 2, "\(slow)")

        simulation.latencies[1] = .milliseconds(10)
        _ = simulation.run(1_000)
        let recovered = simulation.run(300)
        #expect(recovered[1] >= 80, "\(recovered)")
    }

    @Test func activeConnectionsCountAgainstATarget() {
        let clock = ManualClock()
        let targets = makeTargets(2, clock: clock)
        let pool = TargetPool(
            name: "p", targets: targets, policy: LeastResponseTimePolicy(seed: 1, clock: clock), clock: clock)
        for target in targets {
            pool.report(target, outcome: .success(latency: .milliseconds(10)))
        }
        load(targets[0], with: 3)
        #expect(picks(20, pool.policy, targets).allSatisfy { $0 == 1 })
    }
}
