import NIOCore
import NIOHTTP1
import SwitchyardBalancing

/// The forward-proxy decision: an absolute-URI request or a CONNECT leaves through an egress target of the pool,
/// picked per request or tunnel. No `Via` or `X-Forwarded-For` is added unless configured (they leak the client).
struct ForwardRequestPlanner: RequestPlanner {
    static let noEgressMessage = "no egress route available: every target is at its limit"

    let pool: UpstreamPool
    let connectTimeout: TimeAmount
    let addVia: Bool
    let addXForwardedFor: Bool

    func plan(_ head: HTTPRequestHead, client: ClientContext) -> RequestPlan {
        if head.method == .CONNECT {
            guard let destination = ProxyDestination.parseConnectAuthority(head.uri) else {
                return .reject(.badRequest, "CONNECT target must be host:port")
            }
            guard let lease = acquire(destination, client: client, head: nil) else {
                return .reject(.serviceUnavailable, Self.noEgressMessage)
            }
            return .tunnel(destination, lease)
        }
        guard let destination = ProxyDestination.parseAbsoluteURI(head.uri) else {
            return .reject(.badRequest, "request target must be an absolute http:// URI")
        }
        guard let lease = acquire(destination, client: client, head: head) else {
            return .reject(.serviceUnavailable, Self.noEgressMessage)
        }
        return .upstream(
            UpstreamRequest(
                head: upstreamHead(for: head, destination: destination, client: client),
                destination: destination,
                lease: lease,
                pool: pool,
                connectTimeout: connectTimeout
            )
        )
    }

    private func acquire(_ destination: ProxyDestination, client: ClientContext, head: HTTPRequestHead?) -> TargetLease? {
        let host = DestinationKey.make(host: destination.host, port: destination.port)
        return pool.acquire(host: host, clientAddress: client.ip, head: head)
    }

    private func upstreamHead(for head: HTTPRequestHead, destination: ProxyDestination, client: ClientContext)
        -> HTTPRequestHead
    {
        var upstream = HTTPRequestHead(
            version: .http1_1,
            method: head.method,
            uri: destination.originForm ?? "/",
            headers: head.headers
        )
        HopByHopHeaders.strip(&upstream.headers)
        upstream.headers.replaceOrAdd(name: "host", value: destination.hostHeader)
        if addVia {
            upstream.headers.add(name: "via", value: "\(head.version.major).\(head.version.minor) switchyard")
        }
        if addXForwardedFor, let ip = client.ip {
            let previous = upstream.headers["x-forwarded-for"].joined(separator: ", ")
            upstream.headers.replaceOrAdd(name: "x-forwarded-for", value: previous.isEmpty ? ip : "\(previous), \(ip)")
        }
        return upstream
    }
}
