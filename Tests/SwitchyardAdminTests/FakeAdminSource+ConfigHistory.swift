import SwitchyardAdmin

/// A fixed history of two versions; a rollback to version 1 (or to the previous one) answers version 3, with keys
/// only for an admin key.
extension FakeAdminSource {
    static let history = [
        ConfigVersion(
            version: 2, appliedAt: "2026-12-04T10:00:05Z", cause: "PUT /api/v1/config", current: true,
            yaml: "pools: []\n"),
        ConfigVersion(
            version: 1, appliedAt: "2026-12-04T10:00:00Z", cause: "startup", current: false,
            yaml: "listeners: []\n"),
    ]

    func configHistory() -> [ConfigVersion] { Self.history }

    func rollbackConfig(to version: Int?, mayChangeKeys: Bool) async -> ConfigRollback {
        guard version ?? 1 == 1 else { return .notFound("version \(version ?? 0) is not in the config history") }
        guard mayChangeKeys else { return .keysNeedAdminKey }
        return .applied(
            ConfigVersion(
                version: 3, appliedAt: "2026-12-04T10:01:00Z", cause: "rollback to version 1", current: true,
                yaml: "listeners: []\n"),
            persisted: false)
    }
}
