import Yams

/// A config read from YAML before validation, with the problems found in its shape and where each value came from.
struct DecodedConfig {
    var config: SwitchyardConfig
    /// Shape problems, already pointed at their lines.
    var issues: [ConfigIssue] = []
    /// The field paths of those problems, whose values hold placeholders that later checks should not report again.
    var failedPaths: [String] = []
    var sourceMap = SourceMap()
}

/// Maps a composed YAML document onto the config model: the valid keys at every level and which field each sets.
struct ConfigDecoder {
    private static let rootKeys = [
        "log", "admin", "workers", "max_open_files", "pid_file", "reload", "transport", "destinations", "listeners", "pools", "triggers",
        "dns",
    ]
    private static let listenerKeys = [
        "name", "mode", "listen", "pool", "routes", "protocols", "tls", "add_forwarded", "auth", "max_connections",
        "max_connections_per_client", "max_incomplete_heads", "max_header_bytes", "add_via", "add_x_forwarded_for", "timeouts", "rate_limits",
        "destinations", "header_rules",
    ]
    private static let poolKeys = [
        "policy", "policy_options", "max_connections_per_target", "keepalive", "host_header", "timeouts", "retries",
        "tls_verify", "ca", "on_all_unhealthy", "health_check", "initial", "outlier_detection", "unreachable_ejection",
        "circuit_breaker", "push_back", "rate_limits", "queue", "sticky", "targets", "header_rules", "discover",
    ]
    private static let policyOptionKeys = [
        "history_window", "history_size", "history_max_total_entries", "hash_key", "load_factor", "slow_start",
        "ewma_decay", "min_weight_factor", "recovery", "auto_sustain", "auto_min_dwell",
    ]

    let reader = YAMLNodeReader()

    /// The config `root` describes (no listeners for an empty document), with every shape problem in it.
    static func decode(_ root: Node?, file: String?) -> DecodedConfig {
        let decoder = ConfigDecoder()
        let config = decoder.config(root)
        let sourceMap = decoder.reader.sourceMap
        return DecodedConfig(
            config: config,
            issues: decoder.reader.issues.map { sourceMap.locate($0, file: file) },
            failedPaths: decoder.reader.issues.map(\.path),
            sourceMap: sourceMap)
    }

    private func config(_ root: Node?) -> SwitchyardConfig {
        var config = SwitchyardConfig(listeners: [], pools: [])
        guard let root, let top = reader.mapping(root, at: "", keys: Self.rootKeys) else { return config }
        if let log = top.mapping("log", keys: ["level", "format"]) {
            log.read("level", into: &config.log.level, noun: "log level", parse: LogLevel.init(configText:))
            log.read("format", into: &config.log.format, noun: "log format", parse: LogFormat.init(configText:))
        }
        if let admin = top.mapping("admin", keys: [
            "listen", "api_keys", "admin_keys", "persist", "per_host_metrics", "config_history",
        ]) {
            admin.read("listen", into: &config.admin.listen)
            config.admin.apiKeys = admin.list("api_keys")?.map { reader.string($0.node, at: $0.path) } ?? []
            config.admin.adminKeys = admin.list("admin_keys")?.map { reader.string($0.node, at: $0.path) } ?? []
            admin.read("persist", into: &config.admin.persist)
            admin.read("per_host_metrics", into: &config.admin.perHostMetrics)
            admin.read("config_history", into: &config.admin.configHistory)
        }
        top.read("workers", into: &config.workers)
        top.read("max_open_files", into: &config.process.maxOpenFiles) { node throws(ValueError) -> Int? in
            let text = try YAMLScalar.string(node)
            if text == "auto" { return nil }
            guard let files = Int(text) else { throw ValueError("expected auto or a whole number, got \"\(text)\"") }
            return files
        }
        top.read("pid_file", into: &config.process.pidFile)
        if let reload = top.mapping("reload", keys: ["watch", "interval"]) {
            reload.read("watch", into: &config.process.watch)
            reload.read("interval", into: &config.process.watchInterval)
        }
        if let transport = top.mapping(
            "transport", keys: ["tcp_keepalive", "tls_handshake_timeout", "expect_continue_timeout"])
        {
            transport.read("tcp_keepalive", into: &config.transport.tcpKeepalive) { node throws(ValueError) in
                try TransportSettings.keepalive(try YAMLScalar.string(node))
            }
            transport.read("tls_handshake_timeout", into: &config.transport.tlsHandshakeTimeout)
            transport.read("expect_continue_timeout", into: &config.transport.expectContinueTimeout)
        }
        if let destinations = destinations(top) { config.destinations = destinations }
        if let dns = dns(top) { config.dns = dns }
        config.listeners = top.list("listeners")?.map(listener) ?? []
        config.pools = top.mapping("pools", keys: nil)?.entries.map(pool) ?? []
        config.triggers = triggers(top)
        return config
    }

