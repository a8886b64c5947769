import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A loopback HTTP backend whose `/health` answers can be failed on demand, for all clients or only for some
/// source addresses. It counts the checks it answered each way and records the source of every other request
/// (answered `200 ok`).
final class HealthBackend: Sendable {
    struct State {
        /// Source IPs whose checks fail; `failsEveryone` fails all.
        var failingSources: Set<String> = []
        var failsEveryone = false
        var passedChecks: [String: Int] = [:]
        var failedChecks: [String: Int] = [:]
        var requestSources: [String] = []
    }

    let state = Mutex(State())
    private let channel: Mutex<(any Channel)?> = Mutex(nil)
    let port: Int

    init(group: any EventLoopGroup) async throws {
        let box = Box()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(HealthBackendHandler(backend: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
        self.channel.withLock { $0 = channel }
        box.backend.withLock { $0 = self }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// A reverse listener `web` in front of a round-robin pool `backends` over `backends`; `poolExtra` holds more
    /// pool keys, each line indented by four spaces and ending in a newline.
    static func reverseYAML(_ backends: [HealthBackend], poolExtra: String = "") -> String {
        """
        log: { level: error, format: text }
        listeners:
          - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: backends }
        pools:
          backends:
            policy: round-robin
        \(poolExtra)    targets:
        \(backends.map { "      - url: \"\($0.url)\"" }.joined(separator: "\n"))

        """
    }

    func setFailing(_ failing: Bool) {
        state.withLock { $0.failsEveryone = failing }
    }

    func setFailing(_ failing: Bool, from source: String) {
        state.withLock {
            if failing { $0.failingSources.insert(source) } else { $0.failingSources.remove(source) }
        }
    }

    func failedChecks(from source: String = "127.0.0.1") -> Int { state.withLock { $0.failedChecks[source, default: 0] } }
    func passedChecks(from source: String = "127.0.0.1") -> Int { state.withLock { $0.passedChecks[source, default: 0] } }
    var requestSources: [String] { state.withLock { $0.requestSources } }

    func stop() async {
        try? await channel.withLock { $0 }?.close()
    }

    fileprivate final class Box: Sendable {
        let backend = Mutex<HealthBackend?>(nil)
    }
}

private final class HealthBackendHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: HealthBackend.Box
    private var head: HTTPRequestHead?

    init(backend: HealthBackend.Box) { self.box = backend }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head, let backend = box.backend.withLock({ $0 }) else { return }
            let source = context.channel.remoteAddress?.ipAddress ?? "?"
            var status = HTTPResponseStatus.ok
            backend.state.withLock { state in
                if head.uri.hasPrefix("/health") {
                    if state.failsEveryone || state.failingSources.contains(source) {
                        status = .serviceUnavailable
                        state.failedChecks[source, default: 0] += 1
                    } else {
                        state.passedChecks[source, default: 0] += 1
                    }
                } else {
                    state.requestSources.append(source)
                }
            }
            let body = context.channel.allocator.buffer(string: status == .ok ? "ok" : "failing")
            var headers = HTTPHeaders([("content-length", String(body.readableBytes))])
            if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let keepAlive = head.isKeepAlive
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                if !keepAlive { context.close(promise: nil) }
            }
        }
    }
}
