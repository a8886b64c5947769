import SwitchyardBalancing
import SwitchyardTraffic
import Testing

struct PoolGuardsTests {
    private func pool(
        _ count: Int, _ configuration: PoolGuards.Configuration, clock: ManualClock
    ) -> (TargetPool, PoolGuards) {
        let targets = (0..<count).map {
            BalancingTarget(id: "t\($0)", weight: 1, maxConnections: 10, state: TargetState(clock: clock))
        }
        let guards = PoolGuards(targets: targets, configuration: configuration, clock: clock)
        let policy = BalancingPolicyRegistry.make(name: "round-robin", configuration: PolicyConfiguration(), clock: clock)!
        return (TargetPool(name: "p", targets: targets, policy: policy, clock: clock, guards: guards), guards)
    }

    private func pickID(_ pool: TargetPool, host: String = "a.com") -> String? {
        guard case .acquired(let target, _, _) = pool.pick(PickRequest(destination: host)) else { return nil }
        target.connections.release()
        return target.id
    }

    @Test func aPushBackAvoidsOnlyThatTargetForThatHostUntilItsTimeIsUp() {
        let clock = ManualClock()
        let (pool, guards) = pool(3, .init(pushBack: .init()), clock: clock)
        let events = guards.record(.response(status: 429, retryAfter: .seconds(2)), for: pool.targets[1], host: "a.com")
        #expect(events == [.pushedBack(target: "t1", host: "a.com", duration: .seconds(2))])
        #expect(Set((0..<30).compactMap { _ in pickID(pool) }) == ["t0", "t2"])
        #expect(Set((0..<30).compactMap { _ in pickID(pool, host: "b.com") }) == ["t0", "t1", "t2"])
        clock.advance(by: .seconds(2))
        #expect(Set((0..<30).compactMap { _ in pickID(pool) }) == ["t0", "t1", "t2"])
        // Without Retry-After, a 429 pushes back only when a default duration is configured.
        #expect(guards.record(.response(status: 429, retryAfter: nil), for: pool.targets[1], host: "a.com").isEmpty)
    }