    private func listener(path: String, node: Node) -> ListenerSettings {
        var listener = ListenerSettings(name: "", listen: ListenAddress(host: "", port: 0), pool: "")
        guard let fields = reader.mapping(node, at: path, keys: Self.listenerKeys) else { return listener }
        fields.read("name", into: &listener.name, required: true)
        fields.read(
            "mode", into: &listener.mode, noun: "listener mode", required: true,
            parse: ListenerMode.init(rawValue:))
        fields.read("listen", into: &listener.listen, required: true)
        fields.read("pool", into: &listener.pool, required: listener.mode.isEgress)
        listener.routes = fields.list("routes")?.map(route) ?? []
        listener.protocols = fields.list("protocols").map { list in
            converting(list) { node throws(ValueError) in
                try ConfigChoice.parse(
                    try YAMLScalar.string(node), noun: "protocol", using: ProxyProtocol.init(rawValue:))
            }
        }
        if let tls = fields.mapping("tls", keys: ["cert", "key", "client_ca", "client_auth"]) {
            var settings = ListenerTLSSettings(cert: "", key: "")
            tls.read("cert", into: &settings.cert, required: true)
            tls.read("key", into: &settings.key, required: true)
            tls.read("client_ca", into: &settings.clientCA)
            tls.read("client_auth", into: &settings.clientAuth, noun: "client_auth", parse: ClientAuth.init(rawValue:))
            listener.tls = settings
        }
        fields.read("add_forwarded", into: &listener.addForwarded)
        if let auth = fields.mapping("auth", keys: ["users"]) {
            listener.auth = AuthSettings(users: auth.list("users", required: true)?.map(user) ?? [])
        }
        fields.read("max_connections", into: &listener.maxConnections)
        fields.read("max_connections_per_client", into: &listener.maxConnectionsPerClient)
        fields.read("max_incomplete_heads", into: &listener.maxIncompleteHeads)
        fields.read("max_header_bytes", into: &listener.maxHeaderBytes)
        fields.read("add_via", into: &listener.addVia)
        fields.read("add_x_forwarded_for", into: &listener.addXForwardedFor)
        if let timeouts = fields.mapping("timeouts", keys: ["connect", "idle", "header_read", "shutdown"]) {
            timeouts.read("connect", into: &listener.timeouts.connect)
            timeouts.read("idle", into: &listener.timeouts.idle)
            timeouts.read("header_read", into: &listener.timeouts.headerRead)
            timeouts.read("shutdown", into: &listener.timeouts.shutdown)
        }
        listener.rateLimits = fields.list("rate_limits")?.map(rateLimit) ?? []
        listener.destinations = destinations(fields)
        listener.headerRules = headerRules(fields)
        return listener
    }

    private func route(path: String, node: Node) -> RouteSettings {
        var route = RouteSettings(pool: "")
        let keys = ["match", "pool", "retry_non_idempotent", "queue_class", "header_rules"]
        guard let fields = reader.mapping(node, at: path, keys: keys) else { return route }
        if let match = fields.mapping("match", keys: ["host", "path_prefix", "method", "headers"]) {
            match.read("host", into: &route.host)
            match.read("path_prefix", into: &route.pathPrefix)
            match.read("method", into: &route.method)
            if let headers = match.mapping("headers", keys: nil) {
                route.headers = headers.entries.map { entry in
                    var value = ""
                    headers.read(entry.key, into: &value)
                    return HeaderMatch(name: entry.key, value: value)
                }
            }
        }
        fields.read("pool", into: &route.pool, required: true)
        fields.read("retry_non_idempotent", into: &route.retryNonIdempotent)
        fields.read("queue_class", into: &route.queueClass)
        route.headerRules = headerRules(fields)
        return route
    }

