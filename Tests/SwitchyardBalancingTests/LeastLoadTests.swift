import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct LeastLoadTests {
    @Test func leastConnectionsFillsTheLeastLoadedFirst() {
        let targets = makeTargets(3)
        load(targets[0], with: 5)
        load(targets[2], with: 3)
        let pool = TargetPool(name: "p", targets: targets, policy: LeastConnectionsPolicy(seed: 1))
        let first = (0..<3).map { _ in pool.acquire(PickRequest(destination: "a.com"))!.id }
        #expect(first == ["t1", "t1", "t1"])
        for _ in 0..<4 { _ = pool.acquire(PickRequest(destination: "a.com")) }
        #expect(targets.map(\.connections.active) == [5, 5, 5])
    }

    @Test func leastConnectionsWeighsConnectionsByWeight() {
        let targets = makeTargets(2, weights: [3, 1])
        let pool = TargetPool(name: "p", targets: targets, policy: LeastConnectionsPolicy(seed: 1))
        for _ in 0..<40 { _ = pool.acquire(PickRequest(destination: "a.com")) }
        #expect(abs(targets[0].connections.active - 30) <= 1)
    }

    /// One request at a time leaves every target idle at each pick: the weights still split the traffic, and the
    /// weight-1 target is used (with `(active + 1) / weight` it never was: 0 of 250 picks).
    @Test func leastConnectionsSplitsIdleTrafficByWeight() {
        let targets = makeTargets(2, weights: [3, 1])
        let counts = tally(picks(20_000, LeastConnectionsPolicy(seed: 3), targets), targets: 2)
        #expect(chiSquare(counts, expectedShares: [0.75, 0.25]) < 10.8, "\(counts)")
    }

    @Test func leastConnectionsBreaksTiesUniformly() {
        let targets = makeTargets(5)
        load(targets[0], with: 1)
        load(targets[2], with: 1)
        let counts = tally(picks(30_000, LeastConnectionsPolicy(seed: 9), targets), targets: 5)
        #expect(counts[0] == 0 && counts[2] == 0)
        let tied = [counts[1], counts[3], counts[4]]
        #expect(chiSquare(tied, expectedShares: [1.0 / 3, 1.0 / 3, 1.0 / 3]) < 13.8, "\(tied)")
    }

    @Test func powerOfTwoAvoidsALoadedTarget() {
        let targets = makeTargets(4)
        load(targets[1], with: 50)
        let counts = tally(picks(4_000, PowerOfTwoPolicy(seed: 5), targets), targets: 4)
        #expect(counts[1] == 0)
        #expect(counts.enumerated().allSatisfy { $0.offset == 1 || (1_200...1_470).contains($0.element) }, "\(counts)")
    }

    @Test func powerOfTwoKeepsHeldConnectionsBalanced() {
        let targets = makeTargets(8)
        let pool = TargetPool(name: "p", targets: targets, policy: PowerOfTwoPolicy(seed: 11))
        for _ in 0..<800 { _ = pool.acquire(PickRequest(destination: "a.com")) }
        let active = targets.map(\.connections.active)
        #expect(active.max()! - active.min()! <= 4, "\(active)")
    }

    @Test func powerOfTwoWithOneSelectableTargetPicksIt() {
        let targets = makeTargets(3)
        targets[0].state.isHealthy = false
        targets[2].state.isHealthy = false
        #expect(Set(picks(50, PowerOfTwoPolicy(seed: 2), targets)) == [1])
    }
}
