import NIOCore
import NIOPosix
import Synchronization

/// A misbehaving upstream proxy for failover tests: it records every byte it receives, and answers each connection
/// the way its `Fault` says.
final class FakeUpstream: Sendable {
    enum Fault: Sendable {
        /// Accepts and never answers.
        case stall
        /// Answers the first request head with this status (`407` with `Proxy-Authenticate`), then closes.
        case answer(Int)
        /// Resets the connection (RST) once a request head arrived.
        case reset
    }

    private let channel: any Channel
    private let box: Box
    private let connections: ConnectionCounter
    let port: Int

    static func start(_ fault: Fault, group: any EventLoopGroup) async throws -> FakeUpstream {
        let connections = ConnectionCounter()
        let box = Box()
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                connections.increment()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FaultHandler(fault: fault, box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeUpstream(channel: channel, box: box, connections: connections)
    }

    private init(channel: any Channel, box: Box, connections: ConnectionCounter) {
        self.channel = channel
        self.box = box
        self.connections = connections
        self.port = channel.localAddress!.port!
    }

    /// A port on which nothing listens: connecting is refused.
    static func refusingPort(group: any EventLoopGroup) async throws -> Int {
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    /// Every byte received so far, over all connections.
    var receivedText: String { box.received.withLock { String(decoding: $0, as: UTF8.self) } }

    var connectionCount: Int { connections.value }

    func stop() async {
        try? await channel.close()
    }
}

/// The bytes a fake upstream received, shared by its connections.
private final class Box: Sendable {
    let received = Mutex<[UInt8]>([])
}

private final class FaultHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let fault: FakeUpstream.Fault
    private let box: Box
    private var head: [UInt8] = []
    private var answered = false

    init(fault: FakeUpstream.Fault, box: Box) {
        self.fault = fault
        self.box = box
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(unwrapInboundIn(data).readableBytesView)
        box.received.withLock { $0 += bytes }
        head += bytes
        guard !answered, String(decoding: head, as: UTF8.self).contains("\r\n\r\n") else { return }
        answered = true
        switch fault {
        case .stall:
            break
        case .answer(let status):
            let challenge = status == 407 ? "Proxy-Authenticate: Basic realm=\"fake-upstream-realm\"\r\n" : ""
            let response = "HTTP/1.1 \(status) Fake\r\n\(challenge)Content-Length: 4\r\nConnection: close\r\n\r\nfake"
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: response)))
                .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .reset:
            let provider = context.channel as? any SocketOptionProvider
            provider?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }
}
