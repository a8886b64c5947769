/// One rollout of a new target set for a pool, as a state machine the driver steps on a timer: apply a step, let it
/// run for `interval`, judge it, go on or roll back. Plain values and a monotonic clock reading (`now`, in
/// nanoseconds) in, actions out; the driver does the applying and the observing.
public struct Rollout: Sendable {
    /// Where the rollout stands.
    public enum Status: String, Sendable {
        case running
        case paused
        /// Every step passed; the pool has the new set.
        case completed
        /// A step failed, applying a step failed, or someone rolled it back; the pool is back on `rolledBackTo`.
        case rolledBack = "rolled_back"
    }

    /// What the driver must do now.
    public enum Action: Sendable, Equatable {
        /// Give the pool the step's target set, then report `applied(step:at:baseline:)` or `applyFailed`.
        case apply(step: Int, targets: [RolloutTarget])
        /// The step has run its interval: observe its judged targets (`judgedTargets`) and report `judge`.
        case judge(step: Int)
        /// Give the pool this target set: the rollout is over, rolled back.
        case restore([RolloutTarget])
    }

    /// One step and what became of it.
    public struct Step: Sendable {
        public var targets: [RolloutTarget]
        /// When it was applied and when judged (monotonic readings); nil before.
        public var startedAt: UInt64?
        public var endedAt: UInt64?
        /// Nil until judged (or while running).
        public var verdict: StepVerdict?
        /// True for a step never applied because the rollout was rolled back first.
        public var skipped: Bool = false
    }

    public let id: Int
    public let pool: String
    /// The pool's set before the rollout, where a manual rollback returns.
    public let original: [RolloutTarget]
    public let interval: UInt64
    public let thresholds: RolloutThresholds
    public private(set) var steps: [Step]
    public private(set) var status: Status = .running
    /// The step applied last (running or judged), nil before the first.
    public private(set) var current: Int?
    /// Why the rollout ended or paused, in words.
    public private(set) var reason: String = ""
    /// The set the pool went back to, once rolled back.
    public private(set) var rolledBackTo: [RolloutTarget]?
    /// The judged targets' counts when the current step was applied.
    private var baseline: [String: RequestCounts] = [:]
    /// Set while the current step waits for its `judge`.
    private var awaitingJudgement = false

    public init(
        id: Int, pool: String, from old: [RolloutTarget], to new: [RolloutTarget], strategy: RolloutStrategy,
        interval: Duration, thresholds: RolloutThresholds
    ) {
        self.id = id
        self.pool = pool
        self.original = old
        self.interval = interval.monotonicNanoseconds
        self.thresholds = thresholds
        self.steps = RolloutPlan.steps(from: old, to: new, strategy: strategy).map { Step(targets: $0) }
    }

    /// Whether the rollout still changes the pool (running or paused).
    public var isActive: Bool { status == .running || status == .paused }

    /// The targets a step is judged on: those the rollout adds, or every target of the step when it adds none.
    public func judgedTargets(of step: Int) -> [String] {
        let old = Set(original.map(\.id))
        let ids = steps[step].targets.filter { $0.weight > 0 }.map(\.id)
        let added = ids.filter { !old.contains($0) }
        return added.isEmpty ? ids : added
    }

    /// The action due at `now`, if any.
    public mutating func due(now: UInt64) -> Action? {
        guard status == .running, !awaitingJudgement else { return nil }
        guard let current else { return .apply(step: 0, targets: steps[0].targets) }
        guard let started = steps[current].startedAt, now &- started >= interval else { return nil }
        awaitingJudgement = true
        return .judge(step: current)
    }

    /// The step is in force from `now`; `baseline` holds its judged targets' counts at that moment.
    public mutating func applied(step: Int, at now: UInt64, baseline: [String: RequestCounts]) {
        current = step
        steps[step].startedAt = now
        self.baseline = baseline
    }

    /// The step could not be applied (`reason`): roll back to the last good set.
    public mutating func applyFailed(step: Int, at now: UInt64, reason: String) -> Action {
        steps[step].verdict = StepVerdict(passed: false, reason: reason, requests: 0, failures: 0)
        steps[step].endedAt = now
        return rollBack(at: now, to: lastGood(before: step), reason: "step \(step + 1) could not be applied: \(reason)")
    }

    /// Judges the current step on `observations`: the next step, completion, or a rollback to the last good set.
    public mutating func judge(_ observations: [RolloutObservation], at now: UInt64) -> Action? {
        guard let step = current, awaitingJudgement else { return nil }
        awaitingJudgement = false
        let verdict = RolloutGate.verdict(observations, baseline: baseline, thresholds: thresholds)
        steps[step].verdict = verdict
        steps[step].endedAt = now
        guard verdict.passed else {
            return rollBack(at: now, to: lastGood(before: step), reason: "step \(step + 1) failed: \(verdict.reason)")
        }
        guard step + 1 < steps.count else {
            status = .completed
            reason = "every step passed"
            return nil
        }
        return .apply(step: step + 1, targets: steps[step + 1].targets)
    }

    /// Stops stepping; the step in force stays. A judgement due meanwhile waits for `resume`.
    public mutating func pause(reason: String = "paused by hand") -> Bool {
        guard status == .running else { return false }
        status = .paused
        self.reason = reason
        return true
    }

    /// Steps on again; the current step runs a whole interval from `now` before it is judged.
    public mutating func resume(at now: UInt64) -> Bool {
        guard status == .paused else { return false }
        status = .running
        reason = ""
        awaitingJudgement = false
        if let current, steps[current].verdict == nil { steps[current].startedAt = now }
        return true
    }

    /// Ends the rollout by hand, back on the pool's set from before it.
    public mutating func rollBackByHand(at now: UInt64) -> Action? {
        guard isActive else { return nil }
        return rollBack(at: now, to: original, reason: "rolled back by hand")
    }

    /// The set of the last step that passed before `step`, or the original set.
    private func lastGood(before step: Int) -> [RolloutTarget] {
        steps[..<step].last { $0.verdict?.passed == true }?.targets ?? original
    }

    private mutating func rollBack(at now: UInt64, to targets: [RolloutTarget], reason: String) -> Action {
        status = .rolledBack
        self.reason = reason
        rolledBackTo = targets
        awaitingJudgement = false
        for index in steps.indices where steps[index].verdict == nil {
            if steps[index].startedAt != nil { steps[index].endedAt = now } else { steps[index].skipped = true }
        }
        return .restore(targets)
    }
}
