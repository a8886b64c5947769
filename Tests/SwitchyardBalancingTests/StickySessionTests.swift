import SwitchyardBalancing
import SwitchyardTraffic
import Testing

struct StickyTableTests {
    let clock = ManualClock()

    func table(ttl: Duration = .seconds(60), maxEntries: Int = 100) -> StickyTable {
        StickyTable(options: StickyOptions(key: .clientAddress, ttl: ttl, maxEntries: maxEntries), clock: clock)
    }

    @Test func aPinLastsItsTTLAfterItsLastUse() {
        let table = table()
        table.pin("a", to: "t1")
        clock.advance(by: .seconds(50))
        #expect(table.target(for: "a") == "t1")
        table.touch("a", target: "t1")
        clock.advance(by: .seconds(50))
        #expect(table.target(for: "a") == "t1", "the touch at 50s counts as a use")
        clock.advance(by: .seconds(11))
        #expect(table.target(for: "a") == nil)
        #expect(table.count == 0)
    }

    @Test func lookingUpIsNotAUse() {
        let table = table()
        table.pin("a", to: "t1")
        clock.advance(by: .seconds(40))
        #expect(table.target(for: "a") == "t1")
        clock.advance(by: .seconds(21))
        #expect(table.target(for: "a") == nil)
    }

    @Test func aTouchForAnotherTargetDoesNotRefreshThePin() {
        let table = table()
        table.pin("a", to: "t1")
        clock.advance(by: .seconds(50))
        table.touch("a", target: "t2")
        clock.advance(by: .seconds(11))
        #expect(table.target(for: "a") == nil)
    }

    @Test func theLeastRecentlyUsedPinIsEvictedFirst() {
        let table = table(maxEntries: 3)
        for (index, key) in ["a", "b", "c"].enumerated() {
            table.pin(key, to: "t\(index)")
            clock.advance(by: .seconds(1))
        }
        table.pin("a", to: "t0")
        table.pin("d", to: "t3")
        #expect(table.count == 3)
        #expect(table.target(for: "b") == nil)
        #expect(table.entries().map(\.key) == ["d", "a", "c"])
        #expect(table.entries(limit: 1).map(\.key) == ["d"])
    }

    @Test func expiredPinsLeaveTheCountAndTheListing() {
        let table = table()
        table.pin("old", to: "t1")
        clock.advance(by: .seconds(30))
        table.pin("new", to: "t2")
        clock.advance(by: .seconds(31))
        #expect(table.count == 1)
        #expect(table.entries().map { [$0.key, $0.target] } == [["new", "t2"]])
        #expect(table.entries().first?.idle == .seconds(31))
    }

    @Test func aReloadKeepsPinsOfTargetsThatStillExist() {
        let table = table()
        table.pin("a", to: "t1")
        table.pin("b", to: "gone")
        table.pin("c", to: "t2")
        let next = StickyTable(
            options: StickyOptions(key: .clientAddress, maxEntries: 1), clock: clock, continuing: table,
            targets: ["t1", "t2"])
        #expect(next.entries().map(\.key) == ["c"], "the newest pins fit the new bound")
        let wider = StickyTable(
            options: StickyOptions(key: .clientAddress), clock: clock, continuing: table, targets: ["t1", "t2"])
        #expect(wider.entries().map(\.key) == ["c", "a"])
        let otherKey = StickyTable(
            options: StickyOptions(key: .header("X-Session")), clock: clock, continuing: table, targets: ["t1", "t2"])
        #expect(otherKey.count == 0, "keys of another source mean nothing")
    }

    @Test func keysAndLogins() {
        #expect(SessionLogin("alice-session-abc123") == SessionLogin(user: "alice", session: "abc123"))
        #expect(SessionLogin("alice-session-a-session-b") == SessionLogin(user: "alice", session: "a-session-b"))
        #expect(SessionLogin("alice") == SessionLogin(user: "alice"))
        #expect(SessionLogin("-session-x") == SessionLogin(user: "-session-x"))
        #expect(SessionLogin("alice-session-") == SessionLogin(user: "alice-session-"))
        let header = StickyKeySource.header("X-Session-Id")
        #expect(header.key(session: "s", clientAddress: "1.2.3.4") { $0 == "X-Session-Id" ? "k" : nil } == "k")
        #expect(header.key(session: "s", clientAddress: "1.2.3.4") { _ in "" } == nil)
        #expect(StickyKeySource.clientAddress.key(session: "s", clientAddress: "1.2.3.4") { _ in nil } == "1.2.3.4")
        #expect(StickyKeySource.usernameSession.key(session: nil, clientAddress: "1.2.3.4") { _ in nil } == nil)
    }
}

