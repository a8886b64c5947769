/// The rules of a pool's `discover` block.
extension ConfigValidator {
    /// Checks a pool's `discover` block (`path` is the pool's), given the listeners that use the pool and whether
    /// `dns.servers` are configured.
    mutating func check(
        _ discover: DiscoverSettings, at path: String, usedBy listeners: [ListenerSettings], hasDNSServers: Bool
    ) {
        let discoverPath = "\(path).discover"
        if discover.name.isEmpty || discover.name.contains(where: { $0.isWhitespace || $0 == "/" }) {
            report("must be a host name, got \"\(discover.name)\"", at: "\(discoverPath).dns")
        }
        if discover.interval < .seconds(1) {
            report("must be at least 1s, got \(DurationText.format(discover.interval))", at: "\(discoverPath).interval")
        }
        switch (discover.type, discover.port) {
        case (.srv, .some):
            report("SRV records carry their own ports; remove port", at: "\(discoverPath).port")
        case (.srv, nil) where !hasDNSServers:
            report("SRV records are asked of dns.servers (the system resolver has no SRV lookup); configure them",
                at: "\(discoverPath).type")
        case (.a, nil), (.aaaa, nil):
            report("\(discover.type.rawValue) records name addresses only; give the backends' port", at: "\(discoverPath).port")
        case (_, .some(let port)):
            within(1...65535, port, at: "\(discoverPath).port")
        default:
            break
        }
        for listener in listeners where listener.mode.isEgress {
            report(
                "discovered targets are backends (url); listener \"\(listener.name)\" is a \(listener.mode.rawValue) "
                    + "listener, whose targets are egress routes", at: discoverPath)
        }
    }
}
