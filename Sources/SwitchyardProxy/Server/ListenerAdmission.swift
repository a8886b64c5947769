import Logging
import NIOCore
import SwitchyardTraffic

/// Enforces a listener's connection limits on accept — `max_connections_per_client` for the client's address, then
/// `max_connections` in total: a connection over either gets `503` (an HTTP listener's; a SOCKS5 client just sees
/// the connection closed) and is closed before any parsing; an admitted one gives its slots back when it closes,
/// whatever the path.
public enum ListenerAdmission {
    /// Which limit refused a connection, as counted in `switchyard_limit_rejections_total`.
    public enum Refusal: String, Sendable {
        case client = "client_connections"
        case listener = "listener_connections"
    }

    /// Admits `channel` or refuses it (answering 503 when `answersHTTP`) and closes it; nil when admitted, else the
    /// limit that refused it.
    public static func admit(
        _ channel: any Channel,
        limiter: ConnectionLimiter,
        perClient: ClientConnectionCounter?,
        listener: String,
        answersHTTP: Bool = true,
        logger: Logger
    ) -> Refusal? {
        let client = channel.remoteAddress?.ipAddress ?? "?"
        if let perClient {
            guard perClient.tryAcquire(client) else {
                refuse(
                    channel, "too many connections from your address", answersHTTP: answersHTTP,
                    log: "connection refused: client at max_connections_per_client",
                    metadata: ["listener": "\(listener)", "client": "\(client)", "limit": "\(perClient.limit)"],
                    logger: logger)
                return .client
            }
        }
        guard limiter.tryAcquire() else {
            perClient?.release(client)
            refuse(
                channel, "too many connections to this proxy listener", answersHTTP: answersHTTP,
                log: "connection refused: listener at max_connections",
                metadata: ["listener": "\(listener)", "limit": "\(limiter.limit)"], logger: logger)
            return .listener
        }
        channel.closeFuture.whenComplete { _ in
            limiter.release()
            perClient?.release(client)
        }
        return nil
    }

    private static func refuse(
        _ channel: any Channel, _ message: String, answersHTTP: Bool, log: Logger.Message, metadata: Logger.Metadata,
        logger: Logger
    ) {
        var metadata = metadata
        metadata["status"] = "503"
        logger.warning(log, metadata: metadata)
        let response =
            answersHTTP
            ? ProxyErrorStatus.serviceUnavailable.rawResponse(message: message, allocator: channel.allocator)
            : channel.allocator.buffer(capacity: 0)
        // Called before the channel is registered: the answer goes out once it is active.
        try? channel.pipeline.syncOperations.addHandler(RefusedConnectionHandler(response: response))
    }
}

/// Answers a connection refused at accept and closes it gently: the answer, then our FIN, then whatever the client
/// already sent is read and dropped until it closes too (at most one second). Closing with unread input would make
/// the kernel reset the connection, and the client could lose the answer.
private final class RefusedConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let response: ByteBuffer

    init(response: ByteBuffer) {
        self.response = response
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(response)).assumeIsolated().whenComplete { _ in
            context.close(mode: .output, promise: nil)
        }
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event as? ChannelEvent ?? .outputClosed { context.close(promise: nil) }
    }
}
