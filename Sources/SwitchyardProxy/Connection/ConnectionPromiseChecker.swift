/// Everything that can happen to a connection, as `HTTPConnectionHandler` reports it to its
/// `ConnectionStateMachine`: the alphabet in which the machine's unit tests and its fuzz target (`Fuzz/`) write
/// event sequences.
public enum ConnectionEvent: CaseIterable, Sendable {
    case head, body, end, inputEnded, parseError, headTimedOut, bodyTimedOut, channelClosed, quiesce, dispatched
    case responseHead, responseEnd, requestFailed, tunnelEstablished

    /// Reports the event to `machine`; `keepAlive` is the client's (on a head) or the upstream's (on a response head).
    func apply(to machine: inout ConnectionStateMachine, keepAlive: Bool = true) -> ConnectionStateMachine.Action {
        switch self {
        case .head: return machine.requestHead(keepAlive: keepAlive)
        case .body: return machine.requestBody()
        case .end: return machine.requestEnd()
        case .inputEnded: return machine.inputEnded()
        case .parseError: return machine.parseError()
        case .headTimedOut: return machine.headTimedOut(bytesReceived: true)
        case .bodyTimedOut: return machine.requestBodyTimedOut()
        case .channelClosed: return machine.channelClosed()
        case .quiesce: return machine.quiesce()
        case .dispatched:
            machine.dispatched()
            return .none
        case .responseHead: return machine.responseHead(upstreamKeepAlive: keepAlive)
        case .responseEnd: return machine.responseEnd()
        case .requestFailed: return machine.requestFailed()
        case .tunnelEstablished: return machine.tunnelEstablished()
        }
    }
}

/// Runs one connection's `ConnectionStateMachine` through any sequence of events and checks the machine's two
/// promises on every action it returns: a request that started ends exactly once (and nothing ends a request that
/// is not there), and a close is asked for at most once, before the machine calls itself closing. `finish()` then
/// closes the channel and checks that nothing was left open.
public struct ConnectionPromiseChecker: Sendable {
    private var machine = ConnectionStateMachine()
    private var requestOpen = false
    private var closeRequested = false
    private var channelClosed = false
    /// A drain asked an idle connection to linger: the handler's timer closes it unless a request comes first.
    private var lingering = false
    private var trace: [String] = []

    public init() {}

    /// Reports `event` to the machine.
    /// - Returns: the broken promise, with the events that led to it; nil while both hold.
    public mutating func apply(_ event: ConnectionEvent, keepAlive: Bool) -> String? {
        if let broken = check(event.apply(to: &machine, keepAlive: keepAlive), after: event) { return broken }
        if event == .channelClosed { channelClosed = true }
        if case .closing = machine.state, !closeRequested, !channelClosed {
            return "closing without having asked for a close: \(trace)"
        }
        return nil
    }

    /// Closes the channel, as the connection's end always does.
    /// - Returns: the broken promise: an idle connection left open with nothing more to serve, or a request never
    ///   finished; nil when none.
    public mutating func finish() -> String? {
        if case .idle = machine.state, lingering, !machine.inputClosed {
            // The linger ends as the handler's timer fires on an idle connection.
            if let broken = check(machine.headTimedOut(bytesReceived: false), after: .headTimedOut) { return broken }
        }
        if case .idle = machine.state, machine.inputClosed || (machine.quiescing && machine.hasStartedRequest) {
            return "idle with nothing more to serve, yet open: \(trace)"
        }
        if let broken = check(machine.channelClosed(), after: .channelClosed) { return broken }
        return requestOpen ? "the connection closed with a request never finished: \(trace)" : nil
    }

    private mutating func check(_ action: ConnectionStateMachine.Action, after event: ConnectionEvent) -> String? {
        trace.append("\(event)→\(action)")
        if action == .lingerThenClose { lingering = true }
        switch action {
        case .startRequest:
            if requestOpen { return "a request started over another: \(trace)" }
            requestOpen = true
        case .finishRequest, .answerError, .abortRequest, .spliceTunnel:  // the relay finishes a spliced request
            if !requestOpen { return "a request ended twice or was never started: \(trace)" }
            requestOpen = false
        default:
            break
        }
        let closes: Bool =
            switch action {
            case .close, .abortRequest, .answerError, .answerMalformed, .answerHeadTimeout: true
            case .finishRequest(let then): then == .close
            default: false
            }
        if closes, event != .channelClosed {
            if closeRequested { return "closed twice: \(trace)" }
            closeRequested = true
        }
        return nil
    }
}
