import SwitchyardAdmin
import Synchronization

/// An in-memory `AdminSource`: pools and keys it can change, and a record of every change asked of it.
final class FakeAdminSource: AdminSource {
    struct State {
        var ready = true
        var reasons: [String] = []
        var pools: [PoolInfo] = [
            PoolInfo(
                name: "web", policy: "round-robin",
                targets: [
                    FakeAdminSource.target("http://127.0.0.1:8081"), FakeAdminSource.target("http://127.0.0.1:8082"),
                ]),
            PoolInfo(
                name: "egress", policy: "least-connections",
                targets: [
                    FakeAdminSource.target("127.0.0.2"), FakeAdminSource.target("2001:db8::10"),
                ]),
        ]
        /// Sticky sessions by pool name; `web` has none.
        var sticky = [
            "egress": StickyInfo(
                key: "username_session", ttlSeconds: 600, maxEntries: 100, onTargetDown: "repick", count: 2,
                pins: [
                    StickyInfo.Pin(key: "abc123", target: "127.0.0.2", idleSeconds: 1.5),
                    StickyInfo.Pin(key: "def456", target: "2001:db8::10", idleSeconds: 30),
                ])
        ]
        var keys = AdminKeys()
        var configYAML = "listeners: []\n"
        /// What `applyConfig` answers for a body containing "invalid".
        var problems = [
            ConfigProblem(path: "pools[0].targets[1].weight", line: 12, message: "-1 is not a weight (0 or more)"),
            ConfigProblem(path: "listeners[0].listen", line: 3, message: "not an address"),
        ]
        var persist = false
        var logLevel = "info"
        var patches: [(pool: String, id: String, patch: TargetPatch)] = []
        var removed: [(pool: String, id: String)] = []
    }

    let state: Mutex<State>

    init(keys: AdminKeys = AdminKeys()) {
        var initial = State()
        initial.keys = keys
        state = Mutex(initial)
    }

    static func target(_ id: String, weight: Int = 1) -> TargetInfo {
        TargetInfo(
            id: id, weight: weight, maxConnections: 100, enabled: true, draining: false, activeConnections: 0,
            health: "healthy", healthCause: "2 consecutive passed checks", circuit: "closed"
        )
    }

    func readiness() -> (ready: Bool, reasons: [String]) { state.withLock { ($0.ready, $0.reasons) } }
    func statsJSON() -> String { #"{"in_flight":0}"# }
    func metricsText() -> String { "# TYPE switchyard_requests_total counter\nswitchyard_requests_total 3\n" }
    func configYAML() -> String { state.withLock { $0.configYAML } }

    func applyConfig(yaml: String, mayChangeKeys: Bool) async -> ConfigChange {
        state.withLock { state in
            if yaml.contains("invalid") { return .invalid(state.problems) }
            state.configYAML = yaml
            return .applied(persisted: state.persist)
        }
    }

    func pools() -> [PoolInfo] { state.withLock { $0.pools } }

    func addTarget(_ target: TargetSpec, toPool pool: String) async throws(AdminError) -> TargetInfo {
        try state.withLock { state throws(AdminError) in
            guard let index = state.pools.firstIndex(where: { $0.name == pool }) else { throw .poolNotFound(pool) }
            let id = target.url ?? target.sourceIP ?? ""
            if state.pools[index].targets.contains(where: { $0.id == id }) { throw .targetExists(id) }
            let added = FakeAdminSource.target(id, weight: target.weight ?? 1)
            state.pools[index].targets.append(added)
            return added
        }
    }

    func updateTarget(_ id: String, inPool pool: String, with patch: TargetPatch) async throws(AdminError) -> TargetInfo
    {
        try state.withLock { state throws(AdminError) in
            guard let poolIndex = state.pools.firstIndex(where: { $0.name == pool }) else { throw .poolNotFound(pool) }
            guard let index = state.pools[poolIndex].targets.firstIndex(where: { $0.id == id }) else {
                throw .targetNotFound(id)
            }
            state.patches.append((pool, id, patch))
            var target = state.pools[poolIndex].targets[index]
            if let weight = patch.weight { target.weight = weight }
            if let enabled = patch.enabled { target.enabled = enabled }
            if let draining = patch.draining { target.draining = draining }
            state.pools[poolIndex].targets[index] = target
            return target
        }
    }

    func removeTarget(_ id: String, fromPool pool: String) async throws(AdminError) {
        try state.withLock { state throws(AdminError) in
            guard let poolIndex = state.pools.firstIndex(where: { $0.name == pool }) else { throw .poolNotFound(pool) }
            guard let index = state.pools[poolIndex].targets.firstIndex(where: { $0.id == id }) else {
                throw .targetNotFound(id)
            }
            guard state.pools[poolIndex].targets.count > 1 else { throw .lastTarget(id) }
            state.removed.append((pool, id))
            state.pools[poolIndex].targets.remove(at: index)
        }
    }

    func stickySessions(ofPool pool: String, limit: Int) throws(AdminError) -> StickyInfo? {
        try state.withLock { state throws(AdminError) in
            guard state.pools.contains(where: { $0.name == pool }) else { throw .poolNotFound(pool) }
            return state.sticky[pool].map { sticky in
                var shown = sticky
                shown.pins = Array(sticky.pins.prefix(limit))
                return shown
            }
        }
    }

    func setLogLevel(_ level: String) -> Bool {
        state.withLock { state in
            guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(level) else {
                return false
            }
            state.logLevel = level
            return true
        }
    }

    func apiKeys() -> AdminKeys { state.withLock { $0.keys } }

    func setAPIKeys(_ keys: AdminKeys) async throws(AdminError) {
        state.withLock { $0.keys = keys }
    }
}
