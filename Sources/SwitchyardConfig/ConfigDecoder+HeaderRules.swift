import Yams

/// The `header_rules` key listeners, routes and pools share.
extension ConfigDecoder {
    /// `header_rules` from a listener's, route's or pool's mapping; empty when absent. Every value template is parsed
    /// here, and a protected or malformed header name refused, each at its own field path.
    func headerRules(_ fields: YAMLMapping) -> HeaderRules {
        var rules = HeaderRules()
        guard let section = fields.mapping("header_rules", keys: ["request", "response"]) else { return rules }
        if let request = section.mapping("request", keys: ["remove", "set", "add"]) { rules.request = edits(request) }
        if let response = section.mapping("response", keys: ["remove", "set", "add"]) {
            rules.response = edits(response)
        }
        return rules
    }

    private func edits(_ fields: YAMLMapping) -> HeaderEdits {
        var edits = HeaderEdits()
        edits.remove = (fields.list("remove") ?? []).compactMap { element -> String? in
            let name = reader.string(element.node, at: element.path)
            return checkedName(name, at: element.path) ? name : nil
        }
        edits.set = templatedHeaders("set", in: fields)
        edits.add = templatedHeaders("add", in: fields)
        return edits
    }

    /// The `name: template` entries under `key`, in order; refused entries are reported and left out.
    private func templatedHeaders(_ key: String, in fields: YAMLMapping) -> [TemplatedHeader] {
        guard let headers = fields.mapping(key, keys: nil) else { return [] }
        return headers.entries.compactMap { entry -> TemplatedHeader? in
            guard checkedName(entry.key, at: entry.path) else { return nil }
            var template: HeaderTemplate? = nil
            headers.read(entry.key, into: &template, as: { node throws(ValueError) -> HeaderTemplate? in
                let text = try YAMLScalar.string(node)
                do throws(HeaderTemplateError) {
                    return try HeaderTemplate(parsing: text)
                } catch {
                    throw ValueError(error.description)
                }
            })
            return template.map { TemplatedHeader(name: entry.key, value: $0) }
        }
    }

    /// Whether `name` may be edited; reports why not at `path`.
    private func checkedName(_ name: String, at path: String) -> Bool {
        if name.isEmpty || !name.utf8.allSatisfy(Self.isTokenCharacter) {
            reader.report("\"\(name)\" is not a valid header name", at: path)
            return false
        }
        if HeaderEdits.protectedNames.contains(name.lowercased()) {
            reader.report(
                "\(name) cannot be changed by header rules: it frames the message or belongs to the connection",
                at: path)
            return false
        }
        return true
    }

    /// RFC 9110 `tchar`.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
