/// The `header_rules` of a listener, route or pool, at the indent of its fields; nothing when it has none.
extension ConfigRenderer {
    mutating func write(_ rules: HeaderRules, indent: Int) {
        guard !rules.isEmpty else { return }
        add(indent, "header_rules:")
        for (direction, edits) in [("request", rules.request), ("response", rules.response)] where !edits.isEmpty {
            add(indent + 1, "\(direction):")
            if !edits.remove.isEmpty {
                add(indent + 2, "remove: [\(edits.remove.map(DoubleQuoted.string).joined(separator: ", "))]")
            }
            for (key, headers) in [("set", edits.set), ("add", edits.add)] where !headers.isEmpty {
                add(indent + 2, "\(key):")
                for header in headers {
                    let value = DoubleQuoted.string(header.value.description)
                    add(indent + 3, "\(DoubleQuoted.string(header.name)): \(value)")
                }
            }
        }
    }
}
