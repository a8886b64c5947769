import NIOCore

/// The first handler after TLS on a listener that serves HTTP and SOCKS5 on one port (`protocols: [http, socks5]`):
/// waits for the client's first byte, has the handlers of the protocol it names added behind itself (`serve`),
/// passes the bytes on to them and leaves. A client that sends nothing within `timeout` (the listener's
/// `header_read`) or closes its side first is closed; a drain that begins before the first byte is passed on to the
/// protocol's handlers after it, so the client's first request is still served.
final class ProtocolSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let serve: (ProxyListenerSettings.ClientProtocol) throws -> Void
    private var deadline: Scheduled<Void>?
    /// The listener began draining before the first byte arrived.
    private var quiescing = false

    init(timeout: TimeAmount, serve: @escaping (ProxyListenerSettings.ClientProtocol) throws -> Void) {
        self.timeout = timeout
        self.serve = serve
    }

    /// The protocol a connection speaks, from its first byte: 0x05 is the version byte of a SOCKS5 greeting, which
    /// no HTTP request starts with (a method is a token of visible characters).
    static func clientProtocol(startingWith byte: UInt8) -> ProxyListenerSettings.ClientProtocol {
        byte == 0x05 ? .socks5 : .http
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startClock(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startClock(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        deadline?.cancel()
        do {
            try serve(Self.clientProtocol(startingWith: first))
        } catch {
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
        if quiescing { context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            context.close(promise: nil)
        case is ChannelShouldQuiesceEvent:
            quiescing = true
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func startClock(context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { context.close(promise: nil) }
    }
}
