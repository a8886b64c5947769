import NIOCore
import NIOEmbedded
import Testing

@testable import SwitchyardProxy

/// The first byte of a connection on a `protocols: [http, socks5]` listener picks the handlers it gets.
struct ProtocolSnifferTests {
    private func sniff(_ bytes: [UInt8]) throws -> (ProxyListenerSettings.ClientProtocol?, [UInt8]?, EmbeddedChannel) {
        let channel = EmbeddedChannel()
        var chosen: ProxyListenerSettings.ClientProtocol?
        try channel.pipeline.syncOperations.addHandler(ProtocolSniffer(timeout: .seconds(1)) { chosen = $0 })
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        let passed = try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) }
        return (chosen, passed, channel)
    }

    @Test func aSOCKS5GreetingAndAnHTTPRequestAreToldApart() throws {
        let socks = try sniff([0x05, 0x01, 0x00])
        #expect(socks.0 == .socks5)
        #expect(socks.1 == [0x05, 0x01, 0x00], "the greeting goes on to the SOCKS5 handlers whole")
        #expect(throws: (any Error).self) { try socks.2.pipeline.syncOperations.handler(type: ProtocolSniffer.self) }
        for request in ["GET http://a/ HTTP/1.1\r\n", "CONNECT a:443 HTTP/1.1\r\n", "\u{04}"] {
            let http = try sniff(Array(request.utf8))
            #expect(http.0 == .http, "\(request)")
            #expect(http.1 == Array(request.utf8))
        }
    }

    @Test func aDrainBeforeTheFirstByteReachesTheProtocolsHandlersAfterIt() throws {
        let channel = EmbeddedChannel()
        let events = EventRecorder()
        try channel.pipeline.syncOperations.addHandler(ProtocolSniffer(timeout: .seconds(1)) { _ in
            try channel.pipeline.syncOperations.addHandler(events)
        })
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(channel.isActive, "the client's first request is on its way")
        try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n"))
        #expect(events.quiesced, "the HTTP handler learns of the drain, so it closes after that request")
    }

    @Test func aClientThatSendsNothingIsClosedAfterTheTimeout() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ProtocolSniffer(timeout: .seconds(1)) { _ in })
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }
}

/// Records whether a drain reached it.
private final class EventRecorder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private(set) var quiesced = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { quiesced = true }
        context.fireUserInboundEventTriggered(event)
    }
}
