import Atomics
import Logging
import SwitchyardConfig

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes one log record per line to standard output, as a JSON object or as `key=value` text.
///
/// Each record is formatted on the calling thread and handed whole to a `LogLineWriter` (standard output's, by
/// default), which writes it from its own thread: lines from different threads do not interleave, a supervisor (or a
/// test) sees each line as soon as it can read it, and a reader that stops reading costs dropped lines, never a
/// blocked event loop.
public struct LineLogHandler: LogHandler {
    /// The level of every logger of the process, which the admin API changes at run time.
    /// An index into `levels`; an atomic, since every log call reads it.
    private static let processLevel = ManagedAtomic(levelIndex(.info))
    /// `Logger.Level.allCases`, made once: the synthesized property builds a new array on each call, and the level
    /// is read on every log call, even one below the level.
    private static let levels = Logger.Level.allCases

    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let format: LogFormat
    private let writer: LogLineWriter

    public init(label: String, format: LogFormat, writer: LogLineWriter = .standardOutput) {
        self.label = label
        self.format = format
        self.writer = writer
    }

    /// The process-wide level; setting it changes every logger at once.
    public var logLevel: Logger.Level {
        get { Self.levels[Self.processLevel.load(ordering: .relaxed)] }
        set { Self.setProcessLevel(newValue) }
    }

    /// Sets the level of every logger of the process.
    static func setProcessLevel(_ level: Logger.Level) {
        processLevel.store(levelIndex(level), ordering: .relaxed)
    }

    private static func levelIndex(_ level: Logger.Level) -> Int {
        levels.firstIndex(of: level)!
    }

    /// Installs this handler for every logger of the process.
    public static func bootstrap(_ settings: LogSettings) {
        setProcessLevel(Logger.Level(settings.level))
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, format: settings.format) }
    }

    /// Waits until the lines logged so far are on standard output, at most `timeout`; call it before the process
    /// exits so that its last lines are not lost.
    /// - Returns: whether everything was written.
    @discardableResult
    public static func flush(timeout: Duration = .seconds(1)) -> Bool {
        LogLineWriter.standardOutput.flush(timeout: timeout)
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = self.metadata
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        let time = Self.timestamp()
        var line: String
        switch format {
        case .json:
            line =
                "{\"time\":\(DoubleQuoted.string(time)),\"level\":\(DoubleQuoted.string(event.level.rawValue)),\"msg\":\(DoubleQuoted.string(event.message.description))"
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                line += ",\(DoubleQuoted.string(key)):\(Self.json(value))"
            }
            line += "}\n"
        case .text:
            line = "\(time) \(event.level.rawValue.uppercased()) \(event.message)"
            for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
                line += " \(key)=\(value)"
            }
            line += "\n"
        }
        writer.enqueue(line)
    }

    /// A metadata value in JSON: numbers and booleans (given as `.stringConvertible`) bare, everything else as a
    /// string.
    static func json(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .stringConvertible(let number as any BinaryInteger): "\(number)"
        case .stringConvertible(let number as Double) where number.isFinite: "\(number)"
        case .stringConvertible(let flag as Bool): "\(flag)"
        default: DoubleQuoted.string(value.description)
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int = 2) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T"
            + "\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}

extension Logger.Level {
    /// The swift-log level for a configured level name.
    public init(_ level: LogLevel) {
        switch level {
        case .trace: self = .trace
        case .debug: self = .debug
        case .info: self = .info
        case .warn: self = .warning
        case .error: self = .error
        }
    }
}
