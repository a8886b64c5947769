import NIOCore
import NIOHTTP1
import SwitchyardBalancing
import SwitchyardTraffic

/// One request and its response through an upstream, across retries: it takes a pooled connection or dials one,
/// sends the request as its parts arrive, streams the response to its `ExchangeResponder`, and holds the target's
/// lease until the response ends, fails or the client goes away — releasing it exactly once on each of those paths.
///
/// The retry loop of requests lives here (its step, `Failover`, is shared with tunnel dials): a request that failed
/// before any response byte, with a replayable body and attempts and budget left, goes to another target; so does
/// one whose target could not be connected to, or whose path through an upstream proxy failed, before any of its
/// body went out (whatever its method: the destination never saw it). Knows nothing of the client's protocol.
/// Confined to the client's event loop; upstream connections are opened on the same loop.
///
/// The body of a request with `Expect: 100-continue` waits, as with Go's `http.Transport`, until the upstream
/// answers `100 Continue` or the pool's `expectContinueTimeout` passes; an upstream that answers finally first
/// never gets the body (and its connection is not reused).
final class ProxyExchange {
    /// The request as it goes upstream, with the reserved target; replaced on a retry.
    private(set) var request: UpstreamRequest
    private let planner: any RequestPlanner
    private let idleTimeout: TimeAmount
    private let eventLoop: any EventLoop
    private weak var responder: (any ExchangeResponder)?

    private var upstream: UpstreamHTTPConnection?
    private var reusedConnection = false
    /// Request parts received while no upstream connection was ready, or while they wait for a `100 Continue`.
    private var pending: [HTTPClientRequestPart] = []
    /// Set while the body waits for the upstream's `100 Continue`: fires when waiting is over.
    private var continueWait: Scheduled<Void>?
    /// The upstream answered finally while the body waited: the body is dropped.
    private var bodyRefused = false
    private var replay: ReplayBuffer
    private var requestEnded = false
    private var requestBodySent = false
    private var requestEndSent = false
    private var responseStarted = false
    private var upstreamKeepAlive = false
    /// The upstream's 101 to an upgrade request, until its end hands the connection over.
    private var switchingProtocols: HTTPResponseHead?
    private var failover = Failover()
    /// Set once the exchange has ended (response done, failed or aborted); nothing more happens after.
    private var isOver = false

    init(
        request: UpstreamRequest, planner: any RequestPlanner, idleTimeout: TimeAmount, eventLoop: any EventLoop,
        responder: any ExchangeResponder
    ) {
        self.request = request
        self.planner = planner
        self.idleTimeout = idleTimeout
        self.eventLoop = eventLoop
        self.responder = responder
        self.replay = ReplayBuffer(limit: request.replayLimit)
    }

    /// The target serving the request now.
    var lease: TargetLease { request.lease }

    /// Whether the upstream can take more of the request body now.
    var upstreamIsWritable: Bool { continueWait == nil && upstream?.isWritable ?? false }

    /// Sends the request over an idle pooled connection, or dials a new one.
    func start() {
        if let idle = request.pool.idleConnections(on: eventLoop), let connection = idle.take(key) {
            // A connection opened for another request is reused only if the policy lets this one reach it too (an
            // upstream proxy's connection leads to no address of the destination: its name was checked).
            guard request.lease.route.proxy != nil
                || request.destinationCheck?.permits(connection.channel.remoteAddress) ?? true
            else {
                idle.put(connection)
                return dial()
            }
            attach(connection, reused: true)
        } else {
            dial()
        }
    }

    /// A part of the client's request body (or its end).
    func send(_ part: HTTPClientRequestPart) {
        guard !isOver else { return }
        if case .end = part { requestEnded = true }
        guard !bodyRefused else { return }
        guard let upstream, continueWait == nil else {
            pending.append(part)
            return
        }
        write(part, to: upstream)
        if case .end = part { startResponseClock(on: upstream) }
    }

    /// Flushes what the client's read burst added.
    func flush() {
        upstream?.handler.flush()
    }

    /// The client can take more of the response again.
    func clientBecameWritable() {
        upstream?.handler.resumeReading()
    }

    /// The request ended on the client's side (the client went away, or its request turned out malformed): close
    /// the upstream connection (it is in an unknown state, and its response would have nowhere to go) and give back
    /// the target.
    func abort() {
        guard !isOver else { return }
        isOver = true
        stopWaitingForContinue()
        upstream?.close()
        upstream = nil
        request.lease.release()
    }

