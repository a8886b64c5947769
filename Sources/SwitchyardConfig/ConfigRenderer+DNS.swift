/// The root `dns` block.
extension ConfigRenderer {
    mutating func write(_ dns: DNSSettings) {
        add(0, "dns:")
        add(1, "servers: [\(dns.servers.map { DoubleQuoted.string($0.description) }.joined(separator: ", "))]")
        add(1, "cache_size: \(dns.cacheSize)")
        add(1, "min_ttl: \(DurationText.format(dns.minTTL))")
        add(1, "max_ttl: \(DurationText.format(dns.maxTTL))")
        add(1, "negative_ttl: \(DurationText.format(dns.negativeTTL))")
        add(1, "timeout: \(DurationText.format(dns.timeout))")
    }
}