    @Test func oneFailedConnectEjectsATargetForTheUnreachableEjectionOnly() {
        let clock = ManualClock()
        let (pool, guards) = pool(2, .init(unreachableEjection: .seconds(10)), clock: clock)
        #expect(guards.record(.connectFailed, for: pool.targets[0], host: "a.com").isEmpty, "the destination's refusal")
        #expect(
            guards.record(.unreachable, for: pool.targets[0], host: "a.com")
                == [.ejectedUnreachable(target: "t0", duration: .seconds(10))])
        #expect(Set((0..<10).compactMap { _ in pickID(pool) }) == ["t1"])
        clock.advance(by: .seconds(9))
        #expect(guards.sweep().isEmpty)
        clock.advance(by: .seconds(1))
        #expect(guards.sweep() == [.ejectionEnded(target: "t0")])
        #expect(Set((0..<10).compactMap { _ in pickID(pool) }) == ["t0", "t1"])
        // Every ejection lasts the same, and a success through the target (the all-unhealthy fallback) ends it.
        _ = guards.record(.unreachable, for: pool.targets[0], host: "a.com")
        #expect(guards.record(.response(status: 200, retryAfter: nil), for: pool.targets[0], host: "a.com")
            == [.ejectionEnded(target: "t0")])
        #expect(!pool.targets[0].state.isEjected)
    }

    @Test func whenEveryTargetIsPushedBackThePickSaysHowLongToWait() {
        let clock = ManualClock()
        let (pool, guards) = pool(2, .init(pushBack: .init(statuses: [403], defaultDuration: .seconds(5))), clock: clock)
        _ = guards.record(.response(status: 403, retryAfter: nil), for: pool.targets[0], host: "a.com")
        _ = guards.record(.response(status: 403, retryAfter: .seconds(3)), for: pool.targets[1], host: "a.com")
        guard case .throttled(let retryAfter) = pool.pick(PickRequest(destination: "a.com")) else {
            Issue.record("expected throttled")
            return
        }
        #expect(retryAfter == .seconds(3))
    }

    @Test func targetAndHostLimitsSpreadAHostOverTargetsWithBudgetLeft() {
        let clock = ManualClock()
        let limit = RateLimitRule(algorithm: .tokenBucket(burst: 2), rate: 2)
        let (pool, _) = pool(3, .init(targetAndHostLimit: limit), clock: clock)
        let picks = (0..<6).compactMap { _ in pickID(pool) }
        #expect(picks.count == 6)
        #expect(Dictionary(grouping: picks, by: { $0 }).mapValues(\.count) == ["t0": 2, "t1": 2, "t2": 2])
        guard case .throttled = pool.pick(PickRequest(destination: "a.com")) else {
            Issue.record("every target's budget for a.com is spent")
            return
        }
        #expect(pickID(pool, host: "b.com") != nil, "other hosts have their own budgets")
    }

    @Test func failuresEjectATargetUntilTheSweepAfterItsEjectionTime() {
        let clock = ManualClock()
        let outliers = OutlierDetector<String>.Configuration(
            consecutiveFailures: 2, ejectionTime: .seconds(10), maxEjectionPercent: 50)
        let (pool, guards) = pool(2, .init(outlierDetection: outliers), clock: clock)
        let target = pool.targets[0]
        #expect(guards.record(.reset, for: target, host: "a.com").isEmpty)
        #expect(guards.record(.connectFailed, for: target, host: "a.com") == [.ejected(target: "t0")])
        #expect(target.state.isEjected)
        #expect(Set((0..<10).compactMap { _ in pickID(pool) }) == ["t1"])
        #expect(guards.record(.reset, for: pool.targets[1], host: "a.com").isEmpty)
        #expect(guards.record(.reset, for: pool.targets[1], host: "a.com").isEmpty, "max_ejection_percent: one of two")
        clock.advance(by: .seconds(10))
        #expect(guards.sweep() == [.ejectionEnded(target: "t0")])
        #expect(!target.state.isEjected)
    }

    @Test func anOpenCircuitTakesTheTargetOutThenLetsOneProbeThrough() {
        let clock = ManualClock()
        let breaker = CircuitBreaker.Configuration(
            failureThreshold: 2, failureRatio: nil, openDuration: .seconds(5), maxHalfOpen: 1, successThreshold: 1)
        let (pool, guards) = pool(2, .init(circuitBreaker: breaker), clock: clock)
        let target = pool.targets[0]
        _ = guards.record(.response(status: 500, retryAfter: nil), for: target, host: "a.com")
        #expect(guards.record(.timedOut, for: target, host: "a.com") == [.circuitOpened(target: "t0")])
        #expect(target.state.isCircuitOpen && guards.circuitState(of: target) == .open)
        #expect(Set((0..<10).compactMap { _ in pickID(pool) }) == ["t1"])

        clock.advance(by: .seconds(5))
        #expect(guards.sweep() == [.circuitHalfOpen(target: "t0")])
        #expect(guards.admit(target, host: "a.com") == nil, "one probe may go")
        #expect(guards.admit(target, host: "a.com") == .circuitOpen, "only one at a time")
        #expect(guards.record(.response(status: 200, retryAfter: nil), for: target, host: "a.com")
            == [.circuitClosed(target: "t0")])
        #expect(!target.state.isCircuitOpen && guards.circuitState(of: target) == .closed)
    }

    @Test func theAllUnhealthyFallbackIgnoresOpenCircuits() {
        let clock = ManualClock()
        let breaker = CircuitBreaker.Configuration(failureThreshold: 1, failureRatio: nil, openDuration: .seconds(60))
        let (pool, guards) = pool(1, .init(circuitBreaker: breaker), clock: clock)
        _ = guards.record(.reset, for: pool.targets[0], host: "a.com")
        guard case .acquired(let target, let usedFallback, _) = pool.pick(PickRequest(destination: "a.com")) else {
            Issue.record("least-failed still sends to the only target")
            return
        }
        #expect(target.id == "t0" && usedFallback)
    }
}
