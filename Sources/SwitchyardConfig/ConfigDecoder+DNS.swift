import Yams

/// The root `dns` block.
extension ConfigDecoder {
    private static let dnsKeys = ["servers", "cache_size", "min_ttl", "max_ttl", "negative_ttl", "timeout"]

    /// The `dns` mapping under `fields`; nil when it is absent.
    func dns(_ fields: YAMLMapping) -> DNSSettings? {
        guard let mapping = fields.mapping("dns", keys: Self.dnsKeys) else { return nil }
        var settings = DNSSettings()
        if let servers = mapping.list("servers") {
            settings.servers = converting(servers) { node throws(ValueError) in
                try ListenAddress.parse(try YAMLScalar.string(node))
            }
        }
        mapping.read("cache_size", into: &settings.cacheSize)
        mapping.read("min_ttl", into: &settings.minTTL)
        mapping.read("max_ttl", into: &settings.maxTTL)
        mapping.read("negative_ttl", into: &settings.negativeTTL)
        mapping.read("timeout", into: &settings.timeout)
        return settings
    }
}
