import NIOCore
import NIOHTTP1
import SwitchyardTraffic

/// One proxied HTTP request and its response, from the planner's decision to the last byte back, across
/// retries. Confined to the client's event loop.
final class HTTPExchange {
    let start = NIODeadline.now()
    /// The head as the client sent it.
    let clientHead: HTTPRequestHead
    let requestID: String?
    /// The request as it goes upstream, with the reserved target; replaced on a retry.
    private(set) var request: UpstreamRequest
    var clientKeepAlive: Bool
    private(set) var attempt = 1
    /// Targets tried so far, so a retry goes elsewhere.
    private(set) var tried: [String]

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
    var responseTimer: Scheduled<Void>?
    /// What has been sent of the request, kept while it fits the replay limit so a retry can resend it.
    private var replay: [HTTPClientRequestPart] = []
    private var replayBytes = 0
    private(set) var replayable: Bool

    init(clientHead: HTTPRequestHead, request: UpstreamRequest, requestID: String?) {
        self.clientHead = clientHead
        self.request = request
        self.requestID = requestID
        self.clientKeepAlive = clientHead.isKeepAlive
        self.tried = [request.lease.route.id]
        self.replayable = request.replayLimit >= 0
    }

    var key: UpstreamConnectionPool.Key {
        .init(route: request.lease.route.id, host: request.destination.host, port: request.destination.port)
    }

    /// True once the response is complete but the client is still sending a body nobody will read.
    var isDiscardingRequestBody: Bool { responseEnded && !requestEnded }

    /// A stale keep-alive connection that failed before any answer may be replaced once, if no body byte
    /// went out on it.
    var mayRetryOnFreshConnection: Bool { reusedConnection && responseStatus == nil && !requestBodySent }

    /// Records a part going upstream, keeping it for replay while the body stays within the replay limit.
    func noteSent(_ part: HTTPClientRequestPart) {
        if case .body(let body) = part {
            requestBodySent = true
            guard replayable else { return }
            replayBytes += body.readableBytes
            guard replayBytes <= request.replayLimit else {
                replayable = false
                replay = []
                return
            }
        }
        if replayable { replay.append(part) }
    }

    /// Moves the exchange to another target; what was sent so far is queued to be sent again.
    func retarget(_ next: UpstreamRequest) {
        request = next
        attempt += 1
        tried.append(next.lease.route.id)
        upstream = nil
        reusedConnection = false
        requestBodySent = false
        buffered = replay + buffered
        replay = []
        replayBytes = 0
    }
}

/// A request waiting in its pool's queue, with the client's body parts that arrived meanwhile.
final class QueuedRequest {
    let head: HTTPRequestHead
    let pending: PendingPick
    let requestID: String?
    /// When the wait ends with 503, however often the request is woken and queued again.
    let deadline: NIODeadline
    var waiter: ConnectionWaitQueue.Waiter?
    var timer: Scheduled<Void>?
    var bufferedParts: [HTTPServerRequestPart]

    init(
        head: HTTPRequestHead, pending: PendingPick, requestID: String?, bufferedParts: [HTTPServerRequestPart],
        deadline: NIODeadline
    ) {
        self.head = head
        self.pending = pending
        self.requestID = requestID
        self.bufferedParts = bufferedParts
        self.deadline = deadline
    }
}
