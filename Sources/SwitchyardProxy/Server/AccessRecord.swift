import Logging
import NIOCore

/// One access-log line: a request or a tunnel, from the client's point of view.
struct AccessRecord {
    var listener: String
    var client: SocketAddress?
    var user: String?
    var method: String
    var host: String
    /// The pool and target that served it; nil when none was picked.
    var pool: String? = nil
    var target: String? = nil
    /// What the pick did with the request's sticky key (`held`, `pinned`, `moved from TARGET`); nil without one.
    var sticky: String? = nil
    /// From picking the target to the upstream's answer (or failure).
    var upstreamDuration: Duration? = nil
    var status: UInt
    var bytesUp = 0
    var bytesDown = 0
    var start: NIODeadline
    var requestID: String? = nil
    var error: String?

    /// The level of an access line: info, or warning for a request that failed.
    private static func level(failed: Bool) -> Logger.Level { failed ? .warning : .info }

    /// Whether `logger` writes the line of a request that did or did not fail. Callers ask before building a record,
    /// so a log that leaves access lines out costs nothing per request.
    static func isWritten(failed: Bool, by logger: Logger) -> Bool { logger.logLevel <= level(failed: failed) }

    /// Writes the line; the caller has checked `isWritten` first.
    func emit(to logger: Logger) {
        let level = Self.level(failed: error != nil)
        var metadata: Logger.Metadata = [
            "listener": .string(listener),
            "client": .string(client?.endpoint ?? "?"),
            "method": .string(method),
            "host": .string(host),
            "status": .stringConvertible(status),
            "bytes_up": .stringConvertible(bytesUp),
            "bytes_down": .stringConvertible(bytesDown),
            "duration_ms": .stringConvertible((NIODeadline.now() - start).nanoseconds / 1_000_000),
        ]
        if let user { metadata["user"] = .string(user) }
        if let pool { metadata["pool"] = .string(pool) }
        if let target { metadata["target"] = .string(target) }
        if let sticky { metadata["sticky"] = .string(sticky) }
        if let upstreamDuration {
            metadata["upstream_ms"] = .stringConvertible(Int(upstreamDuration / .milliseconds(1)))
        }
        if let requestID { metadata["request_id"] = .string(requestID) }
        if let error { metadata["error"] = .string(error) }
        logger.log(level: level, "access", metadata: metadata)
    }
}
