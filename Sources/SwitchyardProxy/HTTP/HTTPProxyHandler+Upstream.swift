import NIOCore
import NIOHTTP1
import SwitchyardTraffic

/// What the upstream connection of the current exchange delivers: the response, flow control and failures.
extension HTTPProxyHandler: UpstreamExchangeDelegate {
    var clientIsWritable: Bool { context.channel.isWritable }

    func upstream(_ connection: UpstreamHTTPConnection, received part: HTTPClientResponsePart) {
        guard case .exchange(let exchange) = state, exchange.upstream === connection else { return }
        let clientVersion = exchange.clientHead.version
        switch part {
        case .head(let head) where head.status.code < 200 && head.status != .switchingProtocols:
            var interim = HTTPResponseHead(version: clientVersion, status: head.status, headers: head.headers)
            HopByHopHeaders.strip(&interim.headers)
            context.writeAndFlush(wrapOutboundOut(.head(interim)), promise: nil)
        case .head(let head) where head.status == .switchingProtocols && exchange.request.isUpgrade:
            exchange.responseTimer?.cancel()
            exchange.request.lease.report(.response(status: 101, retryAfter: nil))
            settings.metrics?.tunnels.increment()
            exchange.responseStatus = head.status
            var response = HTTPResponseHead(version: clientVersion, status: head.status, headers: head.headers)
            HopByHopHeaders.strip(&response.headers)
            response.headers.add(name: "connection", value: "upgrade")
            response.headers.add(name: "upgrade", value: head.headers.first(name: "upgrade") ?? "websocket")
            context.write(wrapOutboundOut(.head(response)), promise: nil)
        case .end where exchange.responseStatus == .switchingProtocols && exchange.request.isUpgrade:
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            do {
                try spliceUpgrade(exchange, connection)
            } catch {
                fail(exchange, .badGateway, "upgrade failed: \(error)", cause: .reset)
            }
        case .head(let head):
            exchange.responseTimer?.cancel()
            let retryAfter = head.headers.first(name: "retry-after").flatMap(RetryAfter.parse)
            exchange.request.lease.report(.response(status: Int(head.status.code), retryAfter: retryAfter))
            exchange.responseStatus = head.status
            exchange.upstreamKeepAlive = head.isKeepAlive
            var response = HTTPResponseHead(version: clientVersion, status: head.status, headers: head.headers)
            HopByHopHeaders.strip(&response.headers)
            if clientVersion.minor == 0, !response.headers.contains(name: "content-length") {
                exchange.clientKeepAlive = false  // an HTTP/1.0 body without a length ends with the connection
            }
            if !exchange.clientKeepAlive {
                response.headers.add(name: "connection", value: "close")
            } else if clientVersion.minor == 0 {
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
                let idle = exchange.request.pool.idleConnections(on: context.eventLoop)
            {
                idle.put(connection)
            } else {
                connection.close()
            }
            // Done before the last write: writing it may close the connection (and deliver a pipelined request)
            // at once, and both must find the exchange already finished.
            if exchange.requestEnded { complete(exchange) }
            let closeAfterwards = !exchange.clientKeepAlive
            context.writeAndFlush(wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { [context] _ in
                if closeAfterwards { context!.close(promise: nil) }
            }
            if !exchange.requestEnded {
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
        let host = exchange.request.destination.hostHeader
        switch failure {
        case .timedOut:
            fail(exchange, .gatewayTimeout, "upstream \(host) did not answer in time", cause: .timedOut)
        case .closed:
            retryOrFail(
                exchange, .badGateway, "upstream \(host) closed the connection before the response ended", cause: .reset)
        case .error(let error):
            retryOrFail(exchange, .badGateway, "upstream \(host) failed: \(error)", cause: .reset)
        }
    }

    func upstreamBecameWritable(_ connection: UpstreamHTTPConnection) {
        resumeClientReading()
    }
}