    private func user(path: String, node: Node) -> ProxyUser {
        var user = ProxyUser(username: "", password: "")
        guard let fields = reader.mapping(node, at: path, keys: ["username", "password"]) else { return user }
        fields.read("username", into: &user.username, required: true)
        fields.read("password", into: &user.password, required: true)
        return user
    }

    private func pool(_ entry: YAMLMapping.Entry) -> PoolSettings {
        var pool = PoolSettings(name: entry.key, targets: [])
        guard let fields = reader.mapping(entry.value, at: entry.path, keys: Self.poolKeys) else { return pool }
        fields.read("policy", into: &pool.policy)
        if let options = fields.mapping("policy_options", keys: Self.policyOptionKeys) {
            options.read("history_window", into: &pool.policyOptions.historyWindow)
            options.read("history_size", into: &pool.policyOptions.historySize)
            options.read("history_max_total_entries", into: &pool.policyOptions.historyMaxTotalEntries)
            options.read("hash_key", into: &pool.policyOptions.hashKey)
            options.read("load_factor", into: &pool.policyOptions.loadFactor)
            options.read("slow_start", into: &pool.policyOptions.slowStart)
            options.read("ewma_decay", into: &pool.policyOptions.ewmaDecay)
            options.read("min_weight_factor", into: &pool.policyOptions.minWeightFactor)
            options.read("recovery", into: &pool.policyOptions.recovery)
            options.read("auto_sustain", into: &pool.policyOptions.autoSustain)
            options.read("auto_min_dwell", into: &pool.policyOptions.autoMinDwell)
        }
        fields.read(
            "on_all_unhealthy", into: &pool.onAllUnhealthy, noun: "choice for on_all_unhealthy",
            parse: OnAllUnhealthy.init(rawValue:))
        fields.read("max_connections_per_target", into: &pool.maxConnectionsPerTarget)
        let keepAliveKeys = ["max_idle_per_destination", "max_idle_total", "idle_timeout"]
        if let keepAlive = fields.mapping("keepalive", keys: keepAliveKeys) {
            keepAlive.read("max_idle_per_destination", into: &pool.keepAlive.maxIdlePerDestination)
            keepAlive.read("max_idle_total", into: &pool.keepAlive.maxIdleTotal)
            keepAlive.read("idle_timeout", into: &pool.keepAlive.idleTimeout)
        }
        fields.read("host_header", into: &pool.backend.hostHeader, noun: "host_header", parse: HostHeaderMode.init(rawValue:))
        if let timeouts = fields.mapping("timeouts", keys: ["connect", "response_header"]) {
            timeouts.read("connect", into: &pool.backend.connectTimeout)
            timeouts.read("response_header", into: &pool.backend.responseTimeout)
        }
        let retryKeys = ["attempts", "budget_percent", "backoff", "max_backoff", "replay_body_bytes"]
        if let retries = fields.mapping("retries", keys: retryKeys) {
            retries.read("attempts", into: &pool.backend.retries.attempts)
            retries.read("budget_percent", into: &pool.backend.retries.budgetPercent)
            retries.read("backoff", into: &pool.backend.retries.backoff)
            retries.read("max_backoff", into: &pool.backend.retries.maxBackoff)
            retries.read("replay_body_bytes", into: &pool.backend.retries.replayBodyBytes)
        }
        fields.read("tls_verify", into: &pool.backend.tlsVerify)
        fields.read("ca", into: &pool.backend.ca)
        pool.resilience = resilience(fields)
        pool.sticky = sticky(fields)
        pool.headerRules = headerRules(fields)
        pool.discover = discover(fields)
        pool.targets = fields.list("targets", required: pool.discover == nil)?.map(target) ?? []
        return pool
    }

    private func target(path: String, node: Node) -> TargetSettings {
        var target = TargetSettings()
        let keys = ["source_ip", "url", "upstream", "weight", "max_connections", "connect_timeout", "enabled"]
        guard let fields = reader.mapping(node, at: path, keys: keys) else { return target }
        fields.read("source_ip", into: &target.sourceIP)
        fields.read("url", into: &target.url)
        fields.read("upstream", into: &target.upstream)
        fields.read("weight", into: &target.weight)
        fields.read("max_connections", into: &target.maxConnections)
        fields.read("connect_timeout", into: &target.connectTimeout)
        fields.read("enabled", into: &target.enabled)
        return target
    }
}
