import NIOCore
import NIOHTTP1

/// Reads the one response of an HTTP health probe: its status and, when a body substring is expected, up to
/// `maxBodyBytes` of its body. Completes `result` once, at the response's end or when the connection fails.
final class HealthProbeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    /// The most body bytes kept for the substring check.
    static let maxBodyBytes = 65_536

    private let result: EventLoopPromise<(status: Int, body: String)>
    private let keepsBody: Bool
    private var status: Int?
    private var body = ""

    init(result: EventLoopPromise<(status: Int, body: String)>, keepsBody: Bool) {
        self.result = result
        self.keepsBody = keepsBody
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let buffer):
            if keepsBody, body.utf8.count < Self.maxBodyBytes {
                body += String(buffer: buffer).prefix(Self.maxBodyBytes - body.utf8.count)
            }
        case .end:
            if let status { result.succeed((status, body)) }
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        result.fail(ChannelError.eof)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        result.fail(error)
        context.close(promise: nil)
    }
}
