import NIOCore
import NIOHTTP1

/// The client side of a `ProxyExchange`: where the response goes and how the exchange ended. The HTTP/1 connection
/// handler implements it; another client protocol (an HTTP/2 stream) would implement it the same way, so the
/// exchange never touches the client's pipeline. All calls happen on the client's event loop.
protocol ExchangeResponder: AnyObject {
    /// Whether the client can take more bytes; the upstream is read only while it can.
    var clientIsWritable: Bool { get }
    /// A 1xx (other than 101) to pass on before the final response.
    func exchange(receivedInterim head: HTTPResponseHead)
    /// The final response head, as the upstream sent it; `keepAlive` is whether the upstream keeps its connection.
    func exchange(receivedHead head: HTTPResponseHead, upstreamKeepAlive: Bool)
    func exchange(receivedBody body: ByteBuffer)
    /// The response ended; the exchange has already given back its upstream connection and its lease.
    func exchange(receivedEnd trailers: HTTPHeaders?)
    /// The upstream's read burst is over: a good moment to flush.
    func exchangeReadComplete()
    /// The upstream can take more of the request body again.
    func exchangeWantsRequestBody()
    /// The exchange failed for good (retries included) and released everything; `status` is the answer when no
    /// response has started yet.
    func exchange(failed status: ProxyErrorStatus, message: String)
    /// The upstream switched protocols (101): relay bytes between the client and `upstream` from now on.
    func exchange(upgradedWith head: HTTPResponseHead, upstream: UpstreamHTTPConnection)
}
