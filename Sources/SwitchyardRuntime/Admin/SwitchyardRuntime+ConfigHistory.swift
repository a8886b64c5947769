import SwitchyardAdmin
import SwitchyardConfig

/// The config history through the admin API: every applied config is recorded by `install`, and a rollback is one
/// more change made like an admin edit (validated, applied under `configChanges`, written back with
/// `admin.persist`), so it lands in the history as the newest version.
extension SwitchyardRuntime: ConfigHistorySource {
    public func configHistory() -> [ConfigVersion] {
        let history = history.withLock { $0 }
        return history.entries.reversed().map { version($0, current: $0.version == history.current.version) }
    }

    public func rollbackConfig(to version: Int?, mayChangeKeys: Bool) async -> ConfigRollback {
        configChanges.withLock { _ in rollback(to: version, mayChangeKeys: mayChangeKeys) }
    }

    /// `rollbackConfig` for a caller that holds `configChanges`.
    private func rollback(to version: Int?, mayChangeKeys: Bool) -> ConfigRollback {
        let target: ConfigHistory.Entry
        do {
            target = try history.withLock { $0 }.rollbackTarget(version)
        } catch {
            return .notFound(error.description)
        }
        let current = config.admin
        if !mayChangeKeys,
            target.config.admin.apiKeys != current.apiKeys || target.config.admin.adminKeys != current.adminKeys
        {
            return .keysNeedAdminKey
        }
        do {
            let (entry, persisted) = try apply(target.config, cause: "rollback to version \(target.version)")
            return .applied(self.version(entry, current: true), persisted: persisted)
        } catch {
            guard case .invalid(let problems) = error else { return .invalid([]) }
            return .invalid(problems)
        }
    }

    private func version(_ entry: ConfigHistory.Entry, current: Bool) -> ConfigVersion {
        ConfigVersion(
            version: entry.version, appliedAt: Self.iso8601(entry.appliedAt), cause: entry.cause, current: current,
            yaml: entry.config.rendered(redactingSecrets: true))
    }
}
