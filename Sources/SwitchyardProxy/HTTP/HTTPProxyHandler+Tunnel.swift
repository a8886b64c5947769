import NIOCore
import NIOHTTP1

/// A CONNECT waiting for its upstream connection.
final class TunnelAttempt {
    let start = NIODeadline.now()
    let head: HTTPRequestHead
    let destination: ProxyDestination
    let lease: TargetLease

    init(head: HTTPRequestHead, destination: ProxyDestination, lease: TargetLease) {
        self.head = head
        self.destination = destination
        self.lease = lease
    }
}

extension HTTPProxyHandler {
    /// Dials the CONNECT target through the reserved egress route, then answers `200` and hands both channels to
    /// a `GlueHandler` pair. Bytes the client sent right after its CONNECT request are relayed, not lost.
    func openTunnel(_ head: HTTPRequestHead, to destination: ProxyDestination, lease: TargetLease) {
        let attempt = TunnelAttempt(head: head, destination: destination, lease: lease)
        state = .connectingTunnel(attempt)
        UpstreamConnector.connect(
            host: destination.host,
            port: destination.port,
            route: lease.route,
            timeout: settings.connectTimeout,
            on: context.eventLoop
        ) { channel in
            channel.eventLoop.makeSucceededVoidFuture()
        }.assumeIsolated().whenComplete { result in
            guard case .connectingTunnel(let current) = self.state, current === attempt else {
                if case .success(let channel) = result { channel.close(promise: nil) }
                lease.release()
                return
            }
            switch result {
            case .success(let upstream):
                do {
                    try self.handOver(to: upstream, attempt)
                } catch {
                    upstream.close(promise: nil)
                    lease.release()
                    self.context.close(promise: nil)
                }
            case .failure(let error):
                let failure = UpstreamFailure(error, host: destination.host, port: destination.port, route: lease.route)
                lease.report(failure.result)
                lease.release()
                self.logTunnel(
                    attempt,
                    client: self.context.channel.remoteAddress,
                    status: failure.status.status.code,
                    up: 0,
                    down: 0,
                    error: failure.description
                )
                self.respond(failure.status, failure.description, version: head.version)
            }
        }
    }

    private func handOver(to upstream: any Channel, _ attempt: TunnelAttempt) throws {
        attempt.lease.report(.connected)
        settings.metrics?.tunnels.increment()
        let established = HTTPResponseStatus.custom(code: 200, reasonPhrase: "Connection Established")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: attempt.head.version, status: established))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        try splice(with: upstream) { client, up, down in
            attempt.lease.release()
            self.logTunnel(attempt, client: client, status: 200, up: up, down: down, error: nil)
        }
    }

    /// After a `101 Switching Protocols` (WebSocket): the upstream's HTTP codec goes too, then both sides relay
    /// bytes until either closes.
    func spliceUpgrade(_ exchange: HTTPExchange, _ connection: UpstreamHTTPConnection) throws {
        connection.delegate = nil
        let upstream = connection.channel.pipeline.syncOperations
        _ = upstream.removeHandler(connection.handler)
        _ = try upstream.removeHandler(upstream.handler(type: HTTPRequestEncoder.self))
        let decoder = try upstream.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self)
        try splice(with: connection.channel) { _, up, down in
            exchange.requestBytes += up
            exchange.responseBytes += down
            self.complete(exchange)
        }
        // Frames the backend sent right behind its 101 are passed on when its decoder leaves.
        upstream.removeHandler(decoder).assumeIsolated().whenComplete { [context] _ in context!.flush() }
    }

    /// Replaces this connection's HTTP handling with a `GlueHandler` pair relaying bytes to and from `upstream`.
    /// `finished` runs once both channels have closed, with the client address and the bytes relayed each way.
    private func splice(
        with upstream: any Channel,
        finished: @escaping (SocketAddress?, _ up: Int, _ down: Int) -> Void
    ) throws {
        let (clientGlue, upstreamGlue) = GlueHandler.matchedPair()
        try upstream.pipeline.syncOperations.addHandler(upstreamGlue)
        state = .tunnel

        // A tunnel is idle only when no byte moves either way, on either side.
        for channel in [context.channel, upstream] {
            let handlers = channel.pipeline.syncOperations
            if let readIdle = try? handlers.handler(type: IdleStateHandler.self) { _ = handlers.removeHandler(readIdle) }
            try handlers.addHandler(IdleStateHandler(allTimeout: settings.idleTimeout), position: .first)
        }

        let pipeline = context.pipeline.syncOperations
        try pipeline.addHandler(clientGlue, position: .after(self))
        _ = try pipeline.removeHandler(pipeline.handler(type: HTTPServerPipelineHandler.self))
        _ = try pipeline.removeHandler(pipeline.handler(type: NIOHTTPResponseHeadersValidator.self))
        _ = try pipeline.removeHandler(pipeline.handler(type: HTTPResponseEncoder.self))
        _ = try pipeline.removeHandler(pipeline.handler(type: RequestHeadTimeoutHandler.self))
        _ = pipeline.removeHandler(context: context)
        // Last: the decoder passes on whatever the client sent right after its request head. It does so on a
        // later tick, outside any read cycle, so nothing flushes those bytes unless we do.
        try pipeline.removeHandler(pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self))
            .assumeIsolated().whenComplete { _ in upstream.flush() }

        let client = context.channel.remoteAddress
        context.channel.closeFuture.and(upstream.closeFuture).assumeIsolated().whenComplete { _ in
            finished(client, clientGlue.counter.bytesRead, upstreamGlue.counter.bytesRead)
        }
        if pendingRead {
            pendingRead = false
            context.channel.read()
        }
    }

    func logTunnel(
        _ attempt: TunnelAttempt,
        client: SocketAddress?,
        status: UInt,
        up: Int,
        down: Int,
        error: String?
    ) {
        record(method: "CONNECT", status: status, start: attempt.start, bytesIn: up, bytesOut: down, lease: attempt.lease)
        AccessRecord(
            listener: settings.listenerName,
            client: client,
            user: username,
            method: "CONNECT",
            host: attempt.head.uri,
            pool: attempt.lease.pool.name,
            target: attempt.lease.route.id,
            upstreamDuration: attempt.lease.upstreamDuration,
            status: status,
            bytesUp: up,
            bytesDown: down,
            start: attempt.start,
            error: error
        ).emit(to: settings.logger)
    }
}
