/// The rules of the root `dns` block.
extension ConfigValidator {
    mutating func check(_ dns: DNSSettings) {
        for (index, server) in dns.servers.enumerated() where !IPAddress.isValid(server.host) || server.port == 0 {
            report(
                "a DNS server is an IP address and a port, e.g. \"127.0.0.1:53\"; got \"\(server)\"",
                at: "dns.servers[\(index)]")
        }
        within(1...DNSSettings.maxCacheSize, dns.cacheSize, at: "dns.cache_size")
        if dns.minTTL < .zero { report("must not be negative", at: "dns.min_ttl") }
        if dns.maxTTL < dns.minTTL {
            report(
                "must be at least min_ttl (\(DurationText.format(dns.minTTL))), got \(DurationText.format(dns.maxTTL))",
                at: "dns.max_ttl")
        }
        if dns.negativeTTL < .zero { report("must not be negative", at: "dns.negative_ttl") }
        positive(dns.timeout, at: "dns.timeout")
    }
}
