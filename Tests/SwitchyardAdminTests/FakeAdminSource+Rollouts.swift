import SwitchyardAdmin

/// One running rollout (id 1, pool `web`) that pauses and rolls back but cannot resume; a rollout started on `egress`
/// answers id 2 (not kept), one on `web` clashes with rollout 1.
extension FakeAdminSource {
    static func rollout(id: Int, pool: String, status: String) -> RolloutInfo {
        RolloutInfo(
            id: id, pool: pool, status: status, reason: "", createdAt: "2026-12-04T10:00:00Z", strategy: "batch",
            intervalSeconds: 30, maxErrorRate: 0.05, minRequests: 10, requireHealthy: true,
            steps: [
                RolloutInfo.Step(
                    state: "passed", targets: [RolloutInfo.Target(id: "http://127.0.0.1:8083", weight: 1)],
                    reason: "0 of 12 requests failed (0.0%)", requests: 12, failures: 0, startedAfter: 0,
                    endedAfter: 30),
                RolloutInfo.Step(
                    state: "running", targets: [], reason: "", requests: 0, failures: 0, startedAfter: 30,
                    endedAfter: nil),
            ])
    }

    func rollouts() -> [RolloutInfo] { [Self.rollout(id: 1, pool: "web", status: "running")] }

    func startRollout(_ request: RolloutRequest) async throws(RolloutError) -> RolloutInfo {
        switch request.pool {
        case "web": throw .conflict("pool web has a rollout in progress")
        case "egress": return Self.rollout(id: 2, pool: "egress", status: "running")
        default: throw .poolNotFound(request.pool)
        }
    }

    func command(_ command: RolloutCommand, rollout id: Int) async throws(RolloutError) -> RolloutInfo {
        guard id == 1 else { throw .rolloutNotFound(id) }
        switch command {
        case .pause: return Self.rollout(id: 1, pool: "web", status: "paused")
        case .rollback: return Self.rollout(id: 1, pool: "web", status: "rolled_back")
        case .resume: throw .conflict("rollout 1 is running: it cannot resume")
        }
    }
}
