import SwitchyardTraffic
import Testing

@Suite struct ConnectionLimiterTests {
    @Test func admitsUpToTheLimitAndNoMore() {
        let limiter = ConnectionLimiter(limit: 3)
        #expect((0..<3).allSatisfy { _ in limiter.tryAcquire() })
        #expect(limiter.active == 3)
        #expect(!limiter.tryAcquire())
        #expect(limiter.active == 3)
        limiter.release()
        #expect(limiter.active == 2)
        #expect(limiter.tryAcquire())
        #expect(!limiter.tryAcquire())
    }

    @Test func aNewLimitKeepsCountingTheUsesAlreadyActive() {
        let old = ConnectionLimiter(limit: 3)
        #expect(old.tryAcquire() && old.tryAcquire())
        let lower = old.withLimit(1)
        #expect(lower.limit == 1 && lower.active == 2)
        #expect(!lower.tryAcquire(), "two active uses are over the new limit")
        old.release()
        old.release()
        #expect(lower.active == 0 && old.active == 0)
        #expect(lower.tryAcquire() && !lower.tryAcquire())
        #expect(old.active == 1, "one count behind both")
        lower.release()
    }

    @Test func zeroLimitAdmitsNothing() {
        let limiter = ConnectionLimiter(limit: 0)
        #expect(!limiter.tryAcquire())
        #expect(limiter.active == 0)
    }

    /// Many tasks contend for one slot, so any overshoot would show even on a two-core machine. A second, unlimited
    /// limiter counts the holders between acquire and release independently of the limiter under test, and no task
    /// ever sees more holders than the limit.
    @Test func neverExceedsTheLimitUnderContention() async {
        let limit = 1
        let tasks = 8
        let iterations = 100_000
        let limiter = ConnectionLimiter(limit: limit)
        let holders = ConnectionLimiter(limit: .max)

        let results = await withTaskGroup(of: (acquired: Int, mostHolders: Int).self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var acquired = 0
                    var mostHolders = 0
                    for _ in 0..<iterations {
                        guard limiter.tryAcquire() else {
                            continue
                        }
                        acquired += 1
                        _ = holders.tryAcquire()
                        mostHolders = max(mostHolders, holders.active)
                        holders.release()
                        limiter.release()
                    }
                    return (acquired, mostHolders)
                }
            }
            return await group.reduce(into: [(acquired: Int, mostHolders: Int)]()) { $0.append($1) }
        }

        #expect(limiter.active == 0)
        #expect(holders.active == 0)
        #expect(results.map(\.acquired).reduce(0, +) > 0)
        #expect(results.map(\.mostHolders).max()! <= limit)
    }
}
