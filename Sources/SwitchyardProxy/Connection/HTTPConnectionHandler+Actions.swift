import NIOCore
import NIOHTTP1

/// The machine's actions that end a request or the connection: error answers, aborts, closes, and going idle for the
/// next request.
extension HTTPConnectionHandler {
    /// Performs an action that ends a request or the connection; `status` and `message` say why.
    func perform(_ action: ConnectionStateMachine.Action, status: ProxyErrorStatus?, message: String) {
        switch action {
        case .close:
            context.close(promise: nil)
        case .lingerThenClose:
            // The idle timeout, brought forward: an idle connection times out silently; bytes arriving in time
            // start a request as usual.
            timer?.set(context.eventLoop.now + min(settings.idleTimeout, Self.drainLinger))
        case .abortRequest:
            abortCurrent(message)
            context.close(promise: nil)
        case .answerError:
            answer(status ?? .badGateway, message)
        case .answerMalformed:
            current = Current(
                head: HTTPRequestHead(version: .http1_1, method: .RAW(value: "-"), uri: "-"),
                record: RequestRecord(
                    method: "-", target: "-", requestID: nil, user: nil, client: client.address,
                    settings: settings))
            answer(status ?? .badRequest, message)
        case .answerHeadTimeout:
            settings.logger.warning(
                "request head not received in time",
                metadata: [
                    "client": "\(context.channel.remoteAddress?.endpoint ?? "?")", "status": "408",
                    "reason": "\(message)",
                ])
            writeError(.requestTimeout, message, version: .http1_1)
        case .none, .discard, .startRequest, .forwardRequestPart, .holdPipelinedPart, .writeResponseHead,
            .finishRequest, .spliceTunnel:
            break
        }
    }

    /// Ends the request in progress because its client is gone: stops its wait, dial or exchange and logs it once.
    private func abortCurrent(_ message: String) {
        guard let current = takeCurrent() else { return }
        current.finish(status: current.status ?? 499, error: message)
    }

    /// Answers the request in progress with an error (stopping its wait, dial or exchange), logs it once, and
    /// closes the connection once the answer is out.
    private func answer(_ status: ProxyErrorStatus, _ message: String) {
        guard let current = takeCurrent() else { return }
        current.finish(status: status.status.code, error: message)
        writeError(status, message, version: current.head.version, toConnect: current.head.method == .CONNECT)
    }

    /// Detaches the request in progress and stops whatever still works for it, giving back what it holds.
    private func takeCurrent() -> Current? {
        guard let current else { return nil }
        self.current = nil
        switch current.stage {
        case .waiting(let wait): wait.cancel()
        case .exchange(let exchange): exchange.abort()
        case .dialling(let dialer): dialer.cancel()
        case .planning, .answered: break
        }
        return current
    }

    /// Writes a short plain-text error response and closes the connection once it is out. A response to CONNECT
    /// carries no body (NIO's encoder drops it), so there the message goes in an `X-Switchyard-Error` header.
    private func writeError(_ status: ProxyErrorStatus, _ message: String, version: HTTPVersion, toConnect: Bool = false) {
        let body = context.channel.allocator.buffer(string: message + "\n")
        var head = status.responseHead(version: version, bodyLength: body.readableBytes)
        if toConnect { head.headers.add(name: "x-switchyard-error", value: message) }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { [context] _ in
            context!.close(promise: nil)
        }
    }

    /// The request is over and the connection stays: wait for the next one, serving a held pipelined one at once.
    func becomeIdle() {
        current = nil
        watcher.expectRequest()
        timer?.set(context.eventLoop.now + settings.idleTimeout)
        let parts = held
        held = []
        for part in parts { receive(part) }
        resumeReading()
    }
}
