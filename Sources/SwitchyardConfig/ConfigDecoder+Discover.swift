import Yams

/// The `discover` block of a pool.
extension ConfigDecoder {
    private static let discoverKeys = ["dns", "type", "interval", "port", "scheme"]

    /// The `discover` mapping under `fields`; nil when it is absent.
    func discover(_ fields: YAMLMapping) -> DiscoverSettings? {
        guard let mapping = fields.mapping("discover", keys: Self.discoverKeys) else { return nil }
        var settings = DiscoverSettings(name: "")
        mapping.read("dns", into: &settings.name, required: true)
        mapping.read("type", into: &settings.type, noun: "record type") {
            DiscoverSettings.RecordType(rawValue: $0.uppercased())
        }
        mapping.read("interval", into: &settings.interval)
        mapping.read("port", into: &settings.port)
        mapping.read("scheme", into: &settings.scheme, noun: "scheme", parse: DiscoverSettings.Scheme.init(rawValue:))
        return settings
    }
}
