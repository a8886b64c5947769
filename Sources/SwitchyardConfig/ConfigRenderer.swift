/// Writes a config back as YAML in the file's own shape, every field spelled out, strings double-quoted, so that the
/// text loads back to an equal config.
struct ConfigRenderer {
    let redactingSecrets: Bool
    private var lines: [String] = []

    static func render(_ config: SwitchyardConfig, redactingSecrets: Bool) -> String {
        var renderer = ConfigRenderer(redactingSecrets: redactingSecrets)
        renderer.write(config)
        return renderer.lines.joined(separator: "\n") + "\n"
    }

    private init(redactingSecrets: Bool) {
        self.redactingSecrets = redactingSecrets
    }

    mutating func add(_ indent: Int, _ text: String) {
        lines.append(String(repeating: "  ", count: indent) + text)
    }

    private mutating func write(_ config: SwitchyardConfig) {
        add(0, "log:")
        add(1, "level: \(config.log.level.rawValue)")
        add(1, "format: \(config.log.format.rawValue)")
        add(0, "admin:")
        add(1, "listen: \(DoubleQuoted.string(config.admin.listen.description))")
        for (name, keys) in [("api_keys", config.admin.apiKeys), ("admin_keys", config.admin.adminKeys)] where !keys.isEmpty {
            add(1, "\(name):")
            for key in keys { add(2, "- \(DoubleQuoted.string(redactingSecrets ? RedactedSecrets.placeholder : key))") }
        }
        add(1, "persist: \(config.admin.persist)")
        add(1, "per_host_metrics: \(config.admin.perHostMetrics)")
        add(1, "config_history: \(config.admin.configHistory)")
        add(0, "workers: \(config.workers)")
        add(0, "max_open_files: \(config.process.maxOpenFiles.map(String.init) ?? "auto")")
        if let pidFile = config.process.pidFile { add(0, "pid_file: \(DoubleQuoted.string(pidFile))") }
        add(0, "reload:")
        add(1, "watch: \(config.process.watch)")
        add(1, "interval: \(DurationText.format(config.process.watchInterval))")
        add(0, "transport:")
        add(1, "tcp_keepalive: \(DurationText.format(config.transport.tcpKeepalive))")
        add(1, "tls_handshake_timeout: \(DurationText.format(config.transport.tlsHandshakeTimeout))")
        add(1, "expect_continue_timeout: \(DurationText.format(config.transport.expectContinueTimeout))")
        write(config.destinations, indent: 0)
        write(config.dns)
        add(0, config.listeners.isEmpty ? "listeners: []" : "listeners:")
        for listener in config.listeners { write(listener) }
        add(0, config.pools.isEmpty ? "pools: {}" : "pools:")
        for pool in config.pools { write(pool) }
        write(config.triggers)
    }

    private mutating func write(_ listener: ListenerSettings) {
        add(1, "- name: \(DoubleQuoted.string(listener.name))")
        add(2, "mode: \(listener.mode.rawValue)")
        add(2, "listen: \(DoubleQuoted.string(listener.listen.description))")
        if !listener.pool.isEmpty { add(2, "pool: \(DoubleQuoted.string(listener.pool))") }
        if !listener.routes.isEmpty {
            add(2, "routes:")
            for route in listener.routes { write(route) }
        }
        if let protocols = listener.protocols {
            add(2, "protocols: [\(protocols.map(\.rawValue).joined(separator: ", "))]")
        }
        if let tls = listener.tls {
            add(2, "tls:")
            add(3, "cert: \(DoubleQuoted.string(tls.cert))")
            add(3, "key: \(DoubleQuoted.string(tls.key))")
            if let clientCA = tls.clientCA { add(3, "client_ca: \(DoubleQuoted.string(clientCA))") }
            add(3, "client_auth: \(tls.clientAuth.rawValue)")
        }
        if listener.mode == .reverse { add(2, "add_forwarded: \(listener.addForwarded)") }
        if let auth = listener.auth {
            add(2, "auth:")
            add(3, auth.users.isEmpty ? "users: []" : "users:")
            for user in auth.users {
                add(4, "- username: \(DoubleQuoted.string(user.username))")
                add(5, "password: \(DoubleQuoted.string(redactingSecrets ? RedactedSecrets.placeholder : user.password))")
            }
        }
        add(2, "max_connections: \(listener.maxConnections)")
        add(2, "max_connections_per_client: \(listener.maxConnectionsPerClient)")
        add(2, "max_incomplete_heads: \(listener.maxIncompleteHeads)")
        add(2, "max_header_bytes: \(listener.maxHeaderBytes)")
        add(2, "add_via: \(listener.addVia)")
        add(2, "add_x_forwarded_for: \(listener.addXForwardedFor)")
        add(2, "timeouts:")
        add(3, "connect: \(DurationText.format(listener.timeouts.connect))")
        add(3, "idle: \(DurationText.format(listener.timeouts.idle))")
        add(3, "header_read: \(DurationText.format(listener.timeouts.headerRead))")
        add(3, "shutdown: \(DurationText.format(listener.timeouts.shutdown))")
        if !listener.rateLimits.isEmpty { write(listener.rateLimits) }
        if let destinations = listener.destinations { write(destinations, indent: 2) }
        write(listener.headerRules, indent: 2)
    }

