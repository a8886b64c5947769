import Yams

/// Walks a composed YAML tree by hand (rather than through Codable) so that every wrong type, missing key or unknown
/// key becomes an issue naming its field path, and the line of every field visited is recorded for later checks.
final class YAMLNodeReader {
    private(set) var issues: [ConfigIssue] = []
    private(set) var sourceMap = SourceMap()

    func report(_ message: String, at path: String) {
        issues.append(ConfigIssue(path: path, message: message))
    }

    /// `node` as a mapping whose keys must all be in `keys` (any key when nil); nil, reported, when it is not one.
    func mapping(_ node: Node, at path: String, keys: [String]?) -> YAMLMapping? {
        guard case .mapping(let mapping) = node else {
            report("expected a mapping, got \(Self.describe(node))", at: path)
            return nil
        }
        var entries: [YAMLMapping.Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                sourceMap.record(line: keyNode.mark?.line, at: path)
                report("keys must be plain names, got \(Self.describe(keyNode))", at: path)
                continue
            }
            let entryPath = ConfigPath.key(key.string, in: path)
            sourceMap.record(line: key.mark?.line, at: entryPath)
            if let keys, !keys.contains(key.string) {
                let known = Suggestion.didYouMean(key.string, in: keys)
                let hint = known.isEmpty ? "; valid keys: \(keys.joined(separator: ", "))" : known
                report("unknown key \"\(key.string)\"\(hint)", at: entryPath)
                continue
            }
            entries.append(YAMLMapping.Entry(key: key.string, value: value, path: entryPath))
        }
        return YAMLMapping(reader: self, path: path, entries: entries)
    }

    /// The elements of a list with their paths; nil, reported, when `node` is not a list.
    func list(_ node: Node, at path: String) -> [(path: String, node: Node)]? {
        guard case .sequence(let sequence) = node else {
            report("expected a list, got \(Self.describe(node))", at: path)
            return nil
        }
        return sequence.enumerated().map { index, element in
            let elementPath = ConfigPath.index(index, in: path)
            sourceMap.record(line: element.mark?.line, at: elementPath)
            return (elementPath, element)
        }
    }

    /// A list element read as a string; "" (reported) when it is not one.
    func string(_ node: Node, at path: String) -> String {
        do {
            return try YAMLScalar.string(node)
        } catch {
            report(error.message, at: path)
            return ""
        }
    }

    /// A node as an error message shows it: a scalar's text, or its kind.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        default: "an alias"
        }
    }
}

/// The scalar types config values are read as, each explaining what is wrong with a node that is not one.
enum YAMLScalar {
    /// Whether `node` is YAML's null (`~`, `null` or nothing), which config treats as an absent value.
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, isPlain(scalar) else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func string(_ node: Node) throws(ValueError) -> String {
        guard case .scalar(let scalar) = node else {
            throw ValueError("expected a string, got \(YAMLNodeReader.describe(node))")
        }
        return scalar.string
    }

    static func int(_ node: Node) throws(ValueError) -> Int {
        let text = try string(node)
        guard case .scalar(let scalar) = node, isPlain(scalar) else {
            throw ValueError("expected a whole number, got the quoted string \"\(text)\"")
        }
        guard let value = Int(text) else { throw ValueError("expected a whole number, got \"\(text)\"") }
        return value
    }

    static func bool(_ node: Node) throws(ValueError) -> Bool {
        let text = try string(node)
        guard case .scalar(let scalar) = node, isPlain(scalar), let value = Bool.construct(from: scalar) else {
            throw ValueError("expected true or false, got \"\(text)\"")
        }
        return value
    }

    static func double(_ node: Node) throws(ValueError) -> Double {
        let text = try string(node)
        guard case .scalar(let scalar) = node, isPlain(scalar) else {
            throw ValueError("expected a number, got the quoted string \"\(text)\"")
        }
        guard let value = Double(text), value.isFinite else { throw ValueError("expected a number, got \"\(text)\"") }
        return value
    }

    static func hashKey(_ node: Node) throws(ValueError) -> HashKey {
        let text = try string(node)
        guard let key = HashKey(configText: text) else {
            throw ValueError(
                "\"\(text)\" is not a hash key; expected client_ip, destination_host, path, header:NAME or cookie:NAME"
                    + Suggestion.didYouMean(text, in: ["client_ip", "destination_host", "path"]))
        }
        return key
    }

    static func duration(_ node: Node) throws(ValueError) -> Duration {
        let text = try string(node)
        guard let duration = DurationText.parse(text) else { throw ValueError(DurationText.problem(with: text)) }
        return duration
    }

    /// Requests per second, from `N/s`, `N/m`, `N/h` or a bare number.
    static func rate(_ node: Node) throws(ValueError) -> Double {
        let text = try string(node)
        guard let rate = RateText.parse(text) else { throw ValueError(RateText.problem(with: text)) }
        return rate
    }

    /// HTTP statuses and ranges of them, `200-399,404`.
    static func statusRanges(_ node: Node) throws(ValueError) -> StatusRanges {
        let text = try string(node)
        guard let ranges = StatusRanges(configText: text) else {
            throw ValueError(
                "\"\(text)\" is not a set of HTTP statuses; write e.g. \"200-399\" or \"200,204,300-302\" (100-599)")
        }
        return ranges
    }

    /// A listen address; port 0 asks the system for a free one.
    static func listenAddress(_ node: Node) throws(ValueError) -> ListenAddress {
        try ListenAddress.parse(try string(node))
    }

    private static func isPlain(_ scalar: Node.Scalar) -> Bool {
        scalar.style == .plain || scalar.style == .any
    }
}
