/// Applies flat options to a config: a flag's value beats the environment's, each value lands on the first forward
/// listener or its pool, and the source map notes the option so later problems with the value name it.
struct FlatOptionsApplier {
    private(set) var config: SwitchyardConfig
    private(set) var sourceMap: SourceMap
    /// Values that could not be read or applied, each naming its flag or environment variable.
    private(set) var issues: [ConfigIssue] = []

    init(config: SwitchyardConfig, sourceMap: SourceMap) {
        self.config = config
        self.sourceMap = sourceMap
    }

    mutating func apply(flags: FlatOptions, environment: FlatOptions) {
        for option in FlatOption.allCases {
            if let text = flags[keyPath: option.field] {
                apply(option, text.trimmingSpaces(), source: option.flag)
            } else if let text = environment[keyPath: option.field] {
                apply(option, text.trimmingSpaces(), source: option.environmentVariable)
            }
        }
    }

    private mutating func apply(_ option: FlatOption, _ text: String, source: String) {
        do throws(ValueError) {
            switch option {
            case .ips:
                let ips = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
                guard !ips.contains("") else { throw ValueError("\"\(text)\" has an empty entry") }
                updatePool("targets", from: source) { $0.targets = ips.map { TargetSettings(sourceIP: $0) } }
            case .port:
                let port = try Self.port(text)
                updateListener("listen", from: source) { $0.listen.port = port }
            case .metricsPort:
                config.admin.listen.port = try Self.port(text)
                sourceMap.record(option: source, at: "admin.listen")
            case .auth:
                guard let colon = text.firstIndex(of: ":") else { throw ValueError("expected \"username:password\"") }
                let user = ProxyUser(
                    username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
                updateListener("auth", from: source) { $0.auth = AuthSettings(users: [user]) }
            case .timeout:
                let duration = try Self.duration(text)
                updateListener("timeouts.connect", from: source) { $0.timeouts.connect = duration }
            case .idleTimeout:
                let duration = try Self.duration(text)
                updateListener("timeouts.idle", from: source) { $0.timeouts.idle = duration }
            case .maxConnsPerIP:
                let count = try Self.int(text)
                updatePool("max_connections_per_target", from: source) { $0.maxConnectionsPerTarget = count }
            case .maxConnsTotal:
                let count = try Self.int(text)
                updateListener("max_connections", from: source) { $0.maxConnections = count }
            case .historyWindow:
                let duration = try Self.duration(text)
                updatePool("policy_options.history_window", from: source) { $0.policyOptions.historyWindow = duration }
            case .historySize:
                let count = try Self.int(text)
                updatePool("policy_options.history_size", from: source) { $0.policyOptions.historySize = count }
            case .historyMaxTotalEntries:
                let count = try Self.int(text)
                updatePool("policy_options.history_max_total_entries", from: source) {
                    $0.policyOptions.historyMaxTotalEntries = count
                }
            case .workers:
                config.workers = try Self.int(text)
                sourceMap.record(option: source, at: "workers")
            case .logLevel:
                config.log.level = try ConfigChoice.parse(text, noun: "log level", using: LogLevel.init(configText:))
                sourceMap.record(option: source, at: "log.level")
            case .logFormat:
                config.log.format = try ConfigChoice.parse(text, noun: "log format", using: LogFormat.init(configText:))
                sourceMap.record(option: source, at: "log.format")
            case .pidFile:
                config.process.pidFile = text
                sourceMap.record(option: source, at: "pid_file")
            case .watch:
                config.process.watch = try Self.bool(text)
                sourceMap.record(option: source, at: "reload.watch")
            case .healthCheckEnabled:
                let enabled = try Self.bool(text)
                updatePool("health_check", from: source) {
                    $0.resilience.healthCheck = enabled ? $0.resilience.healthCheck ?? HealthCheckSettings() : nil
                }
            case .healthCheckType:
                let type = try ConfigChoice.parse(
                    text, noun: "health check type", using: HealthCheckSettings.CheckType.init(rawValue:))
                try updateHealthCheck("type", from: source) { $0.type = type }
            case .healthCheckInterval:
                let duration = try Self.duration(text)
                try updateHealthCheck("interval", from: source) { $0.interval = duration }
            case .healthCheckTimeout:
                let duration = try Self.duration(text)
                try updateHealthCheck("timeout", from: source) { $0.timeout = duration }
            case .healthCheckTarget:
                try updateHealthCheck("target", from: source) { $0.target = text }
            case .healthCheckFailureThreshold:
                let count = try Self.int(text)
                try updateHealthCheck("failure_threshold", from: source) { $0.failureThreshold = count }
            case .healthCheckSuccessThreshold:
                let count = try Self.int(text)
                try updateHealthCheck("success_threshold", from: source) { $0.successThreshold = count }
            case .circuitBreakerEnabled:
                let enabled = try Self.bool(text)
                updatePool("circuit_breaker", from: source) {
                    $0.resilience.circuitBreaker =
                        enabled ? $0.resilience.circuitBreaker ?? CircuitBreakerSettings() : nil
                }
            case .cbFailureThreshold:
                let count = try Self.int(text)
                try updateCircuitBreaker("failure_threshold", from: source) { $0.failureThreshold = count }
            case .cbSuccessThreshold:
                let count = try Self.int(text)
                try updateCircuitBreaker("success_threshold", from: source) { $0.successThreshold = count }
            case .cbTimeout:
                let duration = try Self.duration(text)
                try updateCircuitBreaker("timeout", from: source) { $0.timeout = duration }
            case .idleConnTimeout:
                let duration = try Self.duration(text)
                updatePool("keepalive.idle_timeout", from: source) { $0.keepAlive.idleTimeout = duration }
            case .tcpKeepalive:
                config.transport.tcpKeepalive = try TransportSettings.keepalive(text)
                sourceMap.record(option: source, at: "transport.tcp_keepalive")
            case .tlsHandshakeTimeout:
                config.transport.tlsHandshakeTimeout = try Self.duration(text)
                sourceMap.record(option: source, at: "transport.tls_handshake_timeout")
            case .expectContinueTimeout:
                config.transport.expectContinueTimeout = try Self.duration(text)
                sourceMap.record(option: source, at: "transport.expect_continue_timeout")
            }
        } catch {
            issues.append(ConfigIssue(path: source, message: error.message))
        }
    }

    /// Changes the first forward listener, noting `source` as the origin of `field` (a path below the listener).
    private mutating func updateListener(
        _ field: String, from source: String, _ update: (inout ListenerSettings) -> Void
    ) {
        guard let index = forwardListenerIndex(for: source) else { return }
        update(&config.listeners[index])
        sourceMap.record(option: source, at: ConfigPath.key(field, in: ConfigPath.index(index, in: "listeners")))
    }

    /// Changes the first forward listener's pool; a missing pool is left for validation to report.
    private mutating func updatePool(_ field: String, from source: String, _ update: (inout PoolSettings) -> Void) {
        guard let listener = forwardListenerIndex(for: source),
            let index = config.pools.firstIndex(where: { $0.name == config.listeners[listener].pool })
        else { return }
        update(&config.pools[index])
        sourceMap.record(
            option: source, at: ConfigPath.key(field, in: ConfigPath.key(config.pools[index].name, in: "pools")))
    }

    /// Changes a part of the first forward listener's pool that the pool must have (its health check or circuit
    /// breaker); `missing` says how to add it when it has none.
    private mutating func updatePart<Part>(
        _ part: WritableKeyPath<PoolSettings, Part?>, _ field: String, from source: String, missing: String,
        _ update: (inout Part) -> Void
    ) throws(ValueError) {
        var isMissing = false
        updatePool(field, from: source) { pool in
            guard pool[keyPath: part] != nil else { return isMissing = true }
            update(&pool[keyPath: part]!)
        }
        if isMissing { throw ValueError(missing) }
    }

    private mutating func updateHealthCheck(
        _ field: String, from source: String, _ update: (inout HealthCheckSettings) -> Void
    ) throws(ValueError) {
        try updatePart(
            \.resilience.healthCheck, "health_check.\(field)", from: source,
            missing: "the pool has no health check: add --health-check-enabled true", update)
    }

    private mutating func updateCircuitBreaker(
        _ field: String, from source: String, _ update: (inout CircuitBreakerSettings) -> Void
    ) throws(ValueError) {
        try updatePart(
            \.resilience.circuitBreaker, "circuit_breaker.\(field)", from: source,
            missing: "the pool has no circuit breaker: add --circuit-breaker-enabled true", update)
    }

    private mutating func forwardListenerIndex(for source: String) -> Int? {
        if let index = config.listeners.firstIndex(where: { $0.mode == .forward }) { return index }
        issues.append(ConfigIssue(path: source, message: "there is no forward listener to apply it to"))
        return nil
    }

    private static func int(_ text: String) throws(ValueError) -> Int {
        guard let value = Int(text) else { throw ValueError("expected a whole number, got \"\(text)\"") }
        return value
    }

    private static func bool(_ text: String) throws(ValueError) -> Bool {
        guard let value = Bool(text.lowercased()) else { throw ValueError("expected true or false, got \"\(text)\"") }
        return value
    }

    private static func port(_ text: String) throws(ValueError) -> Int {
        guard let port = Int(text), (0...65535).contains(port) else {
            throw ValueError("expected a port number 0-65535, got \"\(text)\"")
        }
        return port
    }

    private static func duration(_ text: String) throws(ValueError) -> Duration {
        guard let duration = DurationText.parse(text) else { throw ValueError(DurationText.problem(with: text)) }
        return duration
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    func trimmingSpaces() -> String {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map(index(after:)) ?? start
        return String(self[start..<end])
    }
}
