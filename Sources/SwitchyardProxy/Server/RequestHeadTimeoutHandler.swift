import Logging
import NIOCore

/// Bounds the time a client may take to send a request head (slowloris defence).
///
/// Sits before the HTTP decoder, on raw bytes. The clock starts when the connection opens and, on a kept-alive
/// connection, at the first byte of the next request; it stops when the proxy handler reports a complete head.
/// A client that runs out of time gets `408` and the connection is closed.
final class RequestHeadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private enum State {
        case waitingForRequest
        case readingHead(Scheduled<Void>)
        case handlingRequest
    }

    private let timeout: TimeAmount
    private let logger: Logger
    private var state = State.waitingForRequest
    private var context: ChannelHandlerContext?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { arm(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .waitingForRequest = state { arm(context: context) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .waitingForRequest = state { arm(context: context) }
        context.fireChannelRead(data)
    }

    /// The proxy handler received a complete request head.
    func requestHeadReceived() {
        disarm()
        state = .handlingRequest
    }

    /// The proxy handler finished a request; the connection may now idle until the next one.
    func requestCompleted() {
        disarm()
        state = .waitingForRequest
    }

    private func arm(context: ChannelHandlerContext) {
        let task = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            self.expire()
        }
        state = .readingHead(task)
    }

    private func disarm() {
        if case .readingHead(let task) = state { task.cancel() }
    }

    private func expire() {
        guard case .readingHead = state, let context else { return }
        state = .handlingRequest
        logger.warning(
            "request head not received in time",
            metadata: ["client": "\(context.channel.remoteAddress?.description ?? "?")", "status": "408"]
        )
        let response = ProxyErrorStatus.requestTimeout.rawResponse(
            message: "request header read timed out",
            allocator: context.channel.allocator
        )
        context.writeAndFlush(NIOAny(response)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
