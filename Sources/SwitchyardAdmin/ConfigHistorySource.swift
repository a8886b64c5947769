/// The config history as the admin server sees it: `GET /api/v1/config/history` and `POST /api/v1/config/rollback`.
public protocol ConfigHistorySource: Sendable {
    /// The kept configs, newest (the one in force) first, secrets redacted.
    func configHistory() -> [ConfigVersion]
    /// Applies a kept config again, through the same validated, serialized path as every other change; it becomes
    /// the newest version. With no `version`, the one before the current. Unless `mayChangeKeys`, a version whose
    /// `api_keys` or `admin_keys` differ from the current ones is refused.
    func rollbackConfig(to version: Int?, mayChangeKeys: Bool) async -> ConfigRollback
}

/// One kept config as the admin API shows it.
public struct ConfigVersion: Sendable, Equatable {
    public var version: Int
    /// When it was applied (ISO 8601, UTC).
    public var appliedAt: String
    /// What applied it: `startup`, `SIGHUP`, `PUT /api/v1/config`, `rollback to version 3`, ...
    public var cause: String
    /// Whether it is the config in force.
    public var current: Bool
    /// The config as YAML, secrets redacted.
    public var yaml: String

    public init(version: Int, appliedAt: String, cause: String, current: Bool, yaml: String) {
        self.version = version
        self.appliedAt = appliedAt
        self.cause = cause
        self.current = current
        self.yaml = yaml
    }
}

/// The outcome of `rollbackConfig`.
public enum ConfigRollback: Sendable, Equatable {
    /// Applied as the new current version; `persisted` says whether the config file was rewritten.
    case applied(ConfigVersion, persisted: Bool)
    /// The asked version is not kept, or there is no version before the current one (the message says which).
    case notFound(String)
    /// The kept config can no longer be applied live (for example it binds an address now taken).
    case invalid([ConfigProblem])
    /// The kept config has other `api_keys` or `admin_keys`, and the caller holds no admin key.
    case keysNeedAdminKey
}
