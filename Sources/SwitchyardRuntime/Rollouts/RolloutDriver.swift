import SwitchyardAdmin
import SwitchyardConfig
import SwitchyardTraffic
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Runs the rollouts of one runtime: keeps them (the active ones and the last finished ones), and while any is
/// active, steps them every `tick` on a task: applies each step as a config change (the pool's target list, through
/// the runtime's validated, serialized change path, recorded in the config history), reads the judged targets' health
/// and request counts, and applies what the `Rollout` state machine decides.
final class RolloutDriver: Sendable {
    /// One kept rollout with what the pure state machine does not hold.
    struct Entry: Sendable {
        var rollout: Rollout
        /// The settings of every target the rollout may put in the pool, by id (old ones, then new ones).
        let definitions: [String: TargetSettings]
        /// Wall-clock seconds and the monotonic reading when it started.
        let createdAt: Int
        let startedAt: UInt64
        let strategy: RolloutStrategy
    }

    private struct State: Sendable {
        var entries: [Entry] = []
        var nextID = 1
        var stepping: Task<Void, Never>?
    }

    /// How many finished rollouts are kept for `GET /api/v1/rollouts`.
    static let finishedKept = 20
    /// How often active rollouts are stepped.
    static let tick = Duration.milliseconds(100)

    let clock: any MonotonicClock = SystemClock()
    private let state = Mutex(State())

    /// Every kept rollout, newest first.
    var entries: [Entry] {
        state.withLock { $0.entries.reversed() }
    }

    /// Starts a rollout from `old` to `new` in `pool` (whose settings by id are `definitions`) and its first step.
    /// - Returns: the new rollout, or nil when the pool has an active one.
    func start(
        pool: String, from old: [RolloutTarget], to new: [RolloutTarget], definitions: [String: TargetSettings],
        strategy: RolloutStrategy, interval: Duration, thresholds: RolloutThresholds, runtime: SwitchyardRuntime
    ) -> Entry? {
        state.withLock { state in
            guard !state.entries.contains(where: { $0.rollout.pool == pool && $0.rollout.isActive }) else { return nil }
            let rollout = Rollout(
                id: state.nextID, pool: pool, from: old, to: new, strategy: strategy, interval: interval,
                thresholds: thresholds)
            state.nextID += 1
            state.entries.append(
                Entry(
                    rollout: rollout, definitions: definitions, createdAt: time(nil), startedAt: clock.nanoseconds(),
                    strategy: strategy))
            step(&state.entries[state.entries.count - 1], runtime: runtime)
            if state.stepping == nil { state.stepping = Task { await self.run(runtime) } }
            return state.entries.last
        }
    }

    /// Applies `command` to rollout `id`: nil when there is no such rollout, else the rollout after it and whether
    /// its status allowed the command.
    func command(_ command: RolloutCommand, rollout id: Int, runtime: SwitchyardRuntime) -> (Entry, accepted: Bool)? {
        state.withLock { state in
            guard let index = state.entries.firstIndex(where: { $0.rollout.id == id }) else { return nil }
            let now = clock.nanoseconds()
            let accepted: Bool
            switch command {
            case .pause: accepted = state.entries[index].rollout.pause()
            case .resume: accepted = state.entries[index].rollout.resume(at: now)
            case .rollback:
                let action = state.entries[index].rollout.rollBackByHand(at: now)
                accepted = action != nil
                if let action { perform(action, on: &state.entries[index], runtime: runtime) }
            }
            return (state.entries[index], accepted)
        }
    }

    /// Stops stepping (at shutdown).
    func cancel() {
        state.withLock { $0.stepping?.cancel() }
    }

    /// Steps the active rollouts every `tick` until none is left, then ends.
    private func run(_ runtime: SwitchyardRuntime) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.tick)
            let active = state.withLock { state in
                for index in state.entries.indices where state.entries[index].rollout.isActive {
                    step(&state.entries[index], runtime: runtime)
                }
                let finished = state.entries.indices.filter { !state.entries[$0].rollout.isActive }
                for index in finished.dropLast(Self.finishedKept).reversed() { state.entries.remove(at: index) }
                let active = state.entries.contains { $0.rollout.isActive }
                if !active { state.stepping = nil }
                return active
            }
            if !active { return }
        }
    }

    /// Performs every action the rollout has due now.
    private func step(_ entry: inout Entry, runtime: SwitchyardRuntime) {
        var action = entry.rollout.due(now: clock.nanoseconds())
        while let due = action {
            action = perform(due, on: &entry, runtime: runtime)
        }
    }

    /// Performs `action`; returns the one it leads to at once.
    @discardableResult
    private func perform(_ action: Rollout.Action, on entry: inout Entry, runtime: SwitchyardRuntime) -> Rollout.Action? {
        let rollout = entry.rollout
        switch action {
        case .apply(let step, let targets):
            do {
                try runtime.setTargets(
                    of: rollout.pool, to: settings(targets, entry.definitions),
                    cause: "rollout \(rollout.id) step \(step + 1)")
            } catch {
                return entry.rollout.applyFailed(step: step, at: clock.nanoseconds(), reason: "\(error)")
            }
            let baseline = runtime.observe(rollout.judgedTargets(of: step), inPool: rollout.pool)
            entry.rollout.applied(
                step: step, at: clock.nanoseconds(),
                baseline: Dictionary(baseline.map { ($0.id, $0.counts) }, uniquingKeysWith: { first, _ in first }))
            runtime.logger.notice(
                "rollout step applied",
                metadata: ["rollout": "\(rollout.id)", "pool": "\(rollout.pool)", "step": "\(step + 1)"])
            return nil
        case .judge(let step):
            let next = entry.rollout.judge(
                runtime.observe(rollout.judgedTargets(of: step), inPool: rollout.pool), at: clock.nanoseconds())
            let verdict = entry.rollout.steps[step].verdict
            runtime.logger.notice(
                "rollout step judged",
                metadata: [
                    "rollout": "\(rollout.id)", "pool": "\(rollout.pool)", "step": "\(step + 1)",
                    "passed": "\(verdict?.passed ?? false)", "reason": "\(verdict?.reason ?? "")",
                ])
            return next
        case .restore(let targets):
            do {
                try runtime.setTargets(
                    of: rollout.pool, to: settings(targets, entry.definitions),
                    cause: "rollout \(rollout.id) rolled back")
            } catch {
                runtime.logger.error(
                    "rollout could not restore its pool", metadata: ["rollout": "\(rollout.id)", "error": "\(error)"])
            }
            runtime.logger.warning(
                "rollout rolled back", metadata: ["rollout": "\(rollout.id)", "reason": "\(entry.rollout.reason)"])
            return nil
        }
    }

    private func settings(_ targets: [RolloutTarget], _ definitions: [String: TargetSettings]) -> [TargetSettings] {
        targets.compactMap { target in
            definitions[target.id].map { definition in
                var settings = definition
                settings.weight = target.weight
                return settings
            }
        }
    }
}
