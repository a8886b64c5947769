/// The admin HTTP endpoint: health, readiness, metrics, stats, the admin API and the dashboard.
public struct AdminSettings: Sendable, Equatable {
    public var listen: ListenAddress
    /// Keys that may read stats and read or change pools and config (`Authorization: Bearer` or `X-API-Key`).
    public var apiKeys: [String]
    /// Keys that may also manage keys. With no key of either kind, every admin endpoint is open.
    public var adminKeys: [String]
    /// Write configuration changes made through the API back to the config file.
    public var persist: Bool
    /// Count requests per destination host for at most this many hosts (the rest as `other`); 0 turns it off.
    public var perHostMetrics: Int
    /// How many applied configs `GET /api/v1/config/history` keeps for `POST /api/v1/config/rollback`.
    public var configHistory: Int

    public init(
        listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 9090),
        apiKeys: [String] = [],
        adminKeys: [String] = [],
        persist: Bool = false,
        perHostMetrics: Int = 0,
        configHistory: Int = 10
    ) {
        self.listen = listen
        self.apiKeys = apiKeys
        self.adminKeys = adminKeys
        self.persist = persist
        self.perHostMetrics = perHostMetrics
        self.configHistory = configHistory
    }

    /// Listening on 127.0.0.1:9090, no keys, nothing persisted, no per-host metrics, the last 10 configs kept.
    public static let `default` = AdminSettings()
}
