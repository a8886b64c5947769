import NIOCore
import NIOHTTP1
import SwitchyardTraffic

/// Decides, for one listener, where each request goes: the part that differs between forward and reverse
/// proxying. Everything after the decision (dialling, streaming, keep-alive, tunnels, retries, errors, logs) is
/// shared by `HTTPConnectionHandler`.
protocol RequestPlanner: Sendable {
    func plan(_ head: HTTPRequestHead, client: ClientContext) -> RequestPlan

    /// Another attempt for `request`, which failed before any response byte, on a target not in `tried`;
    /// nil when it must not be retried. The returned delay is the backoff to wait first.
    /// - Parameter attempt: which retry of the pool's attempts and budget this is, from 1; nil for one that counts
    ///   against neither, after a target that could not be connected to (nothing was sent, whatever the method).
    func retry(_ request: UpstreamRequest, attempt: Int?, tried: [String]) -> (UpstreamRequest, TimeAmount)?
}

extension RequestPlanner {
    func retry(_ request: UpstreamRequest, attempt: Int?, tried: [String]) -> (UpstreamRequest, TimeAmount)? {
        nil
    }
}

/// What a planner knows about the client of a request.
struct ClientContext {
    var ip: String?
    /// The authenticated proxy user, on listeners with users.
    var user: String?
    /// The session named by the client's login (`SessionLogin`), a sticky key.
    var session: String? = nil
    /// The request's id (`X-Request-Id`), on listeners that assign them.
    var requestID: String?
}

/// A planner's decision for one request.
enum RequestPlan {
    /// Forward the request over HTTP/1.1.
    case upstream(UpstreamRequest)
    /// Open a byte tunnel (CONNECT) to the request's destination.
    case tunnel(UpstreamRequest)
    /// Answer the client directly with an error.
    case reject(ProxyErrorStatus, String)
    /// Every target is at its connection limit: wait in the pool's queue, then `PendingPick.resume()`.
    case wait(PendingPick)
}

/// A request waiting in its pool's queue for a connection slot.
struct PendingPick {
    let queue: ConnectionWaitQueue
    /// The request's priority class in `queue`.
    let queueClass: Int
    /// Tries the pick again once woken; gives the plan, which may be to wait again.
    let resume: () -> RequestPlan
}

/// Counts a request against the listener's limits, then its pool's.
/// - Returns: the 429 to answer when a limit refuses it; nil when it may go on.
func rateLimitRefusal(
    _ request: @autoclosure () -> RequestRateLimits.Request,
    listener: RequestRateLimits?,
    pool: UpstreamPool
) -> RequestPlan? {
    guard listener != nil || pool.requestLimits != nil else { return nil }
    let request = request()
    guard let retryAfter = listener?.check(request) ?? pool.requestLimits?.check(request) else { return nil }
    return .reject(.tooManyRequests(retryAfter: ProxyErrorStatus.seconds(retryAfter)), "rate limit exceeded")
}

/// One request as it will be sent upstream.
struct UpstreamRequest {
    /// The head as the upstream gets it: origin-form target, rewritten `Host`, connection headers stripped.
    var head: HTTPRequestHead
    /// Where to connect.
    var destination: ProxyDestination
    /// The reserved target and how to reach it.
    var lease: TargetLease
    /// The pool the target belongs to, whose idle connections may carry the request.
    var pool: UpstreamPool
    var connectTimeout: TimeAmount
    /// How long the upstream may take to start its response; nil for no limit beyond the idle timeout.
    var responseTimeout: TimeAmount?
    /// Request-body bytes kept for replaying the request on another target; negative when the request must
    /// never be retried.
    var replayLimit = -1
    /// The client's address, for picking a retry's target by the same hash key.
    var clientIP: String? = nil
    /// The request's sticky key, for picking a retry's target by the same pin.
    var stickyKey: String? = nil
    /// A protocol upgrade (WebSocket): after `101` both connections are spliced byte for byte.
    var isUpgrade = false
    /// The destination policy's check of the dialled addresses (forward requests); nil dials without one.
    var destinationCheck: DestinationGuard.Check? = nil
    /// The header rules of the request's listener, route and pool; nil when none apply.
    var headerRewrites: HeaderRewrites? = nil
    /// The request's id, for header rules.
    var requestID: String? = nil
    /// The reverse route's name, for header rules; empty on forward listeners.
    var routeName = ""

    /// What the header rules' values may use, with the target now serving the request.
    var headerValues: HeaderValues {
        HeaderValues(
            clientIP: clientIP ?? "", requestID: requestID ?? "", route: routeName, target: lease.target.id)
    }
}
