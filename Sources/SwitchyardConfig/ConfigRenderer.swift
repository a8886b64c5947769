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
        add(1, "listen: \(Self.quoted(config.admin.listen.description))")
        add(0, "workers: \(config.workers)")
        add(0, config.listeners.isEmpty ? "listeners: []" : "listeners:")
        for listener in config.listeners { write(listener) }
        add(0, config.pools.isEmpty ? "pools: {}" : "pools:")
        for pool in config.pools { write(pool) }
    }

    private mutating func write(_ listener: ListenerSettings) {
        add(1, "- name: \(Self.quoted(listener.name))")
        add(2, "mode: \(listener.mode.rawValue)")
        add(2, "listen: \(Self.quoted(listener.listen.description))")
        add(2, "pool: \(Self.quoted(listener.pool))")
        if let auth = listener.auth {
            add(2, "auth:")
            add(3, auth.users.isEmpty ? "users: []" : "users:")
            for user in auth.users {
                add(4, "- username: \(Self.quoted(user.username))")
                add(5, "password: \(Self.quoted(redactingSecrets ? "<redacted>" : user.password))")
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
        add(1, "\(Self.quoted(pool.name)):")
        add(2, "policy: \(Self.quoted(pool.policy))")
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
                add(3, "- source_ip: \(Self.quoted(sourceIP))")
                add(4, "weight: \(target.weight)")
            } else {
                add(3, "- weight: \(target.weight)")
            }
        }
    }

    /// `text` as a YAML double-quoted scalar, with quotes, backslashes and control and line-break characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _
            where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
                || [0x2028, 0x2029, 0xFEFF].contains(scalar.value):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
