import SwitchyardBalancing
import SwitchyardTraffic
import Synchronization
import Testing

@Suite struct TargetPoolTests {
    @Test func acquireReservesAConnectionAndFailsWhenAllAreFull() {
        let pool = TargetPool(
            name: "egress",
            targets: makeTargets(2, maxConnections: 1),
            policy: LRUPerHostPolicy(options: LRUPerHostOptions(), clock: ManualClock())
        )
        let request = PickRequest(destination: "a.com")
        let first = pool.acquire(request)
        let second = pool.acquire(request)
        #expect(first?.id == "t0")
        #expect(second?.id == "t1")
        #expect(pool.targets.map(\.connections.active) == [1, 1])
        #expect(pool.acquire(request) == nil)

        second?.connections.release()
        let third = pool.acquire(request)
        #expect(third?.id == "t1")
        #expect(pool.targets.map(\.connections.active) == [1, 1])
    }

    @Test func registryBuildsEveryKnownPolicyAndNothingElse() {
        let clock = ManualClock()
        let configuration = PolicyConfiguration()
        #expect(BalancingPolicyRegistry.names.count == 12)
        for name in BalancingPolicyRegistry.names {
            let policy = BalancingPolicyRegistry.make(name: name, configuration: configuration, clock: clock)
            #expect(policy != nil, "\(name)")
            #expect(policy.flatMap { pickIndex($0, "a.com", makeTargets(3)) } != nil, "\(name)")
        }
        #expect(
            BalancingPolicyRegistry.make(name: "lru-per-host", configuration: configuration, clock: clock)
                is LRUPerHostPolicy)
        #expect(BalancingPolicyRegistry.make(name: "nope", configuration: configuration, clock: clock) == nil)
    }

    @Test(arguments: BalancingPolicyRegistry.names)
    func noPolicyPicksATargetOutOfSelectionOrFromAnEmptyPool(name: String) {
        let policy = BalancingPolicyRegistry.make(
            name: name, configuration: PolicyConfiguration(), clock: ManualClock())!
        #expect(pickIndex(policy, "a.com", []) == nil)
        #expect(pickIndex(policy, "a.com", makeTargets(3, weights: [0, 0, 0])) == nil)
        let targets = makeTargets(5)
        targets[0].state.isEnabled = false
        targets[1].state.isDraining = true
        targets[3].state.isCircuitOpen = true
        targets[4].state.isHealthy = false
        for client in 0..<50 {
            let request = PickRequest(destination: "h\(client).com", clientAddress: "10.0.0.\(client)")
            #expect(policy.pick(request, from: targets) { _ in true } == 2)
        }
    }

    @Test func whenAllAreUnhealthyLeastFailedPicksAmongTheFewestFailures() {
        let (pool, targets) = unhealthyPool(.leastFailed)
        let chosen = Set((0..<20).map { _ in pool.acquire(PickRequest(destination: "a.com"))!.id })
        #expect(chosen == ["t1", "t3"])
        #expect(targets[0].connections.active + targets[2].connections.active == 0)
    }

    @Test func whenAllAreUnhealthyAllPicksAmongEveryTargetInRotation() {
        let (pool, _) = unhealthyPool(.all)
        let chosen = Set((0..<40).map { _ in pool.acquire(PickRequest(destination: "a.com"))!.id })
        #expect(chosen == ["t0", "t1", "t2", "t3"])
    }

    @Test func whenAllAreUnhealthyRejectPicksNothing() {
        let (pool, _) = unhealthyPool(.reject)
        #expect(pool.acquire(PickRequest(destination: "a.com")) == nil)
    }

    @Test func aHealthyButFullPoolIsNotTreatedAsUnhealthy() {
        let targets = makeTargets(2, maxConnections: 1)
        targets[0].state.isHealthy = false
        let pool = TargetPool(name: "p", targets: targets, policy: RoundRobinPolicy())
        #expect(pool.acquire(PickRequest(destination: "a.com"))?.id == "t1")
        #expect(pool.acquire(PickRequest(destination: "a.com")) == nil)
        #expect(targets[0].connections.active == 0)
    }

    @Test func reportReachesThePolicy() {
        let recorder = RecordingPolicy()
        let targets = makeTargets(1)
        let pool = TargetPool(name: "p", targets: targets, policy: recorder)
        pool.report(targets[0], outcome: .failure(latency: .seconds(1)))
        #expect(recorder.outcomes.withLock { $0 } == [.failure(latency: .seconds(1))])
        #expect(targets[0].state.recentFailures == 1)
    }

    /// Four targets, all unhealthy in some way, with failures 2, 0, 1, 0, plus one drained and one disabled.
    private func unhealthyPool(_ action: AllUnhealthyAction) -> (TargetPool, [BalancingTarget]) {
        let targets = makeTargets(6)
        let configuration = PolicyConfiguration(onAllUnhealthy: action)
        let pool = TargetPool(name: "p", targets: targets, policy: RoundRobinPolicy(), configuration: configuration)
        for (index, failures) in [2, 0, 1, 0].enumerated() {
            for _ in 0..<failures { pool.report(targets[index], outcome: .failure(latency: nil)) }
        }
        targets[0].state.isHealthy = false
        targets[1].state.isCircuitOpen = true
        targets[2].state.isHealthy = false
        targets[3].state.isHealthy = false
        targets[4].state.isDraining = true
        targets[5].state.isEnabled = false
        return (pool, targets)
    }
}

/// A policy that picks the first selectable target and remembers the outcomes it is told.
private final class RecordingPolicy: BalancingPolicy {
    let outcomes = Mutex<[Outcome]>([])

    func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        candidates.isSelectable(0) && admit(0) ? 0 : nil
    }

    func record(_ outcome: Outcome, for target: BalancingTarget) {
        outcomes.withLock { $0.append(outcome) }
    }
}
