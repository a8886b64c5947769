import NIOCore
import NIOPosix
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `transport` settings on real sockets: TCP keep-alive on client and upstream sockets (read back with
/// `getsockopt` on the proxy's own descriptors, this being the same process), the TLS handshake bound on a TLS
/// listener, and the wait of an `Expect: 100-continue` body for the backend's answer.
@Suite(.timeLimit(.minutes(2)))
struct TransportTuningTests {
    @Test func clientAndUpstreamSocketsGetKeepaliveWithTheIdleTimeUnlessItIsOff() async throws {
        try await withResources { resources in
            let echo = resources.track(try await TCPServer.echo(group: resources.group))
            let echoPort = echo.localAddress!.port!
            for (setting, expected) in [("7s", KeepaliveOption(on: 1, idle: 7)), ("off", KeepaliveOption(on: 0, idle: nil))] {
                let yaml = "transport: { tcp_keepalive: \(setting) }\n" + ProxyHarness.forwardYAML()
                let proxy = resources.track(try await ProxyHarness(yaml: yaml))
                let tunnel = try RawClient(port: proxy.port)
                try tunnel.send("CONNECT 127.0.0.1:\(echoPort) HTTP/1.1\r\nHost: 127.0.0.1:\(echoPort)\r\n\r\n")
                #expect(try tunnel.receive(until: "\r\n\r\n").hasPrefix("HTTP/1.1 200"))
                let client = KeepaliveOption.ofSockets { local, _ in local == proxy.port }
                let upstream = KeepaliveOption.ofSockets { local, peer in peer == echoPort && local != proxy.port }
                #expect(client == [expected], "the client's socket, tcp_keepalive: \(setting)")
                #expect(upstream == [expected], "the upstream socket, tcp_keepalive: \(setting)")
                tunnel.shutdownWrite()
                _ = try tunnel.receiveAll()
            }
        }
    }

    @Test func aClientThatNeverSendsItsClientHelloIsClosedAfterTheHandshakeTimeoutAndCounted() async throws {
        let pki = try TestCertificates.withServer()
        defer { pki.remove() }
        let tls = "    tls: { cert: \"\(pki.directory)/server.pem\", key: \"\(pki.directory)/server.key\" }\n"
        let yaml = "transport: { tls_handshake_timeout: 300ms }\n"
            + ProxyHarness.forwardYAML(headerRead: "30s", listenerExtra: tls)
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let silent = try RawClient(port: proxy.port, receiveTimeoutSeconds: 10)
            let connected = ContinuousClock.now
            #expect(try silent.receive().isEmpty, "closed without a byte")
            let waited = ContinuousClock.now - connected
            #expect(waited >= .milliseconds(250) && waited < .seconds(5), "\(waited)")
            #expect(try await eventually {
                proxy.runtime.metricsText().contains(#"switchyard_limit_rejections_total{kind="tls_handshake_timeout"} 1"#)
            })
            let https = ["--proxy", "https://127.0.0.1:\(proxy.port)", "--proxy-cacert", pki.caPath]
            #expect(try Subprocess.statuses(https + ["http://127.0.0.1:\(origin.port)/"]) == ["200"], "a real client")
        }
    }

    @Test func anHTTPSBackendThatNeverAnswersTheHandshakeFailsAfterTheTimeout() async throws {
        try await withResources { resources in
            let counter = ConnectionCounter()
            let mute = resources.track(try await TCPServer.answering("", group: resources.group, counter: counter))
            let yaml = """
                log: { level: error, format: text }
                transport: { tls_handshake_timeout: 300ms }
                listeners:
                  - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: backends }
                pools:
                  backends:
                    targets: [ { url: "https://127.0.0.1:\(mute.localAddress!.port!)" } ]

                """
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let started = ContinuousClock.now
            #expect(try Subprocess.statuses(["--max-time", "20", "\(proxy.proxyURL)/"]) == ["502"])
            #expect(ContinuousClock.now - started < .seconds(5), "not the 60 s response timeout")
            #expect(counter.value >= 1)
        }
    }

    @Test func anExpectContinueBodyWaitsForTheBackendsAnswerOrTheTimeout() async throws {
        try await withResources { resources in
            let backend = try await ContinueBackend.start(group: resources.group)
            defer { Task { try? await backend.channel.close() } }
            let yaml = """
                log: { level: error, format: text }
                transport: { expect_continue_timeout: 1500ms }
                listeners:
                  - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: backends }
                pools:
                  backends:
                    targets: [ { url: "http://127.0.0.1:\(backend.port)" } ]

                """
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            /// The statuses the client gets, interim ones included.
            func upload(_ path: String) throws -> [String] {
                let client = try RawClient(port: proxy.port)
                let body = String(repeating: "b", count: 1000)
                try client.send(
                    "PUT \(path) HTTP/1.1\r\nHost: web\r\nExpect: 100-continue\r\nContent-Length: 1000\r\n"
                        + "Connection: close\r\n\r\n\(body)")
                return try client.receiveAll().split(separator: "\r\n").filter { $0.hasPrefix("HTTP/1.1 ") }
                    .map { String($0.split(separator: " ")[1]) }
            }
            // The client sends its body at once; the proxy holds it for the backend.
            #expect(try upload("/silent") == ["200"])
            let silent = try #require(backend.exchanges.last)
            #expect(silent.bodyBytes == 1000)
            #expect(silent.bodyWait >= .milliseconds(1450), "held for the timeout: \(silent.bodyWait)")

            #expect(try upload("/continue") == ["100", "200"])
            let continued = try #require(backend.exchanges.last)
            #expect(continued.bodyBytes == 1000)
            #expect(continued.bodyWait < .milliseconds(1000), "sent on the 100: \(continued.bodyWait)")

            #expect(try upload("/refuse") == ["417"])
            try await Task.sleep(for: .milliseconds(1800))
            #expect(backend.exchanges.last?.path == "/refuse")
            #expect(backend.exchanges.last?.bodyBytes == 0, "a refused body never reaches the backend")
        }
    }
}

