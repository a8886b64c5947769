import NIOCore
import NIOHTTP1
import SwitchyardTraffic

/// The reverse-proxy decision: the first matching route names a backend pool, whose policy picks the target.
/// The request keeps its path; `X-Forwarded-For` is appended, `X-Forwarded-Proto`/`-Host` set, RFC 7239
/// `Forwarded` added when configured, `Host` kept or rewritten per pool, and an `X-Request-Id` passed on.
struct ReverseRequestPlanner: RequestPlanner {
    let routes: RouteTable
    /// `http` or `https`: how clients reach this listener.
    let scheme: String
    let addForwarded: Bool
    /// The listener's own rate limits; nil when it has none.
    let rateLimits: RequestRateLimits?

    private static let idempotentMethods: [HTTPMethod] = [.GET, .HEAD, .OPTIONS, .PUT, .DELETE, .TRACE]

    func plan(_ head: HTTPRequestHead, client: ClientContext) -> RequestPlan {
        if head.method == .CONNECT {
            return .reject(.badRequest, "CONNECT is not served by a reverse listener")
        }
        var head = head
        if let absolute = ProxyDestination.parseAbsoluteURI(head.uri) {
            // Routed by one authority, forwarded with another, a request could reach a route it does not match.
            guard head.headers["host"].map({ $0.lowercased() }) == [absolute.hostHeader.lowercased()] else {
                return .reject(.badRequest, "the request target's authority and its Host header disagree")
            }
            head.uri = absolute.originForm ?? "/"
        }
        let hostKey = RouteTable.requestHost(head)
        guard let route = routes.match(head, host: hostKey) else {
            return .reject(.notFound, "no route for \(hostKey)\(head.uri.prefix { $0 != "?" })")
        }
        let limitRequest = RequestRateLimits.Request(
            clientIP: client.ip, user: client.user, route: route.name, destinationHost: hostKey)
        if let refusal = rateLimitRefusal(limitRequest, listener: rateLimits, pool: route.pool) { return refusal }
        return pick(head, route: route, host: hostKey, client: client, queued: false)
    }

    /// Reserves a backend of the route's pool and builds the plan on it, or the wait for one.
    private func pick(
        _ head: HTTPRequestHead, route: ReverseRoute, host: String, client: ClientContext, queued: Bool
    ) -> RequestPlan {
        let pool = route.pool
        let stickyKey = pool.stickyKey(session: nil, clientAddress: client.ip, head: head)
        switch pool.acquire(host: host, clientAddress: client.ip, head: head, stickyKey: stickyKey, queued: queued) {
        case .leased(let lease):
            pool.backend.retryBudget.recordRequest()
            let retryable = route.retryNonIdempotent || Self.idempotentMethods.contains(head.method)
            var upstream = request(for: head, client: client, lease: lease, pool: pool, retryable: retryable)
            upstream.stickyKey = stickyKey
            upstream.headerRewrites = route.headerRewrites
            upstream.requestID = client.requestID
            upstream.routeName = route.name
            return .upstream(upstream)
        case .refused(let status, let message):
            return .reject(status, message)
        case .wait(let queue):
            let named = queue.classHeader.flatMap { head.headers.first(name: $0) } ?? route.queueClass
            return .wait(
                PendingPick(queue: queue, queueClass: queue.classIndex(named: named)) {
                    pick(head, route: route, host: host, client: client, queued: true)
                })
        }
    }

    func retry(_ request: UpstreamRequest, attempt: Int?, tried: [String]) -> (UpstreamRequest, TimeAmount)? {
        let settings = request.pool.backend
        guard attempt == nil || request.replayLimit >= 0, let delay = settings.retryDelay(forAttempt: attempt),
            case .leased(let lease) = request.pool.acquire(
                host: RouteTable.requestHost(request.head),
                clientAddress: request.clientIP,
                head: request.head,
                stickyKey: request.stickyKey,
                excluding: tried,
                queued: true
            )
        else { return nil }
        var next = request
        next.lease = lease
        next.destination = lease.route.backend ?? request.destination
        if settings.rewriteHost { next.head.headers.replaceOrAdd(name: "host", value: next.destination.hostHeader) }
        return (next, delay)
    }

    private func request(
        for head: HTTPRequestHead,
        client: ClientContext,
        lease: TargetLease,
        pool: UpstreamPool,
        retryable: Bool
    ) -> UpstreamRequest {
        let settings = pool.backend
        let backend = lease.route.backend!
        let isUpgrade = head.headers["upgrade"].contains { $0.lowercased() == "websocket" }
        var upstream = head
        upstream.version = .http1_1
        let originalHost = head.headers.first(name: "host")
        HopByHopHeaders.strip(&upstream.headers)
        if isUpgrade {
            upstream.headers.add(name: "connection", value: "upgrade")
            upstream.headers.add(name: "upgrade", value: "websocket")
        }
        if settings.rewriteHost || originalHost == nil {
            upstream.headers.replaceOrAdd(name: "host", value: backend.hostHeader)
        }
        if let ip = client.ip {
            let previous = upstream.headers["x-forwarded-for"].joined(separator: ", ")
            upstream.headers.replaceOrAdd(name: "x-forwarded-for", value: previous.isEmpty ? ip : "\(previous), \(ip)")
        }
        upstream.headers.replaceOrAdd(name: "x-forwarded-proto", value: scheme)
        if let originalHost { upstream.headers.replaceOrAdd(name: "x-forwarded-host", value: originalHost) }
        if addForwarded {
            var element = "proto=\(scheme)"
            if let ip = client.ip { element = (ip.contains(":") ? "for=\"[\(ip)]\";" : "for=\(ip);") + element }
            if let originalHost { element += ";host=\"\(originalHost)\"" }
            upstream.headers.add(name: "forwarded", value: element)
        }
        if let requestID = client.requestID { upstream.headers.replaceOrAdd(name: "x-request-id", value: requestID) }
        return UpstreamRequest(
            head: upstream,
            destination: backend,
            lease: lease,
            pool: pool,
            connectTimeout: settings.connectTimeout,
            responseTimeout: settings.responseTimeout,
            replayLimit: retryable ? settings.replayBodyBytes : -1,
            clientIP: client.ip,
            isUpgrade: isUpgrade
        )
    }
}
