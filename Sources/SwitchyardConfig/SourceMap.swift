/// Where each value of a loaded config came from, by field path, so that a problem found later in the merged config
/// points at the YAML line or the flat option that set it.
struct SourceMap {
    /// A YAML line, or the flag or environment variable (`--ips`, `SWITCHYARD_IPS`) that set a value.
    enum Origin: Equatable {
        case line(Int)
        case option(String)
    }

    private var origins: [String: Origin] = [:]

    /// Notes that the value at `path` was written on `line` of the file.
    mutating func record(line: Int?, at path: String) {
        if let line { origins[path] = .line(line) }
    }

    /// Notes that a flat option replaced the value at `path`, and everything below it.
    mutating func record(option: String, at path: String) {
        origins = origins.filter { !ConfigPath.isWithin($0.key, path) }
        origins[path] = .option(option)
    }

    /// Where the value at `path` came from: its own origin or that of the nearest enclosing value with one.
    func origin(of path: String) -> Origin? {
        var current: String? = path
        while let candidate = current {
            if let origin = origins[candidate] { return origin }
            current = ConfigPath.parent(of: candidate)
        }
        return nil
    }

    /// `issue` pointed at its origin: a file line, or renamed to the option that set the value.
    func locate(_ issue: ConfigIssue, file: String?) -> ConfigIssue {
        var located = issue
        switch origin(of: issue.path) {
        case .option(let option): located.path = option
        case .line(let line): (located.file, located.line) = (file, line)
        case nil: located.file = file
        }
        return located
    }
}
