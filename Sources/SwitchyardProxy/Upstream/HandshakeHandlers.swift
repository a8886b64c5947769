import NIOCore
import NIOHTTP1

/// Holds the bytes that arrive right behind an upstream proxy's handshake reply (a server that speaks first, behind
/// a fast proxy) until the caller's handlers are in place; removing it passes them on.
final class HandshakeLeftovers: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private var held: [NIOAny] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        held.append(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if held.isEmpty { context.fireChannelReadComplete() }
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        let bytes = held
        held = []
        for data in bytes { context.fireChannelRead(data) }
        if !bytes.isEmpty { context.fireChannelReadComplete() }
        context.leavePipeline(removalToken: removalToken)
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
