/// The life of one HTTP/1 client connection of a proxy listener, as a pure value: events in, actions out.
///
/// The handler reports what happened (a request head arrived, the upstream's response ended, the client shut its
/// side, a timer fired, the listener is shutting down, ...) and performs the action it gets back; it keeps no state
/// of its own about where the connection is. Two promises hold by construction, and the unit tests check them for
/// every event in every state:
/// - every request that started is finished exactly once (`finishRequest` or `answerError`, or `abortRequest`
///   when the client is gone), whatever ends it;
/// - every connection is closed exactly once it can serve nothing more (idle with its input ended, after a
///   response that cannot be followed by another, on an error answer, a timeout, or a drain).
///
/// Tunnels (CONNECT, WebSocket) leave the machine once spliced: from then on the relay owns the connection.
struct ConnectionStateMachine: Sendable {
    enum State: Equatable, Sendable {
        /// Between requests: waiting for the next head.
        case idle
        /// A request is being served.
        case active(Request)
        /// Bytes are relayed both ways; HTTP is over on this connection.
        case tunnel
        /// No further request will be served; the connection is closing.
        case closing
    }

    /// Where the request in progress is.
    struct Request: Equatable, Sendable {
        /// The client may send another request after this one.
        var keepAlive: Bool
        /// The client's request (head, body, end) has fully arrived.
        var requestEnded = false
        /// The request is on its way upstream: an exchange carries it, or its tunnel is connected. Until then (queued
        /// for a slot, a tunnel being dialled) a client that shuts its side abandons it, like HAProxy's
        /// `abortonclose`: the client is most likely gone, and the slot is better given to one that is not.
        var dispatched = false
        /// Part of a response went to the client.
        var responseStarted = false
    }

    /// What the handler does next.
    enum Action: Equatable, Sendable {
        case none
        /// Plan the request whose head just arrived and start serving it.
        case startRequest
        /// Pass the request part on to the request's exchange.
        case forwardRequestPart
        /// Keep the part (of a pipelined request) until the current request is finished, and stop reading.
        case holdPipelinedPart
        /// Drop the part: no request takes it (an error answer already went out).
        case discard
        /// Write the response head; `keepAlive` says whether the connection stays open after this response.
        case writeResponseHead(keepAlive: Bool)
        /// Finish the request (count, log, release; once), write the response's end, then close or read on.
        case finishRequest(then: AfterResponse)
        /// Answer the request with an error, finish it, and close once the answer is out.
        case answerError
        /// The client is gone or the response cannot be completed: finish the request as aborted and close now.
        case abortRequest
        /// Close the connection; no request is in progress.
        case close
        /// The listener is draining and the connection is between requests: keep it open a moment longer, so a
        /// request already on its way is served (its response says `Connection: close`), then close it as idle.
        case lingerThenClose
        /// The head of a new request never arrived in time: answer 408 and close.
        case answerHeadTimeout
        /// Bytes that are no request arrived between requests: answer 400 and close.
        case answerMalformed
        /// Hand the connection to the byte relay.
        case spliceTunnel
    }

    /// What follows the last byte of a response.
    enum AfterResponse: Equatable, Sendable {
        /// Serve the next request (replaying any pipelined one that is held).
        case readNext
        /// Close once the response is out.
        case close
    }

    private(set) var state = State.idle
    /// The client shut its sending side: nothing more will arrive.
    private(set) var inputClosed = false
    /// The listener is draining: finish the request in progress, then close.
    private(set) var quiescing = false
    /// A request has started on this connection: before the first one, the client has just connected and its
    /// request is on its way.
    private(set) var hasStartedRequest = false

    /// Whether the connection may serve another request after the current one.
    private func mayContinue(_ request: Request) -> Bool {
        request.keepAlive && !inputClosed && !quiescing
    }

    // MARK: From the client

    mutating func requestHead(keepAlive: Bool) -> Action {
        switch state {
        case .idle:
            state = .active(Request(keepAlive: keepAlive))
            hasStartedRequest = true
            return .startRequest
        case .active(let request) where request.requestEnded:
            return .holdPipelinedPart
        case .active, .tunnel, .closing:
            return .discard
        }
    }

