import NIOCore
import NIOHTTP1
import SwitchyardBalancing
import SwitchyardTraffic

/// The forward-proxy decision: an absolute-URI request or a CONNECT leaves through an egress target of the pool,
/// picked per request or tunnel, once the destination policy allows its destination by name (its addresses are
/// checked when it is dialled, or by the upstream proxy that resolves it). No `Via` or `X-Forwarded-For` is added
/// unless configured (they leak the client). When the target cannot be reached or the path through an upstream
/// proxy fails, `retry` picks another target.
struct ForwardRequestPlanner: RequestPlanner {
    let pool: UpstreamPool
    let connectTimeout: TimeAmount
    let addVia: Bool
    let addXForwardedFor: Bool
    /// The listener's own rate limits; nil when it has none.
    let rateLimits: RequestRateLimits?
    let destinations: DestinationGuard
    /// The header rules of the listener and its pool, for plain requests (a tunnel's bytes are not HTTP to edit).
    let headerRewrites: HeaderRewrites?

    func plan(_ head: HTTPRequestHead, client: ClientContext) -> RequestPlan {
        let parsed =
            head.method == .CONNECT
            ? ProxyDestination.parseConnectAuthority(head.uri) : ProxyDestination.parseAbsoluteURI(head.uri)
        guard let destination = parsed else {
            return .reject(
                .badRequest,
                head.method == .CONNECT
                    ? "CONNECT target must be host:port" : "request target must be an absolute http:// URI")
        }
        let check = destinations.check(
            destination, method: head.method == .CONNECT ? .connect : .plain, user: client.user)
        if let denial = destinations.screen(check) { return .reject(.forbidden(rule: denial.rule), denial.description) }
        let host = DestinationKey.make(host: destination.host, port: destination.port)
        let limitRequest = RequestRateLimits.Request(
            clientIP: client.ip, user: client.user, route: nil, destinationHost: host)
        if let refusal = rateLimitRefusal(limitRequest, listener: rateLimits, pool: pool) { return refusal }
        return pick(head, destination: destination, check: check, host: host, client: client, queued: false)
    }

    /// Reserves an egress target and builds the plan on it, or the wait for one.
    private func pick(
        _ head: HTTPRequestHead, destination: ProxyDestination, check: DestinationGuard.Check, host: String,
        client: ClientContext, queued: Bool
    ) -> RequestPlan {
        let isTunnel = head.method == .CONNECT
        let stickyKey = pool.stickyKey(session: client.session, clientAddress: client.ip, head: head)
        switch pool.acquire(
            host: host, clientAddress: client.ip, head: isTunnel ? nil : head, stickyKey: stickyKey, queued: queued)
        {
        case .leased(let lease):
            if pool.hasUpstreamProxies { pool.backend.retryBudget.recordRequest() }
            let request = UpstreamRequest(
                head: isTunnel
                    ? HTTPRequestHead(version: .http1_1, method: .CONNECT, uri: head.uri)
                    : upstreamHead(for: head, destination: destination, client: client),
                destination: destination,
                lease: lease,
                pool: pool,
                connectTimeout: connectTimeout,
                clientIP: client.ip,
                stickyKey: stickyKey,
                destinationCheck: check
            )
            guard !isTunnel else { return .tunnel(request) }
            var plain = request
            plain.headerRewrites = headerRewrites
            plain.requestID = client.requestID
            return .upstream(plain)
        case .refused(let status, let message):
            return .reject(status, message)
        case .wait(let queue):
            let queueClass = queue.classIndex(named: queue.classHeader.flatMap { head.headers.first(name: $0) })
            return .wait(
                PendingPick(queue: queue, queueClass: queueClass) {
                    pick(head, destination: destination, check: check, host: host, client: client, queued: true)
                })
        }
    }

    /// Another target for a request or tunnel whose target could not be connected to (at once, beyond the pool's
    /// retry attempts and budget) or whose path through an upstream proxy failed (within them): the only failures
    /// its callers retry on a forward listener.
    func retry(_ request: UpstreamRequest, attempt: Int?, tried: [String]) -> (UpstreamRequest, TimeAmount)? {
        let head = request.head.method == .CONNECT ? nil : request.head
        guard let delay = pool.backend.retryDelay(forAttempt: attempt),
            case .leased(let lease) = pool.acquire(
                host: request.lease.host, clientAddress: request.clientIP, head: head, stickyKey: request.stickyKey,
                excluding: tried, queued: true)
        else { return nil }
        var next = request
        next.lease = lease
        return (next, delay)
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
