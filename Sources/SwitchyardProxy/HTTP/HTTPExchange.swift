import NIOCore
import NIOHTTP1

/// One proxied HTTP request and its response, from the planner's decision to the last byte back.
/// Confined to the client's event loop.
final class HTTPExchange {
    let start = NIODeadline.now()
    /// The head as the client sent it.
    let clientHead: HTTPRequestHead
    /// The request as it goes upstream, with the reserved target.
    let request: UpstreamRequest
    let key: UpstreamConnectionPool.Key
    var clientKeepAlive: Bool

    /// The connection carrying the exchange; nil while connecting (or once the response has ended).
    var upstream: UpstreamHTTPConnection?
    var reusedConnection = false
    /// Request parts received while no upstream connection was ready yet.
    var buffered: [HTTPClientRequestPart] = []
    var requestBodySent = false
    var requestEnded = false
    var requestBytes = 0
    var responseStatus: HTTPResponseStatus?
    var responseEnded = false
    var upstreamKeepAlive = false
    var responseBytes = 0

    init(clientHead: HTTPRequestHead, request: UpstreamRequest) {
        self.clientHead = clientHead
        self.request = request
        self.clientKeepAlive = clientHead.isKeepAlive
        self.key = .init(
            route: request.lease.route.id,
            host: request.destination.host,
            port: request.destination.port
        )
    }

    /// True once the response is complete but the client is still sending a body nobody will read.
    var isDiscardingRequestBody: Bool { responseEnded && !requestEnded }

    /// A stale keep-alive connection that failed before any answer may be replaced once, if no body byte
    /// went out on it.
    var mayRetryOnFreshConnection: Bool { reusedConnection && responseStatus == nil && !requestBodySent }
}
