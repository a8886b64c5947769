import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct AutoPolicyChooserTests {
    private static let second: UInt64 = 1_000_000_000
    private let thresholds = AutoPolicyChooser.Thresholds(sustain: .seconds(10), minimumDwell: .seconds(30))
    private let skewed = PoolSignals(latencySpread: 50, connectionsPerTarget: 0.5)
    private let even = PoolSignals(latencySpread: 1.1, connectionsPerTarget: 0.5)
    private let busy = PoolSignals(latencySpread: 1.1, connectionsPerTarget: 4)

    /// Feeds `signals` once a second from `start` for `seconds` seconds; returns the switches made.
    private func feed(
        _ chooser: inout AutoPolicyChooser, _ signals: PoolSignals, from start: UInt64, seconds: UInt64
    ) -> [PolicySwitch] {
        (0..<seconds).compactMap { chooser.evaluate(signals, at: (start + $0) * Self.second) }
    }

    @Test func aSkewSwitchesToLeastResponseTimeOnlyOnceItHeldForTheSustainPeriod() throws {
        var chooser = AutoPolicyChooser(thresholds: thresholds, start: 0)
        #expect(feed(&chooser, skewed, from: 40, seconds: 10).isEmpty, "held 9 s")
        #expect(chooser.active == .roundRobin)
        #expect(chooser.pending?.choice == .leastResponseTime)
        let made = chooser.evaluate(skewed, at: 50 * Self.second)
        let change = try #require(made)
        #expect(change.from == .roundRobin && change.to == .leastResponseTime && change.at == 50 * Self.second)
        #expect(change.reason == "latency spread 50x (at least 2x) for 10s", "\(change.reason)")
        #expect(chooser.active == .leastResponseTime && chooser.pending == nil)
    }

    @Test func aBreakInThePreferenceStartsTheSustainPeriodAgain() {
        var chooser = AutoPolicyChooser(thresholds: thresholds, start: 0)
        #expect(feed(&chooser, skewed, from: 40, seconds: 8).isEmpty)
        #expect(chooser.evaluate(even, at: 48 * Self.second) == nil)
        #expect(chooser.pending == nil)
        #expect(feed(&chooser, skewed, from: 49, seconds: 10).isEmpty, "9 s since the break")
        #expect(chooser.evaluate(skewed, at: 59 * Self.second)?.to == .leastResponseTime)
    }

    @Test func theRunningPolicyStaysForTheMinimumDwell() throws {
        var chooser = AutoPolicyChooser(thresholds: thresholds, start: 0)
        #expect(feed(&chooser, skewed, from: 0, seconds: 30).isEmpty, "round-robin has run less than 30 s")
        #expect(chooser.evaluate(skewed, at: 30 * Self.second)?.to == .leastResponseTime)
        // The skew goes away at once: round-robin is preferred from 31 s, but least-response-time runs until 60 s.
        #expect(feed(&chooser, even, from: 31, seconds: 29).isEmpty)
        let made = chooser.evaluate(even, at: 60 * Self.second)
        let back = try #require(made)
        #expect(back.to == .roundRobin)
        #expect(back.reason == "latency spread 1.1x and 0.5 in flight per target, both low, for 29s", "\(back.reason)")
    }

    @Test func hysteresisKeepsLeastResponseTimeWhileTheSpreadHoversBetweenItsBars() {
        var chooser = AutoPolicyChooser(thresholds: thresholds, start: 0)
        _ = feed(&chooser, skewed, from: 30, seconds: 11)
        #expect(chooser.active == .leastResponseTime)
        let hovering = PoolSignals(latencySpread: 1.7, connectionsPerTarget: 0.5)
        #expect(feed(&chooser, hovering, from: 41, seconds: 120).isEmpty, "1.7x is below 2x but not below 1.5x")
        #expect(chooser.active == .leastResponseTime)

        var fresh = AutoPolicyChooser(thresholds: thresholds, start: 0)
        #expect(feed(&fresh, hovering, from: 0, seconds: 120).isEmpty, "1.7x does not start least-response-time")
        #expect(fresh.active == .roundRobin)
    }

    @Test func manyRequestsInFlightSwitchToLeastConnectionsAndFewSwitchBack() {
        var chooser = AutoPolicyChooser(thresholds: thresholds, start: 0)
        #expect(feed(&chooser, busy, from: 30, seconds: 11).map(\.to) == [.leastConnections])
        let calmer = PoolSignals(latencySpread: 1.1, connectionsPerTarget: 1.5)
        #expect(feed(&chooser, calmer, from: 41, seconds: 60).isEmpty, "1.5 per target is below 2 but not below 1")
        #expect(feed(&chooser, even, from: 101, seconds: 11).map(\.to) == [.roundRobin])
    }

    @Test func aSkewOutweighsConcurrency() {
        var chooser = AutoPolicyChooser(thresholds: thresholds, start: 0)
        let both = PoolSignals(latencySpread: 3, connectionsPerTarget: 4)
        #expect(feed(&chooser, both, from: 30, seconds: 11).map(\.to) == [.leastResponseTime])
    }
}

