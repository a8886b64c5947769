/// The rules a config must follow beyond its YAML shape. Each broken rule is one issue naming the field path, which
/// the loader then points at the YAML line or the flat option the value came from.
struct ConfigValidator {
    private var issues: [ConfigIssue] = []

    /// Every broken rule in `config`, in field order.
    static func issues(in config: SwitchyardConfig) -> [ConfigIssue] {
        var validator = ConfigValidator()
        validator.check(config)
        return validator.issues
    }

    mutating func report(_ message: String, at path: String) {
        issues.append(ConfigIssue(path: path, message: message))
    }

    private mutating func check(_ config: SwitchyardConfig) {
        if config.listeners.isEmpty { report("no listeners; define at least one under \"listeners\"", at: "listeners") }
        atLeast(0, config.workers, at: "workers")
        if config.workers > 1024 { report("must be at most 1024, got \(config.workers)", at: "workers") }
        if let files = config.process.maxOpenFiles, !(256...(1 << 20)).contains(files) {
            report("must be auto or between 256 and 1048576, got \(files)", at: "max_open_files")
        }
        if config.process.pidFile?.isEmpty == true { report("must not be empty", at: "pid_file") }
        positive(config.process.watchInterval, at: "reload.interval")
        let keepalive = config.transport.tcpKeepalive
        if keepalive != .zero, keepalive < .seconds(1) {
            report("must be 0 (off) or at least 1s, got \(DurationText.format(keepalive))", at: "transport.tcp_keepalive")
        }
        positive(config.transport.tlsHandshakeTimeout, at: "transport.tls_handshake_timeout")
        if config.transport.expectContinueTimeout < .zero {
            report("must not be negative", at: "transport.expect_continue_timeout")
        }
        check(config.destinations, at: "destinations", users: nil)
        check(config.dns)
        var nameOwners: [String: Int] = [:]
        var addressOwners: [ListenAddress: String] = [:]
        for (index, listener) in config.listeners.enumerated() {
            let path = ConfigPath.index(index, in: "listeners")
            if listener.name.isEmpty {
                report("must not be empty", at: "\(path).name")
            } else if let first = nameOwners[listener.name] {
                report("duplicate listener name \"\(listener.name)\" (also listeners[\(first)])", at: "\(path).name")
            } else {
                nameOwners[listener.name] = index
            }
            if listener.listen.port != 0 {
                if let owner = addressOwners[listener.listen] {
                    report("\(listener.listen) is already used by listener \"\(owner)\"", at: "\(path).listen")
                } else {
                    addressOwners[listener.listen] = listener.name
                }
            }
            check(listener, at: path, pools: config.pools)
        }
        for (name, keys) in [("api_keys", config.admin.apiKeys), ("admin_keys", config.admin.adminKeys)] {
            for (index, key) in keys.enumerated() where key.count < 16 {
                report("keys must be at least 16 characters, got \(key.count)", at: "admin.\(name)[\(index)]")
            }
        }
        if config.admin.apiKeys.isEmpty, config.admin.adminKeys.isEmpty, !config.admin.listen.isLoopback {
            report(
                "without api_keys or admin_keys the admin API is open to anyone who reaches it: listen on loopback "
                    + "(127.0.0.1) or configure keys", at: "admin.listen")
        }
        if !(0...10_000).contains(config.admin.perHostMetrics) {
            report("must be 0-10000, got \(config.admin.perHostMetrics)", at: "admin.per_host_metrics")
        }
        if !(1...1000).contains(config.admin.configHistory) {
            report("must be 1-1000, got \(config.admin.configHistory)", at: "admin.config_history")
        }
        if let owner = addressOwners[config.admin.listen] {
            report("\(config.admin.listen) is already used by listener \"\(owner)\"", at: "admin.listen")
        }
        var poolNames: Set<String> = []
        for pool in config.pools {
            let path = ConfigPath.key(pool.name, in: "pools")
            if pool.name.isEmpty { report("a pool name must not be empty", at: path) }
            if !poolNames.insert(pool.name).inserted { report("duplicate pool name \"\(pool.name)\"", at: path) }
            let listeners = config.listeners.filter { $0.usedPools.contains(pool.name) }
            check(pool, at: path, usedBy: Set(listeners.map(\.mode)))
            if let sticky = pool.sticky { check(sticky, at: path, usedBy: listeners) }
            if let discover = pool.discover {
                check(discover, at: path, usedBy: listeners, hasDNSServers: !config.dns.servers.isEmpty)
            }
        }
        check(config.triggers, pools: config.pools, listeners: config.listeners)
    }

