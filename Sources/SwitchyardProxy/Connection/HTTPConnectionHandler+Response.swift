import NIOCore
import NIOHTTP1

/// The response side: what the request's exchange delivers, written to the client as HTTP/1.
extension HTTPConnectionHandler: ExchangeResponder {
    var clientIsWritable: Bool { context.channel.isWritable }

    func exchange(receivedInterim head: HTTPResponseHead) {
        guard let current else { return }
        var interim = HTTPResponseHead(version: current.head.version, status: head.status, headers: head.headers)
        HopByHopHeaders.strip(&interim.headers)
        context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
    }

    func exchange(receivedHead head: HTTPResponseHead, upstreamKeepAlive: Bool) {
        guard let current else { return }
        let version = current.head.version
        var response = HTTPResponseHead(version: version, status: head.status, headers: head.headers)
        HopByHopHeaders.strip(&response.headers)
        // An HTTP/1.0 body without a length ends with the connection.
        let delimited = version.minor > 0 || response.headers.contains(name: "content-length")
        guard case .writeResponseHead(let keepAlive) = machine.responseHead(upstreamKeepAlive: upstreamKeepAlive && delimited)
        else { return }
        if !keepAlive {
            response.headers.add(name: "connection", value: "close")
        } else if version.minor == 0 {
            response.headers.add(name: "connection", value: "keep-alive")
        }
        current.status = UInt(head.status.code)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
    }

    func exchange(receivedBody body: ByteBuffer) {
        current?.record.bytesOut += body.readableBytes
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
    }

    func exchange(receivedEnd trailers: HTTPHeaders?) {
        guard let current, case .finishRequest(let then) = machine.responseEnd() else { return }
        current.finish(status: current.status ?? 0, error: nil)
        switch then {
        case .close:
            self.current = nil
            context.writeAndFlush(wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { [context] _ in
                context!.close(promise: nil)
            }
        case .readNext:
            context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
            becomeIdle()
        }
    }

    func exchangeReadComplete() {
        context.flush()
    }

    func exchangeWantsRequestBody() {
        resumeReading()
    }

    func exchange(failed status: ProxyErrorStatus, message: String) {
        fail(status, current?.record.requestID.map { "\(message) (request id \($0))" } ?? message)
    }

    func exchange(upgradedWith head: HTTPResponseHead, upstream: UpstreamHTTPConnection) {
        guard let current else { return upstream.close() }
        settings.metrics?.tunnels.increment()
        current.status = 101
        var response = HTTPResponseHead(version: current.head.version, status: head.status, headers: head.headers)
        HopByHopHeaders.strip(&response.headers)
        response.headers.add(name: "connection", value: "upgrade")
        response.headers.add(name: "upgrade", value: head.headers.first(name: "upgrade") ?? "websocket")
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        do {
            let pipeline = upstream.channel.pipeline.syncOperations
            _ = pipeline.removeHandler(upstream.handler)
            _ = try pipeline.removeHandler(pipeline.handler(type: HTTPRequestEncoder.self))
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPResponseDecoder>.self)
            let client = context.channel
            try becomeTunnel(to: upstream.channel)
            // Frames the backend sent right behind its 101 are passed on when its decoder leaves.
            pipeline.removeHandler(decoder).assumeIsolated().whenComplete { _ in client.flush() }
        } catch {
            upstream.close()
            current.lease?.release()
            perform(.abortRequest, status: nil, message: "upgrade failed: \(error)")
        }
    }

    // MARK: Tunnels

    /// Dials the CONNECT target through the reserved egress route (moving on to other targets when an upstream
    /// proxy fails), then answers `200` and relays bytes. Bytes the client sent right after its CONNECT request are
    /// relayed, not lost.
    func openTunnel(_ request: UpstreamRequest) {
        guard let current else { return }
        let dialer = TunnelDialer(request: request, planner: settings.planner, eventLoop: context.eventLoop) {
            [self] outcome in
            guard self.current === current else {
                if case .connected(let channel) = outcome { channel.close(promise: nil) }
                return
            }
            switch outcome {
            case .connected(let upstream):
                self.machine.dispatched()
                self.settings.metrics?.tunnels.increment()
                current.status = 200
                let established = HTTPResponseStatus.custom(code: 200, reasonPhrase: "Connection Established")
                self.context.write(
                    self.wrapOutboundOut(.head(HTTPResponseHead(version: current.head.version, status: established))),
                    promise: nil)
                self.context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
                do {
                    try self.becomeTunnel(to: upstream)
                } catch {
                    upstream.close(promise: nil)
                    self.perform(.abortRequest, status: nil, message: "tunnel setup failed: \(error)")
                }
            case .failed(let failure):
                self.fail(failure.status, failure.description)
            }
        }
        current.stage = .dialling(dialer)
        dialer.start()
    }

    /// Replaces this connection's HTTP handling with a relay to `upstream`; the request in progress is finished
    /// (counted, logged, its target released) when both sides have closed.
    private func becomeTunnel(to upstream: any Channel) throws {
        guard let current, case .spliceTunnel = machine.tunnelEstablished() else { return }
        let record = current.record
        let lease = current.lease
        let status = current.status ?? 200
        try TunnelRelay.splice(
            client: context.channel, after: self, upstream: upstream, idleTimeout: settings.idleTimeout,
            idleTimer: takeTimer()
        ) { up, down in
            record.bytesIn += up
            record.bytesOut += down
            lease?.release()
            record.finish(status: status, lease: lease, error: nil)
        }
        self.current = nil  // from now on the relay's end finishes the request
        let channel = context.channel
        let pipeline = context.pipeline.syncOperations
        _ = try pipeline.removeHandler(pipeline.handler(type: HTTPResponseEncoder.self))
        _ = try pipeline.removeHandler(pipeline.handler(type: RequestStartWatcher.self))
        _ = pipeline.removeHandler(context: context)
        // Last: the decoder passes on whatever the client sent right after its request head. It does so on a
        // later tick, outside any read cycle, so nothing flushes those bytes unless we do.
        try pipeline.removeHandler(pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self))
            .assumeIsolated().whenComplete { _ in upstream.flush() }
        channel.read()
    }
}