/// `SO_KEEPALIVE` and `TCP_KEEPIDLE` of a socket (the idle time only when keep-alive is on).
private struct KeepaliveOption: Equatable {
    var on: Int32
    var idle: Int32?

    /// The options of this process's connected IPv4 TCP sockets whose (local, peer) ports `matching` accepts.
    static func ofSockets(matching: (Int, Int) -> Bool) -> [KeepaliveOption] {
        (0..<Int32(4096)).compactMap { fd in
            guard let local = port(fd, getsockname), let peer = port(fd, getpeername), matching(local, peer) else {
                return nil
            }
            let on = option(fd, SOL_SOCKET, SO_KEEPALIVE)
            return KeepaliveOption(on: on, idle: on == 0 ? nil : option(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE))
        }
    }

    private static func port(
        _ fd: Int32, _ name: (Int32, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32
    ) -> Int? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { name(fd, $0, &length) }
        }
        guard result == 0, address.sin_family == sa_family_t(AF_INET) else { return nil }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func option(_ fd: Int32, _ level: Int32, _ name: Int32) -> Int32 {
        var value: Int32 = -1
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, level, name, &value, &length)
        return value
    }
}

/// A backend for `Expect: 100-continue` requests that answers by path: `/continue` sends `100 Continue` at once,
/// `/refuse` a final `417` at once (and closes), anything else stays silent until the body is in. It records when
/// each request's head and body arrived.
private final class ContinueBackend: Sendable {
    struct Exchange: Sendable {
        var path: String
        var bodyBytes = 0
        /// From the head's arrival to the body's completion.
        var bodyWait: Duration = .zero
    }

    let channel: any Channel
    private let log: Log

    private init(channel: any Channel, log: Log) {
        self.channel = channel
        self.log = log
    }

    var port: Int { channel.localAddress!.port! }
    var exchanges: [Exchange] { log.exchanges.withLock { $0 } }

    static func start(group: any EventLoopGroup) async throws -> ContinueBackend {
        let log = Log()
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ContinueBackend(channel: channel, log: log)
    }

    private final class Log: Sendable {
        let exchanges = Mutex<[Exchange]>([])
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let log: Log
        private var buffered = ""
        private var headAt: ContinuousClock.Instant?
        private var expected = 0

        init(log: Log) { self.log = log }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            buffered += String(buffer: unwrapInboundIn(data))
            if headAt == nil, let end = buffered.range(of: "\r\n\r\n") {
                headAt = .now
                let head = buffered[..<end.lowerBound]
                buffered = String(buffered[end.upperBound...])
                let path = head.split(separator: " ").dropFirst().first.map(String.init) ?? ""
                expected = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                log.exchanges.withLock { $0.append(Exchange(path: path)) }
                switch path {
                case "/continue": write("HTTP/1.1 100 Continue\r\n\r\n", context: context)
                case "/refuse":
                    write("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", context: context)
                default: break
                }
            }
            guard let headAt else { return }
            let bytes = buffered.utf8.count
            log.exchanges.withLock { $0[$0.count - 1].bodyBytes = bytes }
            if bytes >= expected, expected > 0 {
                log.exchanges.withLock { $0[$0.count - 1].bodyWait = .now - headAt }
                write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", context: context)
                self.headAt = nil
                buffered = ""
            }
        }

        private func write(_ text: String, context: ChannelHandlerContext) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text)), promise: nil)
        }
    }
}
