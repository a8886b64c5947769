import NIOCore
import NIOHTTP1

/// One forwarded HTTP request and its response, from the pick of an egress target to the last byte back.
/// Confined to the client's event loop.
final class HTTPExchange {
    let start = NIODeadline.now()
    let method: HTTPMethod
    let destination: ProxyDestination
    let upstreamHead: HTTPRequestHead
    let clientVersion: HTTPVersion
    var clientKeepAlive: Bool
    let lease: EgressLease
    let key: UpstreamConnectionPool.Key

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

    init(
        head: HTTPRequestHead,
        upstreamHead: HTTPRequestHead,
        destination: ProxyDestination,
        lease: EgressLease
    ) {
        self.method = head.method
        self.clientVersion = head.version
        self.clientKeepAlive = head.isKeepAlive
        self.upstreamHead = upstreamHead
        self.destination = destination
        self.lease = lease
        self.key = .init(route: lease.route.id, host: destination.host, port: destination.port)
    }

    /// True once the response is complete but the client is still sending a body nobody will read.
    var isDiscardingRequestBody: Bool { responseEnded && !requestEnded }

    /// A stale keep-alive connection that failed before any answer may be replaced once, if no body byte
    /// went out on it.
    var mayRetryOnFreshConnection: Bool { reusedConnection && responseStatus == nil && !requestBodySent }
}
