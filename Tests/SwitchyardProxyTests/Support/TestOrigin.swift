import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A loopback HTTP origin server for end-to-end tests. It records every request it sees and answers:
/// - `/ip`: the client's (proxy's egress) source address
/// - `/upload`: `<byte count> <checksum>` of the request body
/// - `/slow?ms=N`: waits N ms, then `slept`
/// - `/bytes?n=N`: N bytes of `x`, streamed with backpressure
/// - `/echo`: the request body streamed straight back (chunked) as it arrives
/// - `/throttle?ip=A&retry_after=S`: `429` with `Retry-After: S` (default 2) to requests from source address A;
///   `ok` to everyone else
/// - anything else: `ok`
/// A request with `Expect: 100-continue` gets `100 Continue` first. `answerEverything(with:)` overrides all of this
/// with one status, until it is called with nil; `delayEverything(by:)` holds every answer back for a while.
final class TestOrigin: Sendable {
    struct Request: Sendable {
        var sourceIP: String
        var method: HTTPMethod
        var uri: String
        var headers: HTTPHeaders
        var bodyBytes: Int
        /// When the request (head and body) had arrived.
        var arrival = ContinuousClock.now
    }

    private let channel: any Channel
    private let box: RecorderBox
    let port: Int

    /// Starts the origin on `host:port` (port 0: a free one); with `tls` it serves HTTPS; with `recordingBytes` it
    /// keeps every byte it receives.
    static func start(
        group: any EventLoopGroup, host: String = "127.0.0.1", port: Int = 0, tls: NIOSSLContext? = nil,
        recordingBytes: Bool = false
    ) async throws
        -> TestOrigin
    {
        let box = RecorderBox()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    if recordingBytes { try channel.pipeline.syncOperations.addHandler(ByteRecorder(box: box)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(OriginHandler(box: box))
                }
            }
            .bind(host: host, port: port).get()
        return TestOrigin(channel: channel, box: box)
    }

    private init(channel: any Channel, box: RecorderBox) {
        self.channel = channel
        self.box = box
        self.port = channel.localAddress!.port!
    }

    var requests: [Request] { box.recorded.withLock { $0 } }

    /// Every byte received so far, over all connections, in arrival order (TLS decrypted), when started
    /// `recordingBytes`.
    var receivedBytes: String { box.raw.withLock { String(decoding: $0, as: UTF8.self) } }

    /// Answers every later request with `status` (and body `forced`), or as usual again after nil.
    func answerEverything(with status: Int?) {
        box.forcedStatus.withLock { $0 = status }
    }

    /// Holds every later answer back by `delay` (a slow backend), or answers at once again after zero.
    func delayEverything(by delay: Duration) {
        box.delay.withLock { $0 = delay }
    }

    func stop() async {
        try? await channel.close()
    }
}

final class RecorderBox: Sendable {
    let recorded = Mutex<[TestOrigin.Request]>([])
    let forcedStatus = Mutex<Int?>(nil)
    let delay = Mutex<Duration>(.zero)
    let raw = Mutex<[UInt8]>([])
}

/// Notes the bytes an origin receives, before its HTTP parser reads them.
private final class ByteRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let box: RecorderBox
    init(box: RecorderBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        box.raw.withLock { $0 += buffer.readableBytesView }
        context.fireChannelRead(data)
    }
}

private final class OriginHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: RecorderBox
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    private var checksum: UInt64 = 0xcbf2_9ce4_8422_2325
    private var remaining = 0
    private var streaming = false
    private var echoing = false

    init(box: RecorderBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            echoing = head.uri.hasPrefix("/echo")
            if echoing {
                var response = HTTPResponseHead(version: .http1_1, status: .ok)
                response.headers.add(name: "transfer-encoding", value: "chunked")
                context.write(wrapOutboundOut(.head(response)), promise: nil)
            }
            if head.headers["expect"].first?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
            }
            bodyBytes = 0
            checksum = 0xcbf2_9ce4_8422_2325
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            if echoing {
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                return
            }
            buffer.withUnsafeReadableBytes { bytes in
                for byte in bytes {
                    checksum = (checksum ^ UInt64(byte)) &* 0x100_0000_01b3
                }
            }
        case .end:
            guard let head else { return }
            let ip = context.channel.remoteAddress?.ipAddress ?? "?"
            let request = TestOrigin.Request(sourceIP: ip, method: head.method, uri: head.uri, headers: head.headers, bodyBytes: bodyBytes)
            box.recorded.withLock { $0.append(request) }
            let delay = box.delay.withLock { $0 }
            if echoing {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            } else if delay > .zero {
                context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
                    self.respond(context: context, head: head, sourceIP: ip)
                }
            } else {
                respond(context: context, head: head, sourceIP: ip)
            }
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, sourceIP: String) {
        let path = head.uri.split(separator: "?").first.map(String.init) ?? "/"
        let query = head.uri.split(separator: "?").dropFirst().first.map(String.init) ?? ""
        let value = query.split(separator: "=").last.flatMap { Int($0) } ?? 0
        if let status = box.forcedStatus.withLock({ $0 }) {
            return send(context: context, body: "forced", status: HTTPResponseStatus(statusCode: status))
        }
        switch path {
        case "/ip":
            send(context: context, body: sourceIP)
        case "/throttle":
            let parameters = Dictionary(
                query.split(separator: "&").map { pair in
                    (String(pair.prefix { $0 != "=" }), String(pair.drop { $0 != "=" }.dropFirst()))
                },
                uniquingKeysWith: { _, last in last })
            if parameters["ip"] == sourceIP {
                send(
                    context: context, body: "slow down", status: .tooManyRequests,
                    headers: ["retry-after": parameters["retry_after"] ?? "2"])
            } else {
                send(context: context, body: "ok")
            }
        case "/upload":
            send(context: context, body: "\(bodyBytes) \(checksum)")
        case "/slow":
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(value))) {
                self.send(context: context, body: "slept")
            }
        case "/bytes":
            remaining = value
            var response = HTTPResponseHead(version: .http1_1, status: .ok)
            response.headers.add(name: "content-length", value: String(value))
            context.writeAndFlush(wrapOutboundOut(.head(response)), promise: nil)
            streaming = true
            pump(context: context)
        default:
            send(context: context, body: "ok")
        }
    }

    private func pump(context: ChannelHandlerContext) {
        while streaming, remaining > 0, context.channel.isWritable {
            let size = min(remaining, 64 * 1024)
            var buffer = context.channel.allocator.buffer(capacity: size)
            buffer.writeRepeatingByte(UInt8(ascii: "x"), count: size)
            remaining -= size
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        if streaming, remaining == 0 {
            streaming = false
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { pump(context: context) }
    }

    private func send(
        context: ChannelHandlerContext, body: String, status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:]
    ) {
        var response = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        response.headers.add(name: "content-length", value: String(body.utf8.count))
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
