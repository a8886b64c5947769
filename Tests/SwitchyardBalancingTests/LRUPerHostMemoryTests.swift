import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct LRUPerHostMemoryTests {
    @Test func totalEntriesStayBoundedAcrossManyHosts() {
        let policy = LRUPerHostPolicy(
            options: LRUPerHostOptions(historyMaxTotalEntries: 1_000),
            clock: ManualClock()
        )
        let targets = makeTargets(3)
        for host in 0..<10_000 {
            #expect(pickIndex(policy, "host\(host).example", targets) != nil)
            #expect(policy.totalHistoryEntries <= 1_000)
        }
        #expect(policy.totalHistoryEntries == 1_000)
        #expect(policy.trackedHosts == 1_000)
    }

    @Test func theGloballyOldestEntriesGoFirst() {
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(historyMaxTotalEntries: 4), clock: ManualClock())
        let targets = makeTargets(3)
        #expect(pickIndex(policy, "old.com", targets) == 0)
        for _ in 0..<3 {
            #expect(pickIndex(policy, "new.com", targets) != nil)
        }
        #expect(policy.trackedHosts == 2)
        // The next entry pushes out old.com's only selection, so old.com starts afresh at t0.
        #expect(pickIndex(policy, "new.com", targets) == 0)
        #expect(policy.trackedHosts == 1)
        #expect(pickIndex(policy, "old.com", targets) == 0)
        #expect(policy.totalHistoryEntries == 4)
    }

    @Test func oneBusyHostDoesNotPushOutAQuietOne() {
        let policy = LRUPerHostPolicy(
            options: LRUPerHostOptions(historySize: 10, historyMaxTotalEntries: 20),
            clock: ManualClock()
        )
        let targets = makeTargets(3)
        #expect(pickIndex(policy, "quiet.com", targets) == 0)
        for _ in 0..<10_000 {
            _ = pickIndex(policy, "busy.com", targets)
        }
        #expect(policy.totalHistoryEntries == 11)
        #expect(policy.trackedHosts == 2)
        #expect(pickIndex(policy, "quiet.com", targets) == 1)
    }
}
