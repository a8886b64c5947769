import NIOCore
import NIOHTTP1

/// Decides, for one listener, where each request goes: the part that differs between forward and reverse
/// proxying. Everything after the decision (dialling, streaming, keep-alive, tunnels, errors, logs) is shared
/// by `HTTPProxyHandler`.
protocol RequestPlanner: Sendable {
    func plan(_ head: HTTPRequestHead, client: ClientContext) -> RequestPlan
}

/// What a planner knows about the client of a request.
struct ClientContext {
    var ip: String?
    /// The authenticated proxy user, if the listener authenticates.
    var user: String?
}

/// A planner's decision for one request.
enum RequestPlan {
    /// Forward the request over HTTP/1.1.
    case upstream(UpstreamRequest)
    /// Open a byte tunnel (CONNECT).
    case tunnel(ProxyDestination, EgressLease)
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
    var lease: EgressLease
    /// The pool the target belongs to, whose idle connections may carry the request.
    var pool: EgressPool
}
