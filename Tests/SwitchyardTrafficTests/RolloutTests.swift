import SwitchyardTraffic
import Testing

@Suite struct RolloutTests {
    let old = [RolloutTarget(id: "a", weight: 1), RolloutTarget(id: "b", weight: 1)]
    let new = [RolloutTarget(id: "c", weight: 1), RolloutTarget(id: "d", weight: 1), RolloutTarget(id: "e", weight: 1)]

    private func ids(_ steps: [[RolloutTarget]]) -> [[String]] { steps.map { $0.map(\.id) } }

    /// A rollout from `old` to `new`, one new target per step, with the default thresholds.
    private func makeRollout(interval: Duration) -> Rollout {
        Rollout(
            id: 1, pool: "web", from: old, to: new, strategy: .batch(size: 1), interval: interval,
            thresholds: RolloutThresholds())
    }

    @Test func batchesAddTheNewTargetsThenLeaveOnlyTheNewSet() {
        let steps = RolloutPlan.steps(from: old, to: new, strategy: .batch(size: 2))
        #expect(ids(steps) == [["a", "b", "c", "d"], ["a", "b", "c", "d", "e"], ["c", "d", "e"]])
        #expect(ids(RolloutPlan.steps(from: old, to: old + new, strategy: .batch(size: 3))) == [["a", "b", "c", "d", "e"]])
        // Nothing added (a removal or a new weight): one step straight to the new set.
        #expect(RolloutPlan.steps(from: old, to: [old[0]], strategy: .batch(size: 1)) == [[old[0]]])
    }

    @Test func weightStepsShiftTheShareOfTraffic() {
        let steps = RolloutPlan.steps(
            from: old, to: [RolloutTarget(id: "c", weight: 3)], strategy: .weight(percent: 25))
        #expect(steps.count == 4)
        func share(_ step: [RolloutTarget], of id: String) -> Double {
            Double(step.first { $0.id == id }?.weight ?? 0) / Double(step.reduce(0) { $0 + $1.weight })
        }
        #expect(steps[0..<3].map { share($0, of: "c") } == [0.25, 0.5, 0.75])
        #expect(steps[0].map(\.weight) == [375, 375, 250])
        #expect(steps[3] == [RolloutTarget(id: "c", weight: 3)])
    }

    @Test func theGateJudgesHealthThenTheErrorRateOverTheStep() {
        let baseline = ["c": RequestCounts(requests: 100, failures: 50)]
        let thresholds = RolloutThresholds(maxErrorRate: 0.1, minRequests: 10)
        func verdict(_ requests: Int, _ failures: Int, healthy: Bool = true) -> StepVerdict {
            RolloutGate.verdict(
                [RolloutObservation(id: "c", healthy: healthy, counts: RequestCounts(requests: requests, failures: failures))],
                baseline: baseline, thresholds: thresholds)
        }
        // Only what happened during the step counts: the 50 failures before it do not.
        #expect(verdict(120, 51).passed && verdict(120, 51).reason == "1 of 20 requests failed (5.0%)")
        #expect(!verdict(120, 53).passed && verdict(120, 53).reason == "3 of 20 requests failed (15.0%), above 10.0%")
        #expect(verdict(105, 54).passed, "5 requests are too few to judge")
        #expect(!verdict(120, 50, healthy: false).passed)
        #expect(verdict(120, 50, healthy: false).reason == "unhealthy: c")
    }

    /// Drives `rollout` as the runtime does: applies what it asks, observes the judged targets as `observe` says.
    private func run(
        _ rollout: inout Rollout, clock: ManualClock, steps: Int, pool: inout [RolloutTarget],
        observe: (Int) -> (healthy: Bool, requests: Int, failures: Int)
    ) {
        for _ in 0..<steps * 20 {
            guard rollout.isActive else { return }
            var action = rollout.due(now: clock.nanoseconds())
            while let next = action {
                action = nil
                switch next {
                case .apply(let step, let targets):
                    pool = targets
                    rollout.applied(step: step, at: clock.nanoseconds(), baseline: [:])
                case .judge(let step):
                    let seen = observe(step)
                    let observations = rollout.judgedTargets(of: step).map {
                        RolloutObservation(
                            id: $0, healthy: seen.healthy,
                            counts: RequestCounts(requests: seen.requests, failures: seen.failures))
                    }
                    action = rollout.judge(observations, at: clock.nanoseconds())
                case .restore(let targets):
                    pool = targets
                }
            }
            clock.advance(by: .seconds(1))
        }
    }

    @Test func healthyStepsCompleteOneIntervalApart() {
        let clock = ManualClock()
        var rollout = makeRollout(interval: .seconds(5))
        var pool = old
        run(&rollout, clock: clock, steps: 4, pool: &pool) { _ in (true, 100, 0) }
        #expect(rollout.status == .completed)
        #expect(pool == new)
        #expect(rollout.steps.allSatisfy { $0.verdict?.passed == true })
        let starts = rollout.steps.compactMap(\.startedAt)
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $1 - $0 == Duration.seconds(5).monotonicNanoseconds })
    }

    @Test func aFailingStepRollsBackToTheLastGoodSet() {
        let clock = ManualClock()
        var rollout = makeRollout(interval: .seconds(2))
        var pool = old
        // The second step's new target answers errors.
        run(&rollout, clock: clock, steps: 4, pool: &pool) { step in step == 1 ? (true, 100, 40) : (true, 100, 0) }
        #expect(rollout.status == .rolledBack)
        #expect(ids([pool]) == [["a", "b", "c"]], "back on step 1's set, which passed")
        #expect(rollout.steps.map { $0.verdict?.passed } == [true, false, nil, nil])
        #expect(rollout.steps.map(\.skipped) == [false, false, true, true])
        #expect(rollout.reason.hasPrefix("step 2 failed: 80 of 200 requests failed (40.0%)"))
    }

    @Test func pauseHoldsTheStepAndAManualRollbackRestoresTheOriginalSet() {
        let clock = ManualClock()
        var rollout = makeRollout(interval: .seconds(2))
        guard case .apply(0, let first)? = rollout.due(now: clock.nanoseconds()) else {
            Issue.record("the first step is due at once")
            return
        }
        rollout.applied(step: 0, at: clock.nanoseconds(), baseline: [:])
        let paused = rollout.pause()
        #expect(paused)
        clock.advance(by: .seconds(10))
        let whilePaused = rollout.due(now: clock.nanoseconds())
        #expect(whilePaused == nil, "paused: nothing is judged")
        let resumed = rollout.resume(at: clock.nanoseconds())
        #expect(resumed)
        clock.advance(by: .seconds(1))
        let afterResume = rollout.due(now: clock.nanoseconds())
        #expect(afterResume == nil, "the step runs a whole interval after the resume")
        let restored = rollout.rollBackByHand(at: clock.nanoseconds())
        #expect(restored == .restore(old))
        #expect(rollout.status == .rolledBack && !rollout.isActive)
        let again = rollout.rollBackByHand(at: clock.nanoseconds())
        #expect(again == nil)
        #expect(first.map(\.id) == ["a", "b", "c"])
    }
}
