/// How the process logs: the lowest level written and the line format.
public struct LogSettings: Sendable, Equatable {
    public var level: LogLevel
    public var format: LogFormat

    public init(level: LogLevel = .info, format: LogFormat = .json) {
        self.level = level
        self.format = format
    }

    /// Info level, JSON lines.
    public static let `default` = LogSettings()
}

/// A log severity threshold, lowest first.
public enum LogLevel: String, CaseIterable, Sendable, Equatable {
    case trace, debug, info, warn, error

    /// Reads a level as written in config, ignoring case and accepting `warning` for `warn`.
    init?(configText text: String) {
        let lowered = text.lowercased()
        self.init(rawValue: lowered == "warning" ? "warn" : lowered)
    }
}

/// The shape of each log line.
public enum LogFormat: String, CaseIterable, Sendable, Equatable {
    case json, text

    /// Reads a format as written in config, ignoring case.
    init?(configText text: String) {
        self.init(rawValue: text.lowercased())
    }
}