struct StickyPickTests {
    let clock = ManualClock()

    func pool(onTargetDown: StickyOptions.TargetDownAction = .repick, maxConnections: Int = 100) -> TargetPool {
        let targets = makeTargets(3, maxConnections: maxConnections, clock: clock)
        return TargetPool(
            name: "p", targets: targets,
            policy: BalancingPolicyRegistry.make(
                name: "round-robin", configuration: PolicyConfiguration(), clock: clock)!,
            clock: clock,
            sticky: StickyTable(
                options: StickyOptions(key: .clientAddress, onTargetDown: onTargetDown), clock: clock))
    }

    func pick(_ pool: TargetPool, _ key: String?, excluding: [String] = []) -> (String, StickyOutcome)? {
        guard
            case .acquired(let target, _, let sticky) = pool.pick(
                PickRequest(destination: "a.com", stickyKey: key), excluding: excluding)
        else { return nil }
        target.connections.release()
        return (target.id, sticky)
    }

    @Test func aKeyStaysOnItsTargetAndKeysSpread() throws {
        let pool = pool()
        let first = try #require(pick(pool, "k1"))
        #expect(first.1 == .pinned)
        for _ in 0..<20 {
            let again = try #require(pick(pool, "k1"))
            #expect(again.0 == first.0)
            #expect(again.1 == .held)
        }
        let others = Set((2...6).compactMap { pick(pool, "k\($0)")?.0 })
        #expect(others.count == 3, "new keys go where the policy sends them")
        #expect(pick(pool, nil)?.1 == .unkeyed)
    }

    @Test func aKeyWhoseTargetIsDownMovesWithRepick() throws {
        let pool = pool()
        let first = try #require(pick(pool, "k"))
        let pinned = try #require(pool.targets.first { $0.id == first.0 })
        pinned.state.isEnabled = false
        let moved = try #require(pick(pool, "k"))
        #expect(moved.0 != first.0)
        #expect(moved.1 == .moved(from: first.0))
        pinned.state.isEnabled = true
        #expect(pick(pool, "k")?.0 == moved.0, "the key stays where it moved")
        #expect(pick(pool, "k", excluding: [moved.0])?.1 == .moved(from: moved.0), "a failed attempt moves it too")
    }

    @Test func aKeyWhoseTargetIsDownFailsWithFail() throws {
        let pool = pool(onTargetDown: .fail)
        let first = try #require(pick(pool, "k"))
        let pinned = try #require(pool.targets.first { $0.id == first.0 })
        pinned.state.isEnabled = false
        guard case .stickyTargetDown(let id) = pool.pick(PickRequest(destination: "a.com", stickyKey: "k")) else {
            Issue.record("expected the pick to fail")
            return
        }
        #expect(id == first.0)
        #expect(pick(pool, "other") != nil, "other keys are balanced as usual")
        pinned.state.isEnabled = true
        #expect(pick(pool, "k")?.0 == first.0)
    }

    @Test func aFullPinnedTargetMakesTheKeyWaitNotMove() throws {
        let pool = pool(maxConnections: 1)
        let first = try #require(pick(pool, "k"))
        let pinned = try #require(pool.targets.first { $0.id == first.0 })
        #expect(pinned.connections.tryAcquire())
        guard case .saturated = pool.pick(PickRequest(destination: "a.com", stickyKey: "k")) else {
            Issue.record("expected the pick to wait for the pinned target")
            return
        }
        pinned.connections.release()
        #expect(pick(pool, "k")?.0 == first.0)
    }

    @Test func concurrentPicksOfOneKeyAgreeOnceItIsPinned() async throws {
        let pool = pool()
        let first = try #require(pick(pool, "k"))
        let seen = await withTaskGroup(of: Set<String>.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    Set((0..<500).compactMap { _ in pick(pool, "k")?.0 })
                }
            }
            return await group.reduce(into: Set<String>()) { $0.formUnion($1) }
        }
        #expect(seen == [first.0])
    }
}
