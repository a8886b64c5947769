/// The seed's flat options, from command-line flags or environment variables. Besides the process's own (`pid_file`,
/// `reload.watch`, `workers`, logging, the admin port) they describe one forward listener and its pool: without a
/// file they adjust `SwitchyardConfig.embeddedDefault`, with one they override the file's first forward listener
/// and that listener's pool. Every field is the raw text as given; nil means not given.
public struct FlatOptions: Sendable, Equatable {
    /// Comma-separated source IPs; replaces the pool's targets.
    public var ips: String?
    /// The listener's port (its host is kept).
    public var port: String?
    /// The admin endpoint's port.
    public var metricsPort: String?
    /// `user:password`, the listener's only proxy account.
    public var auth: String?
    /// The listener's connect timeout.
    public var timeout: String?
    /// The listener's idle timeout.
    public var idleTimeout: String?
    /// The pool's `max_connections_per_target`.
    public var maxConnsPerIP: String?
    /// The listener's `max_connections`.
    public var maxConnsTotal: String?
    public var historyWindow: String?
    public var historySize: String?
    public var historyMaxTotalEntries: String?
    /// Event-loop threads (`workers`).
    public var workers: String?
    public var logLevel: String?
    public var logFormat: String?
    /// The PID file (`pid_file`).
    public var pidFile: String?
    /// `true` or `false`: watch the config file (`reload.watch`).
    public var watch: String?
    /// `true` gives the pool an active health check with the defaults (`false` removes it); the other
    /// `healthCheck…` options set its fields.
    public var healthCheckEnabled: String?
    public var healthCheckType: String?
    public var healthCheckInterval: String?
    public var healthCheckTimeout: String?
    /// `host:port` (tcp) or a URL (http) each egress target checks through its own source address.
    public var healthCheckTarget: String?
    public var healthCheckFailureThreshold: String?
    public var healthCheckSuccessThreshold: String?
    /// `true` gives the pool a circuit breaker per target with the defaults (`false` removes it); the `cb…`
    /// options set its fields.
    public var circuitBreakerEnabled: String?
    public var cbFailureThreshold: String?
    public var cbSuccessThreshold: String?
    public var cbTimeout: String?
    /// How long idle upstream connections are kept (`keepalive.idle_timeout`).
    public var idleConnTimeout: String?
    /// `transport.tcp_keepalive`: a duration, or `0` / `off`.
    public var tcpKeepalive: String?
    /// `transport.tls_handshake_timeout`.
    public var tlsHandshakeTimeout: String?
    /// `transport.expect_continue_timeout`.
    public var expectContinueTimeout: String?

    public init(
        ips: String? = nil, port: String? = nil, metricsPort: String? = nil, auth: String? = nil,
        timeout: String? = nil, idleTimeout: String? = nil, maxConnsPerIP: String? = nil,
        maxConnsTotal: String? = nil, historyWindow: String? = nil, historySize: String? = nil,
        historyMaxTotalEntries: String? = nil, workers: String? = nil, logLevel: String? = nil, logFormat: String? = nil,
        pidFile: String? = nil, watch: String? = nil
    ) {
        self.ips = ips
        self.port = port
        self.metricsPort = metricsPort
        self.auth = auth
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.maxConnsPerIP = maxConnsPerIP
        self.maxConnsTotal = maxConnsTotal
        self.historyWindow = historyWindow
        self.historySize = historySize
        self.historyMaxTotalEntries = historyMaxTotalEntries
        self.workers = workers
        self.logLevel = logLevel
        self.logFormat = logFormat
        self.pidFile = pidFile
        self.watch = watch
    }

    /// The options set in `env` through `SWITCHYARD_IPS`, `SWITCHYARD_PORT` and the like; empty values count as unset.
    public static func fromEnvironment(_ env: [String: String]) -> FlatOptions {
        var options = FlatOptions()
        for option in FlatOption.allCases {
            if let value = env[option.environmentVariable], !value.isEmpty { options[keyPath: option.field] = value }
        }
        return options
    }
}

