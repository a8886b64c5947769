import NIOCore
import NIOTLS

/// Closes a connection whose TLS handshake is not done within `timeout` (`transport.tls_handshake_timeout`). It sits
/// right behind the TLS handler, on a TLS listener's client connections and on connections to `https://` backends,
/// and leaves the pipeline once the handshake has completed.
final class TLSHandshakeDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    /// Runs once when the time is up, just before the close (to count, log, or tell the handlers behind).
    private let onTimeout: (ChannelHandlerContext) -> Void
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, onTimeout: @escaping (ChannelHandlerContext) -> Void) {
        self.timeout = timeout
        self.onTimeout = onTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if case TLSUserEvent.handshakeCompleted = event {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    private func start(context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            onTimeout(context)
            context.close(promise: nil)
        }
    }
}

/// A TLS handshake did not finish within `transport.tls_handshake_timeout`.
struct TLSHandshakeTimeout: Error, CustomStringConvertible {
    var description: String { "TLS handshake timed out" }
}
