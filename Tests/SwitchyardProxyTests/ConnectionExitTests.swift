import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing

/// Every way a client connection can end gives its listener slot back at once: clients that close after one
/// keep-alive request (what curl, browsers and HTTP libraries do), bare connect-and-close probes, resets, partial
/// heads, and clients that half-close after their request (they still get the answer).
@Suite(.timeLimit(.minutes(5)))
struct ConnectionExitTests {
    /// A listener of `mode` with `max_connections: 100` in front of `origin`.
    private static func yaml(mode: String, origin: Int) -> String {
        switch mode {
        case "forward":
            return withMetrics(ProxyHarness.forwardYAML(maxConnections: 100))
        default:
            return withMetrics(
                ReverseSetup.yaml(
                    routes: "      - { pool: web }", pools: [.init(name: "web", ports: [origin])],
                    listenerExtra: "    max_connections: 100\n"))
        }
    }

    /// `yaml` with an admin endpoint, so the listener counts its connections in `switchyard_active_connections`.
    static func withMetrics(_ yaml: String) -> String {
        yaml.replacingOccurrences(of: "listeners:", with: "admin: { listen: \"127.0.0.1:0\" }\nlisteners:")
    }

    private static func request(mode: String, origin: Int) -> String {
        mode == "forward"
            ? "GET http://127.0.0.1:\(origin)/ HTTP/1.1\r\nHost: 127.0.0.1:\(origin)\r\n\r\n"
            : "GET / HTTP/1.1\r\nHost: web\r\n\r\n"
    }

    /// Runs `body` with an origin and a proxy of `mode` in front of it.
    private func withListener(
        mode: String, _ body: (ProxyHarness, TestOrigin, String) async throws -> Void
    ) async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let proxy = resources.track(try await ProxyHarness(yaml: Self.yaml(mode: mode, origin: origin.port)))
            try await body(proxy, origin, Self.request(mode: mode, origin: origin.port))
        }
    }

    @Test(arguments: ["forward", "reverse"])
    func clientsClosingAfterOneKeepAliveRequestGiveTheirSlotBack(mode: String) async throws {
        try await withListener(mode: mode) { proxy, _, request in
            let port = proxy.port
            let statuses = try await HTTPLoad.onThread {
                (0..<5_000).map { _ in (try? RawClient(port: port).exchange(request))?.status ?? 0 }
            }
            #expect(statuses.statusCountsByCode == [200: 5_000])
            #expect(try await proxy.activeConnectionsReturnToZero(within: 1))
        }
    }

    @Test func tlsClientsClosingAfterOneRequestGiveTheirSlotBack() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        try pki.issueServer(commonName: "server", into: "server")
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let yaml = ReverseSetup.yaml(
                routes: "      - { pool: web }", pools: [.init(name: "web", ports: [origin.port])],
                listenerExtra: "    max_connections: 100\n"
                    + "    tls: { cert: \"\(pki.directory)/server.pem\", key: \"\(pki.directory)/server.key\" }\n")
            let proxy = resources.track(try await ProxyHarness(yaml: Self.withMetrics(yaml)))
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caPath))
            let context = try NIOSSLContext(configuration: configuration)
            var succeeded = 0
            for _ in 0..<1_000 {
                let answer = try? await TLSOneShotClient.get(
                    port: proxy.port, context: context, group: resources.group,
                    request: "GET / HTTP/1.1\r\nHost: web\r\n\r\n")
                if answer?.hasPrefix("HTTP/1.1 200") == true { succeeded += 1 }
            }
            #expect(succeeded == 1_000)
            #expect(try await proxy.activeConnectionsReturnToZero(within: 1))
        }
    }

    @Test(arguments: ["forward", "reverse"])
    func probesResetsAndPartialHeadsGiveTheirSlotBack(mode: String) async throws {
        try await withListener(mode: mode) { proxy, _, request in
            let port = proxy.port
            try await HTTPLoad.onThread {
                for round in 0..<300 {
                    let client = try RawClient(port: port)
                    switch round % 3 {
                    case 0: break  // connect and close: a TCP health check or a port scan
                    case 1: client.reset()
                    default: try client.send("GET / HTTP/1.1\r\nHo")  // a partial head, then gone
                    }
                }
            }
            #expect(try await proxy.activeConnectionsReturnToZero(within: 1))
            let answer = try await HTTPLoad.onThread { try RawClient(port: port).exchange(request) }
            #expect(answer.status == 200, "the listener still serves after 300 abandoned connections")
        }
    }

    @Test(arguments: ["forward", "reverse"])
    func clientsThatHalfCloseAfterTheirRequestStillGetTheAnswer(mode: String) async throws {
        try await withListener(mode: mode) { proxy, _, request in
            let port = proxy.port
            let answers = try await HTTPLoad.onThread {
                try (0..<200).map { _ in
                    let client = try RawClient(port: port)
                    try client.send(request)
                    client.shutdownWrite()
                    return try client.receiveAll()
                }
            }
            #expect(answers.allSatisfy { $0.hasPrefix("HTTP/1.1 200") && $0.hasSuffix("ok") })
            #expect(try await proxy.activeConnectionsReturnToZero(within: 1))
        }
    }
}

extension ProxyHarness {
    /// Whether `switchyard_active_connections` of the first listener reads 0 within `seconds`.
    func activeConnectionsReturnToZero(within seconds: Double) async throws -> Bool {
        try await eventually(within: seconds) {
            runtime.metricsText().split(separator: "\n").contains {
                $0.hasPrefix("switchyard_active_connections{") && $0.split(separator: " ").last.flatMap { Double($0) } == 0
            }
        }
    }
}

extension [Int] {
    /// How many times each value occurs.
    var statusCountsByCode: [Int: Int] {
        reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }
}

/// Opens a TLS connection, sends one request, reads until the server's `ok` body arrives, then closes itself.
enum TLSOneShotClient {
    static func get(port: Int, context: NIOSSLContext, group: any EventLoopGroup, request: String) async throws
        -> String
    {
        let done = group.next().makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        try NIOSSLClientHandler(context: context, serverHostname: nil),
                        Collector(request: request, done: done))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        defer { channel.close(promise: nil) }
        return try await done.futureResult.get()
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let request: String
        let done: EventLoopPromise<String>
        var text = ""

        init(request: String, done: EventLoopPromise<String>) {
            self.request = request
            self.done = done
        }

        func channelActive(context: ChannelHandlerContext) {
            context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: request)), promise: nil)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            text += String(buffer: unwrapInboundIn(data))
            if text.hasSuffix("\r\n\r\nok") {
                done.succeed(text)
                context.close(promise: nil)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            done.succeed(text)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            done.fail(error)
            context.close(promise: nil)
        }
    }
}