    private mutating func check(_ listener: ListenerSettings, at path: String, pools: [PoolSettings]) {
        let poolNames = pools.map(\.name)
        if listener.mode.isEgress || !listener.pool.isEmpty {
            checkPoolExists(listener.pool, in: poolNames, at: "\(path).pool")
        }
        for (index, route) in listener.routes.enumerated() {
            let routePath = ConfigPath.index(index, in: "\(path).routes")
            checkPoolExists(route.pool, in: poolNames, at: "\(routePath).pool")
            if let queueClass = route.queueClass, let pool = pools.first(where: { $0.name == route.pool }) {
                checkQueueClass(queueClass, of: pool, at: "\(routePath).queue_class")
            }
        }
        switch listener.mode {
        case .forward, .socks5:
            if !listener.routes.isEmpty { report("routes belong to reverse listeners", at: "\(path).routes") }
            if let protocols = listener.protocols { check(protocols, of: listener, at: "\(path).protocols") }
            if let destinations = listener.destinations {
                check(destinations, at: "\(path).destinations", users: listener.auth?.users.map(\.username) ?? [])
            }
        case .reverse:
            if listener.routes.isEmpty, listener.pool.isEmpty {
                report("a reverse listener needs \"routes\" (or a \"pool\" for every request)", at: "\(path).routes")
            }
            if listener.auth != nil { report("proxy auth belongs to forward and socks5 listeners", at: "\(path).auth") }
            if listener.protocols != nil {
                report("protocols belong to forward and socks5 listeners", at: "\(path).protocols")
            }
            if listener.destinations != nil {
                report("destinations belong to forward and socks5 listeners", at: "\(path).destinations")
            }
        }
        if let tls = listener.tls {
            if tls.cert.isEmpty { report("must not be empty", at: "\(path).tls.cert") }
            if tls.key.isEmpty { report("must not be empty", at: "\(path).tls.key") }
            if tls.clientAuth != .none, tls.clientCA == nil {
                report("client_auth \(tls.clientAuth.rawValue) needs client_ca", at: "\(path).tls.client_ca")
            }
        }
        if let auth = listener.auth { check(auth, at: "\(path).auth") }
        atLeast(1, listener.maxConnections, at: "\(path).max_connections")
        atLeast(0, listener.maxConnectionsPerClient, at: "\(path).max_connections_per_client")
        atLeast(1, listener.maxIncompleteHeads, at: "\(path).max_incomplete_heads")
        let range = ListenerSettings.maxHeaderBytesRange
        if !range.contains(listener.maxHeaderBytes) {
            report(
                "must be \(range.lowerBound)-\(range.upperBound), got \(listener.maxHeaderBytes)",
                at: "\(path).max_header_bytes")
        }
        positive(listener.timeouts.connect, at: "\(path).timeouts.connect")
        positive(listener.timeouts.idle, at: "\(path).timeouts.idle")
        positive(listener.timeouts.headerRead, at: "\(path).timeouts.header_read")
        positive(listener.timeouts.shutdown, at: "\(path).timeouts.shutdown")
        check(listener.rateLimits, at: "\(path).rate_limits", of: listener)
    }

    private mutating func check(_ protocols: [ProxyProtocol], of listener: ListenerSettings, at path: String) {
        if protocols.isEmpty {
            let names = ProxyProtocol.allCases.map(\.rawValue).joined(separator: ", ")
            report("must list at least one of \(names)", at: path)
        }
        for (index, name) in protocols.enumerated() where protocols[..<index].contains(name) {
            report("\(name.rawValue) is listed twice", at: ConfigPath.index(index, in: path))
        }
        if listener.mode == .socks5, protocols.contains(.http) {
            report(
                "a socks5 listener serves SOCKS5 only; for HTTP and SOCKS5 on one port use mode: forward with "
                    + "protocols: [http, socks5]", at: path)
        }
    }

    mutating func checkPoolExists(_ pool: String, in pools: [String], at path: String) {
        guard !pools.contains(pool) else { return }
        let hint = Suggestion.didYouMean(pool, in: pools)
        let known = pools.isEmpty ? "; no pools are defined" : "; defined pools: \(pools.joined(separator: ", "))"
        report("no pool named \"\(pool)\"\(hint.isEmpty ? known : hint)", at: path)
    }

    private mutating func check(_ auth: AuthSettings, at path: String) {
        if auth.users.isEmpty { report("must list at least one user", at: "\(path).users") }
        var seen: Set<String> = []
        for (index, user) in auth.users.enumerated() {
            let userPath = ConfigPath.index(index, in: "\(path).users")
            if user.username.isEmpty || user.username.contains(":") {
                report("must be non-empty and contain no \":\"", at: "\(userPath).username")
            } else if !seen.insert(user.username).inserted {
                report("duplicate username \"\(user.username)\"", at: "\(userPath).username")
            }
            if user.username.utf8.count + 1 + user.password.utf8.count > AuthSettings.maxCredentialBytes {
                report(
                    "username and password together must be at most \(AuthSettings.maxCredentialBytes) bytes",
                    at: "\(userPath).password")
            }
        }
    }

