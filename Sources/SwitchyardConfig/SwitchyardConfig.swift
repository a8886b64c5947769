/// The whole configuration of a Switchyard process: logging, the admin endpoint, the listeners that accept client
/// connections and the pools of egress targets they send traffic through.
///
/// Build one with `ConfigLoader` (file, environment and flags, validated) or in code; `validate()` checks one built
/// in code against the same rules.
public struct SwitchyardConfig: Sendable, Equatable {
    public var log: LogSettings
    public var admin: AdminSettings
    /// Event-loop threads serving every listener; 0 means one per CPU core.
    public var workers: Int
    /// The PID file and config-file watching (`pid_file`, `reload`).
    public var process: ProcessSettings
    /// Socket and protocol tuning of every listener and pool (`transport`).
    public var transport: TransportSettings
    /// Where forward listeners without their own `destinations` may connect.
    public var destinations: DestinationSettings
    /// How host names are resolved and cached.
    public var dns: DNSSettings = .default
    public var listeners: [ListenerSettings]
    public var pools: [PoolSettings]
    /// Traffic and schedule triggers that call webhooks and act on pools.
    public var triggers: [TriggerSettings]

    public init(
        log: LogSettings = .default,
        admin: AdminSettings = .default,
        workers: Int = 0,
        process: ProcessSettings = .default,
        transport: TransportSettings = .default,
        destinations: DestinationSettings = .default,
        listeners: [ListenerSettings],
        pools: [PoolSettings],
        triggers: [TriggerSettings] = []
    ) {
        self.log = log
        self.admin = admin
        self.workers = workers
        self.process = process
        self.transport = transport
        self.destinations = destinations
        self.listeners = listeners
        self.pools = pools
        self.triggers = triggers
    }

    /// The destination policy of `listener`: its own, or the root default.
    public func destinations(of listener: ListenerSettings) -> DestinationSettings {
        listener.destinations ?? destinations
    }

    /// The pool called `name`, if there is one.
    public func pool(named name: String) -> PoolSettings? {
        pools.first { $0.name == name }
    }

    /// What Switchyard runs with when given neither a file nor options: a forward proxy on 127.0.0.1:3128 sending
    /// everything through the default route, with the default destination policy (public addresses only, CONNECT
    /// to 443 only), and the admin endpoint on 127.0.0.1:9090.
    public static var embeddedDefault: SwitchyardConfig {
        SwitchyardConfig(
            listeners: [
                ListenerSettings(
                    name: "egress", mode: .forward, listen: ListenAddress(host: "127.0.0.1", port: 3128),
                    pool: "default")
            ],
            pools: [PoolSettings(name: "default", targets: [TargetSettings()])]
        )
    }

    /// The config as YAML in the file's own shape. With `redactingSecrets` false the text loads back to an equal
    /// config; by default passwords are written as `<redacted>`.
    public func rendered(redactingSecrets: Bool = true) -> String {
        ConfigRenderer.render(self, redactingSecrets: redactingSecrets)
    }

    /// Checks a config built in code against the rules `ConfigLoader` applies, reporting every broken rule at once.
    public func validate() throws(ConfigErrors) {
        let issues = ConfigValidator.issues(in: self)
        if !issues.isEmpty { throw ConfigErrors(issues: issues) }
    }
}
