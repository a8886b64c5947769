import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

@testable import SwitchyardProxy

/// `HTTPConnectionHandler` in its real pipeline on an `EmbeddedChannel`: the paths that need no upstream — error
/// answers, malformed and oversized input, timeouts, half-close and drain — each end the connection exactly once.
struct ConnectionHandlerTests {
    /// A planner that refuses every request with 404 and counts how often it was asked.
    final class RefusingPlanner: RequestPlanner {
        let asked = Mutex(0)
        func plan(_ head: HTTPRequestHead, client: ClientContext) -> RequestPlan {
            asked.withLock { $0 += 1 }
            return .reject(.notFound, "nothing at \(head.uri)")
        }
    }

    private func connection(
        planner: RefusingPlanner = RefusingPlanner(), headerRead: TimeAmount = .seconds(10)
    ) throws -> EmbeddedChannel {
        let settings = ProxyListenerSettings(
            listenerName: "test", planner: planner, users: nil, idleTimeout: .seconds(60),
            headerReadTimeout: headerRead, maxHeaderBytes: 1024, assignsRequestIDs: false, metrics: nil,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let channel = EmbeddedChannel()
        try ProxyPipeline.configure(channel, settings: settings)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// Everything the handler wrote to the client so far.
    private func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func aRefusedRequestIsAnsweredAndTheConnectionClosedOnce() throws {
        let planner = RefusingPlanner()
        let channel = try connection(planner: planner)
        // A second request pipelined behind the first is never planned: the error answer ends the connection.
        try channel.writeInbound(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"))
        let answer = try written(channel)
        #expect(answer.hasPrefix("HTTP/1.1 404"), "\(answer)")
        #expect(answer.hasSuffix("nothing at /a\n"))
        #expect(!channel.isActive)
        #expect(planner.asked.withLock { $0 } == 1)
    }

    /// Found by the `request-head` fuzz target (LeakSanitizer): the handler kept its context, which holds the
    /// handler, so every closed connection leaked both.
    @Test func aClosedConnectionFreesItsHandler() throws {
        weak var handler: HTTPConnectionHandler?
        try {
            let channel = try connection()
            handler = try channel.pipeline.syncOperations.handler(type: HTTPConnectionHandler.self)
            try channel.writeInbound(ByteBuffer(string: "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"))
            #expect(try written(channel).hasPrefix("HTTP/1.1 404"))
            #expect(!channel.isActive)
            channel.embeddedEventLoop.run()  // the pipeline lets go of its handlers on the tick after the close
        }()
        #expect(handler == nil)
    }

    @Test func malformedAndOversizedHeadsGetTheirStatus() throws {
        for (input, status) in [
            ("NOT HTTP AT ALL\r\n\r\n", "400"),
            ("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 2000))\r\n\r\n", "431"),
            ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", "400"),
        ] {
            let channel = try connection()
            _ = try? channel.writeInbound(ByteBuffer(string: input))  // the parser error also surfaces here
            let answer = try written(channel)
            #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(input.prefix(20)): \(answer)")
            #expect(!channel.isActive)
        }
    }

    @Test func aHeadThatNeverCompletesGets408AndSilenceJustCloses() throws {
        let partial = try connection(headerRead: .seconds(5))
        try partial.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHo"))
        partial.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(partial.isActive)
        partial.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(try written(partial).hasPrefix("HTTP/1.1 408"))
        #expect(!partial.isActive)

        let silent = try connection(headerRead: .seconds(5))
        silent.embeddedEventLoop.advanceTime(by: .seconds(6))
        #expect(try written(silent).isEmpty, "nobody asked anything: no answer, just a close")
        #expect(!silent.isActive)
    }

    @Test func anIdleConnectionClosesWhenItsInputEndsAndADrainGivesAFreshOneItsHeadTime() throws {
        let halfClosed = try connection()
        halfClosed.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(!halfClosed.isActive)

        let draining = try connection(headerRead: .seconds(5))
        draining.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(draining.isActive, "accepted a moment ago: its first request is on the way")
        draining.embeddedEventLoop.advanceTime(by: .seconds(6))
        #expect(!draining.isActive)
        #expect(try written(draining).isEmpty)
    }

    @Test func aPartialHeadFollowedByAFinIsNeverPlannedAndCloses() throws {
        let planner = RefusingPlanner()
        let channel = try connection(planner: planner)
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\nHo"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(!channel.isActive)
        let answer = try written(channel)
        #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 400"), "the truncated head is at most called malformed")
        #expect(planner.asked.withLock { $0 } == 0)
    }
}
