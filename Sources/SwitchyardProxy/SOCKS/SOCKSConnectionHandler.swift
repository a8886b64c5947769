import Logging
import NIOCore
import NIOHTTP1
import NIOSOCKS

/// Serves one SOCKS5 client connection of a `socks5` listener, after NIOSOCKS' `SOCKSServerHandshakeHandler` has
/// framed the client's messages: picks the authentication method (username/password, RFC 1929, when the listener
/// has users; otherwise none), checks the credentials, then plans the CONNECT with the listener's planner — the
/// same destination policy, rate limits, pool, queue and target pick as an HTTP CONNECT — dials it through
/// `TunnelDialer` and splices the two connections with `TunnelRelay`. BIND and UDP ASSOCIATE get reply 0x07.
///
/// Every connection that gets as far as a request is counted and logged exactly once (`RequestRecord`), whichever
/// way it ends; a refused login is logged as 407; a handshake not finished within `timeouts.header_read` is closed.
final class SOCKSConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ClientMessage
    typealias OutboundOut = ServerMessage

    private enum Stage {
        case greeting
        case authenticating(ByteBuffer)
        case awaitingRequest
        case waiting(SlotWait)
        case dialling(TunnelDialer)
        /// The relay owns the connection, or it is closing.
        case done
    }

    private let settings: ProxyListenerSettings
    private var context: ChannelHandlerContext!
    private var stage = Stage.greeting
    private var user: String?
    /// The session the login named, a sticky key (`SessionLogin`).
    private var session: String?
    private var record: RequestRecord?
    private var handshakeDeadline: Scheduled<Void>?

    init(settings: ProxyListenerSettings) {
        self.settings = settings
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        handshakeDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: settings.headerReadTimeout) {
            [self] in
            guard case .done = stage else {
                settings.logger.warning(
                    "SOCKS5 handshake not finished in time",
                    metadata: ["client": "\(context.channel.remoteAddress?.endpoint ?? "?")"])
                return end(status: 408, reply: nil, error: "SOCKS5 handshake not finished in time")
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        handshakeDeadline?.cancel()
        // The context holds this handler: keeping it too would leak both per connection.
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), stage) {
        case (.greeting(let greeting), .greeting):
            choose(from: greeting.methods)
        case (.authenticationData(var bytes), .authenticating(var received)):
            received.writeBuffer(&bytes)
            authenticate(received)
        case (.request(let request), .awaitingRequest):
            handshakeDeadline?.cancel()
            open(request)
        default:
            end(status: 400, reply: .serverFailure, error: "unexpected SOCKS5 message")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        abort("client closed the connection")
        context.fireChannelInactive()
        // Leave before the pipeline is torn down: NIOSOCKS' handler passes on its leftover bytes as it goes, and
        // they are no `ClientMessage`.
        _ = context.pipeline.syncOperations.removeHandler(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIOSOCKS reports malformed or unsupported handshakes here (a wrong version, an unknown address type).
        if case .done = stage { return context.fireErrorCaught(error) }
        settings.logger.info(
            "SOCKS5 handshake failed",
            metadata: ["client": "\(context.channel.remoteAddress?.endpoint ?? "?")", "error": "\(error)"])
        end(status: 400, reply: nil, error: "malformed SOCKS5 handshake: \(error)")
    }

    // MARK: Handshake

    private func choose(from methods: [AuthenticationMethod]) {
        let wanted: AuthenticationMethod = settings.authenticator == nil ? .noneRequired : .usernamePassword
        guard methods.contains(wanted) else {
            return end(
                status: 407, last: .selectedAuthenticationMethod(.init(method: .noneAcceptable)),
                error: "no acceptable SOCKS5 authentication method offered")
        }
        context.writeAndFlush(wrapOutboundOut(.selectedAuthenticationMethod(.init(method: wanted))), promise: nil)
        stage = wanted == .noneRequired ? .awaitingRequest : .authenticating(context.channel.allocator.buffer(capacity: 0))
        frameHeldBytes(context.channel.allocator.buffer(capacity: 0))
    }

    private func authenticate(_ received: ByteBuffer) {
        var received = received
        switch SOCKS5PasswordRequest.parse(&received) {
        case .incomplete:
            stage = .authenticating(received)
        case .malformed:
            refuseLogin("malformed SOCKS5 username/password message")
        case .complete(let login):
            guard let authenticator = settings.authenticator,
                let checked = authenticator.check(username: login.username, password: login.password.utf8)
            else { return refuseLogin("SOCKS5 proxy authentication failed") }
            user = checked.user
            session = checked.session
            let reply = ByteBuffer(bytes: SOCKS5PasswordRequest.reply(succeeded: true))
            context.writeAndFlush(wrapOutboundOut(.authenticationData(reply, complete: true)), promise: nil)
            stage = .awaitingRequest
            if received.readableBytes > 0 { frameHeldBytes(received) }
        }
    }

    /// NIOSOCKS frames one message per read: what a client sent after its greeting or login without waiting for the
    /// answer (RFC 1928 asks it to wait; some clients do not) would wait for a next read that never comes. Passing
    /// `rest` (the bytes past the login, or nothing) through it again, once the answer has moved it on, frames the
    /// next message now.
    /// The bytes go straight to NIOSOCKS' framing handler: from the pipeline's head they would pass through TLS (on a
    /// SOCKS5-over-TLS listener) and be taken for ciphertext.
    private func frameHeldBytes(_ rest: ByteBuffer) {
        guard let framing = try? context.pipeline.syncOperations.context(handlerType: SOCKSServerHandshakeHandler.self),
            let handler = framing.handler as? SOCKSServerHandshakeHandler
        else { return }
        handler.channelRead(context: framing, data: NIOAny(rest))
    }

    private func refuseLogin(_ message: String) {
        settings.metrics?.authFailures.increment()
        record = RequestRecord(
            method: "CONNECT", target: "-", requestID: nil, user: nil, client: context.channel.remoteAddress,
            settings: settings)
        let reply = ByteBuffer(bytes: SOCKS5PasswordRequest.reply(succeeded: false))
        end(status: 407, last: .authenticationData(reply, complete: true), error: message)
    }

    // MARK: The tunnel

    private func open(_ request: SOCKSRequest) {
        let (host, port): (String, Int) =
            switch request.addressType {
            case .address(let address): (address.ipAddress ?? "?", address.port ?? 0)
            case .domain(let name, let port): (name, port)
            }
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        record = RequestRecord(
            method: "CONNECT", target: authority, requestID: nil, user: user, client: context.channel.remoteAddress,
            settings: settings)
        guard request.command == .connect else {
            return end(status: 501, reply: .commandUnsupported, error: "only the SOCKS5 CONNECT command is served")
        }
        let head = HTTPRequestHead(
            version: .http1_1, method: .CONNECT, uri: authority, headers: ["host": authority])
        carry(
            out: settings.planner.plan(
                head,
                client: ClientContext(
                    ip: context.channel.remoteAddress?.ipAddress, user: user, session: session, requestID: nil)),
            deadline: nil)
    }

    private func carry(out plan: RequestPlan, deadline: NIODeadline?) {
        switch plan {
        case .tunnel(let request):
            let dialer = TunnelDialer(request: request, planner: settings.planner, eventLoop: context.eventLoop) {
                [self] outcome in
                guard case .dialling = stage else {
                    if case .connected(let channel) = outcome { channel.close(promise: nil) }
                    return
                }
                switch outcome {
                case .connected(let upstream): relay(to: upstream, lease: request.lease)
                case .failed(let failure):
                    end(status: failure.status.status.code, reply: SOCKSServerReply(failure), error: failure.description)
                }
            }
            stage = .dialling(dialer)
            dialer.start()
        case .reject(let status, let message):
            end(status: status.status.code, reply: SOCKSServerReply(status), error: message)
        case .upstream:
            end(status: 502, reply: .serverFailure, error: "a SOCKS5 request can only be a tunnel")
        case .wait(let pending):
            let timeout = pending.queue.timeout
            let wait = SlotWait.enqueue(
                pending, until: deadline ?? .now() + TimeAmount(timeout), on: context.eventLoop,
                resumed: { [self] plan in
                    guard case .waiting = stage else { return }
                    carry(out: plan, deadline: deadline)
                },
                expired: { [self] in
                    guard case .waiting = stage else { return }
                    end(status: 503, reply: .serverFailure, error: "no connection became free within \(timeout)")
                })
            guard let wait else {
                return end(status: 503, reply: .serverFailure, error: "the queue for a free connection is full")
            }
            stage = .waiting(wait)
        }
    }

    /// Answers success with the upstream socket's address and hands both connections to a relay, which finishes
    /// the record when both have closed.
    private func relay(to upstream: any Channel, lease: TargetLease) {
        stage = .done
        settings.metrics?.tunnels.increment()
        let bound = upstream.localAddress ?? (try! SocketAddress(ipAddress: "0.0.0.0", port: 0))
        context.writeAndFlush(
            wrapOutboundOut(.response(SOCKSResponse(reply: .succeeded, boundAddress: .address(bound)))), promise: nil)
        let record = self.record
        let client = context.channel
        do {
            try TunnelRelay.splice(
                client: client, after: self, upstream: upstream, idleTimeout: settings.idleTimeout
            ) { up, down in
                record?.bytesIn += up
                record?.bytesOut += down
                lease.release()
                record?.finish(status: 200, lease: lease, error: nil)
            }
            self.record = nil
            let pipeline = context.pipeline.syncOperations
            // Last: NIOSOCKS' handler passes on what the client sent after its request once it leaves.
            let handshake = try pipeline.handler(type: SOCKSServerHandshakeHandler.self)
            _ = pipeline.removeHandler(context: context)
            _ = pipeline.removeHandler(handshake)
        } catch {
            upstream.close(promise: nil)
            lease.release()
            record?.finish(status: 502, lease: lease, error: "tunnel setup failed: \(error)")
            self.record = nil
            client.close(promise: nil)
        }
    }

    // MARK: Endings

    /// Ends the connection with a reply to the request, or with none.
    private func end(status: UInt, reply: SOCKSServerReply?, error: String) {
        let zero = try! SocketAddress(ipAddress: "0.0.0.0", port: 0)
        end(status: status, last: reply.map { .response(SOCKSResponse(reply: $0, boundAddress: .address(zero))) },
            error: error)
    }

    /// Ends the connection: the last message (when there is one) goes out, the request is logged once, then the
    /// close — only once the message is written, so a refusal is never lost in the close.
    private func end(status: UInt, last message: ServerMessage?, error: String) {
        stopWorking()
        stage = .done
        handshakeDeadline?.cancel()
        record?.finish(status: status, lease: nil, error: error)
        record = nil
        guard let message else { return context.close(promise: nil) }
        context.writeAndFlush(wrapOutboundOut(message))
            .assumeIsolated().whenComplete { [context] _ in context!.close(promise: nil) }
    }

    /// The client left before its tunnel was up: stop the wait or the dial and log the request once, as 499.
    private func abort(_ message: String) {
        guard !isFinished else { return }
        stopWorking()
        stage = .done
        handshakeDeadline?.cancel()
        record?.finish(status: 499, lease: nil, error: message)
        record = nil
    }

    private var isFinished: Bool {
        if case .done = stage { return true }
        return false
    }

    private func stopWorking() {
        switch stage {
        case .waiting(let wait): wait.cancel()
        case .dialling(let dialer): dialer.cancel()
        case .greeting, .authenticating, .awaitingRequest, .done: break
        }
    }
}
