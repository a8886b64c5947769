import NIOCore

/// Sits before the HTTP decoder and tells its connection when the first byte of the next request arrives, which
/// starts the clock of `timeouts.header_read`. Costs one flag test per read otherwise.
final class RequestStartWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Called at the first byte after `expectRequest()`.
    var onFirstByte: (() -> Void)?
    private var expecting = true
    /// Whether a byte of the next request has arrived since `expectRequest()`.
    var hasBytes: Bool { !expecting }

    /// The connection waits for a new request.
    func expectRequest() {
        expecting = true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if expecting {
            expecting = false
            onFirstByte?()
        }
        context.fireChannelRead(data)
    }
}
