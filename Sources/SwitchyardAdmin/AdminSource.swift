/// What the admin server reads and changes: implemented by the running Switchyard (`SwitchyardRuntime`), and by fakes
/// in tests. The admin server owns HTTP, routing, keys and JSON; the source owns the state.
///
/// Thread-safety: conforming types are `Sendable`; every member may be called from any task at the same time.
public protocol AdminSource: ConfigHistorySource, RolloutSource, TriggerSource {
    /// Readiness: every listener bound, every pool with a selectable target, not shutting down. `reasons` says what
    /// is missing when not ready.
    func readiness() -> (ready: Bool, reasons: [String])
    /// The `/stats` document (JSON).
    func statsJSON() -> String
    /// The `/metrics` document (Prometheus text exposition format).
    func metricsText() -> String
    /// The effective configuration as YAML, secrets (passwords, keys) redacted.
    func configYAML() -> String
    /// Validates `yaml` as a config file and applies it without restart; writes it back to the config file when
    /// `admin.persist` is on. A redacted placeholder keeps the secret in its place. Unless `mayChangeKeys` (the
    /// caller holds an admin key, or no key is configured), a config whose `api_keys` or `admin_keys` differ from
    /// the current ones is refused.
    func applyConfig(yaml: String, mayChangeKeys: Bool) async -> ConfigChange
    /// Every pool with its targets, in configuration order.
    func pools() -> [PoolInfo]
    /// The sticky sessions of `pool` with at most `limit` of its pins, the most recently used first; nil when the
    /// pool has none. Throws `poolNotFound`.
    func stickySessions(ofPool pool: String, limit: Int) throws(AdminError) -> StickyInfo?
    /// Adds a target at run time (not persisted). Throws `poolNotFound`, `targetExists`, or `invalid` (for example a
    /// `url` target for an egress pool, or a `sourceIP` that is not an address).
    func addTarget(_ target: TargetSpec, toPool pool: String) async throws(AdminError) -> TargetInfo
    /// Applies the non-nil fields of `patch` (not persisted). Throws `poolNotFound`, `targetNotFound` or `invalid`.
    func updateTarget(_ id: String, inPool pool: String, with patch: TargetPatch) async throws(AdminError) -> TargetInfo
    /// Removes a target; its in-flight work finishes (not persisted). Throws `poolNotFound`, `targetNotFound`, or
    /// `lastTarget` for a pool's only target.
    func removeTarget(_ id: String, fromPool pool: String) async throws(AdminError)
    /// Sets the log level (`trace` ... `critical`); false for an unknown name.
    func setLogLevel(_ level: String) -> Bool
    /// The API keys now in force.
    func apiKeys() -> AdminKeys
    /// Replaces the keys (at least one admin key remains); persisted like `applyConfig` when `admin.persist` is on.
    /// The server has already checked the shape (non-empty strings, at least one admin key); throw `invalid` for
    /// anything else the source refuses.
    func setAPIKeys(_ keys: AdminKeys) async throws(AdminError)
}

/// The two levels of admin keys: `apiKeys` read and change pools and config; `adminKeys` also manage keys.
public struct AdminKeys: Sendable, Equatable {
    public var apiKeys: [String]
    public var adminKeys: [String]

    public init(apiKeys: [String] = [], adminKeys: [String] = []) {
        self.apiKeys = apiKeys
        self.adminKeys = adminKeys
    }

    /// No key configured: every endpoint is open (the listener defaults to loopback).
    public var isEmpty: Bool { apiKeys.isEmpty && adminKeys.isEmpty }
}

/// The outcome of `applyConfig`.
public enum ConfigChange: Sendable, Equatable {
    case applied(persisted: Bool)
    /// The config was not applied; every problem found, each with its field path and line when known.
    case invalid([ConfigProblem])
    /// The config changes `api_keys` or `admin_keys`, and the caller holds no admin key.
    case keysNeedAdminKey
}

/// One problem of a rejected config.
public struct ConfigProblem: Sendable, Equatable {
    public var path: String
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }
}

/// A failed admin change, mapped to an HTTP status by the server.
public enum AdminError: Error, Sendable, Equatable {
    case poolNotFound(String)
    case targetNotFound(String)
    case targetExists(String)
    /// The target is the only one in its pool, which needs at least one (409).
    case lastTarget(String)
    /// The request is well-formed but not acceptable (422).
    case invalid([ConfigProblem])
}

/// A pool as the admin API shows it.
public struct PoolInfo: Sendable, Equatable {
    public var name: String
    public var policy: String
    public var targets: [TargetInfo]
    /// The state of the `auto` policy; nil for a pool with another policy.
    public var auto: AutoPolicyInfo?

    public init(name: String, policy: String, targets: [TargetInfo], auto: AutoPolicyInfo? = nil) {
        self.name = name
        self.policy = policy
        self.targets = targets
        self.auto = auto
    }
}

/// A target as the admin API shows it (the `/stats` target object without its windows).
public struct TargetInfo: Sendable, Equatable {
    public var id: String
    public var weight: Int
    public var maxConnections: Int
    public var enabled: Bool
    public var draining: Bool
    public var activeConnections: Int
    /// `healthy`, `unhealthy`, `ejected` or `unknown`.
    public var health: String
    public var healthCause: String
    /// `closed`, `open`, `half_open` or `none`.
    public var circuit: String
    /// The last active check's verdict and reason; nil without checks or before the first (shown in `/stats`).
    public var lastCheck: String?
    /// How long the active-check verdict has held; nil without checks (shown in `/stats`).
    public var secondsInHealthState: Double?

    public init(
        id: String, weight: Int, maxConnections: Int, enabled: Bool, draining: Bool, activeConnections: Int,
        health: String, healthCause: String, circuit: String, lastCheck: String? = nil,
        secondsInHealthState: Double? = nil
    ) {
        self.id = id
        self.weight = weight
        self.maxConnections = maxConnections
        self.enabled = enabled
        self.draining = draining
        self.activeConnections = activeConnections
        self.health = health
        self.healthCause = healthCause
        self.circuit = circuit
        self.lastCheck = lastCheck
        self.secondsInHealthState = secondsInHealthState
    }
}

/// A target to add: a backend `url` or an egress `sourceIP`.
public struct TargetSpec: Sendable, Equatable {
    public var url: String?
    public var sourceIP: String?
    public var weight: Int?
    public var maxConnections: Int?

    public init(url: String? = nil, sourceIP: String? = nil, weight: Int? = nil, maxConnections: Int? = nil) {
        self.url = url
        self.sourceIP = sourceIP
        self.weight = weight
        self.maxConnections = maxConnections
    }
}

/// Changes to a target; nil fields stay as they are.
public struct TargetPatch: Sendable, Equatable {
    public var weight: Int?
    public var enabled: Bool?
    public var draining: Bool?

    public init(weight: Int? = nil, enabled: Bool? = nil, draining: Bool? = nil) {
        self.weight = weight
        self.enabled = enabled
        self.draining = draining
    }
}
