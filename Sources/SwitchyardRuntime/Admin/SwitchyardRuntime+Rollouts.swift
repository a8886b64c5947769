import SwitchyardAdmin
import SwitchyardConfig
import SwitchyardTraffic

/// Rollouts through the admin API; `RolloutDriver` steps them.
extension SwitchyardRuntime: RolloutSource {
    public func rollouts() -> [RolloutInfo] {
        rolloutDriver.entries.map(info)
    }

    public func startRollout(_ request: RolloutRequest) async throws(RolloutError) -> RolloutInfo {
        guard let pool = config.pools.first(where: { $0.name == request.pool }) else {
            throw .poolNotFound(request.pool)
        }
        let new = request.targets.map(\.settings)
        var final = config
        final.pools[final.pools.firstIndex { $0.name == pool.name }!].targets = new
        do {
            _ = try ConfigLoader.parse(yaml: final.rendered(redactingSecrets: false), file: nil)
        } catch {
            throw .invalid(error.issues.map { ConfigProblem(path: $0.path, line: nil, message: $0.message) })
        }
        let strategy: RolloutStrategy =
            switch request.strategy {
            case .batch(let size): .batch(size: size)
            case .weight(let percent): .weight(percent: percent)
            }
        let definitions = Dictionary((pool.targets + new).map { ($0.id, $0) }, uniquingKeysWith: { _, newer in newer })
        let started = rolloutDriver.start(
            pool: pool.name, from: pool.targets.map(Self.rolloutTarget), to: new.map(Self.rolloutTarget),
            definitions: definitions, strategy: strategy, interval: .milliseconds(Int64(request.intervalSeconds * 1000)),
            thresholds: RolloutThresholds(
                maxErrorRate: request.maxErrorRate, minRequests: request.minRequests,
                requireHealthy: request.requireHealthy),
            runtime: self)
        guard let started else { throw .conflict("pool \(pool.name) has a rollout in progress") }
        return info(started)
    }

    public func command(_ command: RolloutCommand, rollout id: Int) async throws(RolloutError) -> RolloutInfo {
        guard let (entry, accepted) = rolloutDriver.command(command, rollout: id, runtime: self) else {
            throw .rolloutNotFound(id)
        }
        guard accepted else {
            throw .conflict("rollout \(id) is \(entry.rollout.status.rawValue): it cannot \(command.rawValue)")
        }
        return info(entry)
    }

    /// Gives `pool` exactly `targets`, as an admin edit (validated, serialized, in the config history).
    func setTargets(of pool: String, to targets: [TargetSettings], cause: String) throws(AdminError) {
        try change(pool: pool, cause: cause) { settings throws(AdminError) in settings.targets = targets }
    }

    /// Whether each target of `ids` in `pool` is healthy (checks, ejection and circuit), and its request counts.
    func observe(_ ids: [String], inPool pool: String) -> [RolloutObservation] {
        let live = livePools[pool]
        return ids.map { id in
            let target = live?.balancer.targets.first { $0.id == id }
            let healthy = target.map { $0.state.isHealthy && !$0.state.isEjected && !$0.state.isCircuitOpen } ?? false
            let total = live?.metrics?.targets[id]?.stats.snapshot().total
            return RolloutObservation(
                id: id, healthy: healthy,
                counts: RequestCounts(requests: total?.requests ?? 0, failures: total?.failures ?? 0))
        }
    }

    private static func rolloutTarget(_ settings: TargetSettings) -> RolloutTarget {
        RolloutTarget(id: settings.id, weight: settings.weight)
    }

    private func info(_ entry: RolloutDriver.Entry) -> RolloutInfo {
        let rollout = entry.rollout
        func seconds(_ reading: UInt64?) -> Double? {
            reading.map { Double($0 &- entry.startedAt) / 1e9 }
        }
        let steps = rollout.steps.enumerated().map { index, step in
            let state: String =
                if let verdict = step.verdict { verdict.passed ? "passed" : "failed" }
                else if step.skipped { "skipped" }
                else if step.endedAt != nil { "aborted" }
                else if step.startedAt != nil { "running" }
                else { "pending" }
            return RolloutInfo.Step(
                state: state, targets: step.targets.map { RolloutInfo.Target(id: $0.id, weight: $0.weight) },
                reason: step.verdict?.reason ?? "", requests: step.verdict?.requests ?? 0,
                failures: step.verdict?.failures ?? 0, startedAfter: seconds(step.startedAt),
                endedAfter: seconds(step.endedAt))
        }
        let strategy: String =
            switch entry.strategy {
            case .batch: "batch"
            case .weight: "weight"
            }
        return RolloutInfo(
            id: rollout.id, pool: rollout.pool, status: rollout.status.rawValue, reason: rollout.reason,
            createdAt: Self.iso8601(entry.createdAt), strategy: strategy,
            intervalSeconds: Double(rollout.interval) / 1e9, maxErrorRate: rollout.thresholds.maxErrorRate,
            minRequests: rollout.thresholds.minRequests, requireHealthy: rollout.thresholds.requireHealthy,
            steps: steps)
    }
}