    /// An HTTP upstream proxy takes requests for any destination, so its connections are pooled per upstream.
    private var key: UpstreamConnectionPool.Key {
        let route = request.lease.route
        if route.sendsAbsoluteForm { return .init(route: route.id, host: "", port: 0) }
        return .init(route: route.id, host: request.destination.host, port: request.destination.port)
    }

    // MARK: Connecting

    private func dial() {
        let attempt = failover.attempt
        UpstreamHTTPConnection.dial(request, idleTimeout: idleTimeout, on: eventLoop)
            .assumeIsolated().whenComplete { result in
                guard !self.isOver, self.failover.attempt == attempt, self.upstream == nil else {
                    if case .success(let channel) = result { channel.close(promise: nil) }
                    return
                }
                switch result {
                case .success(let channel):
                    do {
                        self.attach(try UpstreamHTTPConnection(channel: channel, key: self.key), reused: false)
                    } catch {
                        channel.close(promise: nil)
                        self.retryOrFail(.badGateway, "upstream connection failed: \(error)", cause: .connectFailed)
                    }
                case .failure(let error):
                    let destination = self.request.destination
                    let route = self.request.lease.route
                    let failure = UpstreamFailure(error, host: destination.host, port: destination.port, route: route)
                    switch failure {
                    case .timedOut, .denied:
                        self.fail(failure.status, failure.description, cause: failure.result(via: route))
                    default:
                        self.retryOrFail(
                            failure.status, failure.description, cause: failure.result(via: route) ?? .connectFailed,
                            pathFailed: failure.failedBeforeDestination(via: route))
                    }
                }
            }
    }

    private func attach(_ connection: UpstreamHTTPConnection, reused: Bool) {
        upstream = connection
        reusedConnection = reused
        connection.delegate = self
        var head = request.head
        request.headerRewrites?.request.apply(to: &head.headers, request.headerValues)
        connection.handler.send(.head(request.lease.route.head(head, to: request.destination)))
        let timeout = request.pool.backend.expectContinueTimeout
        // A plain scan first: most requests have no `Expect`, and splitting header values allocates.
        guard timeout > .zero, head.headers.contains(name: "expect"),
            head.headers[canonicalForm: "expect"].contains(where: { $0.equalsIgnoringASCIICase("100-continue") })
        else {
            sendPending(to: connection)
            return
        }
        connection.handler.flush()
        continueWait = eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            guard !self.isOver, let upstream = self.upstream, self.continueWait != nil else { return }
            self.continueWait = nil
            self.sendPending(to: upstream)
        }
    }

    /// Sends the parts that waited (for a connection, or for a `100 Continue`) and asks for more of the body.
    private func sendPending(to connection: UpstreamHTTPConnection) {
        let parts = pending
        pending.removeAll()
        for part in parts { write(part, to: connection) }
        connection.handler.flush()
        if requestEnded { startResponseClock(on: connection) }
        if connection.isWritable { responder?.exchangeWantsRequestBody() }
    }

    private func stopWaitingForContinue() {
        continueWait?.cancel()
        continueWait = nil
    }

    private func write(_ part: HTTPClientRequestPart, to connection: UpstreamHTTPConnection) {
        if case .body = part { requestBodySent = true }
        if case .end = part { requestEndSent = true }
        replay.record(part)
        connection.handler.send(part)
        if case .end = part { connection.handler.flush() }
    }

    /// The upstream's time to answer counts from the end of the request, so a slow upload is not a slow upstream.
    private func startResponseClock(on connection: UpstreamHTTPConnection) {
        if let timeout = request.responseTimeout { connection.responseDeadline.set(.now() + timeout) }
    }

    // MARK: Ending

    /// Sends the request to another target when the planner allows it (nothing of the response came back yet, the
    /// body is replayable — or, when nothing reached the destination, none of it went out —, attempts and budget
    /// remain, or the target was unreachable); otherwise fails it.
    private func retryOrFail(
        _ status: ProxyErrorStatus, _ message: String, cause: PoolGuards.RequestResult, pathFailed: Bool = false
    ) {
        guard !responseStarted, replay.isReplayable || (pathFailed && !requestBodySent),
            let delay = failover.moveOn(&request, after: cause, planner: planner)
        else { return fail(status, message, cause: cause) }
        stopWaitingForContinue()
        upstream?.close()
        upstream = nil
        reusedConnection = false
        requestBodySent = false
        let resend = replay.isReplayable ? replay.takeForResend() : (requestEndSent ? [.end(nil)] : [])
        requestEndSent = false
        pending = resend + pending
        let attempt = failover.attempt
        eventLoop.assumeIsolated().scheduleTask(in: delay) {
            guard !self.isOver, self.failover.attempt == attempt else { return }
            self.dial()
        }
    }

    /// Ends the exchange with an error; `cause` is what the failure says about the target (ignored when its answer
    /// was already reported; nil when it says nothing, as for a destination denied before any dial).
    private func fail(_ status: ProxyErrorStatus, _ message: String, cause: PoolGuards.RequestResult?) {
        guard !isOver else { return }
        isOver = true
        stopWaitingForContinue()
        if let cause { request.lease.report(cause) }
        request.lease.release()
        upstream?.close()
        upstream = nil
        responder?.exchange(failed: status, message: message)
    }
}