@Suite struct AutoPolicyTests {
    /// Two targets; one request at a time, each taking its target's latency on `clock`.
    private final class Simulation {
        let clock = ManualClock()
        let targets: [BalancingTarget]
        let pool: TargetPool
        let policy: AutoPolicy
        let switches = LockedValue<[PolicySwitch]>([])
        var latencies: [Duration] = [.milliseconds(1), .milliseconds(1)]

        init() {
            targets = makeTargets(2, clock: clock)
            let recorded = switches
            let configuration = PolicyConfiguration(
                latencyDecay: .milliseconds(200),
                auto: AutoPolicyChooser.Thresholds(sustain: .seconds(1), minimumDwell: .seconds(1)),
                onPolicySwitch: { change in recorded.withLock { $0.append(change) } }, randomSeed: 7)
            policy = BalancingPolicyRegistry.make(name: "auto", configuration: configuration, clock: clock)
                as! AutoPolicy
            pool = TargetPool(name: "p", targets: targets, policy: policy, configuration: configuration, clock: clock)
        }

        /// Runs requests for `duration` of the clock; returns how many each target served.
        func run(for duration: Duration) -> [Int] {
            var served = [0, 0]
            let end = clock.nanoseconds() + duration.monotonicNanoseconds
            while clock.nanoseconds() < end {
                let target = pool.acquire(PickRequest(destination: "a.com"))!
                let index = targets.firstIndex { $0 === target }!
                served[index] += 1
                clock.advance(by: latencies[index] + .milliseconds(10))
                target.connections.release()
                pool.report(target, outcome: .success(latency: latencies[index]))
            }
            return served
        }
    }

    @Test func switchesToLeastResponseTimeUnderASkewAndBackWhenItGoes() {
        let simulation = Simulation()
        let even = simulation.run(for: .seconds(3))
        #expect(simulation.policy.activeChoice == .roundRobin)
        #expect(abs(even[0] - even[1]) <= 1, "round-robin alternates: \(even)")

        simulation.latencies[1] = .milliseconds(50)
        _ = simulation.run(for: .seconds(2))
        #expect(simulation.policy.activeChoice == .leastResponseTime)
        let skewed = simulation.run(for: .seconds(3))
        #expect(skewed[1] * 10 < skewed[0], "the slow target is avoided: \(skewed)")

        simulation.latencies[1] = .milliseconds(1)
        _ = simulation.run(for: .seconds(4))
        #expect(simulation.policy.activeChoice == .roundRobin)

        let switches = simulation.switches.withLock { $0 }
        #expect(switches.map(\.to) == [.leastResponseTime, .roundRobin], "\(switches)")
        let status = simulation.policy.status()
        #expect(status.switches == switches)
        #expect(status.active == .roundRobin && status.signals != nil)
    }

    @Test func aPolicyBuiltByAReloadCarriesOnWhereTheOldOneLeftOff() {
        let simulation = Simulation()
        simulation.latencies[1] = .milliseconds(50)
        _ = simulation.run(for: .seconds(3))
        #expect(simulation.policy.activeChoice == .leastResponseTime)
        let reloaded = AutoPolicy(
            thresholds: AutoPolicyChooser.Thresholds(sustain: .seconds(1), minimumDwell: .seconds(1)),
            clock: simulation.clock)
        reloaded.carryOn(from: simulation.policy)
        #expect(reloaded.activeChoice == .leastResponseTime)
        let (old, new) = (simulation.policy.status(), reloaded.status())
        #expect(new.switches == old.switches && new.activeSince == old.activeSince && new.signals == old.signals)
        for _ in 0..<2 {
            simulation.clock.advance(by: .seconds(2))
            _ = reloaded.pick(PickRequest(destination: "a.com"), from: simulation.targets) { _ in true }
        }
        #expect(reloaded.activeChoice == .leastResponseTime, "the latency averages came along: the skew still shows")
    }

    @Test func picksStayWithinTheSelectableTargets() {
        let simulation = Simulation()
        simulation.targets[0].state.isEnabled = false
        #expect(simulation.run(for: .seconds(2)).first == 0)
    }
}
