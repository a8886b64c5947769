/// One problem found while loading a config: where it is and what is wrong.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    /// The field, e.g. `pools.outbound.targets[1].source_ip`, or the flag or environment variable a value came from,
    /// e.g. `--ips`; empty for the document as a whole.
    public var path: String
    /// The line in the YAML file, when the problem is in one.
    public var line: Int?
    /// The YAML file, when the problem is in one.
    public var file: String?
    public var message: String

    public init(path: String, line: Int? = nil, file: String? = nil, message: String) {
        self.path = path
        self.line = line
        self.file = file
        self.message = message
    }

    /// `FILE:LINE: PATH: MESSAGE`, leaving out the parts that are missing (`line N:` when there is a line but no file).
    public var description: String {
        var location = ""
        switch (file, line) {
        case (let file?, let line?): location = "\(file):\(line): "
        case (let file?, nil): location = "\(file): "
        case (nil, let line?): location = "line \(line): "
        case (nil, nil): break
        }
        return location + (path.isEmpty ? "" : "\(path): ") + message
    }
}

/// Every problem found in a config, thrown at once so they can all be fixed in one go.
public struct ConfigErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    /// One issue per line.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}

/// Why one value could not be read; the caller knows where it was and turns it into a `ConfigIssue`.
struct ValueError: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}
