import Yams

/// One YAML mapping being read into a model value: each `read` overwrites its target only when the key is present,
/// so targets start out holding their defaults.
struct YAMLMapping {
    /// A key present in the mapping, with its value and field path.
    struct Entry {
        var key: String
        var value: Node
        var path: String
    }

    let reader: YAMLNodeReader
    let path: String
    let entries: [Entry]

    func read(_ key: String, into target: inout String, required: Bool = false) {
        if let value = convert(key, required: required, YAMLScalar.string) { target = value }
    }

    func read(_ key: String, into target: inout String?) {
        if let value = convert(key, required: false, YAMLScalar.string) { target = value }
    }

    func read(_ key: String, into target: inout Int) {
        if let value = convert(key, required: false, YAMLScalar.int) { target = value }
    }

    func read(_ key: String, into target: inout Int?) {
        if let value = convert(key, required: false, YAMLScalar.int) { target = value }
    }

    func read(_ key: String, into target: inout Bool) {
        if let value = convert(key, required: false, YAMLScalar.bool) { target = value }
    }

    func read(_ key: String, into target: inout Double) {
        if let value = convert(key, required: false, YAMLScalar.double) { target = value }
    }

    func read(_ key: String, into target: inout Double?) {
        if let value = convert(key, required: false, YAMLScalar.double) { target = value }
    }

    /// Reads a list of whole numbers, reporting each element that is not one at its own path (`statuses[1]`);
    /// such an element is kept as 0, whose later checks are filtered out with its path.
    func read(_ key: String, into target: inout [Int]) {
        guard let elements = list(key) else { return }
        target = elements.map { element in
            do throws(ValueError) {
                return try YAMLScalar.int(element.node)
            } catch {
                reader.report(error.message, at: element.path)
                return 0
            }
        }
    }

    /// Reads a value whose text has a form of its own (a rate, a set of statuses) with `convert`.
    func read<Value>(
        _ key: String, into target: inout Value, required: Bool = false,
        as convert: (Node) throws(ValueError) -> Value
    ) {
        if let value = self.convert(key, required: required, convert) { target = value }
    }

    func read(_ key: String, into target: inout HashKey) {
        if let value = convert(key, required: false, YAMLScalar.hashKey) { target = value }
    }

    func read(_ key: String, into target: inout Duration) {
        if let value = convert(key, required: false, YAMLScalar.duration) { target = value }
    }

    func read(_ key: String, into target: inout Duration?) {
        if let value = convert(key, required: false, YAMLScalar.duration) { target = value }
    }

    func read(_ key: String, into target: inout ListenAddress, required: Bool = false) {
        if let value = convert(key, required: required, YAMLScalar.listenAddress) { target = value }
    }

    /// Reads one of a fixed set of names; `note` is added to the message listing them when the name is not one.
    func read<Choice: CaseIterable & RawRepresentable<String>>(
        _ key: String, into target: inout Choice, noun: String, required: Bool = false, note: String = "",
        parse: (String) -> Choice?
    ) {
        let value = convert(key, required: required) { node throws(ValueError) in
            try ConfigChoice.parse(try YAMLScalar.string(node), noun: noun, note: note, using: parse)
        }
        if let value { target = value }
    }

    /// The mapping under `key`, or nil when absent or not a mapping (reported).
    func mapping(_ key: String, keys: [String]?) -> YAMLMapping? {
        guard let entry = entry(key) else { return nil }
        return reader.mapping(entry.value, at: entry.path, keys: keys)
    }

    /// The list under `key`, or nil when absent or not a list (reported).
    func list(_ key: String, required: Bool = false) -> [(path: String, node: Node)]? {
        guard let entry = entry(key, required: required) else { return nil }
        return reader.list(entry.value, at: entry.path)
    }

    /// The entry for `key` unless it is absent or null; reports a missing required key.
    private func entry(_ key: String, required: Bool = false) -> Entry? {
        if let entry = entries.first(where: { $0.key == key }), !YAMLScalar.isNull(entry.value) { return entry }
        if required { reader.report("\"\(key)\" is required", at: ConfigPath.key(key, in: path)) }
        return nil
    }

    private func convert<Value>(
        _ key: String, required: Bool, _ convert: (Node) throws(ValueError) -> Value
    ) -> Value? {
        guard let entry = entry(key, required: required) else { return nil }
        do {
            return try convert(entry.value)
        } catch {
            reader.report(error.message, at: entry.path)
            return nil
        }
    }
}
