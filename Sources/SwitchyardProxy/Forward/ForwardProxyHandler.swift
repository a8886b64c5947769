import Logging
import NIOCore
import NIOHTTP1

/// Serves one client connection of a forward listener: authenticates each request, picks an egress target,
/// and either forwards an absolute-URI request over a (pooled) upstream connection or turns a CONNECT into a
/// byte tunnel.
///
/// Bodies stream both ways with backpressure: the client is read only while the upstream is writable, the
/// upstream only while the client is. Everything runs on the client's event loop; upstream channels are
/// opened on the same loop.
final class ForwardProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        /// Waiting for the next request head.
        case idle
        case exchange(HTTPExchange)
        /// A CONNECT whose upstream is being dialled.
        case connectingTunnel(TunnelAttempt)
        /// An error answer went out (or the peer left); the connection is closing.
        case closing
        /// Handed over to a `GlueHandler` pair.
        case tunnel
    }

    let settings: ForwardProxySettings
    let headTimeout: RequestHeadTimeoutHandler
    var state = State.idle
    var context: ChannelHandlerContext!
    var pendingRead = false
    var username: String?

    static let noEgressMessage = "no egress route available: every target is at its limit"

    init(settings: ForwardProxySettings, headTimeout: RequestHeadTimeoutHandler) {
        self.settings = settings
        self.headTimeout = headTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    var clientDescription: String {
        context.channel.remoteAddress?.description ?? "?"
    }

    var clientIP: String? {
        context.channel.remoteAddress?.ipAddress
    }

    // MARK: Inbound from the client

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch state {
        case .idle:
            if case .head(let head) = part { handleHead(head) }
        case .exchange(let exchange):
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
        case .connectingTunnel, .closing, .tunnel:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .exchange(let exchange) = state { exchange.upstream?.handler.flush() }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .exchange(let exchange):
            exchange.lease.release()
            exchange.upstream?.close()
            exchange.upstream = nil
            log(exchange, status: exchange.responseStatus?.code ?? 499, error: "client closed the connection")
        case .connectingTunnel(let attempt):
            attempt.lease.release()
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
            reject(method: "-", host: "-", .headersTooLarge, "request headers exceed \(settings.maxHeaderBytes) bytes")
        } else {
            reject(method: "-", host: "-", .badRequest, "malformed request: \(parserError)")
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            // Only an idle keep-alive connection times out here; a request in flight is bounded upstream.
            if case .idle = state { context.close(promise: nil) }
        } else {
            context.fireUserInboundEventTriggered(event)
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
        case .connectingTunnel:
            pendingRead = true
            return
        default:
            break
        }
        context.read()
    }

    private func resumeClientReading() {
        if pendingRead {
            pendingRead = false
            context.read()
        }
    }

    // MARK: Requests

    private func handleHead(_ head: HTTPRequestHead) {
        headTimeout.requestHeadReceived()
        if let authenticator = settings.authenticator {
            switch authenticator.check(head.headers["proxy-authorization"]) {
            case .authenticated(let user):
                username = user
            case .missing:
                return reject(head, .proxyAuthenticationRequired, "proxy authentication required")
            case .rejected:
                return reject(head, .proxyAuthenticationRequired, "proxy credentials rejected")
            }
        }
        if head.method == .CONNECT {
            openTunnel(head)
            return
        }
        guard let destination = ProxyDestination.parseAbsoluteURI(head.uri) else {
            return reject(head, .badRequest, "request target must be an absolute http:// URI")
        }
        guard let lease = settings.pool.acquire(for: destination, clientAddress: clientIP) else {
            return reject(head, .serviceUnavailable, Self.noEgressMessage)
        }
        let exchange = HTTPExchange(
            head: head,
            upstreamHead: upstreamHead(for: head, destination: destination),
            destination: destination,
            lease: lease
        )
        state = .exchange(exchange)
        if let idle = settings.pool.idleConnections(on: context.eventLoop), let connection = idle.take(exchange.key) {
            attach(connection, to: exchange, reused: true)
        } else {
            dial(exchange)
        }
    }

    private func upstreamHead(for head: HTTPRequestHead, destination: ProxyDestination) -> HTTPRequestHead {
        var upstream = HTTPRequestHead(
            version: .http1_1,
            method: head.method,
            uri: destination.originForm ?? "/",
            headers: head.headers
        )
        HopByHopHeaders.strip(&upstream.headers)
        upstream.headers.replaceOrAdd(name: "host", value: destination.hostHeader)
        if settings.addVia {
            upstream.headers.add(name: "via", value: "\(head.version.major).\(head.version.minor) switchyard")
        }
        if settings.addXForwardedFor, let clientIP {
            let previous = upstream.headers["x-forwarded-for"].joined(separator: ", ")
            upstream.headers.replaceOrAdd(name: "x-forwarded-for", value: previous.isEmpty ? clientIP : "\(previous), \(clientIP)")
        }
        return upstream
    }

    private func dial(_ exchange: HTTPExchange) {
        let idleTimeout = settings.idleTimeout
        settings.connector.connect(
            host: exchange.destination.host,
            port: exchange.destination.port,
            route: exchange.lease.route,
            on: context.eventLoop
        ) { channel in
            channel.eventLoop.makeCompletedFuture {
                // NIO's client codec, but with 1xx responses (100 Continue) passed on to the client.
                try channel.pipeline.syncOperations.addHandlers(
                    HTTPRequestEncoder(),
                    ByteToMessageHandler(HTTPResponseDecoder(informationalResponseStrategy: .forward)),
                    IdleStateHandler(allTimeout: idleTimeout),
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
                    self.fail(exchange, .badGateway, "upstream connection failed: \(error)")
                }
            case .failure(let error):
                let failure = UpstreamFailure(
                    error,
                    host: exchange.destination.host,
                    port: exchange.destination.port,
                    route: exchange.lease.route
                )
                self.fail(exchange, failure.status, failure.description)
            }
        }
    }

    private func attach(_ connection: UpstreamHTTPConnection, to exchange: HTTPExchange, reused: Bool) {
        exchange.upstream = connection
        exchange.reusedConnection = reused
        connection.delegate = self
        connection.handler.send(.head(exchange.upstreamHead))
        for part in exchange.buffered {
            if case .body = part { exchange.requestBodySent = true }
            connection.handler.send(part)
        }
        exchange.buffered.removeAll()
        connection.handler.flush()
        if connection.isWritable { resumeClientReading() }
    }

    private func forward(_ part: HTTPClientRequestPart, of exchange: HTTPExchange) {
        if exchange.responseEnded { return }
        if let upstream = exchange.upstream {
            if case .body = part { exchange.requestBodySent = true }
            upstream.handler.send(part)
            if case .end = part { upstream.handler.flush() }
        } else {
            exchange.buffered.append(part)
        }
    }

    /// The exchange is over on both sides: give back the slot, keep the upstream connection if it can be reused.
    private func complete(_ exchange: HTTPExchange) {
        exchange.lease.release()
        log(exchange, status: exchange.responseStatus?.code ?? 0, error: nil)
        state = exchange.clientKeepAlive ? .idle : .closing
        headTimeout.requestCompleted()
    }

    private func fail(_ exchange: HTTPExchange, _ status: ProxyErrorStatus, _ message: String) {
        exchange.lease.release()
        exchange.upstream?.close()
        exchange.upstream = nil
        log(exchange, status: exchange.responseStatus?.code ?? status.status.code, error: message)
        if exchange.responseStatus == nil {
            respond(status, message, version: exchange.clientVersion)
        } else {
            state = .closing
            context.close(promise: nil)  // the response was cut short; closing is the only honest signal left
        }
    }

    /// Answers a request that never reached an upstream, and logs it once.
    func reject(_ head: HTTPRequestHead, _ status: ProxyErrorStatus, _ message: String) {
        reject(method: head.method.rawValue, host: head.uri, status, message, version: head.version)
    }

    func reject(
        method: String,
        host: String,
        _ status: ProxyErrorStatus,
        _ message: String,
        version: HTTPVersion = .http1_1
    ) {
        AccessRecord(
            listener: settings.listenerName,
            client: clientDescription,
            user: username,
            method: method,
            host: host,
            status: status.status.code,
            start: .now(),
            error: message
        ).emit(to: settings.logger)
        respond(status, message, version: version)
    }

    /// Writes a short plain-text error response and closes the connection once it is out.
    func respond(_ status: ProxyErrorStatus, _ message: String, version: HTTPVersion) {
        state = .closing
        let body = context.channel.allocator.buffer(string: message + "\n")
        context.write(wrapOutboundOut(.head(status.responseHead(version: version, bodyLength: body.readableBytes))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { [context] _ in
            context!.close(promise: nil)
        }
    }

    private func log(_ exchange: HTTPExchange, status: UInt, error: String?) {
        AccessRecord(
            listener: settings.listenerName,
            client: clientDescription,
            user: username,
            method: exchange.method.rawValue,
            host: exchange.destination.hostHeader,
            egress: exchange.lease.route.id,
            status: status,
            bytesUp: exchange.requestBytes,
            bytesDown: exchange.responseBytes,
            start: exchange.start,
            error: error
        ).emit(to: settings.logger)
    }
}

// MARK: - Upstream events

extension ForwardProxyHandler: UpstreamExchangeDelegate {
    var clientIsWritable: Bool { context.channel.isWritable }

    func upstream(_ connection: UpstreamHTTPConnection, received part: HTTPClientResponsePart) {
        guard case .exchange(let exchange) = state, exchange.upstream === connection else { return }
        switch part {
        case .head(let head) where head.status.code < 200 && head.status != .switchingProtocols:
            var interim = HTTPResponseHead(version: exchange.clientVersion, status: head.status, headers: head.headers)
            HopByHopHeaders.strip(&interim.headers)
            context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
        case .head(let head):
            exchange.responseStatus = head.status
            exchange.upstreamKeepAlive = head.isKeepAlive
            var response = HTTPResponseHead(version: exchange.clientVersion, status: head.status, headers: head.headers)
            HopByHopHeaders.strip(&response.headers)
            if exchange.clientVersion.minor == 0, !response.headers.contains(name: "content-length") {
                exchange.clientKeepAlive = false  // an HTTP/1.0 body without a length ends with the connection
            }
            if !exchange.clientKeepAlive {
                response.headers.add(name: "connection", value: "close")
            } else if exchange.clientVersion.minor == 0 {
                response.headers.add(name: "connection", value: "keep-alive")
            }
            context.write(wrapOutboundOut(.head(response)), promise: nil)
        case .body(let buffer):
            exchange.responseBytes += buffer.readableBytes
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            exchange.responseEnded = true
            exchange.upstream = nil
            connection.delegate = nil
            if exchange.upstreamKeepAlive, exchange.requestEnded,
                let idle = settings.pool.idleConnections(on: context.eventLoop)
            {
                idle.put(connection)
            } else {
                connection.close()
            }
            let closeAfterwards = !exchange.clientKeepAlive
            context.writeAndFlush(wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { [context] _ in
                if closeAfterwards { context!.close(promise: nil) }
            }
            if exchange.requestEnded {
                complete(exchange)
            } else {
                resumeClientReading()  // drain the rest of the request body; it is discarded
            }
        }
    }

    func upstreamReadComplete(_ connection: UpstreamHTTPConnection) {
        context.flush()
    }

    func upstream(_ connection: UpstreamHTTPConnection, failed failure: UpstreamExchangeFailure) {
        guard case .exchange(let exchange) = state, exchange.upstream === connection else { return }
        exchange.upstream = nil
        connection.close()
        if exchange.mayRetryOnFreshConnection, case .closed = failure {
            if exchange.requestEnded { exchange.buffered = [.end(nil)] }
            dial(exchange)
            return
        }
        let host = exchange.destination.hostHeader
        switch failure {
        case .timedOut:
            fail(exchange, .gatewayTimeout, "upstream \(host) did not answer in time")
        case .closed:
            fail(exchange, .badGateway, "upstream \(host) closed the connection before the response ended")
        case .error(let error):
            fail(exchange, .badGateway, "upstream \(host) failed: \(error)")
        }
    }

    func upstreamBecameWritable(_ connection: UpstreamHTTPConnection) {
        resumeClientReading()
    }
}
