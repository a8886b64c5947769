/// Builds and relates the field paths that name config values in issues, e.g. `pools.outbound.targets[1].source_ip`.
enum ConfigPath {
    /// `base.key`, or `key` at the top level.
    static func key(_ key: String, in base: String) -> String {
        base.isEmpty ? key : "\(base).\(key)"
    }

    /// `base[index]`.
    static func index(_ index: Int, in base: String) -> String {
        "\(base)[\(index)]"
    }

    /// The path one level up; `""` above a top-level key, nil above the top.
    static func parent(of path: String) -> String? {
        if path.isEmpty { return nil }
        guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { return "" }
        return String(path[..<cut])
    }

    /// Whether `path` is `ancestor` or lies below it.
    static func isWithin(_ path: String, _ ancestor: String) -> Bool {
        ancestor.isEmpty || path == ancestor || path.hasPrefix(ancestor + ".") || path.hasPrefix(ancestor + "[")
    }
}
