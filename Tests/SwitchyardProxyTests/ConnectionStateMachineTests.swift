import Testing

@testable import SwitchyardProxy

/// The connection state machine: every event in every state, then random event sequences against its two promises
/// (every request finished exactly once; the connection closed once it can serve nothing more).
struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine
    typealias Action = ConnectionStateMachine.Action

    typealias Event = ConnectionEvent

    /// The states a connection passes through, each reached by the events that lead there.
    static let states: [(name: String, path: [Event])] = [
        ("idle", []),
        ("reading the request", [.head]),
        ("request read, not yet dispatched", [.head, .end]),
        ("dispatched", [.head, .end, .dispatched]),
        ("responding", [.head, .end, .dispatched, .responseHead]),
        ("tunnel", [.head, .end, .dispatched, .tunnelEstablished]),
        ("closing", [.inputEnded]),
    ]

    static func machine(after path: [Event]) -> Machine {
        var machine = Machine()
        for event in path { _ = event.apply(to: &machine) }
        return machine
    }

    static let reading = Machine.State.active(.init(keepAlive: true))
    static let read = Machine.State.active(.init(keepAlive: true, requestEnded: true))
    static let dispatched = Machine.State.active(.init(keepAlive: true, requestEnded: true, dispatched: true))
    static let responding = Machine.State.active(
        .init(keepAlive: true, requestEnded: true, dispatched: true, responseStarted: true))

    /// The expected action and next state of every event in every state, as one table.
    static let expected: [String: [Event: (Action, Machine.State)]] = [
        "idle": [
            .head: (.startRequest, reading), .body: (.discard, .idle), .end: (.discard, .idle),
            .inputEnded: (.close, .closing), .parseError: (.answerMalformed, .closing),
            .headTimedOut: (.answerHeadTimeout, .closing), .bodyTimedOut: (.none, .idle), .channelClosed: (.none, .closing),
            .quiesce: (.none, .idle), .dispatched: (.none, .idle), .responseHead: (.discard, .idle),
            .responseEnd: (.discard, .idle), .requestFailed: (.none, .idle), .tunnelEstablished: (.none, .idle),
        ],
        "reading the request": [
            .head: (.discard, reading), .body: (.forwardRequestPart, reading), .end: (.forwardRequestPart, read),
            .inputEnded: (.abortRequest, .closing), .parseError: (.answerError, .closing),
            .headTimedOut: (.none, reading), .bodyTimedOut: (.answerError, .closing),
            .channelClosed: (.abortRequest, .closing), .quiesce: (.none, reading),
            .dispatched: (.none, .active(.init(keepAlive: true, dispatched: true))),
            .responseHead: (.writeResponseHead(keepAlive: true), .active(.init(keepAlive: true, responseStarted: true))),
            .responseEnd: (.discard, reading), .requestFailed: (.answerError, .closing),
            .tunnelEstablished: (.spliceTunnel, .tunnel),
        ],
        "request read, not yet dispatched": [
            .head: (.holdPipelinedPart, read), .body: (.holdPipelinedPart, read), .end: (.holdPipelinedPart, read),
            .inputEnded: (.abortRequest, .closing),
            .parseError: (.none, .active(.init(keepAlive: false, requestEnded: true))),
            .headTimedOut: (.none, read), .bodyTimedOut: (.none, read), .channelClosed: (.abortRequest, .closing),
            .quiesce: (.none, read),
            .dispatched: (.none, dispatched),
            .responseHead: (
                .writeResponseHead(keepAlive: true),
                .active(.init(keepAlive: true, requestEnded: true, responseStarted: true))
            ),
            .responseEnd: (.discard, read), .requestFailed: (.answerError, .closing),
            .tunnelEstablished: (.spliceTunnel, .tunnel),
        ],
        "dispatched": [
            .head: (.holdPipelinedPart, dispatched), .body: (.holdPipelinedPart, dispatched),
            .end: (.holdPipelinedPart, dispatched), .inputEnded: (.none, dispatched),
            .parseError: (.none, .active(.init(keepAlive: false, requestEnded: true, dispatched: true))),
            .headTimedOut: (.none, dispatched), .bodyTimedOut: (.none, dispatched),
            .channelClosed: (.abortRequest, .closing),
            .quiesce: (.none, dispatched), .dispatched: (.none, dispatched),
            .responseHead: (.writeResponseHead(keepAlive: true), responding), .responseEnd: (.discard, dispatched),
            .requestFailed: (.answerError, .closing), .tunnelEstablished: (.spliceTunnel, .tunnel),
        ],
        "responding": [
            .head: (.holdPipelinedPart, responding), .body: (.holdPipelinedPart, responding),
            .end: (.holdPipelinedPart, responding), .inputEnded: (.none, responding),
            .parseError: (
                .none, .active(.init(keepAlive: false, requestEnded: true, dispatched: true, responseStarted: true))
            ),
            .headTimedOut: (.none, responding), .bodyTimedOut: (.none, responding),
            .channelClosed: (.abortRequest, .closing),
            .quiesce: (.none, responding), .dispatched: (.none, responding), .responseHead: (.discard, responding),
            .responseEnd: (.finishRequest(then: .readNext), .idle), .requestFailed: (.abortRequest, .closing),
            .tunnelEstablished: (.spliceTunnel, .tunnel),
        ],
        "tunnel": Dictionary(
            uniqueKeysWithValues: Event.allCases.map { event in
                if event == .channelClosed { return (event, (.none, .closing)) }  // the relay finishes the request
                return [.head, .body, .end, .responseHead, .responseEnd].contains(event)
                    ? (event, (.discard, .tunnel)) : (event, (.none, .tunnel))
            }),
        "closing": Dictionary(
            uniqueKeysWithValues: Event.allCases.map { event in
                ([.head, .body, .end, .responseHead, .responseEnd].contains(event) ? (event, (.discard, .closing))
                    : (event, (.none, .closing)))
            }),
    ]

    @Test(arguments: states.map(\.name))
    func everyEventInState(_ name: String) throws {
        let path = try #require(Self.states.first { $0.name == name }).path
        let table = try #require(Self.expected[name])
        #expect(Set(table.keys) == Set(Event.allCases), "the table covers every event")
        for event in Event.allCases {
            var machine = Self.machine(after: path)
            let action = event.apply(to: &machine)
            let (expectedAction, expectedState) = try #require(table[event])
            #expect(action == expectedAction, "\(event) in state \(name)")
            #expect(machine.state == expectedState, "state after \(event) in state \(name)")
        }
    }

    @Test func aDrainLetsAConnectionBetweenRequestsLingerAndServesAFreshOnesFirstRequest() {
        var between = Self.machine(after: [.head, .end, .dispatched, .responseHead, .responseEnd])
        #expect(between.state == .idle)
        #expect(between.quiesce() == .lingerThenClose && between.state == .idle, "a request on its way is served")
        #expect(between.requestHead(keepAlive: true) == .startRequest)
        _ = between.requestEnd()
        #expect(between.responseHead(upstreamKeepAlive: true) == .writeResponseHead(keepAlive: false), "its last")
        #expect(between.responseEnd() == .finishRequest(then: .close))
        var quiet = Self.machine(after: [.head, .end, .dispatched, .responseHead, .responseEnd])
        _ = quiet.quiesce()
        #expect(quiet.headTimedOut(bytesReceived: false) == .close, "nothing came: the linger ends in a silent close")
        var fresh = Machine()
        #expect(fresh.quiesce() == .none, "its request is on its way")
        #expect(fresh.requestHead(keepAlive: true) == .startRequest)
        _ = fresh.requestEnd()
        #expect(fresh.responseHead(upstreamKeepAlive: true) == .writeResponseHead(keepAlive: false))
        #expect(fresh.responseEnd() == .finishRequest(then: .close))
    }

    @Test func aResponseEndsWithCloseWhenTheConnectionCannotContinue() {
        let ways: [(String, [Event], Bool)] = [
            ("client shut its side", [.head, .end, .dispatched, .inputEnded], true),
            ("listener draining", [.head, .end, .dispatched, .quiesce], true),
            ("garbage behind the request", [.head, .end, .dispatched, .parseError], true),
            ("request still streaming", [.head, .dispatched], true),
        ]
        for (why, path, keepAlive) in ways {
            var machine = Self.machine(after: path)
            let head = machine.responseHead(upstreamKeepAlive: keepAlive)
            if case .writeResponseHead(let staysOpen) = head {
                #expect(staysOpen == (why == "request still streaming"), "\(why)")
            } else {
                Issue.record("\(why): \(head)")
            }
            #expect(machine.responseEnd() == .finishRequest(then: .close), "\(why)")
            #expect(machine.state == .closing)
        }
        var upstreamCloses = Self.machine(after: [.head, .end, .dispatched])
        #expect(upstreamCloses.responseHead(upstreamKeepAlive: false) == .writeResponseHead(keepAlive: false))
        #expect(upstreamCloses.responseEnd() == .finishRequest(then: .close))
        var clientCloses = Machine()
        _ = clientCloses.requestHead(keepAlive: false)
        _ = clientCloses.requestEnd()
        #expect(clientCloses.responseHead(upstreamKeepAlive: true) == .writeResponseHead(keepAlive: false))
        #expect(clientCloses.responseEnd() == .finishRequest(then: .close))
    }

    @Test func aStalledBodyEndsTheRequestOnceWhateverTheResponseDid() {
        var unanswered = Self.machine(after: [.head, .dispatched])
        #expect(unanswered.requestBodyTimedOut() == .answerError)
        var streaming = Self.machine(after: [.head, .dispatched, .responseHead])
        #expect(streaming.requestBodyTimedOut() == .abortRequest)
        #expect(streaming.requestBodyTimedOut() == .none)
        #expect(streaming.responseEnd() == .discard)
    }

    @Test func anIdleConnectionThatNeverSentAByteClosesSilentlyOnTimeout() {
        var machine = Machine()
        #expect(machine.headTimedOut(bytesReceived: false) == .close)
        #expect(machine.state == .closing)
    }

    @Test func aHeldPipelinedRequestStartsOnceTheOneBeforeItIsFinished() {
        var machine = Self.machine(after: [.head, .end, .dispatched, .responseHead])
        #expect(machine.requestHead(keepAlive: true) == .holdPipelinedPart)
        #expect(machine.responseEnd() == .finishRequest(then: .readNext))
        #expect(machine.requestHead(keepAlive: true) == .startRequest)
    }

    /// Random sequences of events, each ended by the connection closing: a request that started ends exactly
    /// once, nothing ends a request that is not there, and once a close was asked for no second one follows.
    @Test func randomSequencesKeepBothPromises() {
        var random = SplitMix64(seed: 12)
        let events = Event.allCases.filter { $0 != .channelClosed }
        for _ in 0..<20_000 {
            var checker = ConnectionPromiseChecker()
            var broken: String?
            for _ in 0..<Int(random.next() % 12) where broken == nil {
                let event = events[Int(random.next() % UInt64(events.count))]
                broken = checker.apply(event, keepAlive: random.next() % 4 != 0)
            }
            #expect((broken ?? checker.finish()) == nil)
        }
    }
}

/// A small deterministic generator, so a failing sequence can be replayed.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
