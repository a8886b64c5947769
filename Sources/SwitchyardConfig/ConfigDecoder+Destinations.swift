import Yams

/// The `destinations` block, at the root and on forward listeners.
extension ConfigDecoder {
    private static let destinationKeys = ["allow_private", "rules"]
    private static let ruleKeys = ["name", "action", "hosts", "cidrs", "ports", "methods", "users"]

    /// The `destinations` mapping under `fields`; nil when it is absent.
    func destinations(_ fields: YAMLMapping) -> DestinationSettings? {
        guard let mapping = fields.mapping("destinations", keys: Self.destinationKeys) else { return nil }
        var settings = DestinationSettings()
        mapping.read("allow_private", into: &settings.allowPrivate)
        settings.rules = mapping.list("rules")?.map(destinationRule) ?? []
        return settings
    }

    private func destinationRule(path: String, node: Node) -> DestinationRule {
        var rule = DestinationRule(action: .deny)
        guard let fields = reader.mapping(node, at: path, keys: Self.ruleKeys) else { return rule }
        fields.read("name", into: &rule.name)
        fields.read(
            "action", into: &rule.action, noun: "rule action", required: true, parse: DestinationRule.Action.init(rawValue:))
        rule.hosts = strings(fields, "hosts")
        rule.cidrs = strings(fields, "cidrs")
        rule.users = strings(fields, "users")
        rule.ports = elements(fields, "ports", YAMLScalar.portRange)
        rule.methods = elements(fields, "methods") { node throws(ValueError) in
            try ConfigChoice.parse(
                try YAMLScalar.string(node), noun: "method", using: DestinationRule.Method.init(configText:))
        }
        return rule
    }

    private func strings(_ fields: YAMLMapping, _ key: String) -> [String] {
        fields.list(key)?.map { reader.string($0.node, at: $0.path) } ?? []
    }

    /// A list whose elements each convert on their own, each problem reported at its element's path (and the
    /// element left out).
    private func elements<Value>(
        _ fields: YAMLMapping, _ key: String, _ convert: (Node) throws(ValueError) -> Value
    ) -> [Value] {
        fields.list(key).map { converting($0, convert) } ?? []
    }

    /// Each element of `list` converted, each problem reported at its element's path (and the element left out).
    func converting<Value>(
        _ list: [(path: String, node: Node)], _ convert: (Node) throws(ValueError) -> Value
    ) -> [Value] {
        list.compactMap { element in
            do throws(ValueError) {
                return try convert(element.node)
            } catch {
                reader.report(error.message, at: element.path)
                return nil
            }
        }
    }
}
