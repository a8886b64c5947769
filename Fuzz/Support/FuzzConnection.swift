import NIOCore
import NIOEmbedded

/// A client connection from 127.0.0.1 on an `EmbeddedChannel`, for a target to set up the listener's pipeline on,
/// then to play a fuzz input's reads through.
public final class FuzzConnection {
    public let channel = EmbeddedChannel()
    private let counter = CloseCounter()

    public init() {
        try! channel.pipeline.syncOperations.addHandler(counter)
        channel.remoteAddress = try! SocketAddress(ipAddress: "127.0.0.1", port: 40000)
    }

    /// Connects, sends each read while the connection is open, shuts the client's side, then lets every timeout
    /// pass. Traps unless the connection ended closed, exactly once; returns every byte it wrote.
    public func play(_ reads: [UnsafeBufferPointer<UInt8>.SubSequence]) -> ByteBuffer {
        try! channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        for read in reads where channel.isActive {
            _ = try? channel.writeInbound(ByteBuffer(bytes: read))  // a parse error also surfaces here
        }
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        channel.embeddedEventLoop.advanceTime(by: .seconds(120))

        var written = ByteBuffer()
        while let part = try! channel.readOutbound(as: ByteBuffer.self) { written.writeImmutableBuffer(part) }
        if channel.isActive { fatalError("the connection is still open") }
        if counter.closes != 1 { fatalError("closed \(counter.closes) times") }
        return written
    }
}

/// Counts the closes asked of the channel; the first handler of the pipeline, so it sees every one.
private final class CloseCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    var closes = 0

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .all { closes += 1 }
        context.close(mode: mode, promise: promise)
    }
}
