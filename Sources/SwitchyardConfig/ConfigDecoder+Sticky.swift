import Yams

/// The `sticky` block of a pool.
extension ConfigDecoder {
    private static let stickyKeys = ["key", "ttl", "max_entries", "on_target_down"]

    /// The `sticky` mapping under `fields`; nil when it is absent.
    func sticky(_ fields: YAMLMapping) -> StickySettings? {
        guard let mapping = fields.mapping("sticky", keys: Self.stickyKeys) else { return nil }
        var settings = StickySettings(key: .clientIP)
        mapping.read("key", into: &settings.key, required: true) { node throws(ValueError) in
            let text = try YAMLScalar.string(node)
            guard let key = StickySettings.Key(configText: text) else {
                throw ValueError(
                    "\"\(text)\" is not a sticky key; expected username_session, client_ip or header:NAME"
                        + Suggestion.didYouMean(text, in: ["username_session", "client_ip"]))
            }
            return key
        }
        mapping.read("ttl", into: &settings.ttl)
        mapping.read("max_entries", into: &settings.maxEntries)
        mapping.read(
            "on_target_down", into: &settings.onTargetDown, noun: "choice for on_target_down",
            parse: StickySettings.OnTargetDown.init(rawValue:))
        return settings
    }
}