    private mutating func check(_ pool: PoolSettings, at path: String, usedBy modes: Set<ListenerMode>) {
        if !PoolSettings.knownPolicies.contains(pool.policy) {
            report(
                "unknown policy \"\(pool.policy)\"; known policies: "
                    + PoolSettings.knownPolicies.joined(separator: ", ")
                    + Suggestion.didYouMean(pool.policy, in: PoolSettings.knownPolicies),
                at: "\(path).policy")
        }
        positive(pool.policyOptions.historyWindow, at: "\(path).policy_options.history_window")
        atLeast(1, pool.policyOptions.historySize, at: "\(path).policy_options.history_size")
        atLeast(1, pool.policyOptions.historyMaxTotalEntries, at: "\(path).policy_options.history_max_total_entries")
        check(pool.policyOptions, at: "\(path).policy_options")
        atLeast(1, pool.maxConnectionsPerTarget, at: "\(path).max_connections_per_target")
        atLeast(0, pool.keepAlive.maxIdlePerDestination, at: "\(path).keepalive.max_idle_per_destination")
        atLeast(0, pool.keepAlive.maxIdleTotal, at: "\(path).keepalive.max_idle_total")
        positive(pool.keepAlive.idleTimeout, at: "\(path).keepalive.idle_timeout")
        if pool.targets.isEmpty, pool.discover == nil {
            report("must list at least one target (or discover them)", at: "\(path).targets")
        }
        var firstIndexByID: [String: Int] = [:]
        for (index, target) in pool.targets.enumerated() {
            let targetPath = ConfigPath.index(index, in: "\(path).targets")
            if let ip = target.sourceIP, !IPAddress.isValid(ip) {
                report("\"\(ip)\" is not an IP address", at: "\(targetPath).source_ip")
            }
            if let url = target.url, let problem = BackendURL.problem(with: url) {
                report(problem, at: "\(targetPath).url")
            }
            if target.url != nil, target.sourceIP != nil {
                report("a target has either url (backend) or source_ip (egress), not both", at: targetPath)
            }
            if let upstream = target.upstream {
                if let problem = UpstreamProxyURL.problem(with: upstream) { report(problem, at: "\(targetPath).upstream") }
                if target.url != nil {
                    report("a target has either url (backend) or upstream (egress proxy), not both", at: targetPath)
                }
            }
            if let timeout = target.connectTimeout { positive(timeout, at: "\(targetPath).connect_timeout") }
            if modes.contains(.reverse), target.url == nil {
                report("targets of a pool used by a reverse listener need a url", at: "\(targetPath).url")
            }
            if modes.contains(where: \.isEgress), target.url != nil {
                report("targets of a pool used by a forward or socks5 listener are egress routes; url is not allowed",
                    at: "\(targetPath).url")
            }
            if let first = firstIndexByID[target.id] {
                let what = target.upstream.map { _ in "upstream \"\(target.id)\"" }
                    ?? target.url.map { "url \"\($0)\"" } ?? target.sourceIP.map { "source_ip \"\($0)\"" }
                    ?? "target without source_ip"
                report("duplicate \(what) (same as targets[\(first)])", at: targetPath)
            } else {
                firstIndexByID[target.id] = index
            }
            within(0...TargetSettings.maxWeight, target.weight, at: "\(targetPath).weight")
            if let limit = target.maxConnections { atLeast(1, limit, at: "\(targetPath).max_connections") }
        }
        let backend = pool.backend
        positive(backend.connectTimeout, at: "\(path).timeouts.connect")
        positive(backend.responseTimeout, at: "\(path).timeouts.response_header")
        atLeast(0, backend.retries.attempts, at: "\(path).retries.attempts")
        if !(0...100).contains(backend.retries.budgetPercent) {
            report("must be 0-100, got \(backend.retries.budgetPercent)", at: "\(path).retries.budget_percent")
        }
        positive(backend.retries.backoff, at: "\(path).retries.backoff")
        positive(backend.retries.maxBackoff, at: "\(path).retries.max_backoff")
        atLeast(0, backend.retries.replayBodyBytes, at: "\(path).retries.replay_body_bytes")
        check(pool.resilience, of: pool, at: path, usedBy: modes)
    }

    private mutating func check(_ options: PolicyOptions, at path: String) {
        if !(options.loadFactor > 1) {
            report("must be greater than 1, got \(options.loadFactor)", at: "\(path).load_factor")
        }
        if options.slowStart < .zero { report("must not be negative", at: "\(path).slow_start") }
        positive(options.ewmaDecay, at: "\(path).ewma_decay")
        if !(options.minWeightFactor > 0 && options.minWeightFactor <= 1) {
            report(
                "must be greater than 0 and at most 1, got \(options.minWeightFactor)", at: "\(path).min_weight_factor")
        }
        positive(options.recovery, at: "\(path).recovery")
        if options.autoSustain < .zero { report("must not be negative", at: "\(path).auto_sustain") }
        if options.autoMinDwell < .zero { report("must not be negative", at: "\(path).auto_min_dwell") }
    }

    mutating func atLeast(_ minimum: Int, _ value: Int, at path: String) {
        if value < minimum { report("must be at least \(minimum), got \(value)", at: path) }
    }

    mutating func within(_ range: ClosedRange<Int>, _ value: Int, at path: String) {
        if !range.contains(value) {
            report("must be from \(range.lowerBound) to \(range.upperBound), got \(value)", at: path)
        }
    }

    mutating func positive(_ duration: Duration, at path: String) {
        if duration <= .zero { report("must be greater than 0, got \(DurationText.format(duration))", at: path) }
    }
}
