import Synchronization

#if canImport(Glibc)
    import Glibc
#endif
import NIOCore
import NIOPosix

/// Loopback TCP servers for tunnel tests.
enum TCPServer {
    /// Echoes every byte back.
    static func echo(group: any EventLoopGroup) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(EchoHandler()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Sends `bytes` bytes to every client as fast as the client (through backpressure) accepts, then closes.
    static func flood(group: any EventLoopGroup, bytes: Int) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FloodHandler(total: bytes))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }
}

extension TCPServer {
    /// Speaks first (as SSH and SMTP servers do): sends `banner` to every client as soon as it connects, then echoes.
    static func banner(_ banner: String, group: any EventLoopGroup) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoHandler(greeting: banner))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let greeting: String?

    init(greeting: String? = nil) {
        self.greeting = greeting
    }

    func channelActive(context: ChannelHandlerContext) {
        if let greeting { context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: greeting)), promise: nil) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.write(data, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event as? ChannelEvent ?? .outputClosed {
            context.close(promise: nil)
        }
    }
}

private final class FloodHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var remaining: Int
    private var chunk: ByteBuffer?

    init(total: Int) { remaining = total }

    func channelActive(context: ChannelHandlerContext) {
        var chunk = context.channel.allocator.buffer(capacity: 256 * 1024)
        chunk.writeRepeatingByte(UInt8(ascii: "z"), count: 256 * 1024)
        self.chunk = chunk
        pump(context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        pump(context: context)
    }

    private func pump(context: ChannelHandlerContext) {
        guard let chunk else { return }
        while remaining > 0, context.channel.isWritable {
            let size = min(remaining, chunk.readableBytes)
            remaining -= size
            context.writeAndFlush(wrapOutboundOut(chunk.getSlice(at: chunk.readerIndex, length: size)!), promise: nil)
        }
        if remaining == 0 {
            self.chunk = nil
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).assumeIsolated()
                .whenComplete { _ in context.close(promise: nil) }
        }
    }
}

/// Counts what a test server saw, from its event loop.
final class ConnectionCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

extension TCPServer {
    /// Accepts, reads the request, then resets the connection (RST) without answering.
    static func resetting(group: any EventLoopGroup, counter: ConnectionCounter) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                counter.increment()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ResetOnReadHandler())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    /// Answers every request with a 10 MB `Content-Length` (or, `chunked`, a chunked body) but sends only 64 KiB of
    /// it before closing.
    static func truncating(group: any EventLoopGroup, chunked: Bool = false) async throws -> any Channel {
        let framing = chunked ? "Transfer-Encoding: chunked\r\n\r\n10000\r\n" : "Content-Length: 10000000\r\n\r\n"
        let answer = "HTTP/1.1 200 OK\r\n" + framing + String(repeating: "t", count: 64 * 1024)
        return try await answering(answer, thenClose: true, group: group, counter: ConnectionCounter())
    }

    /// Writes `answer` for every read (a request, when requests come one at a time), whatever it holds; with
    /// `thenClose`, closes once it is written.
    static func answering(
        _ answer: String, thenClose: Bool = false, group: any EventLoopGroup, counter: ConnectionCounter
    ) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                counter.increment()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AnswerHandler(answer: answer, thenClose: thenClose))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }
}

private final class AnswerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let answer: String
    private let thenClose: Bool

    init(answer: String, thenClose: Bool) {
        self.answer = answer
        self.thenClose = thenClose
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let written = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: answer)))
        if thenClose { written.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}

private final class ResetOnReadHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // SO_LINGER 0 makes close send RST instead of FIN.
        let provider = context.channel as? any SocketOptionProvider
        provider?.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}


/// A loopback port nobody listens on right now (bound, read and closed), for a peer or listener a test starts on a
/// known port.
func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw RawClient.Failure(description: "no free port: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