    private mutating func write(_ route: RouteSettings) {
        add(3, "- pool: \(DoubleQuoted.string(route.pool))")
        add(4, "retry_non_idempotent: \(route.retryNonIdempotent)")
        if let queueClass = route.queueClass { add(4, "queue_class: \(DoubleQuoted.string(queueClass))") }
        write(route.headerRules, indent: 4)
        guard route.host != nil || route.pathPrefix != nil || route.method != nil || !route.headers.isEmpty else { return }
        add(4, "match:")
        if let host = route.host { add(5, "host: \(DoubleQuoted.string(host))") }
        if let pathPrefix = route.pathPrefix { add(5, "path_prefix: \(DoubleQuoted.string(pathPrefix))") }
        if let method = route.method { add(5, "method: \(DoubleQuoted.string(method))") }
        if !route.headers.isEmpty {
            add(5, "headers:")
            for header in route.headers { add(6, "\(DoubleQuoted.string(header.name)): \(DoubleQuoted.string(header.value))") }
        }
    }

    private mutating func write(_ pool: PoolSettings) {
        add(1, "\(DoubleQuoted.string(pool.name)):")
        add(2, "policy: \(DoubleQuoted.string(pool.policy))")
        add(2, "policy_options:")
        add(3, "history_window: \(DurationText.format(pool.policyOptions.historyWindow))")
        add(3, "history_size: \(pool.policyOptions.historySize)")
        add(3, "history_max_total_entries: \(pool.policyOptions.historyMaxTotalEntries)")
        add(3, "hash_key: \(DoubleQuoted.string(pool.policyOptions.hashKey.description))")
        add(3, "load_factor: \(pool.policyOptions.loadFactor)")
        add(3, "slow_start: \(DurationText.format(pool.policyOptions.slowStart))")
        add(3, "ewma_decay: \(DurationText.format(pool.policyOptions.ewmaDecay))")
        add(3, "min_weight_factor: \(pool.policyOptions.minWeightFactor)")
        add(3, "recovery: \(DurationText.format(pool.policyOptions.recovery))")
        add(3, "auto_sustain: \(DurationText.format(pool.policyOptions.autoSustain))")
        add(3, "auto_min_dwell: \(DurationText.format(pool.policyOptions.autoMinDwell))")
        add(2, "max_connections_per_target: \(pool.maxConnectionsPerTarget)")
        add(2, "keepalive:")
        add(3, "max_idle_per_destination: \(pool.keepAlive.maxIdlePerDestination)")
        add(3, "max_idle_total: \(pool.keepAlive.maxIdleTotal)")
        add(3, "idle_timeout: \(DurationText.format(pool.keepAlive.idleTimeout))")
        let backend = pool.backend
        add(2, "host_header: \(backend.hostHeader.rawValue)")
        add(2, "timeouts:")
        add(3, "connect: \(DurationText.format(backend.connectTimeout))")
        add(3, "response_header: \(DurationText.format(backend.responseTimeout))")
        add(2, "retries:")
        add(3, "attempts: \(backend.retries.attempts)")
        add(3, "budget_percent: \(backend.retries.budgetPercent)")
        add(3, "backoff: \(DurationText.format(backend.retries.backoff))")
        add(3, "max_backoff: \(DurationText.format(backend.retries.maxBackoff))")
        add(3, "replay_body_bytes: \(backend.retries.replayBodyBytes)")
        add(2, "tls_verify: \(backend.tlsVerify)")
        add(2, "on_all_unhealthy: \(pool.onAllUnhealthy.rawValue)")
        if let ca = backend.ca { add(2, "ca: \(DoubleQuoted.string(ca))") }
        write(pool.resilience)
        if let sticky = pool.sticky {
            add(2, "sticky:")
            add(3, "key: \(DoubleQuoted.string(sticky.key.description))")
            add(3, "ttl: \(DurationText.format(sticky.ttl))")
            add(3, "max_entries: \(sticky.maxEntries)")
            add(3, "on_target_down: \(sticky.onTargetDown.rawValue)")
        }
        write(pool.headerRules, indent: 2)
        if let discover = pool.discover { write(discover) }
        add(2, pool.targets.isEmpty ? "targets: []" : "targets:")
        for target in pool.targets {
            add(3, "- weight: \(target.weight)")
            if let sourceIP = target.sourceIP { add(4, "source_ip: \(DoubleQuoted.string(sourceIP))") }
            if let url = target.url { add(4, "url: \(DoubleQuoted.string(url))") }
            if let upstream = target.upstream {
                let shown = redactingSecrets ? UpstreamProxyURL.redacting(upstream) : upstream
                add(4, "upstream: \(DoubleQuoted.string(shown))")
            }
            if let limit = target.maxConnections { add(4, "max_connections: \(limit)") }
            if let timeout = target.connectTimeout { add(4, "connect_timeout: \(DurationText.format(timeout))") }
            if !target.enabled { add(4, "enabled: false") }
        }
    }
}
