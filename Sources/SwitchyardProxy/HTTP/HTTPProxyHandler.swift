import Logging
import NIOCore
import NIOHTTP1
import SwitchyardBalancing
import SwitchyardTraffic

/// Serves one client connection of a proxy listener: authenticates each request (when the listener has users),
/// asks the listener's planner where it goes, then forwards it over a (pooled) upstream connection or turns it
/// into a byte tunnel. Forward and reverse listeners differ only in their planner.
///
/// Bodies stream both ways with backpressure: the client is read only while the upstream is writable, the
/// upstream only while the client is. Everything runs on the client's event loop; upstream channels are
/// opened on the same loop.
final class HTTPProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Where the connection is in its request cycle.
    enum State {
        /// Waiting for the next request head.
        case idle
        case exchange(HTTPExchange)
        /// Waiting in a pool's queue for a connection slot.
        case waiting(QueuedRequest)
        /// A CONNECT whose upstream is being dialled.
        case connectingTunnel(TunnelAttempt)
        /// An error answer went out (or the peer left); the connection is closing.
        case closing
        /// Handed over to a `GlueHandler` pair.
        case tunnel
    }

    let settings: ProxyListenerSettings
    let headTimeout: RequestHeadTimeoutHandler
    var state = State.idle
    var context: ChannelHandlerContext!
    var pendingRead = false
    var username: String?
    /// Whether the current request counts in the process's in-flight requests.
    var inFlight = false

    init(settings: ProxyListenerSettings, headTimeout: RequestHeadTimeoutHandler) {
        self.settings = settings
        self.headTimeout = headTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    // MARK: Inbound from the client

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch state {
        case .idle:
            if case .head(let head) = part { handleHead(head) }
        case .exchange(let exchange):
            receive(part, for: exchange)
        case .waiting(let queued):
            queued.bufferedParts.append(part)
        case .connectingTunnel, .closing, .tunnel:
            break
        }
    }

    private func receive(_ part: HTTPServerRequestPart, for exchange: HTTPExchange) {
        switch part {
        case .head:
            break  // HTTPServerPipelineHandler holds the next request until this one is answered.
        case .body(let buffer):
            exchange.requestBytes += buffer.readableBytes
            forward(.body(.byteBuffer(buffer)), of: exchange)
        case .end(let trailers):
            exchange.requestEnded = true
            forward(.end(trailers), of: exchange)
            if exchange.responseEnded { complete(exchange) }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .exchange(let exchange) = state { exchange.upstream?.handler.flush() }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .exchange(let exchange):
            exchange.request.lease.release()
            exchange.upstream?.close()
            exchange.upstream = nil
            log(exchange, status: exchange.responseStatus?.code ?? 499, error: "client closed the connection")
        case .connectingTunnel(let attempt):
            attempt.lease.release()
            logTunnel(
                attempt, client: context.channel.remoteAddress, status: 499, up: 0, down: 0,
                error: "client closed the connection")
        case .waiting(let queued):
            stopWaiting(queued)
            recordUnserved(
                method: queued.head.method.rawValue, target: queued.head.uri, status: 499,
                message: "client closed the connection while waiting for a free connection")
        case .idle, .closing, .tunnel:
            break
        }
        state = .closing
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, case .idle = state else {
            context.close(promise: nil)
            return
        }
        headTimeout.requestHeadReceived()
        if case .headerOverflow = parserError {
            reject(method: "-", target: "-", .headersTooLarge, "request headers exceed \(settings.maxHeaderBytes) bytes")
        } else {
            reject(method: "-", target: "-", .badRequest, "malformed request: \(parserError)")
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            clientInputClosed()
        } else if event is IdleStateHandler.IdleStateEvent {
            // Only an idle keep-alive connection times out here; a request in flight is bounded upstream.
            if case .idle = state { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// The client shut down its sending side (or closed outright): nothing more will arrive, so the connection
    /// closes once the request in progress, if any, has been answered. A request still waiting for a connection
    /// slot or a tunnel still being dialled is abandoned instead, like HAProxy's `abortonclose`: its client is
    /// most likely gone, and the slot it waits for is better given to one that is not.
    private func clientInputClosed() {
        switch state {
        case .idle, .closing, .waiting, .connectingTunnel:
            context.close(promise: nil)
        case .exchange(let exchange):
            exchange.clientKeepAlive = false
        case .tunnel:
            break
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, case .exchange(let exchange) = state {
            exchange.upstream?.handler.resumeReading()
        }
        context.fireChannelWritabilityChanged()
    }

    /// Holds client reads while the upstream cannot take more (or is still being dialled).
    func read(context: ChannelHandlerContext) {
        switch state {
        case .exchange(let exchange) where !exchange.isDiscardingRequestBody:
            guard let upstream = exchange.upstream, upstream.isWritable else {
                pendingRead = true
                return
            }
        case .connectingTunnel, .waiting:
            pendingRead = true
            return
        default:
            break
        }
        context.read()
    }

    func resumeClientReading() {
        if pendingRead {
            pendingRead = false
            context.read()
        }
    }

    // MARK: Requests

    private func handleHead(_ head: HTTPRequestHead) {
        headTimeout.requestHeadReceived()
        if let metrics = settings.metrics {
            metrics.traffic.stats.requestStarted()
            inFlight = true
        }
        if let authenticator = settings.authenticator {
            switch authenticator.check(head.headers["proxy-authorization"]) {
            case .authenticated(let user):
                username = user
            case .missing:
                settings.metrics?.authFailures.increment()
                return reject(head, .proxyAuthenticationRequired, "proxy authentication required")
            case .rejected:
                settings.metrics?.authFailures.increment()
                return reject(head, .proxyAuthenticationRequired, "proxy credentials rejected")
            }
        }
        let requestID = settings.assignsRequestIDs ? (head.headers.first(name: "x-request-id") ?? RequestID.make()) : nil
        let client = ClientContext(ip: context.channel.remoteAddress?.ipAddress, user: username, requestID: requestID)
        carry(out: settings.planner.plan(head, client: client), for: head, requestID: requestID)
    }

    /// Acts on the planner's decision. `bufferedParts` are body parts that arrived while the request waited in a
    /// queue; `deadline` ends such a wait.
    private func carry(
        out plan: RequestPlan, for head: HTTPRequestHead, requestID: String?,
        bufferedParts: [HTTPServerRequestPart] = [], deadline: NIODeadline? = nil
    ) {
        switch plan {
        case .reject(let status, let message):
            reject(head, status, requestID.map { "\(message) (request id \($0))" } ?? message)
        case .tunnel(let destination, let lease):
            openTunnel(head, to: destination, lease: lease)
        case .upstream(let request):
            let exchange = HTTPExchange(clientHead: head, request: request, requestID: requestID)
            state = .exchange(exchange)
            if let idle = request.pool.idleConnections(on: context.eventLoop),
                let connection = idle.take(exchange.key)
            {
                attach(connection, to: exchange, reused: true)
            } else {
                dial(exchange)
            }
            for part in bufferedParts { receive(part, for: exchange) }
        case .wait(let pending):
            let queued = QueuedRequest(
                head: head, pending: pending, requestID: requestID, bufferedParts: bufferedParts,
                deadline: deadline ?? .now() + TimeAmount(pending.queue.timeout))
            wait(queued)
        }
    }

    // MARK: Waiting for a connection slot

    /// Queues the request in its pool's queue; reading from the client pauses until it leaves the queue.
    private func wait(_ queued: QueuedRequest) {
        let (head, pending) = (queued.head, queued.pending)
        let bound = NIOLoopBound((handler: self, queued: queued), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        queued.waiter = ConnectionWaitQueue.Waiter {
            eventLoop.execute { bound.value.handler.resume(bound.value.queued) }
        }
        guard pending.queue.enqueue(queued.waiter!, class: pending.queueClass) else {
            return reject(head, .overloaded(retryAfter: 1), "the queue for a free connection is full")
        }
        state = .waiting(queued)
        let timeout = pending.queue.timeout
        queued.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: queued.deadline) {
            guard case .waiting(let current) = self.state, current === queued, pending.queue.remove(queued.waiter!)
            else { return }
            self.reject(
                head, .overloaded(retryAfter: ProxyErrorStatus.seconds(timeout)),
                "no connection became free within \(timeout.components.seconds)s")
        }
    }

    /// Woken by a freed slot: tries the pick again, carrying on with whatever it gives (perhaps another wait).
    private func resume(_ queued: QueuedRequest) {
        guard case .waiting(let current) = state, current === queued else {
            return queued.pending.queue.wakeNext()  // gone: pass the chance on
        }
        queued.timer?.cancel()
        carry(
            out: queued.pending.resume(), for: queued.head, requestID: queued.requestID,
            bufferedParts: queued.bufferedParts, deadline: queued.deadline)
        if case .waiting = state {} else { resumeClientReading() }
    }

    /// Leaves the queue because the client went away.
    private func stopWaiting(_ queued: QueuedRequest) {
        queued.timer?.cancel()
        _ = queued.pending.queue.remove(queued.waiter!)  // when already dequeued, `resume` passes the wake on
    }

    func dial(_ exchange: HTTPExchange) {
        let idleTimeout = settings.idleTimeout
        UpstreamConnector.connect(
            host: exchange.request.destination.host,
            port: exchange.request.destination.port,
            route: exchange.request.lease.route,
            timeout: exchange.request.connectTimeout,
            tls: exchange.request.lease.route.usesTLS ? exchange.request.pool.tlsContext : nil,
            on: context.eventLoop
        ) { channel in
            channel.eventLoop.makeCompletedFuture {
                // NIO's client codec, but with 1xx responses (100 Continue) passed on to the client.
                try channel.pipeline.syncOperations.addHandlers(
                    HTTPRequestEncoder(),
                    ByteToMessageHandler(
                        HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes, informationalResponseStrategy: .forward)
                    ),
                    IdleStateHandler(readTimeout: idleTimeout),
                    UpstreamHTTPHandler()
                )
            }
        }.assumeIsolated().whenComplete { result in
            guard case .exchange(let current) = self.state, current === exchange else {
                if case .success(let channel) = result { channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let channel):
                do {
                    let handler = try channel.pipeline.syncOperations.handler(type: UpstreamHTTPHandler.self)
                    let connection = UpstreamHTTPConnection(channel: channel, handler: handler, key: exchange.key)
                    self.attach(connection, to: exchange, reused: false)
                } catch {
                    channel.close(promise: nil)
                    self.retryOrFail(exchange, .badGateway, "upstream connection failed: \(error)", cause: .connectFailed)
                }
            case .failure(let error):
                let destination = exchange.request.destination
                let failure = UpstreamFailure(
                    error,
                    host: destination.host,
                    port: destination.port,
                    route: exchange.request.lease.route
                )
                if case .timedOut = failure {
                    self.fail(exchange, failure.status, failure.description, cause: failure.result)
                } else {
                    self.retryOrFail(exchange, failure.status, failure.description, cause: failure.result)
                }
            }
        }
    }

    private func attach(_ connection: UpstreamHTTPConnection, to exchange: HTTPExchange, reused: Bool) {
        exchange.upstream = connection
        exchange.reusedConnection = reused
        connection.delegate = self
        connection.handler.send(.head(exchange.request.head))
        for part in exchange.buffered {
            exchange.noteSent(part)
            connection.handler.send(part)
        }
        exchange.buffered.removeAll()
        connection.handler.flush()
        if let timeout = exchange.request.responseTimeout {
            exchange.responseTimer?.cancel()
            exchange.responseTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
                guard case .exchange(let current) = self.state, current === exchange, exchange.responseStatus == nil
                else { return }
                self.fail(
                    exchange, .gatewayTimeout,
                    "upstream \(exchange.request.destination.hostHeader) sent no response in time", cause: .timedOut)
            }
        }
        if connection.isWritable { resumeClientReading() }
    }

    private func forward(_ part: HTTPClientRequestPart, of exchange: HTTPExchange) {
        if exchange.responseEnded { return }
        if let upstream = exchange.upstream {
            exchange.noteSent(part)
            upstream.handler.send(part)
            if case .end = part { upstream.handler.flush() }
        } else {
            exchange.buffered.append(part)
        }
    }

    /// The exchange is over on both sides: give back the slot, let the next request in.
    func complete(_ exchange: HTTPExchange) {
        exchange.responseTimer?.cancel()
        exchange.request.lease.release()
        log(exchange, status: exchange.responseStatus?.code ?? 0, error: nil)
        state = exchange.clientKeepAlive ? .idle : .closing
        headTimeout.requestCompleted()
    }

    /// Sends the request to another target when the planner allows it (nothing of the response came back yet,
    /// the body is replayable, attempts and budget remain); otherwise fails it.
    func retryOrFail(
        _ exchange: HTTPExchange, _ status: ProxyErrorStatus, _ message: String, cause: PoolGuards.RequestResult
    ) {
        guard exchange.responseStatus == nil, exchange.replayable,
            let (next, delay) = settings.planner.retry(exchange.request, attempt: exchange.attempt, tried: exchange.tried)
        else { return fail(exchange, status, message, cause: cause) }
        exchange.responseTimer?.cancel()
        exchange.upstream?.close()
        exchange.request.lease.report(cause)
        exchange.request.lease.release()
        log(exchange, status: status.status.code, error: "\(message); retrying on \(next.lease.route.id)")
        exchange.retarget(next)
        context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            guard case .exchange(let current) = self.state, current === exchange else { return next.lease.release() }
            self.dial(exchange)
        }
    }

    /// Ends the exchange with an error; `cause` is what the failure says about the target (ignored when its answer
    /// was already reported).
    func fail(
        _ exchange: HTTPExchange, _ status: ProxyErrorStatus, _ message: String, cause: PoolGuards.RequestResult
    ) {
        exchange.responseTimer?.cancel()
        exchange.request.lease.report(cause)
        exchange.request.lease.release()
        exchange.upstream?.close()
        exchange.upstream = nil
        log(exchange, status: exchange.responseStatus?.code ?? status.status.code, error: message)
        if exchange.responseStatus == nil {
            let body = exchange.requestID.map { "\(message) (request id \($0))" } ?? message
            respond(status, body, version: exchange.clientHead.version)
        } else {
            state = .closing
            context.close(promise: nil)  // the response was cut short; closing is the only honest signal left
        }
    }

    /// Answers a request that never reached an upstream, and logs it once.
    func reject(_ head: HTTPRequestHead, _ status: ProxyErrorStatus, _ message: String) {
        reject(method: head.method.rawValue, target: head.uri, status, message, version: head.version)
    }

    private func reject(
        method: String,
        target: String,
        _ status: ProxyErrorStatus,
        _ message: String,
        version: HTTPVersion = .http1_1
    ) {
        if let metrics = settings.metrics {
            switch status {
            case .tooManyRequests:
                metrics.rateLimited.increment()
                metrics.traffic.limitRejected("rate_limit")
            case .overloaded: metrics.traffic.limitRejected("queue")
            case .serviceUnavailable: metrics.traffic.limitRejected("no_target")
            default: break
            }
        }
        recordUnserved(method: method, target: target, status: status.status.code, message: message)
        respond(status, message, version: version)
    }

    /// Counts and logs, once, a request that ended before any upstream served it.
    private func recordUnserved(method: String, target: String, status: UInt, message: String) {
        settings.metrics?.recordRequest(method: method, status: status, duration: .zero, bytesIn: 0, bytesOut: 0)
        finishInFlight()
        AccessRecord(
            listener: settings.listenerName,
            client: context.channel.remoteAddress,
            user: username,
            method: method,
            host: target,
            status: status,
            start: .now(),
            error: message
        ).emit(to: settings.logger)
    }

    /// Writes a short plain-text error response and closes the connection once it is out.
    func respond(_ status: ProxyErrorStatus, _ message: String, version: HTTPVersion) {
        state = .closing
        let body = context.channel.allocator.buffer(string: message + "\n")
        let head = status.responseHead(version: version, bodyLength: body.readableBytes)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { [context] _ in
            context!.close(promise: nil)
        }
    }

    func log(_ exchange: HTTPExchange, status: UInt, error: String?) {
        record(
            method: exchange.clientHead.method.rawValue, status: status, start: exchange.start,
            bytesIn: exchange.requestBytes, bytesOut: exchange.responseBytes, lease: exchange.request.lease)
        AccessRecord(
            listener: settings.listenerName,
            client: context.channel.remoteAddress,
            user: username,
            method: exchange.clientHead.method.rawValue,
            host: exchange.request.destination.hostHeader,
            pool: exchange.request.lease.pool.name,
            target: exchange.request.lease.route.id,
            upstreamDuration: exchange.request.lease.upstreamDuration,
            status: status,
            bytesUp: exchange.requestBytes,
            bytesDown: exchange.responseBytes,
            start: exchange.start,
            requestID: exchange.requestID,
            error: error
        ).emit(to: settings.logger)
    }
}

extension HTTPProxyHandler {
    /// Counts a finished request or tunnel in the listener's metrics and the windows of the process, its pool and
    /// its target.
    func record(method: String, status: UInt, start: NIODeadline, bytesIn: Int, bytesOut: Int, lease: TargetLease) {
        let duration = Duration.nanoseconds((NIODeadline.now() - start).nanoseconds)
        settings.metrics?.recordRequest(
            method: method, status: status, duration: duration, bytesIn: bytesIn, bytesOut: bytesOut)
        settings.metrics?.traffic.countHost(lease.host)
        let succeeded = status < 500
        lease.pool.metrics?.stats.record(latency: duration, succeeded: succeeded, bytesIn: bytesIn, bytesOut: bytesOut)
        lease.metrics?.stats.record(latency: duration, succeeded: succeeded, bytesIn: bytesIn, bytesOut: bytesOut)
        finishInFlight()
    }

    /// Takes the current request out of the in-flight count, once.
    func finishInFlight() {
        if inFlight {
            inFlight = false
            settings.metrics?.traffic.stats.requestFinished()
        }
    }
}
