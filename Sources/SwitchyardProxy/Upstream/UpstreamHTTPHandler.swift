import NIOCore
import NIOHTTP1

/// Receives what the upstream side of an HTTP exchange produces. Implemented by the client-side handler; all
/// calls happen on the shared event loop.
protocol UpstreamExchangeDelegate: AnyObject {
    func upstream(_ connection: UpstreamHTTPConnection, received part: HTTPClientResponsePart)
    func upstreamReadComplete(_ connection: UpstreamHTTPConnection)
    func upstream(_ connection: UpstreamHTTPConnection, failed failure: UpstreamExchangeFailure)
    func upstreamBecameWritable(_ connection: UpstreamHTTPConnection)
    /// Whether the client can take more bytes; the upstream is read only while it can.
    var clientIsWritable: Bool { get }
}

/// How an exchange with an upstream broke off.
enum UpstreamExchangeFailure {
    case closed
    case timedOut
    case error(any Error)
}

/// The last handler of an upstream HTTP/1.1 connection: hands response parts to the exchange that currently
/// owns the connection, reads only while that exchange's client is writable, and closes the connection if it
/// speaks or breaks while idle in the pool.
final class UpstreamHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    weak var connection: UpstreamHTTPConnection?
    private var context: ChannelHandlerContext?
    private var pendingRead = false

    private var delegate: (any UpstreamExchangeDelegate)? { connection?.delegate }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func send(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    /// Re-issues a read that was held back while the client was not writable.
    func resumeReading() {
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let connection, let delegate else {
            context.close(promise: nil)  // an idle pooled connection must stay silent
            return
        }
        delegate.upstream(connection, received: unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let connection { delegate?.upstreamReadComplete(connection) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection {
            connection.markClosed()
            delegate?.upstream(connection, failed: .closed)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let connection { delegate?.upstream(connection, failed: .error(error)) }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if let connection { delegate?.upstream(connection, failed: .timedOut) }
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let connection { delegate?.upstreamBecameWritable(connection) }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let delegate, !delegate.clientIsWritable {
            pendingRead = true
        } else {
            context.read()
        }
    }
}

/// One HTTP/1.1 connection to an upstream, owned by at most one exchange at a time and otherwise idle in an
/// `UpstreamConnectionPool`. Confined to its channel's event loop.
final class UpstreamHTTPConnection {
    let channel: any Channel
    let handler: UpstreamHTTPHandler
    let key: UpstreamConnectionPool.Key
    weak var delegate: (any UpstreamExchangeDelegate)?
    /// The pool holding this connection while it is idle.
    weak var pool: UpstreamConnectionPool?
    private(set) var isClosed = false
    /// When the connection was last returned to the pool.
    var idleSince = NIODeadline.uptimeNanoseconds(0)

    /// When the upstream must have started its response (set from the end of the request, cleared by the head).
    private(set) lazy var responseDeadline = DeadlineTimer(eventLoop: channel.eventLoop) { [weak self] in
        guard let self else { return }
        self.delegate?.upstream(self, failed: .timedOut)
        self.close()
    }

    init(channel: any Channel, handler: UpstreamHTTPHandler, key: UpstreamConnectionPool.Key) {
        self.channel = channel
        self.handler = handler
        self.key = key
        handler.connection = self
    }

    /// Connects to the request's destination (or to an HTTP upstream proxy, which takes the request in absolute
    /// form) through its target's route, with NIO's HTTP/1.1 client codec (1xx
    /// responses passed on) and a read-idle timeout; `init(channel:key:)` wraps the channel once connected.
    static func dial(
        _ request: UpstreamRequest, idleTimeout: TimeAmount, on eventLoop: any EventLoop
    ) -> EventLoopFuture<any Channel> {
        UpstreamConnector.connect(
            host: request.destination.host,
            port: request.destination.port,
            route: request.lease.route,
            timeout: request.connectTimeout,
            transport: request.pool.backend.transport,
            tls: request.lease.route.usesTLS ? request.pool.tlsContext : nil,
            check: request.destinationCheck,
            purpose: .plainHTTP,
            on: eventLoop
        ) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandlers(
                    HTTPRequestEncoder(),
                    ByteToMessageHandler(
                        HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes, informationalResponseStrategy: .forward)
                    ),
                    IdleStateHandler(readTimeout: idleTimeout),
                    UpstreamHTTPHandler()
                )
            }
        }
    }

    /// The connection over a channel made by `dial`.
    convenience init(channel: any Channel, key: UpstreamConnectionPool.Key) throws {
        let handler = try channel.pipeline.syncOperations.handler(type: UpstreamHTTPHandler.self)
        self.init(channel: channel, handler: handler, key: key)
    }

    var isWritable: Bool { channel.isWritable }

    func markClosed() {
        isClosed = true
        responseDeadline.cancel()
        pool?.remove(self)
        pool = nil
    }

    func close() {
        delegate = nil
        responseDeadline.cancel()
        channel.close(promise: nil)
    }
}