/// One flat option: its field in `FlatOptions`, its command-line flag and its environment variable.
enum FlatOption: CaseIterable {
    case ips, port, metricsPort, auth, timeout, idleTimeout, maxConnsPerIP, maxConnsTotal
    case historyWindow, historySize, historyMaxTotalEntries, workers, logLevel, logFormat, pidFile, watch
    // Each `…Enabled` comes before the options that adjust what it creates.
    case healthCheckEnabled, healthCheckType, healthCheckInterval, healthCheckTimeout, healthCheckTarget
    case healthCheckFailureThreshold, healthCheckSuccessThreshold
    case circuitBreakerEnabled, cbFailureThreshold, cbSuccessThreshold, cbTimeout, idleConnTimeout
    case tcpKeepalive, tlsHandshakeTimeout, expectContinueTimeout

    var field: WritableKeyPath<FlatOptions, String?> {
        switch self {
        case .ips: \.ips
        case .port: \.port
        case .metricsPort: \.metricsPort
        case .auth: \.auth
        case .timeout: \.timeout
        case .idleTimeout: \.idleTimeout
        case .maxConnsPerIP: \.maxConnsPerIP
        case .maxConnsTotal: \.maxConnsTotal
        case .historyWindow: \.historyWindow
        case .historySize: \.historySize
        case .historyMaxTotalEntries: \.historyMaxTotalEntries
        case .workers: \.workers
        case .logLevel: \.logLevel
        case .logFormat: \.logFormat
        case .pidFile: \.pidFile
        case .watch: \.watch
        case .healthCheckEnabled: \.healthCheckEnabled
        case .healthCheckType: \.healthCheckType
        case .healthCheckInterval: \.healthCheckInterval
        case .healthCheckTimeout: \.healthCheckTimeout
        case .healthCheckTarget: \.healthCheckTarget
        case .healthCheckFailureThreshold: \.healthCheckFailureThreshold
        case .healthCheckSuccessThreshold: \.healthCheckSuccessThreshold
        case .circuitBreakerEnabled: \.circuitBreakerEnabled
        case .cbFailureThreshold: \.cbFailureThreshold
        case .cbSuccessThreshold: \.cbSuccessThreshold
        case .cbTimeout: \.cbTimeout
        case .idleConnTimeout: \.idleConnTimeout
        case .tcpKeepalive: \.tcpKeepalive
        case .tlsHandshakeTimeout: \.tlsHandshakeTimeout
        case .expectContinueTimeout: \.expectContinueTimeout
        }
    }

    /// The option's name in kebab case, e.g. `max-conns-per-ip`.
    private var name: String {
        switch self {
        case .ips: "ips"
        case .port: "port"
        case .metricsPort: "metrics-port"
        case .auth: "auth"
        case .timeout: "timeout"
        case .idleTimeout: "idle-timeout"
        case .maxConnsPerIP: "max-conns-per-ip"
        case .maxConnsTotal: "max-conns-total"
        case .historyWindow: "history-window"
        case .historySize: "history-size"
        case .historyMaxTotalEntries: "history-max-total-entries"
        case .workers: "workers"
        case .logLevel: "log-level"
        case .logFormat: "log-format"
        case .pidFile: "pid-file"
        case .watch: "watch"
        case .healthCheckEnabled: "health-check-enabled"
        case .healthCheckType: "health-check-type"
        case .healthCheckInterval: "health-check-interval"
        case .healthCheckTimeout: "health-check-timeout"
        case .healthCheckTarget: "health-check-target"
        case .healthCheckFailureThreshold: "health-check-failure-threshold"
        case .healthCheckSuccessThreshold: "health-check-success-threshold"
        case .circuitBreakerEnabled: "circuit-breaker-enabled"
        case .cbFailureThreshold: "cb-failure-threshold"
        case .cbSuccessThreshold: "cb-success-threshold"
        case .cbTimeout: "cb-timeout"
        case .idleConnTimeout: "idle-conn-timeout"
        case .tcpKeepalive: "tcp-keepalive"
        case .tlsHandshakeTimeout: "tls-handshake-timeout"
        case .expectContinueTimeout: "expect-continue-timeout"
        }
    }

    /// `--ips`, `--metrics-port`, ...
    var flag: String { "--" + name }

    /// `SWITCHYARD_IPS`, `SWITCHYARD_METRICS_PORT`, ...
    var environmentVariable: String {
        "SWITCHYARD_" + name.uppercased().replacing("-", with: "_")
    }
}
