import NIOCore
import NIOHTTP1

/// First handler of a connection to an HTTP upstream proxy during its CONNECT: passes the bytes of the upstream's
/// response head on to the HTTP decoder, and holds every byte after it (the destination speaking first, as SSH and
/// SMTP servers do) until removed, when it passes them on to whatever handlers follow by then. NIO's response
/// decoder would parse those bytes as a second response, since a CONNECT answer is no upgrade to it.
final class ConnectResponseSplitter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private static let headEnd: [UInt8] = Array("\r\n\r\n".utf8)
    /// How much of `\r\n\r\n` the bytes passed on so far end with.
    private var matched = 0
    private var held: [ByteBuffer] = []
    private var headPassed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !headPassed else { return held.append(buffer) }
        var length = 0
        for byte in buffer.readableBytesView {
            length += 1
            matched = byte == Self.headEnd[matched] ? matched + 1 : (byte == Self.headEnd[0] ? 1 : 0)
            if matched == Self.headEnd.count {
                headPassed = true
                break
            }
        }
        let head = buffer.readSlice(length: length)!
        if buffer.readableBytes > 0 { held.append(buffer) }
        context.fireChannelRead(wrapInboundOut(head))
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        let bytes = held
        held = []
        context.leavePipeline(passingOn: bytes, removalToken: removalToken)
    }
}

/// Notes the status an HTTP upstream answered a CONNECT with, so a refusal can be named (`407` is reported as
/// rejected credentials); passes the response on unchanged.
final class ConnectReplyObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias InboundOut = HTTPClientResponsePart

    private(set) var status: UInt?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { status = head.status.code }
        context.fireChannelRead(data)
    }
}

extension ChannelHandlerContext {
    /// Leaves the pipeline after passing on `held`: the bytes a handshake handler read past its own messages (the
    /// destination's first bytes), which belong to whoever comes next.
    func leavePipeline(passingOn held: [ByteBuffer], removalToken: RemovalToken) {
        for buffer in held { fireChannelRead(NIOAny(buffer)) }
        if !held.isEmpty { fireChannelReadComplete() }
        leavePipeline(removalToken: removalToken)
    }
}
