#if canImport(Glibc)
import Glibc
#endif
import Foundation
import InMemoryLogging
import Logging
import Testing

/// Every request is counted exactly once, whatever way it ends: the request counter, the duration histogram, the
/// `/stats` windows and the access log agree with what the clients sent, and nothing stays in flight.
@Suite(.timeLimit(.minutes(2)))
struct RequestAccountingTests {
    /// A proxy whose access log is kept in memory.
    private struct Observed {
        let proxy: ProxyHarness
        let logs: InMemoryLogHandler

        var accessLines: Int { logs.entries.filter { $0.message.description == "access" }.count }

        func metric(_ prefix: String) -> Double {
            proxy.runtime.metricsText().split(separator: "\n").filter { $0.hasPrefix(prefix) }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
        }

        var stats: [String: Any] {
            try! JSONSerialization.jsonObject(with: Data(proxy.runtime.statsJSON().utf8)) as! [String: Any]
        }

        var totalInStats: Int? { (stats["windows"] as? [String: [String: Any]])?["total"]?["requests"] as? Int }

        /// Waits until `expected` requests are in every count (a request is counted just after its last byte),
        /// then checks that they all say exactly that.
        func expectCounted(_ expected: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            _ = try await eventually(within: 5) {
                metric("switchyard_requests_total{") >= Double(expected) && accessLines >= expected
                    && stats["in_flight"] as? Int == 0
            }
            try await Task.sleep(for: .milliseconds(200))  // anything counted twice shows up by now
            #expect(metric("switchyard_requests_total{") == Double(expected), sourceLocation: sourceLocation)
            #expect(metric("switchyard_request_duration_seconds_count{") == Double(expected), sourceLocation: sourceLocation)
            #expect(totalInStats == expected, sourceLocation: sourceLocation)
            #expect(accessLines == expected, sourceLocation: sourceLocation)
            #expect(stats["in_flight"] as? Int == 0, sourceLocation: sourceLocation)
        }
    }

    private func observe(_ yaml: String, _ body: (Observed) async throws -> Void) async throws {
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "accounting") { _ in logs }
        let proxy = try await ProxyHarness(
            yaml: ConnectionExitTests.withMetrics(yaml).replacingOccurrences(of: "level: error", with: "level: info"),
            logger: logger)
        do {
            try await body(Observed(proxy: proxy, logs: logs))
            await proxy.shutdown()
        } catch {
            await proxy.shutdown()
            throw error
        }
    }

    @Test func forwardRequestsWithConnectionCloseCountOnce() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            try await observe(ProxyHarness.forwardYAML()) { observed in
                let port = observed.proxy.port
                let request = "GET http://127.0.0.1:\(origin.port)/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                let statuses = try await HTTPLoad.onThread {
                    try (0..<37).map { _ in try RawClient(port: port).exchange(request).status }
                }
                #expect(statuses == Array(repeating: 200, count: 37))
                try await observed.expectCounted(37)
            }
        }
    }

    @Test func reverseRequestsCountOnceOnEveryPath() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let yaml = ReverseSetup.yaml(
                routes: "      - { pool: web }", pools: [.init(name: "web", ports: [origin.port])])
            try await observe(yaml) { observed in
                let port = observed.proxy.port
                let sent = try await HTTPLoad.onThread { () -> Int in
                    var sent = 0
                    let keptAlive = try RawClient(port: port)
                    for _ in 0..<10 { _ = try keptAlive.exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n") }
                    sent += 10
                    for _ in 0..<5 {
                        _ = try RawClient(port: port).exchange("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                        _ = try RawClient(port: port).exchange("GET / HTTP/1.0\r\nHost: a\r\n\r\n")
                    }
                    sent += 10
                    let pipelined = try RawClient(port: port)
                    try pipelined.send(String(repeating: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", count: 3))
                    var text = ""
                    while text.components(separatedBy: "HTTP/1.1 200").count < 4 {
                        text += String(decoding: try pipelined.receive(), as: UTF8.self)
                    }
                    sent += 3
                    _ = try RawClient(port: port).exchange("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n")
                    sent += 1  // 400
                    // Gone mid-response: the proxy counts it when it notices.
                    let leaving = try RawClient(port: port)
                    try leaving.send("GET /bytes?n=50000000 HTTP/1.1\r\nHost: a\r\n\r\n")
                    _ = try leaving.receive()
                    leaving.reset()
                    sent += 1
                    return sent
                }
                try await observed.expectCounted(sent)
            }
        }
    }
}

/// Clients that leave before their request reached an upstream — while waiting in a pool's queue, or while their
/// CONNECT is being dialled — leave the in-flight count and are logged once, as 499.
@Suite(.timeLimit(.minutes(2)))
struct AbandonedRequestTests {
    @Test func clientsLeavingTheQueueOrADialAreCountedOnce() async throws {
        try await withResources { resources in
            let echo = resources.track(try await TCPServer.echo(group: resources.group))
            let stalled = try StalledListener()
            let logs = InMemoryLogHandler()
            let yaml = ProxyHarness.forwardYAML(
                maxConnectionsPerTarget: 1, poolExtra: "    queue: { max: 10, timeout: 30s }\n")
            let proxy = resources.track(
                try await ProxyHarness(
                    // The stalled dial must outlast the test however slowly a busy machine runs it.
                    yaml: ConnectionExitTests.withMetrics(yaml).replacingOccurrences(
                        of: "level: error", with: "level: info"
                    ).replacingOccurrences(of: "connect: 5s", with: "connect: 120s"),
                    logger: Logger(label: "abandoned") { _ in logs }))
            let port = proxy.port
            let echoPort = echo.localAddress!.port!
            let inFlight = {
                (try! JSONSerialization.jsonObject(with: Data(proxy.runtime.statsJSON().utf8)) as! [String: Any])[
                    "in_flight"] as? Int
            }
            let accessLines = { logs.entries.filter { $0.message.description == "access" }.count }

            // The only slot: a CONNECT that hangs in its dial (the destination's accept queue is full).
            let dialling = try RawClient(port: port)
            try dialling.send("CONNECT 127.0.0.1:\(stalled.port) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await eventually(within: 30) { inFlight() == 1 })
            // Five more wait in the queue for it.
            var queued: [RawClient] = []
            for _ in 0..<5 {
                let client = try RawClient(port: port)
                try client.send("CONNECT 127.0.0.1:\(echoPort) HTTP/1.1\r\nHost: x\r\n\r\n")
                queued.append(client)
            }
            #expect(try await eventually(within: 30) { inFlight() == 6 })
            queued.removeAll()
            #expect(try await eventually(within: 30) { inFlight() == 1 }, "queued clients that left are not in flight")
            #expect(accessLines() == 5)
            dialling.reset()
            #expect(try await eventually(within: 30) { inFlight() == 0 }, "a client that left its dial is not in flight")
            try await Task.sleep(for: .milliseconds(100))
            #expect(accessLines() == 6)
            #expect(logs.entries.filter { $0.metadata["status"]?.description == "499" }.count == 6)
            withExtendedLifetime(stalled) {}
        }
    }
}

/// A loopback listener whose accept queue is full, so a new connection to it hangs in its handshake.
final class StalledListener {
    private let fd: Int32
    private var fillers: [RawClient] = []
    let port: Int

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let socket = fd
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length)
                listen(socket, 0)
                return getsockname(socket, pointer, &length)
            }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        // Fill the queue; later connection attempts get no answer to their SYN.
        fillers.append(try RawClient(port: port))
    }

    deinit { close(fd) }
}
