import SwitchyardBalancing
import SwitchyardTraffic
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

    @Test func registryBuildsKnownPoliciesOnly() {
        #expect(BalancingPolicyRegistry.names == ["lru-per-host"])
        let clock = ManualClock()
        let policy = BalancingPolicyRegistry.make(name: "lru-per-host", lruOptions: LRUPerHostOptions(), clock: clock)
        #expect(policy is LRUPerHostPolicy)
        #expect(BalancingPolicyRegistry.make(name: "nope", lruOptions: LRUPerHostOptions(), clock: clock) == nil)
    }
}
