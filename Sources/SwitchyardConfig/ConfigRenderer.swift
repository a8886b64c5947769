/// Writes a config back as YAML in the file's own shape, every field spelled out, strings double-quoted, so that the
/// text loads back to an equal config.
struct ConfigRenderer {
    private let redactingSecrets: Bool
    private var lines: [String] = []

    static func render(_ config: SwitchyardConfig, redactingSecrets: Bool) -> String {
        var renderer = ConfigRenderer(redactingSecrets: redactingSecrets)
        renderer.write(config)
        return renderer.lines.joined(separator: "\n") + "\n"
    }

    private init(redactingSecrets: Bool) {
        self.redactingSecrets = redactingSecrets
    }

    private mutating func add(_ indent: Int, _ text: String) {
        lines.append(String(repeating: "  ", count: indent) + text)
    }

    private mutating func write(_ config: SwitchyardConfig) {
        add(0, "log:")
        add(1, "level: \(config.log.level.rawValue)")
        add(1, "format: \(config.log.format.rawValue)")
        add(0, "admin:")
        add(1, "listen: \(DoubleQuoted.string(config.admin.listen.description))")
        add(0, "workers: \(config.workers)")
        add(0, config.listeners.isEmpty ? "listeners: []" : "listeners:")
        for listener in config.listeners { write(listener) }
        add(0, config.pools.isEmpty ? "pools: {}" : "pools:")
        for pool in config.pools { write(pool) }
    }

    private mutating func write(_ listener: ListenerSettings) {
        add(1, "- name: \(DoubleQuoted.string(listener.name))")
        add(2, "mode: \(listener.mode.rawValue)")
        add(2, "listen: \(DoubleQuoted.string(listener.listen.description))")
        add(2, "pool: \(DoubleQuoted.string(listener.pool))")
        if let auth = listener.auth {
            add(2, "auth:")
            add(3, auth.users.isEmpty ? "users: []" : "users:")
            for user in auth.users {
                add(4, "- username: \(DoubleQuoted.string(user.username))")
                add(5, "password: \(DoubleQuoted.string(redactingSecrets ? "<redacted>" : user.password))")
            }
        }
        add(2, "max_connections: \(listener.maxConnections)")
        add(2, "max_header_bytes: \(listener.maxHeaderBytes)")
        add(2, "add_via: \(listener.addVia)")
        add(2, "add_x_forwarded_for: \(listener.addXForwardedFor)")
        add(2, "timeouts:")
        add(3, "connect: \(DurationText.format(listener.timeouts.connect))")
        add(3, "idle: \(DurationText.format(listener.timeouts.idle))")
        add(3, "header_read: \(DurationText.format(listener.timeouts.headerRead))")
        add(3, "shutdown: \(DurationText.format(listener.timeouts.shutdown))")
    }

    private mutating func write(_ pool: PoolSettings) {
        add(1, "\(DoubleQuoted.string(pool.name)):")
        add(2, "policy: \(DoubleQuoted.string(pool.policy))")
        add(2, "policy_options:")
        add(3, "history_window: \(DurationText.format(pool.policyOptions.historyWindow))")
        add(3, "history_size: \(pool.policyOptions.historySize)")
        add(3, "history_max_total_entries: \(pool.policyOptions.historyMaxTotalEntries)")
        add(2, "max_connections_per_target: \(pool.maxConnectionsPerTarget)")
        add(2, "keepalive:")
        add(3, "max_idle_per_destination: \(pool.keepAlive.maxIdlePerDestination)")
        add(3, "idle_timeout: \(DurationText.format(pool.keepAlive.idleTimeout))")
        add(2, pool.targets.isEmpty ? "targets: []" : "targets:")
        for target in pool.targets {
            if let sourceIP = target.sourceIP {
                add(3, "- source_ip: \(DoubleQuoted.string(sourceIP))")
                add(4, "weight: \(target.weight)")
            } else {
                add(3, "- weight: \(target.weight)")
            }
        }
    }
}