extension ProxyExchange: UpstreamExchangeDelegate {
    var clientIsWritable: Bool { responder?.clientIsWritable ?? false }

    func upstream(_ connection: UpstreamHTTPConnection, received part: HTTPClientResponsePart) {
        guard connection === upstream, !isOver else { return }
        switch part {
        case .head(let head) where head.status == .switchingProtocols && request.isUpgrade:
            // The decoder still ends this response; the connection is handed over at that end.
            connection.responseDeadline.clear()
            request.lease.report(.response(status: 101, retryAfter: nil))
            switchingProtocols = head
        case .end where switchingProtocols != nil:
            isOver = true
            upstream = nil
            connection.delegate = nil
            // The lease stays held for the life of the relay; the relay's end gives it back.
            responder?.exchange(upgradedWith: switchingProtocols!, upstream: connection)
        case .head(let head) where head.status == .proxyAuthenticationRequired && request.lease.route.sendsAbsoluteForm:
            // The HTTP upstream refused its own credentials: the target failed; the client never sees this 407.
            let failure = UpstreamProxyFailure(
                proxy: request.lease.route.proxy!.authority, destination: request.destination.hostHeader,
                reason: .rejectedCredentials)
            retryOrFail(.badGateway, failure.description, cause: .connectFailed, pathFailed: true)
        case .head(let head) where head.status.code < 200:
            if head.status == .continue, continueWait != nil {
                stopWaitingForContinue()
                sendPending(to: connection)
            }
            responder?.exchange(receivedInterim: head)
        case .head(var head):
            if continueWait != nil {
                stopWaitingForContinue()
                bodyRefused = true
                pending.removeAll()
            }
            connection.responseDeadline.clear()
            responseStarted = true
            upstreamKeepAlive = head.isKeepAlive
            let retryAfter = head.headers.first(name: "retry-after").flatMap(RetryAfter.parse)
            request.lease.report(.response(status: Int(head.status.code), retryAfter: retryAfter))
            request.headerRewrites?.response.apply(to: &head.headers, request.headerValues)
            responder?.exchange(receivedHead: head, upstreamKeepAlive: upstreamKeepAlive)
        case .body(let buffer):
            responder?.exchange(receivedBody: buffer)
        case .end(let trailers):
            isOver = true
            upstream = nil
            connection.delegate = nil
            // Only a connection whose request went out whole and whose response ended cleanly is reused.
            if upstreamKeepAlive, requestEndSent, let idle = request.pool.idleConnections(on: eventLoop) {
                idle.put(connection)
            } else {
                connection.close()
            }
            request.lease.release()
            responder?.exchange(receivedEnd: trailers)
        }
    }

    func upstreamReadComplete(_ connection: UpstreamHTTPConnection) {
        responder?.exchangeReadComplete()
    }

    func upstream(_ connection: UpstreamHTTPConnection, failed failure: UpstreamExchangeFailure) {
        guard connection === upstream, !isOver else { return }
        upstream = nil
        connection.close()
        // A kept-alive connection the upstream had closed meanwhile: replace it once, if nothing was lost on it.
        if reusedConnection, !responseStarted, !requestBodySent, case .closed = failure {
            stopWaitingForContinue()
            reusedConnection = false
            pending = (requestEndSent ? [.end(nil)] : []) + pending
            requestEndSent = false
            dial()
            return
        }
        let host = request.destination.hostHeader
        switch failure {
        case .timedOut:
            fail(.gatewayTimeout, "upstream \(host) did not answer in time", cause: .timedOut)
        case .closed:
            retryOrFail(.badGateway, "upstream \(host) closed the connection before the response ended", cause: .reset)
        case .error(let error):
            retryOrFail(.badGateway, "upstream \(host) failed: \(error)", cause: .reset)
        }
    }

    func upstreamBecameWritable(_ connection: UpstreamHTTPConnection) {
        responder?.exchangeWantsRequestBody()
    }
}
