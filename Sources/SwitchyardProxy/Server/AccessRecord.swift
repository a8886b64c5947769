import Logging
import NIOCore

/// One access-log line: a request or a tunnel, from the client's point of view.
struct AccessRecord {
    var listener: String
    var client: SocketAddress?
    var user: String?
    var method: String
    var host: String
    var egress: String?
    var status: UInt
    var bytesUp = 0
    var bytesDown = 0
    var start: NIODeadline
    var requestID: String? = nil
    var error: String?

    func emit(to logger: Logger) {
        let level: Logger.Level = error == nil ? .info : .warning
        guard logger.logLevel <= level else { return }
        var metadata: Logger.Metadata = [
            "listener": .string(listener),
            "client": .string(client?.description ?? "?"),
            "method": .string(method),
            "host": .string(host),
            "status": .stringConvertible(status),
            "bytes_up": .stringConvertible(bytesUp),
            "bytes_down": .stringConvertible(bytesDown),
            "duration_ms": .stringConvertible((NIODeadline.now() - start).nanoseconds / 1_000_000),
        ]
        if let user { metadata["user"] = .string(user) }
        if let egress { metadata["egress"] = .string(egress) }
        if let requestID { metadata["request_id"] = .string(requestID) }
        if let error { metadata["error"] = .string(error) }
        logger.log(level: level, "access", metadata: metadata)
    }
}
