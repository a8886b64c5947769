import Logging
import NIOCore
import NIOHTTP1
import SwitchyardBalancing
import SwitchyardTraffic

/// Serves one HTTP/1 client connection of a proxy listener. It turns what happens on the connection into events of
/// its `ConnectionStateMachine` and performs the actions it gets back; the request itself is carried by a
/// protocol-independent `ProxyExchange` (or a tunnel), planned by the listener's `RequestPlanner`. Forward and
/// reverse listeners differ only in their planner.
///
/// Reads are not held back in the common case (so the socket's read interest is never toggled per request): only
/// while a request body has nowhere to go yet, or while a pipelined request waits for the one before it.
final class HTTPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the request in progress holds.
    final class Current {
        let head: HTTPRequestHead
        let record: RequestRecord
        var stage = Stage.planning
        /// Body parts that arrived before an exchange could take them.
        var pendingBody: [HTTPClientRequestPart] = []
        /// The target serving the request now (an exchange's or a tunnel dial's changes when it retries), for its
        /// access line.
        var lease: TargetLease? {
            switch stage {
            case .exchange(let exchange): exchange.lease
            case .dialling(let dialer): dialer.lease
            case .planning, .waiting, .answered: nil
            }
        }
        /// The status the client got (or is getting).
        var status: UInt?

        init(head: HTTPRequestHead, record: RequestRecord) {
            self.head = head
            self.record = record
        }

        /// Counts and logs the request (once), naming the target that served it, and marks it answered.
        func finish(status: UInt, error: String?) {
            record.finish(status: status, lease: lease, error: error)
            stage = .answered
        }
    }

    enum Stage {
        case planning
        case waiting(SlotWait)
        case dialling(TunnelDialer)
        case exchange(ProxyExchange)
        case answered
    }

    let settings: ProxyListenerSettings
    let watcher: RequestStartWatcher
    var machine = ConnectionStateMachine()
    var context: ChannelHandlerContext!
    var current: Current?
    /// Parts of a pipelined request, held until the one before it is finished.
    var held: [HTTPServerRequestPart] = []
    private var readPending = false
    /// Ends the wait for a request head (`header_read`) and idle keep-alive connections (`idle`).
    var timer: DeadlineTimer?
    /// How long an idle keep-alive connection stays open once its listener drains.
    static let drainLinger = TimeAmount.seconds(1)
    /// The listener's connections whose head is still incomplete after a read, and whether this one holds a place.
    private let incompleteHeads: ConnectionLimiter?
    private var holdsIncompleteHead = false
    /// The client's address, and its IP as text, read once per connection rather than per request.
    lazy var client: (address: SocketAddress?, ip: String?) = {
        let address = context.channel.remoteAddress
        return (address, address?.ipAddress)
    }()

    init(settings: ProxyListenerSettings, watcher: RequestStartWatcher, incompleteHeads: ConnectionLimiter?) {
        self.settings = settings
        self.watcher = watcher
        self.incompleteHeads = incompleteHeads
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        timer = DeadlineTimer(eventLoop: context.eventLoop) { [weak self] in self?.timedOut() }
        watcher.onFirstByte = { [weak self] in self?.requestBytesArrived() }
        if context.channel.isActive { timer?.set(context.eventLoop.now + settings.headerReadTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        leaveIncompleteHeads()
        watcher.onFirstByte = nil
        // The context holds this handler: keeping it too would leak both, and the request, per connection.
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        timer?.set(context.eventLoop.now + settings.headerReadTimeout)
        context.fireChannelActive()
    }

    // MARK: Inbound from the client

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        receive(unwrapInboundIn(data))
    }

    func receive(_ part: HTTPServerRequestPart) {
        let action: ConnectionStateMachine.Action
        switch part {
        case .head(let head): action = machine.requestHead(keepAlive: head.isKeepAlive)
        case .body: action = machine.requestBody()
        case .end: action = machine.requestEnd()
        }
        switch action {
        case .startRequest:
            if case .head(let head) = part { startRequest(head) }
        case .forwardRequestPart:
            forward(part)
        case .holdPipelinedPart:
            held.append(part)
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .exchange(let exchange) = current?.stage { exchange.flush() }
        if case .idle = machine.state, watcher.hasBytes, !holdsIncompleteHead, let incompleteHeads {
            // A head still incomplete after a whole read: a slow or trickling client. A head that arrives in one
            // read (nearly every real client) never gets here.
            if incompleteHeads.tryAcquire() {
                holdsIncompleteHead = true
            } else {
                perform(
                    machine.headTimedOut(bytesReceived: true), status: .requestTimeout,
                    message: "too many slow request heads at once")
            }
        }
        context.fireChannelReadComplete()
    }

    /// Gives back this connection's place among the incomplete heads, if it holds one.
    private func leaveIncompleteHeads() {
        guard holdsIncompleteHead else { return }
        holdsIncompleteHead = false
        incompleteHeads?.release()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        leaveIncompleteHeads()
        perform(machine.channelClosed(), status: nil, message: "client closed the connection")
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case ChannelEvent.inputClosed:
            perform(machine.inputEnded(), status: nil, message: "client closed the connection")
        case is ChannelShouldQuiesceEvent:
            perform(machine.quiesce(), status: nil, message: "")
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        let status: ProxyErrorStatus = if case .headerOverflow = parserError { .headersTooLarge } else { .badRequest }
        let message =
            if case .headerOverflow = parserError { "request headers exceed \(settings.maxHeaderBytes) bytes" } else {
                "malformed request: \(parserError)"
            }
        perform(machine.parseError(), status: status, message: message)
    }

    /// A client that stops reading its response pauses the upstream (backpressure); the timer ends a pause longer
    /// than `timeouts.idle`, which would otherwise hold the upstream connection for ever.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if case .exchange(let exchange) = current?.stage { exchange.clientBecameWritable() }
            if case .active(let request) = machine.state, request.requestEnded { timer?.clear() }
        } else if case .active = machine.state {
            timer?.set(context.eventLoop.now + settings.idleTimeout)
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if holdsReads {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Reads wait while a pipelined request is held, or while the body of the request in progress has nowhere to go.
    private var holdsReads: Bool {
        if !held.isEmpty { return true }
        guard case .active(let request) = machine.state, !request.requestEnded, let current else { return false }
        if case .exchange(let exchange) = current.stage { return !exchange.upstreamIsWritable }
        return true
    }

    func resumeReading() {
        guard readPending, !holdsReads else { return }
        readPending = false
        context.read()
    }

    // MARK: Timeouts

    /// Hands this connection's timer over (to the tunnel relay that replaces this handler), so that leaving the
    /// pipeline cancels nothing.
    func takeTimer() -> DeadlineTimer? {
        defer { timer = nil }
        return timer
    }

    private func requestBytesArrived() {
        if case .idle = machine.state { timer?.set(context.eventLoop.now + settings.headerReadTimeout) }
    }

    private func timedOut() {
        if case .active(let request) = machine.state {
            let seconds = settings.idleTimeout.nanoseconds / 1_000_000_000
            if !request.requestEnded {
                perform(machine.requestBodyTimedOut(), status: .requestTimeout, message: "request body stalled for \(seconds)s")
            } else if !context.channel.isWritable {
                fail(.requestTimeout, "client stopped reading the response for \(seconds)s")
            }
            return
        }
        let bytesReceived = watcher.hasBytes
        perform(
            machine.headTimedOut(bytesReceived: bytesReceived), status: .requestTimeout,
            message: "request header read timed out")
    }

    // MARK: Requests

    private func startRequest(_ head: HTTPRequestHead) {
        leaveIncompleteHeads()
        var head = head
        var login: SessionLogin?
        var refusal: (status: ProxyErrorStatus, message: String)?
        do {
            let framing = try RequestFraming(validating: head)
            framing.canonicalize(&head.headers)
            // While a body is due, the timer watches that it keeps coming.
            if framing == .noBody { timer?.clear() } else { timer?.set(context.eventLoop.now + settings.idleTimeout) }
        } catch {
            timer?.clear()
            refusal = (.badRequest, "malformed request: \(error.reason)")
        }
        if refusal == nil, let authenticator = settings.authenticator {
            switch authenticator.check(head.headers["proxy-authorization"]) {
            case .authenticated(let checked): login = checked
            case .missing: refusal = (.proxyAuthenticationRequired, "proxy authentication required")
            case .rejected: refusal = (.proxyAuthenticationRequired, "proxy credentials rejected")
            }
            if refusal != nil { settings.metrics?.authFailures.increment() }
        }
        let requestID = settings.assignsRequestIDs ? (head.headers.first(name: "x-request-id") ?? RequestID.make()) : nil
        let record = RequestRecord(
            method: head.method.rawValue, target: head.uri, requestID: requestID, user: login?.user,
            client: client.address,
            settings: settings)
        current = Current(head: head, record: record)
        if let refusal { return fail(refusal.status, refusal.message) }
        let plan = settings.planner.plan(
            head,
            client: ClientContext(ip: client.ip, user: login?.user, session: login?.session, requestID: requestID))
        carry(out: plan, deadline: nil)
    }

    /// Acts on the planner's decision; `deadline` ends a wait in the queue, however often the request waits.
    private func carry(out plan: RequestPlan, deadline: NIODeadline?) {
        guard let current else { return }
        switch plan {
        case .reject(let status, let message):
            countRejection(status)
            fail(status, current.record.requestID.map { "\(message) (request id \($0))" } ?? message)
        case .upstream(let request):
            current.record.destination = request.destination
            let exchange = ProxyExchange(
                request: request, planner: settings.planner, idleTimeout: settings.idleTimeout,
                eventLoop: context.eventLoop, responder: self)
            current.stage = .exchange(exchange)
            machine.dispatched()
            exchange.start()
            let parts = current.pendingBody
            current.pendingBody = []
            for part in parts { exchange.send(part) }
        case .tunnel(let request):
            openTunnel(request)
        case .wait(let pending):
            let timeout = pending.queue.timeout
            let wait = SlotWait.enqueue(
                pending, until: deadline ?? .now() + TimeAmount(timeout), on: context.eventLoop,
                resumed: { [self] plan in
                    guard self.current === current else { return }
                    self.carry(out: plan, deadline: deadline)
                    self.resumeReading()
                },
                expired: { [self] in
                    guard self.current === current else { return }
                    self.countRejection(.overloaded(retryAfter: 1))
                    self.fail(
                        .overloaded(retryAfter: ProxyErrorStatus.seconds(timeout)),
                        "no connection became free within \(timeout.components.seconds)s")
                })
            guard let wait else {
                countRejection(.overloaded(retryAfter: 1))
                return fail(.overloaded(retryAfter: 1), "the queue for a free connection is full")
            }
            current.stage = .waiting(wait)
        }
    }

    private func forward(_ part: HTTPServerRequestPart) {
        guard let current else { return }
        let upstreamPart: HTTPClientRequestPart
        switch part {
        case .head: return
        case .body(let buffer):
            current.record.bytesIn += buffer.readableBytes
            upstreamPart = .body(.byteBuffer(buffer))
            timer?.set(context.eventLoop.now + settings.idleTimeout)
        case .end(let trailers):
            upstreamPart = .end(trailers)
            timer?.clear()
        }
        if case .exchange(let exchange) = current.stage {
            exchange.send(upstreamPart)
        } else {
            current.pendingBody.append(upstreamPart)
        }
    }

    /// Counts a request a limit refused, by the kind of limit.
    private func countRejection(_ status: ProxyErrorStatus) {
        guard let metrics = settings.metrics else { return }
        switch status {
        case .tooManyRequests:
            metrics.rateLimited.increment()
            metrics.traffic.limitRejected("rate_limit")
        case .overloaded: metrics.traffic.limitRejected("queue")
        case .serviceUnavailable: metrics.traffic.limitRejected("no_target")
        default: break
        }
    }

    /// The request failed before or while being answered.
    func fail(_ status: ProxyErrorStatus, _ message: String) {
        perform(machine.requestFailed(), status: status, message: message)
    }
}
