import NIOCore
import NIOHTTP1

/// Decides, for one listener, where each request goes: the part that differs between forward and reverse
/// proxying. Everything after the decision (dialling, streaming, keep-alive, tunnels, retries, errors, logs) is
/// shared by `HTTPProxyHandler`.
protocol RequestPlanner: Sendable {
    func plan(_ head: HTTPRequestHead, client: ClientContext) -> RequestPlan

    /// Another attempt for `request`, which failed before any response byte, on a target not in `tried`;
    /// nil when it must not be retried. The returned delay is the backoff to wait first.
    func retry(_ request: UpstreamRequest, attempt: Int, tried: [String]) -> (UpstreamRequest, TimeAmount)?
}

extension RequestPlanner {
    func retry(_ request: UpstreamRequest, attempt: Int, tried: [String]) -> (UpstreamRequest, TimeAmount)? {
        nil
    }
}

/// What a planner knows about the client of a request.
struct ClientContext {
    var ip: String?
    /// The request's id (`X-Request-Id`), on listeners that assign them.
    var requestID: String?
}

/// A planner's decision for one request.
enum RequestPlan {
    /// Forward the request over HTTP/1.1.
    case upstream(UpstreamRequest)
    /// Open a byte tunnel (CONNECT).
    case tunnel(ProxyDestination, TargetLease)
    /// Answer the client directly with an error.
    case reject(ProxyErrorStatus, String)
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
    /// A protocol upgrade (WebSocket): after `101` both connections are spliced byte for byte.
    var isUpgrade = false
}
