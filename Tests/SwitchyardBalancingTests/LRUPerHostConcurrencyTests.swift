import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct LRUPerHostConcurrencyTests {
    /// Concurrent acquisitions that all hold their connection still spread evenly.
    @Test func aBurstForOneHostSpreadsEvenly() async {
        let pool = TargetPool(
            name: "egress",
            targets: makeTargets(3, maxConnections: 10),
            policy: LRUPerHostPolicy(options: LRUPerHostOptions(), clock: ManualClock())
        )
        let held = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<30 {
                group.addTask { pool.acquire(PickRequest(destination: "a.com"))?.id }
            }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        let ids = held.compactMap { $0 }
        #expect(ids.count == 30)
        #expect(["t0", "t1", "t2"].map { id in ids.filter { $0 == id }.count } == [10, 10, 10])
        #expect(pool.targets.map(\.connections.active) == [10, 10, 10])
        #expect(pool.acquire(PickRequest(destination: "a.com")) == nil)
    }

    @Test func manyTasksShareTargetsEvenly() async {
        let policy = LRUPerHostPolicy(options: LRUPerHostOptions(historySize: 1_000), clock: ManualClock())
        let targets = makeTargets(3)
        let picks = await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<30 {
                group.addTask { (0..<10).map { _ in pickIndex(policy, "a.com", targets)! } }
            }
            return await group.reduce(into: [Int]()) { $0 += $1 }
        }
        let counts = tally(picks, targets: 3)
        #expect(counts.reduce(0, +) == 300)
        #expect(counts.allSatisfy { (99...101).contains($0) })
    }
}