    mutating func requestBody() -> Action {
        switch state {
        case .active(let request) where request.requestEnded:
            return .holdPipelinedPart
        case .active:
            return .forwardRequestPart
        case .idle, .tunnel, .closing:
            return .discard
        }
    }

    mutating func requestEnd() -> Action {
        switch state {
        case .active(var request) where !request.requestEnded:
            request.requestEnded = true
            state = .active(request)
            return .forwardRequestPart
        case .active:
            return .holdPipelinedPart
        case .idle, .tunnel, .closing:
            return .discard
        }
    }

    /// The client shut its sending side (or the peer closed; `channelClosed` follows then).
    mutating func inputEnded() -> Action {
        inputClosed = true
        switch state {
        case .idle:
            state = .closing
            return .close
        case .active(let request) where !request.requestEnded || !request.dispatched:
            // Gone mid-request, or while the request still waited for an upstream: nobody is left to answer.
            state = .closing
            return .abortRequest
        case .active, .tunnel, .closing:
            return .none
        }
    }

    /// The request could not be parsed: a bad head or a bad body.
    mutating func parseError() -> Action {
        switch state {
        case .idle:
            state = .closing
            return .answerMalformed
        case .active(let request) where request.requestEnded:
            // Garbage behind a complete request: answer this one, then stop.
            var request = request
            request.keepAlive = false
            state = .active(request)
            return .none
        case .active(let request):
            state = .closing
            return request.responseStarted ? .abortRequest : .answerError
        case .tunnel, .closing:
            return .none
        }
    }

    /// The head of the next request did not arrive in time (or the connection idled out between requests).
    mutating func headTimedOut(bytesReceived: Bool) -> Action {
        guard case .idle = state else { return .none }
        state = .closing
        return bytesReceived ? .answerHeadTimeout : .close
    }

    /// The request's body stopped arriving for longer than the idle timeout (a client trickling or stalling an
    /// upload would otherwise hold its upstream connection for ever).
    mutating func requestBodyTimedOut() -> Action {
        guard case .active(let request) = state, !request.requestEnded else { return .none }
        state = .closing
        return request.responseStarted ? .abortRequest : .answerError
    }

    /// The connection closed, for whatever reason.
    mutating func channelClosed() -> Action {
        defer { state = .closing }
        if case .active = state { return .abortRequest }
        return .none
    }

    /// The listener is shutting down (or moving to other event loops). A connection between requests lingers a
    /// moment and closes (closing it at once would cut a keep-alive request the client is sending at that instant:
    /// it would see its reused connection close with no answer); one that has not sent its first request yet (the
    /// listener accepted it a moment ago) is served that one request, its head bounded by `header_read` as always.
    /// Either way the request served during the drain is the connection's last.
    mutating func quiesce() -> Action {
        quiescing = true
        switch state {
        case .idle where !hasStartedRequest:
            return .none
        case .idle:
            return .lingerThenClose
        case .active, .tunnel, .closing:
            return .none
        }
    }

    // MARK: From the request's exchange

    /// The request is on its way upstream (see `Request.dispatched`).
    mutating func dispatched() {
        guard case .active(var request) = state else { return }
        request.dispatched = true
        state = .active(request)
    }

    mutating func responseHead(upstreamKeepAlive: Bool) -> Action {
        guard case .active(var request) = state, !request.responseStarted else { return .discard }
        request.responseStarted = true
        if !upstreamKeepAlive { request.keepAlive = false }
        state = .active(request)
        return .writeResponseHead(keepAlive: mayContinue(request))
    }

    mutating func responseEnd() -> Action {
        guard case .active(let request) = state, request.responseStarted else { return .discard }
        // A response that ends while the request still streams leaves a body nobody reads: close rather than
        // guess where the next request starts.
        if request.requestEnded, mayContinue(request) {
            state = .idle
            return .finishRequest(then: .readNext)
        }
        state = .closing
        return .finishRequest(then: .close)
    }

    /// The request failed: no target, refused, upstream error or timeout.
    mutating func requestFailed() -> Action {
        guard case .active(let request) = state else { return .none }
        state = .closing
        return request.responseStarted ? .abortRequest : .answerError
    }

    /// The request became a tunnel (CONNECT answered 200, or an upgrade answered 101).
    mutating func tunnelEstablished() -> Action {
        guard case .active = state else { return .none }
        state = .tunnel
        return .spliceTunnel
    }
}
