/// The `discover` block of a pool.
extension ConfigRenderer {
    mutating func write(_ discover: DiscoverSettings) {
        add(2, "discover:")
        add(3, "dns: \(DoubleQuoted.string(discover.name))")
        add(3, "type: \(discover.type.rawValue)")
        add(3, "interval: \(DurationText.format(discover.interval))")
        if let port = discover.port { add(3, "port: \(port)") }
        add(3, "scheme: \(discover.scheme.rawValue)")
    }
}
