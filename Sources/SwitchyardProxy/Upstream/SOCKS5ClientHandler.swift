import NIOCore

/// Runs a `SOCKS5ClientHandshake` on a new connection to a SOCKS5 upstream. `established` succeeds once the tunnel
/// to the destination is open and fails when the handshake fails or the connection ends before it is done. Bytes
/// from the destination (right behind the reply, or later) are held until the connector removes this handler, once
/// the caller's handlers are in place.
final class SOCKS5ClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var handshake: SOCKS5ClientHandshake
    private let established: EventLoopPromise<Void>
    private var started = false
    private var isDone = false
    private var held: [ByteBuffer] = []

    init(handshake: SOCKS5ClientHandshake, established: EventLoopPromise<Void>) {
        self.handshake = handshake
        self.established = established
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.failure(SOCKS5ClientHandshake.Failure.malformed("handshake abandoned")))
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ChannelError.eof))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !isDone else { return context.fireErrorCaught(error) }
        finish(.failure(error))
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard !isDone else { return held.append(buffer) }
        switch handshake.receive(buffer.readableBytesView) {
        case .waitForMore:
            break
        case .send(let bytes):
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
        case .established(let leftover):
            if !leftover.isEmpty { held.append(context.channel.allocator.buffer(bytes: leftover)) }
            finish(.success(()))
        case .failed(let failure):
            finish(.failure(failure))
            context.close(promise: nil)
        }
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        let bytes = held
        held = []
        context.leavePipeline(passingOn: bytes, removalToken: removalToken)
    }

    private func start(context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: handshake.start())), promise: nil)
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard !isDone else { return }
        isDone = true
        established.completeWith(result)
    }
}
