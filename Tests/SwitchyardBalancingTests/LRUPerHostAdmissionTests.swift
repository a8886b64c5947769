import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct LRUPerHostAdmissionTests {
    @Test func targetsAtTheirLimitAreSkipped() {
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(), clock: ManualClock())
        let targets = makeTargets(3, maxConnections: 1)
        #expect(targets[0].connections.tryAcquire())
        let picks = (0..<4).map { _ in pickIndex(policy, "a.com", targets) }
        #expect(picks == [1, 2, 1, 2])
    }

    @Test func refusedCandidateFallsThroughToTheNextBestAndIsNotRecorded() {
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(), clock: ManualClock())
        let targets = makeTargets(3)
        var offered: [Int] = []
        let picked = policy.pick(PickRequest(destination: "a.com"), from: targets) { index in
            offered.append(index)
            return index != 0
        }
        #expect(picked == 1)
        #expect(offered == [0, 1])
        #expect(policy.totalHistoryEntries == 1)
        // t0 was refused, not recorded: it is still the least used.
        #expect(pickIndex(policy, "a.com", targets) == 0)
        #expect(pickIndex(policy, "a.com", targets) == 2)
    }

    @Test func nobodyAdmittingRecordsNothing() {
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(), clock: ManualClock())
        let targets = makeTargets(3)
        var offered: [Int] = []
        let picked = policy.pick(PickRequest(destination: "a.com"), from: targets) { index in
            offered.append(index)
            return false
        }
        #expect(picked == nil)
        #expect(offered == [0, 1, 2])
        #expect(policy.totalHistoryEntries == 0)
        #expect(policy.trackedHosts == 0)
    }

    @Test func weightZeroTargetsAreNeverPicked() {
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(), clock: ManualClock())
        let targets = [
            BalancingTarget(id: "off", weight: 0, maxConnections: 100),
            BalancingTarget(id: "on", weight: 1, maxConnections: 100),
        ]
        let picks = (0..<50).map { _ in pickIndex(policy, "a.com", targets) }
        #expect(picks.allSatisfy { $0 == 1 })
        #expect(pickIndex(policy, "b.com", [targets[0]]) == nil)
    }
}
