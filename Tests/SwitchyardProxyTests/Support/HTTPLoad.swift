import Foundation
import Synchronization

/// One response as a test client saw it.
struct Answer: Sendable {
    /// The status code; 0 when the connection failed before a complete response.
    var status: Int
    /// Header names lowercased; the last value wins.
    var headers: [String: String]
    var body: String
    /// When the request was sent and when its response was complete.
    var sent: ContinuousClock.Instant
    var received: ContinuousClock.Instant

    /// Whether the server closes the connection after this response.
    var closes: Bool { status == 0 || headers["connection"]?.lowercased() == "close" }

    var elapsed: Duration { received - sent }
}

/// Not one byte of a response came back: the server closed (or reset) the connection as the request went out. On a
/// kept-alive connection that is a server closing it idle (a drain) as the request crossed, which a client retries
/// on a new connection (RFC 9112 §9.3.1).
struct NoResponse: Error {}

extension RawClient {
    /// Sends `request` (a complete HTTP/1.1 request) and reads one response whose body has a `Content-Length`.
    /// - Throws: `NoResponse` when the connection closed or was reset before a single byte of the response.
    func exchange(_ request: String) throws -> Answer {
        let sent = ContinuousClock.now
        do {
            try send(request)
        } catch {
            throw NoResponse()
        }
        var bytes: [UInt8] = []
        var headEnd: Int?
        while headEnd == nil {
            let chunk: [UInt8]
            do {
                chunk = try receive()
            } catch let failure as Failure where bytes.isEmpty && failure.description.hasSuffix("errno \(ECONNRESET)") {
                throw NoResponse()
            }
            if chunk.isEmpty, bytes.isEmpty { throw NoResponse() }
            guard !chunk.isEmpty else { throw Failure(description: "closed before a response head") }
            bytes += chunk
            headEnd = bytes.indices.dropLast(3).first {
                bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10
            }
        }
        let lines = String(decoding: bytes[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let status = lines[0].split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        var body = Array(bytes[(headEnd! + 4)...])
        while body.count < length {
            let chunk = try receive()
            guard !chunk.isEmpty else { throw Failure(description: "closed within a response body") }
            body += chunk
        }
        return Answer(
            status: status, headers: headers, body: String(decoding: body, as: UTF8.self), sent: sent,
            received: .now)
    }
}

/// Blocking HTTP clients for tests, each on a thread of its own so that a busy test never starves the cooperative
/// pool the other tests (and their timings) share.
enum HTTPLoad {
    /// Runs `body` on a new thread and returns its result.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await onThreads(1) { _ in try body() }[0]
    }

    /// Runs `body(0)` ... `body(count - 1)`, each on a new thread started at once, and returns their results.
    static func onThreads<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) async throws -> [T] {
        try await withCheckedThrowingContinuation { continuation in
            let results = Mutex<[Int: Result<T, any Error>]>([:])
            for index in 0..<count {
                Thread.detachNewThread {
                    let result = Result { try body(index) }
                    let all = results.withLock { results in
                        results[index] = result
                        return results.count == count ? results : nil
                    }
                    if let all { continuation.resume(with: Result { try (0..<count).map { try all[$0]!.get() } }) }
                }
            }
        }
    }

    /// Sends one request over a fresh connection.
    static func send(port: Int, _ request: String) async throws -> Answer {
        try await onThread { try RawClient(port: port).exchange(request) }
    }

    /// `clients` clients, client `n` sending `request(n)` one after another (pausing `pause` after each) over
    /// keep-alive connections for `duration`, and opening a new connection whenever the server closes one (after a
    /// response saying so; a request cut short is not sent again).
    /// - Returns: every answer; a failed exchange is one with status 0.
    static func run(
        port: Int,
        clients: Int,
        for duration: Duration,
        pause: Duration = .zero,
        request: @escaping @Sendable (Int) -> String
    ) async throws -> [Answer] {
        let deadline = ContinuousClock.now + duration
        return try await onThreads(clients) { index in
            var answers: [Answer] = []
            var client: RawClient?
            while ContinuousClock.now < deadline {
                let sent = ContinuousClock.now
                do {
                    let connection = try client ?? RawClient(port: port)
                    client = connection
                    answers.append(try connection.exchange(request(index)))
                } catch {
                    answers.append(Answer(status: 0, headers: [:], body: "\(error)", sent: sent, received: .now))
                }
                if answers.last!.closes { client = nil }
                if pause > .zero { Thread.sleep(forTimeInterval: pause.seconds) }
            }
            return answers
        }.flatMap { $0 }
    }
}

extension Duration {
    /// The duration in seconds, for arithmetic and messages.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}

extension [Answer] {
    /// How many answers had each status.
    var statusCounts: [Int: Int] {
        reduce(into: [:]) { $0[$1.status, default: 0] += 1 }
    }
}
