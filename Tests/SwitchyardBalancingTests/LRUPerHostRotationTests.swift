import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct LRUPerHostRotationTests {
    @Test func sequentialPicksRotateStrictly() {
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(), clock: ManualClock())
        let targets = makeTargets(3)
        let picks = (0..<300).map { _ in pickIndex(policy, "a.com", targets)! }
        #expect(picks == (0..<300).map { $0 % 3 })
        #expect(tally(picks, targets: 3) == [100, 100, 100])
    }

    @Test func hostsKeepIndependentHistories() {
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(), clock: ManualClock())
        let targets = makeTargets(3)
        var picksA: [Int] = []
        var picksB: [Int] = []
        for round in 0..<90 {
            picksA.append(pickIndex(policy, "a.com", targets)!)
            if round % 3 != 0 {
                picksB.append(pickIndex(policy, "b.com", targets)!)
            }
        }
        #expect(picksA == (0..<picksA.count).map { $0 % 3 })
        #expect(picksB == (0..<picksB.count).map { $0 % 3 })
        #expect(policy.trackedHosts == 2)
    }

    @Test func usesOutsideTheWindowStopCounting() {
        let clock = ManualClock()
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(historyWindow: .seconds(60)), clock: clock)
        let targets = makeTargets(2)
        // t0 is used five times in a row (t1 is full meanwhile), so it counts 5 against t1's 0.
        let fullT1 = [targets[0]] + [BalancingTarget(id: "t1", weight: 1, maxConnections: 0)]
        for _ in 0..<5 {
            #expect(pickIndex(policy, "a.com", fullT1) == 0)
        }
        #expect(policy.totalHistoryEntries == 5)
        clock.advance(by: .seconds(30))
        #expect(pickIndex(policy, "a.com", targets) == 1)
        #expect(pickIndex(policy, "a.com", targets) == 1)
        // Once t0's five uses leave the window, t1 (2 uses) loses to t0 (0 uses) twice.
        clock.advance(by: .seconds(30))
        #expect(pickIndex(policy, "a.com", targets) == 0)
        #expect(policy.totalHistoryEntries == 3)
        #expect(pickIndex(policy, "a.com", targets) == 0)
    }

    @Test func expiredHistoryStillRotatesByLastUse() {
        let clock = ManualClock()
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(historyWindow: .seconds(1)), clock: clock)
        let targets = makeTargets(3)
        var picks: [Int] = []
        for _ in 0..<9 {
            picks.append(pickIndex(policy, "a.com", targets)!)
            clock.advance(by: .seconds(2))
        }
        #expect(picks == [0, 1, 2, 0, 1, 2, 0, 1, 2])
        #expect(policy.totalHistoryEntries == 1)
    }

    @Test func historySizeCapsWhatCounts() {
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(historySize: 4), clock: ManualClock())
        let targets = makeTargets(2)
        let fullT1 = [targets[0]] + [BalancingTarget(id: "t1", weight: 1, maxConnections: 0)]
        for _ in 0..<10 {
            #expect(pickIndex(policy, "a.com", fullT1) == 0)
        }
        #expect(policy.totalHistoryEntries == 4)
        // Only the newest four selections count, and each new one pushes out an old t0: the counts are level after
        // two picks of t1, not ten.
        let picks = (0..<6).map { _ in pickIndex(policy, "a.com", targets)! }
        #expect(picks == [1, 1, 0, 1, 0, 1])
    }

    @Test func historyFollowsTargetIDsWhenTheListChanges() {
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(), clock: ManualClock())
        let targets = makeTargets(3)
        #expect(pickIndex(policy, "a.com", targets) == 0)
        #expect(pickIndex(policy, "a.com", targets) == 1)
        // A reload reverses the list: t2, never used, is now at index 0; then t0 (used longest ago) at index 2.
        let reversed = Array(targets.reversed())
        #expect(pickIndex(policy, "a.com", reversed) == 0)
        #expect(pickIndex(policy, "a.com", reversed) == 2)
        #expect(pickIndex(policy, "a.com", reversed) == 1)
    }
}
