/// The configs applied most recently, oldest first, each with a version number that only grows: what
/// `GET /api/v1/config/history` lists and `POST /api/v1/config/rollback` goes back to. The configs are kept whole
/// (secrets included) so a rollback restores them exactly; whoever shows them redacts them.
///
/// The startup config is version 1; each applied change (a reload, an admin edit, a rollback) is the next version.
/// At most `admin.config_history` of the config just applied are kept; older ones are dropped.
public struct ConfigHistory: Sendable {
    /// One applied config.
    public struct Entry: Sendable {
        public let version: Int
        /// When it was applied, in seconds since the Unix epoch.
        public let appliedAt: Int
        /// What applied it: `startup`, `SIGHUP`, `api`, `rollback to version 3`, ...
        public let cause: String
        public let config: SwitchyardConfig
    }

    /// Why a rollback has nowhere to go.
    public enum Missing: Error, Equatable, CustomStringConvertible {
        /// The version was never applied, or is no longer kept.
        case unknownVersion(Int)
        /// Only the current config is kept: there is no previous one.
        case noPreviousVersion

        public var description: String {
            switch self {
            case .unknownVersion(let version): "version \(version) is not in the config history"
            case .noPreviousVersion: "the config history has no version before the current one"
            }
        }
    }

    /// The kept configs, oldest first; the last is the one in force.
    public private(set) var entries: [Entry]

    /// A history holding `initial` as version 1.
    public init(initial: SwitchyardConfig, appliedAt: Int, cause: String = "startup") {
        entries = [Entry(version: 1, appliedAt: appliedAt, cause: cause, config: initial)]
    }

    /// The config in force.
    public var current: Entry { entries[entries.count - 1] }

    /// Records `config` as the next version, now in force, and drops what its `admin.config_history` does not keep.
    @discardableResult
    public mutating func record(_ config: SwitchyardConfig, appliedAt: Int, cause: String) -> Entry {
        let entry = Entry(version: current.version + 1, appliedAt: appliedAt, cause: cause, config: config)
        entries.append(entry)
        let limit = max(1, config.admin.configHistory)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
        return entry
    }

    /// The entry a rollback to `version` applies; with no version, the one before the current.
    public func rollbackTarget(_ version: Int?) throws(Missing) -> Entry {
        guard let version else {
            guard entries.count > 1 else { throw .noPreviousVersion }
            return entries[entries.count - 2]
        }
        guard let entry = entries.first(where: { $0.version == version }) else { throw .unknownVersion(version) }
        return entry
    }
}
