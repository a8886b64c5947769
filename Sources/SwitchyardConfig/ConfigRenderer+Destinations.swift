/// The `destinations` blocks, at the root and on listeners.
extension ConfigRenderer {
    /// Writes a `destinations` block whose key sits at `indent`.
    mutating func write(_ destinations: DestinationSettings, indent: Int) {
        add(indent, "destinations:")
        add(indent + 1, "allow_private: \(destinations.allowPrivate)")
        add(indent + 1, destinations.rules.isEmpty ? "rules: []" : "rules:")
        for rule in destinations.rules {
            add(indent + 2, "- action: \(rule.action.rawValue)")
            if let name = rule.name { add(indent + 3, "name: \(DoubleQuoted.string(name))") }
            for (key, values) in [("hosts", rule.hosts), ("cidrs", rule.cidrs), ("users", rule.users)]
            where !values.isEmpty {
                add(indent + 3, "\(key): [\(values.map(DoubleQuoted.string).joined(separator: ", "))]")
            }
            if !rule.ports.isEmpty {
                add(indent + 3, "ports: [\(rule.ports.map { DoubleQuoted.string($0.description) }.joined(separator: ", "))]")
            }
            if !rule.methods.isEmpty {
                add(indent + 3, "methods: [\(rule.methods.map(\.rawValue).joined(separator: ", "))]")
            }
        }
    }
}
