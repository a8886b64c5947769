import NIOCore

/// Relays bytes between two channels on the same event loop: one `GlueHandler` sits in each pipeline and
/// writes what its channel reads into its partner's.
///
/// Memory stays bounded without buffers of our own: a side only asks its channel for more bytes while the
/// partner is writable, and asks again when the partner's writability returns. Half-close is propagated
/// (the channels must allow remote half-closure); an error or a full close on either side closes both (the relay's
/// idle timeout closes the client side).
final class GlueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Bytes seen by this side, read by the access log when the tunnel ends.
    final class Counter {
        var bytesRead = 0
    }

    /// The relay's one idle deadline, shared by both sides: every read moves it (without scheduling anything).
    struct IdleWatch {
        let timer: DeadlineTimer
        let timeout: TimeAmount

        func moved() { timer.set(.now() + timeout) }
    }

    private var partner: GlueHandler?
    private let idle: IdleWatch?
    private var context: ChannelHandlerContext?
    private var pendingRead = false
    let counter = Counter()

    private init(idle: IdleWatch?) {
        self.idle = idle
    }

    /// A linked pair: add one to each channel's pipeline. With `idle`, bytes read on either side keep the pair alive.
    static func matchedPair(idle: IdleWatch? = nil) -> (GlueHandler, GlueHandler) {
        let first = GlueHandler(idle: idle)
        let second = GlueHandler(idle: idle)
        first.partner = second
        second.partner = first
        return (first, second)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.partner = nil
    }

    // MARK: Partner-facing operations

    private func partnerWrite(_ data: NIOAny) {
        context?.write(data, promise: nil)
    }

    private func partnerFlush() {
        context?.flush()
    }

    private func partnerWriteEOF() {
        context?.close(mode: .output, promise: nil)
    }

    private func partnerCloseFull() {
        context?.close(promise: nil)
    }

    private func partnerBecameWritable() {
        if pendingRead {
            pendingRead = false
            context?.read()
        }
    }

    private var partnerIsWritable: Bool {
        context?.channel.isWritable ?? false
    }

    // MARK: Channel events

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        counter.bytesRead += unwrapInboundIn(data).readableBytes
        idle?.moved()
        partner?.partnerWrite(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerCloseFull()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event {
            partner?.partnerWriteEOF()
        } else if event is ChannelShouldQuiesceEvent {
            // A tunnel in progress is allowed to finish within the shutdown grace period.
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            partner?.partnerBecameWritable()
        }
    }

    func read(context: ChannelHandlerContext) {
        if let partner, partner.partnerIsWritable {
            context.read()
        } else {
            pendingRead = true
        }
    }
}
